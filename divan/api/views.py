"""Auth endpoints: register, obtain a token, log out (revoke it), who am I, and a browser
session (an HttpOnly cookie, with CSRF protection) for the hub, which may also register into one.
Sign-up and sign-in go through django-allauth's forms and flows (accounts.services): the same
rules as its headless API at /api/_allauth/ (README, Accounts)."""

from django.contrib.auth import login, logout
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from accounts.registration import AWAITING_APPROVAL, SignupClosed, signup_open
from accounts.selectors import account_flags
from accounts.services.registration import sign_in_check, user_sign_up
from divan.api.serializers import (
    DetailSerializer,
    EmptySerializer,
    RegisteredSerializer,
    RegisterSerializer,
    SignInSerializer,
    SignupPendingSerializer,
    TokenSerializer,
    UserSerializer,
)
from divan.services.users import token_issue, token_revoke

SIGNUP_PENDING = (
    "Check your inbox: we sent a link to {email}. Follow it to confirm the address, then sign in."
)
# What a sign-up answers besides its account: REGISTRATION_MODE's refusal, and a sign-up that
# signed nobody in yet.
SIGN_UP_RESPONSES = {
    202: OpenApiResponse(
        SignupPendingSerializer,
        "Nobody is signed in yet: the account waits for staff's approval (`detail` alone), or "
        "verification is mandatory and the address's link must be followed first (`detail` and "
        "`email`; the same answer whether or not the address already had an account).",
    ),
    403: OpenApiResponse(DetailSerializer, "Sign-up is closed."),
}


def _user_data(user) -> dict:
    return UserSerializer(account_flags(user=user)).data


def _sign_up(view, request):
    """A valid sign-up, as REGISTRATION_MODE says (accounts.registration), on allauth's flow."""
    if not signup_open():
        raise SignupClosed()  # before the fields: a closed site says so, whatever was sent
    serializer = view.get_serializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return user_sign_up(request=request._request, **serializer.validated_data)


def _signed_in_nobody(signup) -> Response:
    """The answer to a sign-up that signed nobody in: it waits for approval, or verification is
    mandatory (the same answer whether an account was made or the address already had one)."""
    if signup.awaiting_approval:
        return Response({"detail": AWAITING_APPROVAL}, status=status.HTTP_202_ACCEPTED)
    return Response(
        {"detail": SIGNUP_PENDING.format(email=signup.email), "email": signup.email},
        status=status.HTTP_202_ACCEPTED,
    )


class RegisterView(generics.GenericAPIView):
    """Sign up, and get an API token; as REGISTRATION_MODE allows (README, Sign-up and sign-in
    protection): a closed site answers 403, an account that waits for approval 202. With
    verification mandatory, no token before the address is verified: a 202 says where the link
    went, then `token/` works."""

    permission_classes = [permissions.AllowAny]
    serializer_class = RegisterSerializer

    @extend_schema(responses={201: RegisteredSerializer, **SIGN_UP_RESPONSES})
    def post(self, request):
        signup = _sign_up(self, request)
        # allauth's flow signs the new user in to a session; an API client gets a token instead
        request._request.session.flush()
        request._request.user = AnonymousUser()
        if not signup.signed_in:
            return _signed_in_nobody(signup)
        data = {**_user_data(signup.user), "token": token_issue(user=signup.user).key}
        return Response(data, status=status.HTTP_201_CREATED)


class TokenView(generics.GenericAPIView):
    """An API token for a username and password, and, with two-factor sign-in on, a `code`."""

    permission_classes = [permissions.AllowAny]
    serializer_class = SignInSerializer

    @extend_schema(responses={200: TokenSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        sign_in_check(request=request._request, user=user,
                      code=serializer.validated_data.get("code"))  # fmt: skip
        token = token_issue(user=user)
        return Response({"token": token.key})


class LogoutView(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EmptySerializer

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        token_revoke(user=request.user)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = UserSerializer

    def get_object(self):
        return account_flags(user=self.request.user)


class SessionSerializer(serializers.Serializer):
    user = UserSerializer(allow_null=True)
    csrf_token = serializers.CharField(
        help_text="Send it back as the X-CSRFToken header with every write of this session."
    )


def _session(request) -> Response:
    user = request.user if request.user.is_authenticated else None
    return Response({"user": _user_data(user) if user else None,
                     "csrf_token": get_token(request)})  # fmt: skip


class SessionView(generics.GenericAPIView):
    """A browser's session: GET it (who is signed in, and the CSRF token to send back), POST
    `username` and `password` (and `code`, with two-factor sign-in on) to sign in (the CSRF
    token required), DELETE to sign out. The session lives in an HttpOnly, SameSite cookie: no
    script can read the credential."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = [SessionAuthentication]
    serializer_class = SignInSerializer

    @extend_schema(responses={200: SessionSerializer})
    def get(self, request):
        return _session(request)

    @extend_schema(responses={200: SessionSerializer})
    def post(self, request):
        SessionAuthentication().enforce_csrf(request)  # a forged sign-in is refused too
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        sign_in_check(request=request._request, user=user,
                      code=serializer.validated_data.get("code"))  # fmt: skip
        login(request, user)
        return _session(request)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if request.user.is_authenticated:  # SessionAuthentication checked its CSRF token
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionRegisterView(generics.GenericAPIView):
    """Register and sign in to a browser session in one step, for the hub: the CSRF token
    required, as for a sign-in; no API token is issued, so the browser holds no credential a
    script could read. Nobody is signed in (202) while the account waits for approval, or, with
    verification mandatory, before the address is verified."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = [SessionAuthentication]
    serializer_class = RegisterSerializer

    @extend_schema(
        request=RegisterSerializer, responses={201: SessionSerializer, **SIGN_UP_RESPONSES}
    )
    def post(self, request):
        SessionAuthentication().enforce_csrf(request)  # a forged registration is refused too
        signup = _sign_up(self, request)
        if not signup.signed_in:
            return _signed_in_nobody(signup)
        request.user = signup.user  # allauth signed the Django request in; DRF's follows
        response = _session(request)  # signing in rotated the CSRF token: this is the new one
        response.status_code = status.HTTP_201_CREATED
        return response
