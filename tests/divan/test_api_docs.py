"""The API docs page (Swagger UI) renders offline and loads everything from Divan's own origin.

The browser test serves Divan the way production does (gunicorn, config.settings.prod, static
files through WhiteNoise) and loads /api/docs/ in the system's headless Chromium, driven by
Playwright, with every request to another host aborted.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"  # Debian's; `make test` installs it (scripts/apt-ensure)
SERVER_START_SECONDS = 30
RENDER_TIMEOUT_MS = 20_000


class _AssetReferences(HTMLParser):
    """Collects what a page loads by itself: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_docs_page_references_only_assets_of_its_own_origin():
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    parser = _AssetReferences()
    parser.feed(response.content.decode())

    assert parser.urls, "the docs page references no script, stylesheet or image"
    page_url = "http://testserver/api/docs/"
    assert {_origin(urljoin(page_url, url)) for url in parser.urls} == {"http://testserver"}
    for url in parser.urls:  # each one is there, served without collectstatic
        asset = client.get(urljoin(page_url, url))
        assert asset.status_code == 200, url
        assert asset.getvalue(), url  # reading a streamed file to its end also closes it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(params=["checkout", "collected"])
def production_server(request, tmp_path):
    """gunicorn serving config.settings.prod; yields its origin. `checkout`: as run from a
    checkout, with no collectstatic (WhiteNoise finds the files in the apps). `collected`: the
    Docker image's way, from a STATIC_ROOT that collectstatic filled with hashed, compressed
    files, and nothing else."""
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,  # DATABASE_URL and REDIS_URL, when set, name this run's services
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "divan-api-docs-test-secret-key-0123456789-abcdefghij",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,  # this run's keys, cleaned after each test
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),  # never the checkout's own staticfiles/
    }
    if request.param == "collected":
        env |= {"DJANGO_STATIC_MANIFEST": "true", "WHITENOISE_USE_FINDERS": "false"}
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert collected.returncode == 0, collected.stdout + collected.stderr
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _answers(f"{origin}/healthz"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start at {origin}:\n{log_path.read_text()}")
            time.sleep(0.1)  # polling a starting server, with the deadline above
        yield origin
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_docs_page_renders_offline_from_its_own_origin(production_server):
    origin = production_server
    requested: list[str] = []
    blocked: list[str] = []
    page_errors: list[str] = []

    def offline(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.route("**/*", offline)

            page.goto(f"{origin}/api/docs/")
            loaded = f"blocked requests: {blocked}, page errors: {page_errors}"
            expect(page.locator(".swagger-ui .info .title"), loaded).to_contain_text(
                "Divan API", timeout=RENDER_TIMEOUT_MS
            )
            groups = page.locator(
                '.opblock .opblock-summary-path[data-path="/api/communities/v1/groups/"]'
            )
            expect(groups.first, loaded).to_be_visible(timeout=RENDER_TIMEOUT_MS)
            page.wait_for_load_state("networkidle", timeout=RENDER_TIMEOUT_MS)
        finally:
            browser.close()

    assert blocked == []
    assert {_origin(url) for url in requested} == {origin}
    assert f"{origin}/api/schema/" in requested
