"""allauth's headless sign-up, answering as REGISTRATION_MODE says: mounted in front of
allauth's own at the same paths (config/urls.py), for both its clients."""

from allauth.headless.account.views import SignupView as AllauthSignupView
from allauth.headless.constants import Client
from django.http import JsonResponse
from django.urls import path
from django.utils.cache import add_never_cache_headers

from accounts.registration import AWAITING_APPROVAL, SIGNUP_CLOSED, signup_open


def _answer(status: int, detail: str) -> JsonResponse:
    """allauth's envelope (`status`) with DRF's `detail`."""
    response = JsonResponse({"status": status, "detail": detail}, status=status)
    add_never_cache_headers(response)
    return response


class SignupView(AllauthSignupView):
    """allauth's sign-up, except that a closed site says so (403) before reading the input (so
    that no field's error is told first), and that an account made to wait for approval is
    told so (202) instead of allauth's "not signed in" (401)."""

    def handle(self, request, *args, **kwargs):
        if request.method == "POST" and not signup_open():
            return _answer(403, SIGNUP_CLOSED)
        return super().handle(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        admission = getattr(self.input, "admission", None)
        if response.status_code < 500 and admission is not None and admission.awaiting_approval:
            return _answer(202, AWAITING_APPROVAL)
        return response


app_name = "accounts-headless"
urlpatterns = [
    path(f"{client.value}/v1/auth/signup", SignupView.as_api_view(client=client), name="signup")
    for client in (Client.BROWSER, Client.APP)
]
