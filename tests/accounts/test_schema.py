"""Divan's OpenAPI schema documents what the accounts work added to its auth endpoints and
points to allauth's own document, which is served and describes the headless API the hub uses."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_our_schema_documents_the_code_the_flags_and_a_pending_sign_up():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    assert "/api/_allauth/openapi.json" in schema["info"]["description"]
    for path in ("/api/auth/token/", "/api/auth/session/"):
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": "#/components/schemas/SignInRequest"}
    assert set(components["SignInRequest"]["properties"]) == {"username", "password", "code"}
    assert components["SignInRequest"]["required"] == ["password", "username"]
    for name in ("User", "Registered"):
        assert {"email_verified", "two_factor"} <= set(components[name]["properties"])
        assert components[name]["properties"]["two_factor"]["type"] == "boolean"
    for path in ("/api/auth/register/", "/api/auth/session/register/"):
        responses = schema["paths"][path]["post"]["responses"]
        assert responses["202"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/SignupPending"
        }
    assert set(components["SignupPending"]["properties"]) == {"detail", "email"}


def test_allauths_document_describes_the_headless_api_the_hub_uses():
    response = Client().get("/api/_allauth/openapi.json")

    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/_allauth/{client}/v1/auth/signup",
        "/api/_allauth/{client}/v1/auth/login",
        "/api/_allauth/{client}/v1/auth/email/verify",
        "/api/_allauth/{client}/v1/auth/password/request",
        "/api/_allauth/{client}/v1/auth/password/reset",
        "/api/_allauth/{client}/v1/auth/reauthenticate",
        "/api/_allauth/{client}/v1/auth/2fa/authenticate",
        "/api/_allauth/{client}/v1/account/email",
        "/api/_allauth/{client}/v1/account/password/change",
        "/api/_allauth/{client}/v1/account/authenticators/totp",
        "/api/_allauth/{client}/v1/account/authenticators/recovery-codes",
    } <= paths
