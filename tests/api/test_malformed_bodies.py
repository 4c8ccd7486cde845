"""No body, however malformed, deep or large, gets a 500: a 400 or 413 in DRF's error shape,
nothing written, and nothing logged as a server error."""

import json
import logging

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from communities.models import Group, Membership, ModerationLogEntry, Post, Reaction, Report
from divan.models import User
from tests.api.helpers import concrete, groups_url
from tests.factories import UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db


def nested(levels: int, leaf=1):
    """A JSON text of `levels` nested lists around `leaf`, built without recursion."""
    return "[" * levels + json.dumps(leaf) + "]" * levels


TOO_DEEP = {"detail": "JSON parse error - nested deeper than 32 levels."}
TOO_MANY_FIELDS = {"detail": "The request has too many fields: at most 1000."}
TOO_LARGE = {"detail": "The request body is too large: at most 1048576 bytes."}

# (what, body, content type, status, answer); the limits are the settings' defaults.
BAD_BODIES = [
    ("1,000 levels", '{"name": ' + nested(1_000) + "}", "application/json", 400, TOO_DEEP),
    ("100,000 levels", nested(100_000), "application/json", 400, TOO_DEEP),
    ("33 levels", nested(33), "application/json", 400, TOO_DEEP),
    (
        "1,001 keys",
        json.dumps({f"k{n}": n for n in range(1_001)}),
        "application/json",
        400,
        TOO_MANY_FIELDS,
    ),
    ("1,001 list items", json.dumps({"tags": ["t"] * 1_001}), "application/json", 400,
     TOO_MANY_FIELDS),
    ("1,001 form fields", "&".join(f"k{n}=v" for n in range(1_001)),
     "application/x-www-form-urlencoded", 400, TOO_MANY_FIELDS),
    ("1 MiB and a byte", json.dumps({"body": "x" * (1024 * 1024)}), "application/json", 413,
     TOO_LARGE),
    ("a large multipart body", "--b\r\n" + "x" * (1024 * 1024 + 1),
     "multipart/form-data; boundary=b", 413, TOO_LARGE),
]  # fmt: skip


def counts() -> dict:
    models = (User, Group, Membership, Post, Reaction, Report, ModerationLogEntry)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def no_server_errors_logged(caplog):
    caplog.set_level(logging.INFO)
    yield
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []


def test_the_limits_are_the_documented_defaults():
    assert (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        settings.REQUEST_BODY_MAX_DEPTH,
    ) == (1024 * 1024, 1000, 32)


@pytest.mark.usefixtures("no_server_errors_logged")
def test_a_1000_level_username_asking_for_a_token_is_a_400():
    body = '{"username": ' + nested(1_000) + ', "password": "x"}'

    response = APIClient().post("/api/auth/token/", data=body, content_type="application/json")

    assert (response.status_code, response.json()) == (400, TOO_DEEP)


@pytest.mark.usefixtures("no_server_errors_logged")
def test_every_endpoint_that_takes_a_body_refuses_every_bad_one(every_kind_of_row):
    """Every operation of the schema with a request body, called by the group's owner (so that
    nothing but the body can refuse it), with each bad body, with and without an
    Idempotency-Key: the exact 400 or 413, and nothing written."""
    owner = Group.objects.get(pk=every_kind_of_row["groups"]).created_by
    client = client_for(owner)
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operations = [
        (method, concrete(path, every_kind_of_row))
        for path, item in schema.json()["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(operations) >= 20
    before = counts()

    answers = {}
    for method, path in operations:
        for n, (what, body, content_type, status, answer) in enumerate(BAD_BODIES):
            for headers in ({}, {"Idempotency-Key": f"{method}-{path}-{n}"}):
                response = getattr(client, method)(
                    path, data=body, content_type=content_type, headers=headers
                )
                got = (response.status_code, response.json())
                if got != (status, answer):
                    answers[f"{method.upper()} {path} {what} {headers}"] = got
    assert answers == {}
    assert counts() == before


def test_nesting_up_to_the_limit_is_parsed_and_judged_by_the_fields():
    client = client_for(UserFactory())

    at_limit = client.post(  # the object, then 31 lists in each other: 32 levels
        groups_url(), data='{"name": ' + nested(31, "x") + "}", content_type="application/json"
    )
    past_limit = client.post(
        groups_url(), data='{"name": ' + nested(32, "x") + "}", content_type="application/json"
    )

    assert (at_limit.status_code, at_limit.json()) == (400, {"name": ["Not a valid string."]})
    assert (past_limit.status_code, past_limit.json()) == (400, TOO_DEEP)
    assert Group.objects.count() == 0


@pytest.mark.usefixtures("no_server_errors_logged")
def test_a_query_string_with_too_many_parameters_is_a_400():
    query = "&".join(f"k{n}=v" for n in range(1_001))

    response = APIClient().get(f"{groups_url()}?{query}")

    assert (response.status_code, response.json()) == (400, TOO_MANY_FIELDS)


@pytest.mark.usefixtures("no_server_errors_logged")
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_the_body_limit_is_a_setting_and_holds_on_every_path():
    too_large = {"detail": "The request body is too large: at most 100 bytes."}
    body = json.dumps({"username": "zoe", "password": "x" * 100})

    for path in ("/api/auth/token/", "/admin/login/", groups_url()):
        response = APIClient().post(path, data=body, content_type="application/json")
        assert (response.status_code, response.json()) == (413, too_large), path


def test_an_action_that_takes_no_body_never_reads_one(public_world):
    """join/ takes no body: a malformed one is not read, and the join is done as without it."""
    outsider = public_world.user("outsider")

    response = client_for(outsider).post(
        f"{groups_url()}{public_world.group.pk}/join/",
        data=nested(1_000),
        content_type="application/json",
    )

    assert response.status_code == 201
    assert Membership.objects.filter(group=public_world.group, user=outsider).exists()


@pytest.mark.usefixtures("no_server_errors_logged")
def test_a_multipart_body_with_too_many_files_is_a_400():
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = {f"f{n}": SimpleUploadedFile(f"{n}.txt", b"x") for n in range(11)}

    response = client_for(UserFactory()).post(groups_url(), {"name": "x", **files})

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The request has too many files: at most 10."},
    )
    assert Group.objects.count() == 0
