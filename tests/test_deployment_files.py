"""The files that run Divan elsewhere stay in step with the code: docker-compose, Dockerfile,
Procfile, .env.example. (This machine has no Docker engine; these checks are what can be proved
here.)"""

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_runs_the_whole_stack_from_the_dockerfile():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) == {
        "postgres", "redis", "minio", "minio-setup", "web", "worker", "beat", "events", "hub"
    }  # fmt: skip
    for name in ("web", "worker", "beat", "events"):
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
    assert "mc mb --ignore-existing local/divan" in services["minio-setup"]["entrypoint"]
    assert "manage.py migrate" in services["web"]["command"]
    assert "manage.py seed_demo" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert services["events"]["command"] == "python manage.py consume_events --all"
    # Django believes X-Forwarded-For's last hop (the hub): reachable from this machine only
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    for name in ("worker", "beat", "events"):  # background processes come back when they stop
        assert services[name]["restart"] == "unless-stopped"
    hub = services["hub"]
    assert hub["build"] == "./web"
    assert hub["environment"]["DIVAN_API_URL"] == "http://web:8000"
    assert hub["depends_on"] == {"web": {"condition": "service_healthy"}}
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
    assert '"config.wsgi"' in dockerfile


def test_procfile_runs_web_worker_beat_events_and_the_hub():
    processes = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )

    assert set(processes) == {"web", "worker", "beat", "events", "hub"}
    assert processes["web"].startswith("DJANGO_NUM_PROXIES=1 python manage.py runserver")
    assert processes["worker"].startswith("celery -A config worker")
    assert processes["beat"].startswith("celery -A config beat")
    assert processes["events"] == "python manage.py consume_events --all"
    assert "exec node server.mjs" in processes["hub"]


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line} is not pinned"


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
