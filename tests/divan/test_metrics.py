"""/metrics serves django-prometheus' exposition in a form promtool accepts."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def promtool() -> str | None:
    local = ROOT / ".run" / "bin" / "promtool"
    return str(local) if local.exists() else shutil.which("promtool")


def scrape() -> str:
    client = Client()
    client.get("/api/communities/v1/groups/")
    response = client.get("/metrics")
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
