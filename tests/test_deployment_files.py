"""The files that run Divan elsewhere stay in step with the code: docker-compose, Dockerfile,
Procfile, .env.example. (This machine has no Docker engine; these checks are what can be proved
here.)"""

import ast
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


# the stream process as compose runs it: on every interface of its container, stopped within 5 s
STREAM_COMMAND = (
    "uvicorn live.asgi:application --host 0.0.0.0 --port 8001 --no-access-log"
    " --timeout-graceful-shutdown 5"
)


def stream_healthcheck(service: dict) -> str:
    """The address a compose healthcheck of the stream process asks (a Python one-liner: the
    image has no curl)."""
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    return re.search(r"urlopen\('([^']+)'", test[3]).group(1)


def test_compose_runs_the_whole_stack_from_the_dockerfile():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) == {
        "postgres", "redis", "minio", "minio-setup", "web", "worker", "beat", "events", "stream",
        "mail", "hub",
    }  # fmt: skip
    for name in ("web", "worker", "beat", "events", "stream", "mail"):
        service = services[name]
        assert service["build"] == "."
        assert service["environment"]["DATABASE_URL"].endswith("@postgres:5432/divan")
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "minio-setup": {"condition": "service_completed_successfully"},
        }
        assert service["environment"]["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
        # mail goes to the mail catcher, whose log shows it
        assert (service["environment"]["EMAIL_HOST"], service["environment"]["EMAIL_PORT"]) == (
            "mail", "1025"
        )  # fmt: skip
    assert services["mail"]["command"] == (
        "python manage.py mailcatcher --host 0.0.0.0 --port 1025"
    )
    assert "mc mb --ignore-existing local/divan" in services["minio-setup"]["entrypoint"]
    assert "manage.py migrate" in services["web"]["command"]
    # the demo world, as its DIVAN_DEMO=1 asks (docker-compose.prod.yml leaves it out)
    assert "manage.py seed_demo --if-demo" in services["web"]["command"]
    assert services["web"]["environment"]["DIVAN_DEMO"] == "1"
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert services["events"]["command"] == "python manage.py consume_events --all"
    assert services["stream"]["command"] == STREAM_COMMAND
    assert stream_healthcheck(services["stream"]) == "http://127.0.0.1:8001/healthz"
    # Django believes X-Forwarded-For's last hop (the hub): reachable from this machine only
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    # the stream process is reached through the hub alone
    assert "ports" not in services["stream"]
    for name in ("worker", "beat", "events", "stream", "mail"):  # long-lived processes come back
        assert services[name]["restart"] == "unless-stopped"
    hub = services["hub"]
    assert hub["build"] == "./web"
    assert hub["environment"]["DIVAN_API_URL"] == "http://web:8000"
    assert hub["environment"]["DIVAN_STREAM_URL"] == "http://stream:8001"
    assert hub["depends_on"] == {
        "web": {"condition": "service_healthy"},
        "stream": {"condition": "service_started"},
    }
    assert services["web"]["environment"]["HUB_URL"] == "http://localhost:3000"
    assert services["web"]["environment"]["DJANGO_NUM_PROXIES"] == "1"  # behind the hub


def test_the_hub_image_builds_and_serves_it_with_its_server():
    dockerfile = (ROOT / "web" / "Dockerfile").read_text()

    assert "FROM node:20" in dockerfile
    assert "RUN npm ci" in dockerfile
    assert "npx next build" in dockerfile
    assert 'CMD ["node", "server.mjs"' in dockerfile


def test_dockerfile_installs_the_pinned_requirements_and_serves_wsgi():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "FROM python:3.11" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile  # in the image, not at start
    assert "ENV DJANGO_SETTINGS_MODULE=config.settings.prod" in dockerfile
    assert 'CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.py"]' in dockerfile
    # the stream process's server, with its event loop and HTTP parser, comes from the same image
    pinned = {
        line.split("==")[0].lower()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line
    }
    assert {"uvicorn", "httptools", "uvloop"} <= pinned
    assert "EXPOSE 8000 8001" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".env", ".git", "web/node_modules"} <= set(ignored)


def test_procfile_runs_web_worker_beat_events_stream_the_mail_catcher_and_the_hub():
    processes = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )

    assert set(processes) == {"web", "worker", "beat", "events", "stream", "mail", "hub"}
    assert processes["web"].startswith("DJANGO_NUM_PROXIES=1 python manage.py runserver")
    assert processes["worker"].startswith("celery -A config worker")
    assert processes["beat"].startswith("celery -A config beat")
    assert processes["events"] == "python manage.py consume_events --all"
    assert processes["mail"] == "python manage.py mailcatcher"  # on EMAIL_PORT's default, 1025
    assert "exec node server.mjs" in processes["hub"]
    # the stream process on STREAM_PORT, where the hub is told to find it
    assert processes["stream"] == (
        "uvicorn live.asgi:application --host ${DIVAN_BIND:-127.0.0.1} --port ${STREAM_PORT:-8001}"
        " --no-access-log --timeout-graceful-shutdown 5"
    )
    stream_url = "DIVAN_STREAM_URL=${DIVAN_STREAM_URL:-http://127.0.0.1:${STREAM_PORT:-8001}}"
    assert stream_url in processes["hub"]


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line} is not pinned"


DJANGO_SERVICES = ("migrate", "web", "worker", "beat", "events", "stream")
SECRETS = (
    "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "HUB_URL", "DATABASE_URL", "REDIS_URL",
    "METRICS_TOKEN", "EMAIL_HOST", "DEFAULT_FROM_EMAIL",
)  # fmt: skip


def required(name: str, value) -> bool:
    """Compose's `${NAME:?message}`: the value comes from the environment, and `up` refuses to
    start without it (no default)."""
    return isinstance(value, str) and re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", value) is not None


def test_production_compose_runs_gunicorn_with_prod_settings_behind_the_hub():
    text = (ROOT / "docker-compose.prod.yml").read_text()
    services = yaml.safe_load(text)["services"]

    assert set(services) == {"postgres", "redis", *DJANGO_SERVICES, "hub"}
    for name in DJANGO_SERVICES:
        service = services[name]
        environment = service["environment"]
        assert service["build"] == "."
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
        for secret in SECRETS:
            assert required(secret, environment[secret]), f"{name}: {secret} has a default"
        # the TLS proxy appends the client, the hub appends the proxy: two hops to believe
        assert environment["DJANGO_NUM_PROXIES"] == "${DJANGO_NUM_PROXIES:-2}"
        assert environment["DIVAN_DEMO"] == "${DIVAN_DEMO:-0}"  # no demo unless asked
        # addresses verified before sign-in, as the production guide says
        verification = environment["ACCOUNT_EMAIL_VERIFICATION"]
        assert verification == "${ACCOUNT_EMAIL_VERIFICATION:-mandatory}"
        assert service["restart"] == ("no" if name == "migrate" else "unless-stopped")
    assert required("POSTGRES_PASSWORD", services["postgres"]["environment"]["POSTGRES_PASSWORD"])
    for name in ("postgres", "redis", "hub"):
        assert services[name]["restart"] == "unless-stopped"

    # gunicorn, never runserver; migrations in one service that the others wait for
    assert services["web"]["command"] == "gunicorn config.wsgi --config config/gunicorn.py"
    assert "runserver" not in text
    assert "manage.py migrate" in services["migrate"]["command"]
    for name in ("web", "worker", "beat", "events", "stream"):
        assert "migrate" not in services[name]["command"]
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert services["events"]["command"] == "python manage.py consume_events --all"
    assert services["stream"]["command"] == STREAM_COMMAND
    assert stream_healthcheck(services["stream"]) == "http://127.0.0.1:8001/healthz"
    # the demo only through seed_demo's DIVAN_DEMO switch, and no known password anywhere
    assert re.findall(r"seed_demo[^&\n\"]*", text) == ["seed_demo --if-demo"]
    assert "divan-admin-password" not in text and "insecure" not in text

    # Django and the hub are reached from this machine alone (the TLS proxy, Prometheus); the
    # database and Redis from compose's network alone
    published = {name: service["ports"] for name, service in services.items() if "ports" in service}
    assert published == {"web": ["127.0.0.1:8000:8000"], "hub": ["127.0.0.1:3000:3000"]}
    assert services["hub"]["environment"] == {
        "DIVAN_API_URL": "http://web:8000",
        "DIVAN_STREAM_URL": "http://stream:8001",
        "HUB_BEHIND_PROXY": "1",
    }
    assert services["hub"]["depends_on"] == {
        "web": {"condition": "service_healthy"},
        "stream": {"condition": "service_started"},
    }
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]


@pytest.mark.django_db(transaction=True)
def test_the_healthcheck_passes_on_a_live_server_and_fails_on_a_closed_port(live_server):
    port = live_server.url.rsplit(":", 1)[1]
    environment = {"PATH": os.environ["PATH"], "DJANGO_ALLOWED_HOSTS": ".localhost,divan.example"}

    def healthcheck(port: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "healthcheck.py")],
            env={**environment, "HEALTHCHECK_PORT": port},
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert healthcheck(port).returncode == 0
    closed = healthcheck("1")
    assert closed.returncode == 1
    assert closed.stdout.startswith("/healthz: ")


def test_gunicorn_takes_its_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.delenv("GUNICORN_BIND", raising=False)

    config = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))

    assert config["workers"] == 5
    assert config["bind"] == "0.0.0.0:8000"


def production_settings(**environment) -> subprocess.CompletedProcess:
    """config.settings.prod loaded in a fresh interpreter with only this environment."""
    script = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DEBUG, settings.DEMO_ADMIN, settings.DIVAN_DEMO, "
        "settings.METRICS_LOOPBACK_WITHOUT_TOKEN, settings.SESSION_COOKIE_SECURE)"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_need_their_secrets_and_seed_no_superuser():
    started = production_settings(DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="divan.example")
    refused = production_settings(DJANGO_ALLOWED_HOSTS="divan.example")

    # debug off, no demo superuser, no demo, /metrics only with its token, secure cookies
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["False", "False", "False", "False", "True"]
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in refused.stderr


def settings_read_from_the_environment() -> dict[str, str]:
    """The name of each setting config/settings/*.py reads with `env(...)` or `env.<cast>(...)`
    (`env.int`, `env.bool`, `env.list`, `env.float`, `env.db_url`...), with where it is read."""
    names = {}
    for path in sorted((ROOT / "config" / "settings").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            call = node.func
            reads = (isinstance(call, ast.Name) and call.id == "env") or (
                isinstance(call, ast.Attribute)
                and isinstance(call.value, ast.Name)
                and call.value.id == "env"
                and call.attr != "read_env"
            )
            if not reads:
                continue
            where = f"config/settings/{path.name}:{node.lineno}"
            name = node.args[0] if node.args else None
            assert isinstance(name, ast.Constant) and isinstance(name.value, str), (
                f"{where}: the setting's name is not a string literal"
            )
            names.setdefault(name.value, where)
    # gunicorn's own settings (config/gunicorn.py), read with os.environ.get
    gunicorn = ROOT / "config" / "gunicorn.py"
    for match in re.finditer(r'os\.environ\.get\("([A-Z_]+)"', gunicorn.read_text()):
        names.setdefault(match.group(1), "config/gunicorn.py")
    return names


def test_env_example_lists_every_setting_read_from_the_environment():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    read = settings_read_from_the_environment()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FEED_CACHE_MAX"} <= set(read)

    missing = sorted(set(read) - listed)

    assert missing == [], ".env.example lacks " + ", ".join(
        f"{name} (read at {read[name]})" for name in missing
    )
