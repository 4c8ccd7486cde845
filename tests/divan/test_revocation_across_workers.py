"""Over real HTTP, gunicorn with two workers: a token revoked, a password changed, a user
deactivated or a session signed out is refused by the next request, whichever worker answers
(each worker logs its pid with every request, so the test sees both answer)."""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from bench.server import free_port
from divan.models import User
from divan.services.users import token_issue
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the workers read what the test commits
ROOT = Path(__file__).resolve().parents[2]
ME = "/api/auth/me/"
START_SECONDS = 60
ROUNDS = 12  # concurrent pairs of requests after each revocation


@pytest.fixture
def two_workers(tmp_path):
    """gunicorn -w 2 on this run's test database and Redis prefix; yields (origin, access log)."""
    database = connection.settings_dict
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "divan-two-workers-test-secret-key-0123456789-abcdefghij",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}"
            f":{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,  # this run's keys, cleaned after each test
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "2", "--bind",
         f"127.0.0.1:{port}", "--access-logfile", str(access_log),
         "--access-logformat", "%(p)s %(m)s %(U)s %(s)s"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if requests.get(f"{origin}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or busy starting
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{(tmp_path / 'gunicorn.log').read_text()}")
            time.sleep(0.1)  # polling a starting server, with the deadline above
        yield origin, access_log
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


def _answers(origin, access_log, *, headers=None, cookies=None) -> tuple[set[int], set[str]]:
    """Pairs of GET me/ sent at once, ROUNDS of them and then more until both workers have
    answered (which of them takes a request is the kernel's choice, and a busy machine may
    give one of them many in a row): the statuses, and the pids of the workers that answered
    (from the access log's lines added meanwhile)."""
    seen = len(access_log.read_text().splitlines()) if access_log.exists() else 0

    def get(_):
        return requests.get(f"{origin}{ME}", headers=headers, cookies=cookies, timeout=10)

    statuses: set[int] = set()
    sent = 0
    lines: list[str] = []
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(max_workers=2) as pool:
        while True:
            statuses |= {response.status_code for response in pool.map(get, range(2 * ROUNDS))}
            sent += 2 * ROUNDS
            while True:  # gunicorn writes its access log line after the answer
                lines = [line for line in access_log.read_text().splitlines()[seen:] if ME in line]
                if len(lines) >= sent or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            workers = {line.split()[0] for line in lines}
            if len(workers) >= 2 or time.monotonic() > deadline:
                return statuses, workers


@pytest.mark.parametrize("revoke", ["sign-out", "password", "deactivated"])
def test_a_revoked_token_is_refused_by_every_worker(two_workers, revoke):
    origin, access_log = two_workers
    user = UserFactory()
    headers = {"Authorization": f"Token {token_issue(user=user).key}"}
    statuses, workers = _answers(origin, access_log, headers=headers)
    assert statuses == {200}

    if revoke == "sign-out":  # through a worker
        assert requests.post(f"{origin}/api/auth/logout/", headers=headers).status_code == 204
    elif revoke == "password":
        user.set_password("another-long-pass-phrase")
        user.save()
    else:
        user.is_active = False
        user.save()

    statuses, workers = _answers(origin, access_log, headers=headers)
    assert statuses == {401}
    assert len(workers) == 2, workers


def test_a_signed_out_session_is_refused_by_every_worker(two_workers):
    origin, access_log = two_workers
    user = UserFactory()
    hasher = PBKDF2PasswordHasher()  # production's, where the test settings hash with MD5
    User.objects.filter(pk=user.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
    browser = requests.Session()
    csrf = browser.get(f"{origin}/api/auth/session/").json()["csrf_token"]
    signed_in = browser.post(
        f"{origin}/api/auth/session/",
        json={"username": user.username, "password": PASSWORD},
        headers={"X-CSRFToken": csrf},
    )
    assert signed_in.status_code == 200, signed_in.text
    cookies = browser.cookies.get_dict()
    statuses, _ = _answers(origin, access_log, cookies=cookies)
    assert statuses == {200}

    csrf = browser.get(f"{origin}/api/auth/session/").json()["csrf_token"]
    assert (
        browser.delete(f"{origin}/api/auth/session/", headers={"X-CSRFToken": csrf}).status_code
        == 204
    )

    statuses, workers = _answers(origin, access_log, cookies=cookies)  # the old cookie, again
    assert statuses == {401}
    assert len(workers) == 2, workers
