"""Production: refuses to start without a real secret key and host list."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env

try:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
except ImproperlyConfigured:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: production refuses to start without a secret key."
    ) from None
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 32 characters in production.")

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# WhiteNoise indexes the static files once per process; looking them up on every request
# (base.py's WHITENOISE_AUTOREFRESH, for checkouts and tests) is for development only.
WHITENOISE_AUTOREFRESH = False
# /metrics needs METRICS_TOKEN: a proxy on this host may send no X-Forwarded-For, and then every
# request through it would look like a local caller.
METRICS_LOOPBACK_WITHOUT_TOKEN = False
# The demo's `admin / divan-admin-password` is public: seed_demo creates no superuser here.
DEMO_ADMIN = False
# https is the TLS proxy's: it redirects plain http and sends HSTS for the whole site (the hub's
# pages never reach Django), and a redirect here would turn the healthcheck's http away.
SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008"]
