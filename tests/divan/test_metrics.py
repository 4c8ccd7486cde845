"""/metrics serves django-prometheus' exposition in a form promtool accepts, to Prometheus's
bearer token or a direct caller on this machine, with Divan's figures held a few seconds."""

import shutil
import subprocess
from pathlib import Path
from time import monotonic

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from communities.services import groups
from divan.metrics import metrics_forget
from tests.factories import UserFactory
from tests.fixtures import metrics_scrape

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def promtool() -> str | None:
    local = ROOT / ".run" / "bin" / "promtool"
    return str(local) if local.exists() else shutil.which("promtool")


def scrape() -> str:
    client = Client()
    client.get("/api/communities/v1/groups/")
    response = metrics_scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_count_requests_by_view():
    families = {family.name: family for family in text_string_to_metric_families(scrape())}

    requests = families["django_http_requests_total_by_view_transport_method"]
    views = {sample.labels["view"] for sample in requests.samples}
    assert "group-list" in views
    assert "django_db_execute" in families  # the parser drops the _total suffix


@pytest.mark.skipif(promtool() is None, reason="promtool is not installed: run `make promtool`")
def test_promtool_accepts_the_exposition():
    result = subprocess.run(
        [promtool(), "check", "metrics"], input=scrape(), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


# --- Who may read /metrics (divan/metrics.py) ----------------------------------------------------

ELSEWHERE = "203.0.113.9"


def figures(body: str) -> dict[str, float]:
    return {
        sample.name + "".join(f"|{v}" for v in sample.labels.values()): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name.startswith("divan_")
    }


def two_events() -> None:
    """group.created and membership.joined, pending in the outbox."""
    groups.group_create(creator=UserFactory(), name="G", visibility="public")


def get(remote_addr: str = ELSEWHERE, **headers):
    return Client(REMOTE_ADDR=remote_addr).get("/metrics", **headers)


@pytest.mark.parametrize("token", ["divan-test-metrics-token", ""])
def test_an_anonymous_caller_from_elsewhere_is_refused_before_any_query(
    settings, token, django_assert_num_queries
):
    settings.METRICS_TOKEN = token
    two_events()

    with django_assert_num_queries(0):
        response = get()

    if token:  # a token would be accepted: ask for it
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    else:  # none could be: nothing to retry with
        assert response.status_code == 403
        assert "WWW-Authenticate" not in response
    assert set(response.json()) == {"detail"}
    assert b"divan_" not in response.content


def test_the_right_token_reads_the_figures_from_anywhere(django_assert_max_num_queries):
    two_events()

    with django_assert_max_num_queries(10) as queries:
        response = get(HTTP_AUTHORIZATION="Bearer divan-test-metrics-token")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert len(queries) > 0  # the refusals above ran none of these
    shown = figures(response.content.decode())
    assert shown["divan_outbox_pending_events"] == 2
    assert shown["divan_outbox_set_aside_events"] == 0
    assert shown["divan_feed_fanout_pending_chunks"] == 0
    assert (shown["divan_uploads|ready"], shown["divan_uploads_ready_bytes"]) == (0, 0)


def test_the_scheme_of_the_token_is_case_insensitive():
    response = get(HTTP_AUTHORIZATION="bearer divan-test-metrics-token")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer wrong",
        "Bearer divan-test-metrics-tokenx",
        "Bearer divan-test-metrics-toke",
        "Bearer DIVAN-TEST-METRICS-TOKEN",
        "Token divan-test-metrics-token",
        "Basic ZGl2YW46ZGl2YW4tdGVzdC1tZXRyaWNzLXRva2Vu",
        "divan-test-metrics-token",
        "Bearer ",
    ],
)
def test_a_wrong_token_is_refused(authorization, django_assert_num_queries):
    for remote_addr in (ELSEWHERE, "127.0.0.1"):
        with django_assert_num_queries(0):
            response = get(remote_addr, HTTP_AUTHORIZATION=authorization)

        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith('Bearer realm="metrics"')
        assert b"divan_" not in response.content
    scheme, _, credentials = authorization.partition(" ")
    invalid = scheme.lower() == "bearer" and credentials.strip()
    assert response["WWW-Authenticate"].endswith(', error="invalid_token"') == bool(invalid)


@pytest.mark.parametrize("remote_addr", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_without_a_token_a_direct_caller_on_this_machine_reads_them(settings, remote_addr):
    settings.METRICS_TOKEN = ""
    two_events()

    response = get(remote_addr)

    assert response.status_code == 200
    assert figures(response.content.decode())["divan_outbox_pending_events"] == 2


def test_production_serves_nobody_without_a_token(settings, django_assert_num_queries):
    settings.METRICS_TOKEN = ""
    settings.METRICS_LOOPBACK_WITHOUT_TOKEN = False  # as config.settings.prod has it

    with django_assert_num_queries(0):
        response = get("127.0.0.1")

    assert response.status_code == 403
    assert response.json() == {"detail": "Metrics need METRICS_TOKEN, which is not set."}


def test_with_a_token_set_a_caller_on_this_machine_needs_it_too(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = get("127.0.0.1")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


@pytest.mark.parametrize(
    ("remote_addr", "headers"),
    [
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": ELSEWHERE}),
        ("::1", {"HTTP_FORWARDED": f"for={ELSEWHERE}"}),
        ("127.0.0.1", {"HTTP_X_REAL_IP": ELSEWHERE}),
        ("10.0.0.7", {}),
        ("::ffff:10.0.0.7", {}),
        ("", {}),
    ],
)
def test_without_a_token_a_proxied_or_remote_caller_is_refused(
    settings, remote_addr, headers, django_assert_num_queries
):
    settings.METRICS_TOKEN = ""

    with django_assert_num_queries(0):
        response = get(remote_addr, **headers)

    assert response.status_code == 403
    assert b"divan_" not in response.content


def test_a_burst_of_scrapes_reads_postgresql_once(settings, monkeypatch):
    settings.METRICS_CACHE_SECONDS = 600  # however slow the machine, the burst is within it
    metrics_forget()  # what an earlier test's scrapes left
    two_events()
    first = CaptureQueriesContext(connection)
    with first:
        assert figures(metrics_scrape().content.decode())["divan_outbox_pending_events"] == 2
    two_events()

    with CaptureQueriesContext(connection) as burst:
        bodies = [metrics_scrape().content.decode() for _ in range(5)]

    assert len(first.captured_queries) > 0 and burst.captured_queries == []
    assert [figures(body)["divan_outbox_pending_events"] for body in bodies] == [2] * 5
    later = monotonic() + 600  # the figures have been held METRICS_CACHE_SECONDS
    monkeypatch.setattr("divan.metrics.monotonic", lambda: later)
    with CaptureQueriesContext(connection) as after:
        assert figures(metrics_scrape().content.decode())["divan_outbox_pending_events"] == 4
    assert len(after.captured_queries) == len(first.captured_queries)


def test_requests_still_count_while_the_collected_figures_are_held(settings):
    """Only Divan's collectors are held: django-prometheus' own counters move at once."""
    settings.METRICS_CACHE_SECONDS = 5
    metrics_forget()

    def group_list_requests() -> float:
        body = metrics_scrape().content.decode()
        return sum(
            sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
            if sample.name == "django_http_requests_total_by_view_transport_method_total"
            and sample.labels["view"] == "group-list"
        )

    before = group_list_requests()
    Client().get("/api/communities/v1/groups/")

    assert group_list_requests() == before + 1


@pytest.mark.skipif(promtool() is None, reason="promtool is not installed: run `make promtool`")
def test_promtool_accepts_the_scrape_config(tmp_path):
    """deploy/prometheus/prometheus.yml, with its token file where this test can write one."""
    config = (ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text()
    token_file = tmp_path / "divan-metrics-token"
    token_file.write_text("divan-test-metrics-token\n")
    assert config.count("/etc/prometheus/divan-metrics-token") == 1
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/divan-metrics-token", str(token_file))
    )
    shutil.copy(ROOT / "deploy" / "prometheus" / "alerts.yml", tmp_path)

    result = subprocess.run(
        [promtool(), "check", "config", "prometheus.yml"], cwd=tmp_path, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
