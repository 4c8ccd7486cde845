"""Auth endpoints: register, obtain a token, log out (revoke it), and who am I."""

from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response

from divan.api.serializers import (
    EmptySerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenSerializer,
    UserSerializer,
)
from divan.services.users import token_issue, token_revoke, user_register


class RegisterView(generics.GenericAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = RegisterSerializer

    @extend_schema(responses={201: RegisteredSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
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
