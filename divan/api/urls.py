from django.urls import path

from divan.api import views

app_name = "auth"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.MeView.as_view(), name="me"),
    path("session/", views.SessionView.as_view(), name="session"),
    path("session/register/", views.SessionRegisterView.as_view(), name="session-register"),
]
