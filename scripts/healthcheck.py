"""The web container's healthcheck: GET /healthz (the process answers) and /readyz (PostgreSQL,
Redis and the broker answer it); exit 0 when both answer 200.

Django refuses a Host that DJANGO_ALLOWED_HOSTS does not list, and production lists only the
public name, so the requests name the first allowed host (a `.domain` pattern as `domain`).
Standard library only: it runs every few seconds and starts no Django."""

import os
import sys
import urllib.request

PORT = os.environ.get("HEALTHCHECK_PORT", "8000")


def allowed_host() -> str:
    first = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip()
    return "localhost" if first in ("", "*") else first.lstrip(".")


def main() -> int:
    for path in ("/healthz", "/readyz"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{path}", headers={"Host": allowed_host()}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status != 200:
                    print(f"{path}: {response.status}")
                    return 1
        except Exception as error:  # noqa: BLE001 - any failure is "unhealthy", said in a line
            print(f"{path}: {error}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
