"""Auth endpoints: register, obtain a token, log out (revoke it), who am I, and a browser
session (an HttpOnly cookie, with CSRF protection) for the hub, which may also register into one."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response

from accounts.registration import AWAITING_APPROVAL, SignupClosed, signup_open
from accounts.services.registration import user_sign_up
from divan.api.serializers import (
    DetailSerializer,
    EmptySerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenSerializer,
    UserSerializer,
)
from divan.services.users import token_issue, token_revoke

# What a sign-up answers besides its account: REGISTRATION_MODE's refusals and its wait.
SIGN_UP_RESPONSES = {
    202: OpenApiResponse(DetailSerializer, "The account waits for staff's approval."),
    403: OpenApiResponse(DetailSerializer, "Sign-up is closed."),
}


def _sign_up(serializer):
    """The account a valid sign-up makes, as REGISTRATION_MODE says (accounts.registration)."""
    serializer.is_valid(raise_exception=True)
    return user_sign_up(**serializer.validated_data)


def _awaiting_approval() -> Response:
    return Response({"detail": AWAITING_APPROVAL}, status=status.HTTP_202_ACCEPTED)


class RegisterView(generics.GenericAPIView):
    """Sign up, and get an API token; as REGISTRATION_MODE allows (README, Sign-up and sign-in
    protection): a closed site answers 403, an account that waits for approval 202."""

    permission_classes = [permissions.AllowAny]
    serializer_class = RegisterSerializer

    @extend_schema(responses={201: RegisteredSerializer, **SIGN_UP_RESPONSES})
    def post(self, request):
        if not signup_open():
            raise SignupClosed()  # before the fields: a closed site says so, whatever was sent
        user = _sign_up(self.get_serializer(data=request.data))
        if not user.is_active:
            return _awaiting_approval()
        user.token = token_issue(user=user).key
        return Response(RegisteredSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(generics.GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = AuthTokenSerializer

    @extend_schema(responses={200: TokenSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_issue(user=serializer.validated_data["user"])
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
        return self.request.user


class SessionSerializer(serializers.Serializer):
    user = UserSerializer(allow_null=True)
    csrf_token = serializers.CharField(
        help_text="Send it back as the X-CSRFToken header with every write of this session."
    )


def _session(request) -> Response:
    user = request.user if request.user.is_authenticated else None
    return Response({"user": UserSerializer(user).data if user else None,
                     "csrf_token": get_token(request)})  # fmt: skip


class SessionView(generics.GenericAPIView):
    """A browser's session: GET it (who is signed in, and the CSRF token to send back), POST
    `username` and `password` to sign in (the CSRF token required), DELETE to sign out. The
    session lives in an HttpOnly, SameSite cookie: no script can read the credential."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = [SessionAuthentication]
    serializer_class = AuthTokenSerializer

    @extend_schema(responses={200: SessionSerializer})
    def get(self, request):
        return _session(request)

    @extend_schema(responses={200: SessionSerializer})
    def post(self, request):
        SessionAuthentication().enforce_csrf(request)  # a forged sign-in is refused too
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        login(request, serializer.validated_data["user"])
        return _session(request)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if request.user.is_authenticated:  # SessionAuthentication checked its CSRF token
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionRegisterView(generics.GenericAPIView):
    """Register and sign in to a browser session in one step, for the hub: the CSRF token
    required, as for a sign-in; no API token is issued, so the browser holds no credential a
    script could read."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = [SessionAuthentication]
    serializer_class = RegisterSerializer

    @extend_schema(
        request=RegisterSerializer, responses={201: SessionSerializer, **SIGN_UP_RESPONSES}
    )
    def post(self, request):
        SessionAuthentication().enforce_csrf(request)  # a forged registration is refused too
        if not signup_open():
            raise SignupClosed()
        user = _sign_up(self.get_serializer(data=request.data))
        if not user.is_active:
            return _awaiting_approval()  # not signed in
        # login() must be told a backend when several are configured: the one tried first
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        response = _session(request)  # login rotated the CSRF token: this is the new one
        response.status_code = status.HTTP_201_CREATED
        return response
