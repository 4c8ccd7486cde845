"""Settings shared by every environment; each one is read from the environment with a default."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.beat import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

SECRET_KEY = env("DJANGO_SECRET_KEY", default="divan-insecure-development-key")
# Earlier keys, still accepted for what they signed or encrypted (sessions, links, two-factor
# secrets) while a new DJANGO_SECRET_KEY takes over: README, Accounts.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# The web hub's origin: it proxies the API on its own origin, so its writes come from there.
HUB_URL = env("HUB_URL", default="http://127.0.0.1:3000")
# The site's name in mails ("Hello from Divan!")
SITE_NAME = env("SITE_NAME", default="Divan")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[HUB_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as our own static files
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "divan",
    "divan.events",
    "accounts",
    "communities",
    "feeds",
    "notifications",
    "live",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "divan.parsers.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # after the session and the user are known, before any view checks a password
    "accounts.throttles.SignInThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="postgres://postgres@127.0.0.1:5432/divan",
        engine="django_prometheus.db.backends.postgresql",
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
    "DATABASE_CONNECT_TIMEOUT", default=5
)
# Prepared statements: psycopg binds parameters on the server and prepares a statement once it
# ran DATABASE_PREPARE_THRESHOLD times on a connection, so PostgreSQL stops planning it on every
# request. Off by default: behind a pooler in transaction mode (PgBouncer without
# max_prepared_statements) a prepared statement is not found on the next transaction's
# connection; README, Performance, has what it measured.
if env.bool("DATABASE_PREPARED_STATEMENTS", default=False):
    DATABASES["default"]["OPTIONS"] |= {
        "server_side_binding": True,
        "prepare_threshold": env.int("DATABASE_PREPARE_THRESHOLD", default=5),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Every key Divan writes to Redis starts with this prefix, so that runs can share a server.
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="divan")
# How long an Idempotency-Key's answer is kept for replay (divan.idempotency).
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=86400)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "TIMEOUT": 300,
    }
}

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "divan.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "rest_framework:login"
LOGIN_REDIRECT_URL = "/api/communities/v1/"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# A known API token is answered from a record in Redis (divan.authentication): how long one lives
# unless revoked first, and how long a revocation's tombstone keeps it from being filled again
# (longer than a fill can take: its PostgreSQL read, then its SET).
AUTH_TOKEN_CACHE_SECONDS = env.int("AUTH_TOKEN_CACHE_SECONDS", default=600)
AUTH_TOKEN_TOMBSTONE_SECONDS = env.int("AUTH_TOKEN_TOMBSTONE_SECONDS", default=60)
# How long a password reset link works; it works once (its token covers the password).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)

# --- Accounts: django-allauth, its headless API and two-factor sign-in (README, Accounts) ------
# The hub and apps use allauth's headless API (/api/_allauth/browser/v1/ and /app/v1/); allauth
# renders no pages of its own. Its mails link to the hub's pages.
HEADLESS_ONLY = True
HEADLESS_CLIENTS = ("browser", "app")
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{HUB_URL}/account/verify-email/{{key}}",
    "account_reset_password": f"{HUB_URL}/account/password/reset",
    "account_reset_password_from_key": f"{HUB_URL}/account/password/reset/{{key}}",
    "account_signup": f"{HUB_URL}/register",
}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*"]
# adds `invitation` (a link's key) to allauth's sign-up, checked by REGISTRATION_MODE
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# none, optional (sign in before verifying: the demo and today's clients) or mandatory (no
# session and no API token before the address is verified; production's compose file)
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
if ACCOUNT_EMAIL_VERIFICATION not in ("none", "optional", "mandatory"):
    raise ImproperlyConfigured(
        "ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory, "
        f"not {ACCOUNT_EMAIL_VERIFICATION!r}."
    )
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int(
    "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", default=3
)
# A verified address belongs to one account (allauth's unique_verified_email constraint), and
# a sign-up answers the same whether or not its address is taken. Under optional or none,
# "strict" creates the account all the same, with the address unverified: the address's owner
# gets "someone tried to sign up" instead of a link (accounts.adapter), and the new account can
# never verify it. Under mandatory no account is made for a taken address, and its owner gets
# the same mail.
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = "strict"
ACCOUNT_CHANGE_EMAIL = True  # one address per account; a new one replaces it once verified
# Changing the address or the two-factor settings asks for the password again (allauth's
# reauthentication, which then holds for ACCOUNT_REAUTHENTICATION_TIMEOUT seconds).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("ACCOUNT_REAUTHENTICATION_TIMEOUT", default=300)
# A password change keeps the session it was made in; every other session ends (Django's
# session hash) and every API token is deleted (divan.models.User.save).
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# The account's address is told of a changed or reset password, a changed address and two-factor
# sign-in turned on or off.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Divan] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HUB_URL.startswith("https:") else "http"
MFA_ADAPTER = "accounts.adapter.MFAAdapter"  # TOTP secrets and recovery seeds encrypted
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Divan")
# a code is taken from the window before its own to the one after (RFC 6238, 5.2: a step of
# network delay; allauth's 0 refuses a code typed in its window's last seconds); each only once
MFA_TOTP_TOLERANCE = env.int("MFA_TOTP_TOLERANCE", default=1)
MFA_RECOVERY_CODES_SHOW_ONCE = True  # listed once; after that only how many are left

# --- Sign-up and sign-in protection (accounts.throttles, accounts.registration; README) ---------
# Each way in is counted per caller address and per username, address or user, in Redis: rates
# as "count/period" ("25/5min"); empty is no limit. Every attempt counts per address; per
# username and per user, only the refused ones (a wrong password or code).
THROTTLE_SIGN_IN_RATE = env("THROTTLE_SIGN_IN_RATE", default="25/5min")
THROTTLE_SIGN_IN_USERNAME_RATE = env("THROTTLE_SIGN_IN_USERNAME_RATE", default="10/15min")
THROTTLE_SIGN_UP_RATE = env("THROTTLE_SIGN_UP_RATE", default="5/30min")
THROTTLE_PASSWORD_RESET_RATE = env("THROTTLE_PASSWORD_RESET_RATE", default="25/5min")
THROTTLE_PASSWORD_RESET_ADDRESS_RATE = env(
    "THROTTLE_PASSWORD_RESET_ADDRESS_RATE", default="5/30min"
)
THROTTLE_VERIFICATION_RATE = env("THROTTLE_VERIFICATION_RATE", default="25/5min")
THROTTLE_VERIFICATION_ADDRESS_RATE = env("THROTTLE_VERIFICATION_ADDRESS_RATE", default="5/30min")
THROTTLE_TWO_FACTOR_RATE = env("THROTTLE_TWO_FACTOR_RATE", default="25/5min")
THROTTLE_TWO_FACTOR_USER_RATE = env("THROTTLE_TWO_FACTOR_USER_RATE", default="5/hour")
THROTTLE_REAUTHENTICATE_RATE = env("THROTTLE_REAUTHENTICATE_RATE", default="25/5min")
THROTTLE_REAUTHENTICATE_USER_RATE = env("THROTTLE_REAUTHENTICATE_USER_RATE", default="10/10min")
# allauth's own limits (cache-backed) are off where the ones above count the same requests: one
# limit per action. What stays is its cooldown between two verification mails to one address,
# which decides whether a mail goes out rather than refusing a request.
ACCOUNT_RATE_LIMITS = dict.fromkeys(
    (
        "login", "login_failed", "signup", "reset_password", "reset_password_from_key",
        "change_password", "manage_email", "reauthenticate",
        "request_login_code", "change_phone", "verify_phone",  # flows Divan leaves off
    ),
    None,
)  # fmt: skip
# open, approval (staff approve each account in the admin), invite-only or closed
REGISTRATION_MODE = env("REGISTRATION_MODE", default="open")
# Invitation links (staff's in the admin, a group's owners' and admins' through the API): how
# long one works unless its maker says otherwise, and the most days and uses one may have.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
INVITATION_MAX_DAYS = env.int("INVITATION_MAX_DAYS", default=30)
INVITATION_MAX_USES = env.int("INVITATION_MAX_USES", default=100)
# The hub's pages that a link or a mail leads to: sign-up with an invitation, and sign-in.
INVITATION_URL = f"{HUB_URL}/register?invitation={{key}}"
SIGN_IN_URL = f"{HUB_URL}/signin"
# --- Leaving with your data: exports and deletion (accounts/services/; README) ----------------
# How long an export's archive, and the link to it, lives once built; beat then deletes it.
EXPORT_LINK_EXPIRY_SECONDS = env.int("EXPORT_LINK_EXPIRY_SECONDS", default=7 * 24 * 3600)
# A build is killed past this; its claim on the export lasts 5 s longer, then a retry may take it.
EXPORT_BUILD_TIME_LIMIT_SECONDS = env.int("EXPORT_BUILD_TIME_LIMIT_SECONDS", default=1800)
EXPORT_BUILD_MAX_ATTEMPTS = env.int("EXPORT_BUILD_MAX_ATTEMPTS", default=5)
# A build lost or failed is queued again by beat's accounts.sweep after this, doubling per
# attempt (at most an hour); so is the work after a deletion whose task was lost.
EXPORT_RETRY_SECONDS = env.int("EXPORT_RETRY_SECONDS", default=60)

# --- Mail (divan/mail.py): queued in PostgreSQL, sent by the worker -----------------------------
# Django's own settings. make run and docker compose point them at the local mail catcher
# (`manage.py mailcatcher`, on port 1025), which keeps what it gets: README, Mail.
EMAIL_BACKEND = "divan.mail.QueuedEmailBackend"
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Divan <divan@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
MAIL_MESSAGE_ID_DOMAIN = env("MAIL_MESSAGE_ID_DOMAIN", default="divan.localhost")
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=10)
MAIL_RETRY_BASE_SECONDS = env.float("MAIL_RETRY_BASE_SECONDS", default=5.0)
MAIL_RETRY_MAX_SECONDS = env.float("MAIL_RETRY_MAX_SECONDS", default=900.0)
MAIL_SWEEP_SECONDS = env.float("MAIL_SWEEP_SECONDS", default=5.0)
MAIL_SWEEP_BATCH = env.int("MAIL_SWEEP_BATCH", default=500)
MAIL_KEEP_DAYS = env.int("MAIL_KEEP_DAYS", default=7)
# /readyz says "degraded" once a mail has waited this long (DivanMailStalled pages at 15 min)
MAIL_STALE_SECONDS = env.int("MAIL_STALE_SECONDS", default=300)

# --- Notification mail and retention (notifications/mail.py, retention.py; README) -------------
# Prompt mail: beat looks for recipients with a row due every NOTIFICATIONS_MAIL_SWEEP_SECONDS,
# NOTIFICATIONS_MAIL_BATCH recipients (and digests) per task.
NOTIFICATIONS_MAIL_SWEEP_SECONDS = env.float("NOTIFICATIONS_MAIL_SWEEP_SECONDS", default=30.0)
NOTIFICATIONS_MAIL_BATCH = env.int("NOTIFICATIONS_MAIL_BATCH", default=200)
# The digest: to people with no sign-in and no notification read for this long, at most once
# per NOTIFICATIONS_DIGEST_EVERY_DAYS, listing this many items and the count of the rest.
NOTIFICATIONS_DIGEST_AWAY_HOURS = env.int("NOTIFICATIONS_DIGEST_AWAY_HOURS", default=72)
NOTIFICATIONS_DIGEST_EVERY_DAYS = env.int("NOTIFICATIONS_DIGEST_EVERY_DAYS", default=7)
NOTIFICATIONS_DIGEST_ITEMS = env.int("NOTIFICATIONS_DIGEST_ITEMS", default=20)
# GET and POST notifications/unsubscribe/, per caller address (a count/period rate; empty: none)
THROTTLE_UNSUBSCRIBE_RATE = env("THROTTLE_UNSUBSCRIBE_RATE", default="120/min")
# Kept: rows younger than NOTIFICATIONS_KEEP_DAYS, and each person's newest
# NOTIFICATIONS_KEEP_PER_USER; beat's daily purge deletes the rest, NOTIFICATIONS_PURGE_BATCH
# users per statement.
NOTIFICATIONS_KEEP_DAYS = env.int("NOTIFICATIONS_KEEP_DAYS", default=90)
NOTIFICATIONS_KEEP_PER_USER = env.int("NOTIFICATIONS_KEEP_PER_USER", default=1000)
NOTIFICATIONS_PURGE_BATCH = env.int("NOTIFICATIONS_PURGE_BATCH", default=500)

# --- Internationalisation and static files ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
# WhiteNoise serves /static/ under gunicorn as under runserver: STATIC_ROOT as filled by
# `manage.py collectstatic`, and with finders on also the apps' own files, so that a checkout
# serves the admin's and the API docs' assets without collectstatic. Those are looked up per
# request, as runserver does, rather than indexed whenever a handler starts (every test client
# starts one); with finders off (the Docker image) STATIC_ROOT is indexed once per process.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Hashed, compressed names (cached for good) need the manifest that collectstatic writes with
# this on: the Dockerfile does; a checkout, `make run` and the tests need no collectstatic.
if env.bool("DJANGO_STATIC_MANIFEST", default=False):
    STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"

# The hub's session: a cookie no script can read, sent only with same-site requests.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API call gets 401 with a WWW-Authenticate header, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "divan.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "divan.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "divan.throttling.AnonThrottle",
        "divan.throttling.UserThrottle",
        "divan.throttling.WriteThrottle",
    ],
    # Callers are told apart by REMOTE_ADDR, never by an X-Forwarded-For a client can write.
    # Behind proxies that each append the address they saw, set how many there are (the hub is
    # one: make run and docker compose set 1).
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON_RATE", default="120/min"),
        "user": env("THROTTLE_USER_RATE", default="600/min"),
        "writes": env("THROTTLE_WRITES_RATE", default="60/min"),
        "feed_rebuild": env("THROTTLE_FEED_REBUILD_RATE", default="5/hour"),
        "export": env("THROTTLE_EXPORT_RATE", default="5/day"),
        "account_delete": env("THROTTLE_ACCOUNT_DELETE_RATE", default="10/hour"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "divan.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "divan.renderers.JSONRenderer",  # orjson: the same bytes, faster
        "divan.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "divan.schema.AutoSchema",
    "EXCEPTION_HANDLER": "divan.exceptions.exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
}
# X-Forwarded-Host and -Proto are believed only behind the proxies that DJANGO_NUM_PROXIES
# counts (the hub sets both, overwriting what a browser sent): a client reaching Divan directly
# could write any. They decide request.get_host() and request.scheme, hence storage.site_url.
USE_X_FORWARDED_HOST = REST_FRAMEWORK["NUM_PROXIES"] > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if USE_X_FORWARDED_HOST else None
PAGE_SIZE_MAX = 100

# Bounds on every request (divan.parsers): past them a 413 or a 400, never a 500 or a body
# read whole. The body's size in bytes (files included); its fields (form fields and query
# string parameters, or JSON keys and list items in all); its files; how deep its JSON nests.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_BODY_MAX_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("REQUEST_BODY_MAX_FIELDS", default=1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("REQUEST_BODY_MAX_FILES", default=10)
REQUEST_BODY_MAX_DEPTH = env.int("REQUEST_BODY_MAX_DEPTH", default=32)

SPECTACULAR_SETTINGS = {
    "TITLE": "Divan API",
    "DESCRIPTION": (
        "Divan's public REST API, the one its hub uses: sign-up and sign-in (API tokens or a "
        "browser session), groups of three visibilities, membership, roles, join requests, "
        "invitations and bans; posts with tags and attachments, threaded comments and "
        "reactions; reports, moderation (hide, restore, pin, lock) and the moderation log; "
        "full-text search; personal and group feeds; file uploads; notifications (the inbox, "
        "its unread count, preferences, group and post levels) and blocks and mutes; and the "
        "events' status for site staff. Lists are cursor-paginated; creates accept an "
        'Idempotency-Key; errors keep DRF\'s shape (`{"field": ["message"]}` or '
        '`{"detail": "..."}`). Accounts '
        "(verifying an address, resetting and changing the password, changing the address, "
        "two-factor setup and sign-in) are django-allauth's headless API: "
        "`/api/_allauth/browser/v1/` for browsers and `/api/_allauth/app/v1/` for apps, "
        "described by its own OpenAPI document at "
        "[/api/_allauth/openapi.json](/api/_allauth/openapi.json)."
    ),
    # Swagger UI's sections, in this order: divan.schema.OPERATION_TAGS puts each operation in one
    "TAGS": [
        {
            "name": "auth",
            "description": "Sign up, API tokens, the browser session and who you are (with "
            "two-factor sign-in on, tokens and sessions take a `code`). Verification, resets, "
            "the address and two-factor setup: /api/_allauth/openapi.json.",
        },
        {"name": "groups", "description": "Groups: create, list, read, edit and delete."},
        {
            "name": "members",
            "description": "Joining and leaving, members and roles, join requests, invitations.",
        },
        {"name": "posts", "description": "A group's posts, with tags and attachments."},
        {"name": "comments", "description": "Threaded comments on a post."},
        {"name": "reactions", "description": "Reactions to posts and comments."},
        {
            "name": "people",
            "description": "Users by name, a person's posts and comments; your blocks and mutes.",
        },
        {"name": "reports", "description": "Reporting content, and a group's open reports."},
        {
            "name": "moderation",
            "description": "Hiding, restoring, pinning and locking; bans; the moderation log.",
        },
        {"name": "search", "description": "Full-text search and the tags of what you may read."},
        {"name": "feeds", "description": "Your feed and a group's, ranked or newest first."},
        {"name": "uploads", "description": "Files: a signed upload form, then completion."},
        {
            "name": "notifications",
            "description": "Your inbox, its unread count, your preferences, and your level "
            "for a group or a post's thread.",
        },
        {
            "name": "live",
            "description": "Where your live stream stands. The stream itself, `GET /api/stream/`"
            " (Server-Sent Events), is served by the stream process: see the README.",
        },
        {"name": "ops", "description": "How far events and background processes are behind."},
    ],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "communities.models.ReportStatus",
        "UploadStatusEnum": "communities.models.UploadStatus",
        "TypeEnum": "communities.selectors.search.TYPES",  # a post or a comment
        "BlockKindEnum": "communities.models.BlockKind",
        "NotificationTypeEnum": "notifications.types.TYPE_CHOICES",
        "NotificationDeliveryEnum": "notifications.types.Delivery",
        "NotificationLevelEnum": "notifications.models.Level",
    },
    # The docs pages load Swagger UI and ReDoc from our static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="divan")
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# Late acks are opted into per task, and only by tasks that are safe to run twice.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:",
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:"}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Workers and beat check PostgreSQL and Redis before starting (tests start their own worker).
DIVAN_STARTUP_CHECKS = True

# The switch for Divan's background jobs: false keeps beat from scheduling them.
COMMUNITIES_WORKERS_ENABLED = env.bool("COMMUNITIES_WORKERS_ENABLED", default=True)

# --- Events (README, Events) -------------------------------------------------------------------
EVENTS_CONSUMERS = env.list(
    "EVENTS_CONSUMERS", default=["search", "feeds", "notifications", "live"]
)
# Modules that register more consumers when Django starts (the apps' own register themselves).
EVENTS_CONSUMER_MODULES = env.list("EVENTS_CONSUMER_MODULES", default=[])
EVENTS_DISPATCH_INTERVAL_SECONDS = env.float("EVENTS_DISPATCH_INTERVAL_SECONDS", default=2.0)
EVENTS_DISPATCH_BATCH = env.int("EVENTS_DISPATCH_BATCH", default=500)
EVENTS_DISPATCH_MAX_BATCHES = env.int("EVENTS_DISPATCH_MAX_BATCHES", default=100)
EVENTS_DISPATCH_MAX_ATTEMPTS = env.int("EVENTS_DISPATCH_MAX_ATTEMPTS", default=10)
EVENTS_RETRY_BASE_SECONDS = env.float("EVENTS_RETRY_BASE_SECONDS", default=2.0)
EVENTS_RETRY_MAX_SECONDS = env.float("EVENTS_RETRY_MAX_SECONDS", default=3600.0)
EVENTS_KICK_TTL_MS = env.int("EVENTS_KICK_TTL_MS", default=5000)
EVENTS_RETENTION_DAYS = env.int("EVENTS_RETENTION_DAYS", default=7)
EVENTS_CONSUMER_BATCH = env.int("EVENTS_CONSUMER_BATCH", default=100)
EVENTS_CONSUMER_BLOCK_MS = env.int("EVENTS_CONSUMER_BLOCK_MS", default=1000)
# how long a consumer's lock outlives its holder: a killed events process's consumers are
# taken over by the next one after this
EVENTS_CONSUMER_LOCK_SECONDS = env.float("EVENTS_CONSUMER_LOCK_SECONDS", default=10.0)
EVENTS_CONSUMER_MEMBER = env("EVENTS_CONSUMER_MEMBER", default="")  # default: the host name
EVENTS_CLAIM_IDLE_MS = env.int("EVENTS_CLAIM_IDLE_MS", default=30_000)
EVENTS_MAX_DELIVERIES = env.int("EVENTS_MAX_DELIVERIES", default=5)
# Heartbeats of the worker, beat and each consumer (divan.processes): how often each beats, and
# after how long without one it counts as absent on /readyz, /metrics and /api/ops/events/.
PROCESS_HEARTBEAT_SECONDS = env.float("PROCESS_HEARTBEAT_SECONDS", default=5.0)
PROCESS_STALE_SECONDS = env.float("PROCESS_STALE_SECONDS", default=30.0)

CELERY_BEAT_SCHEDULE = beat_schedule(
    communities_workers_enabled=COMMUNITIES_WORKERS_ENABLED,
    dispatch_seconds=EVENTS_DISPATCH_INTERVAL_SECONDS,
    mail_sweep_seconds=MAIL_SWEEP_SECONDS,
    notifications_mail_sweep_seconds=NOTIFICATIONS_MAIL_SWEEP_SECONDS,
)

# --- Demo data (communities/management/commands/seed_demo.py) -------------------------------------
# `seed_demo --if-demo` (what docker compose runs at start) seeds only with DIVAN_DEMO on; a plain
# `seed_demo` (make run's) always does. The demo's superuser `admin` has a published password:
# production never creates it (prod.py), so its only admin is the one `createsuperuser` makes.
DIVAN_DEMO = env.bool("DIVAN_DEMO", default=False)
DEMO_ADMIN = True

# --- Communities -----------------------------------------------------------------------------
GROUP_NAME_MAX_LENGTH = 100
GROUP_DESCRIPTION_MAX_LENGTH = env.int("GROUP_DESCRIPTION_MAX_LENGTH", default=5000)
POST_TITLE_MAX_LENGTH = 300
POST_BODY_MAX_LENGTH = env.int("POST_BODY_MAX_LENGTH", default=40_000)
COMMENT_BODY_MAX_LENGTH = env.int("COMMENT_BODY_MAX_LENGTH", default=10_000)
COMMENT_MAX_DEPTH = env.int("COMMENT_MAX_DEPTH", default=6)
REACTION_KINDS = env.list(
    "REACTION_KINDS", default=["like", "love", "laugh", "wow", "sad", "angry"]
)
TAG_MAX_LENGTH = env.int("TAG_MAX_LENGTH", default=32)
TAGS_MAX_PER_POST = env.int("TAGS_MAX_PER_POST", default=10)
TAGS_MAX_PER_GROUP = env.int("TAGS_MAX_PER_GROUP", default=10)
REPORT_DETAIL_MAX_LENGTH = env.int("REPORT_DETAIL_MAX_LENGTH", default=2000)
# The text search configuration of posts and comments; after changing it, run search_reindex.
SEARCH_CONFIG = env("SEARCH_CONFIG", default="english")
SEARCH_QUERY_MAX_LENGTH = env.int("SEARCH_QUERY_MAX_LENGTH", default=200)

# --- Feeds (feeds/ranking.py explains the score) ------------------------------------------------
FEED_CACHE_MAX = env.int("FEED_CACHE_MAX", default=5000)
FEED_TOP_WINDOW = env.int("FEED_TOP_WINDOW", default=1000)
FEED_ACTIVE_DAYS = env.int("FEED_ACTIVE_DAYS", default=30)
FEED_FANOUT_CHUNK = env.int("FEED_FANOUT_CHUNK", default=1000)
FEED_FANOUT_MAX_MEMBERS = env.int("FEED_FANOUT_MAX_MEMBERS", default=10000)
FEED_FANOUT_RETRY_SECONDS = env.int("FEED_FANOUT_RETRY_SECONDS", default=60)
FEED_FANOUT_KEEP_HOURS = env.int("FEED_FANOUT_KEEP_HOURS", default=24)
FEED_JOIN_BACKFILL = env.int("FEED_JOIN_BACKFILL", default=50)
FEED_RESCORE_HOURS = env.int("FEED_RESCORE_HOURS", default=72)
FEED_RESCORE_BATCH = env.int("FEED_RESCORE_BATCH", default=1000)
FEED_RESCORE_LOCK_SECONDS = env.int("FEED_RESCORE_LOCK_SECONDS", default=600)
FEED_SCORE_REACTION_WEIGHT = env.float("FEED_SCORE_REACTION_WEIGHT", default=1.0)
FEED_SCORE_COMMENT_WEIGHT = env.float("FEED_SCORE_COMMENT_WEIGHT", default=2.0)
FEED_SCORE_REPUTATION_WEIGHT = env.float("FEED_SCORE_REPUTATION_WEIGHT", default=1.0)
FEED_SCORE_REPUTATION_CAP = env.float("FEED_SCORE_REPUTATION_CAP", default=3.0)
FEED_SCORE_TIME_CONSTANT_SECONDS = env.float("FEED_SCORE_TIME_CONSTANT_SECONDS", default=45000.0)

# --- Notifications: delivery (README, Notifications; notifications/delivery.py) ---------------
# a large recipient set (a watched group's watchers) is written in chunks of this many, one task
# each; a chunk not done after NOTIFICATIONS_CHUNK_RETRY_SECONDS is queued again, and the records
# of chunks done are kept NOTIFICATIONS_CHUNK_KEEP_HOURS
NOTIFICATIONS_CHUNK = env.int("NOTIFICATIONS_CHUNK", default=1000)
NOTIFICATIONS_CHUNK_RETRY_SECONDS = env.int("NOTIFICATIONS_CHUNK_RETRY_SECONDS", default=60)
NOTIFICATIONS_CHUNK_KEEP_HOURS = env.int("NOTIFICATIONS_CHUNK_KEEP_HOURS", default=24)
# a folded item (reactions, moderators' queues) keeps its newest actors, this many, per bucket
NOTIFICATIONS_ACTORS_KEPT = env.int("NOTIFICATIONS_ACTORS_KEPT", default=3)
NOTIFICATIONS_FOLD_SECONDS = env.int("NOTIFICATIONS_FOLD_SECONDS", default=3600)
# an item delivered by mail is due this long after it is written (several go in one mail)
NOTIFICATIONS_MAIL_DELAY_SECONDS = env.int("NOTIFICATIONS_MAIL_DELAY_SECONDS", default=120)
NOTIFICATIONS_MENTIONS_MAX = env.int("NOTIFICATIONS_MENTIONS_MAX", default=20)
# the unread count kept in Redis per person (notifications/unread.py) lives at most this long:
# the bound on a count left stale by a change whose bump Redis did not take
NOTIFICATIONS_UNREAD_CACHE_SECONDS = env.int("NOTIFICATIONS_UNREAD_CACHE_SECONDS", default=120)

# --- Live updates (live/): the stream process, `uvicorn live.asgi:application` ----------------
# what each person's buffer keeps for a client that reconnects (Last-Event-ID): this many
# messages, none older than this; a person not connected for that long has no buffer at all
LIVE_BUFFER_LENGTH = env.int("LIVE_BUFFER_LENGTH", default=200)
LIVE_BUFFER_SECONDS = env.int("LIVE_BUFFER_SECONDS", default=300)
# a comment line on every stream this often: inside every proxy's idle timeout (nginx's 60 s)
LIVE_HEARTBEAT_SECONDS = env.float("LIVE_HEARTBEAT_SECONDS", default=15.0)
# each connection's sign-in (session or token) checked again this often, besides at once on a
# sign-out or a revoked token
LIVE_AUTH_CHECK_SECONDS = env.float("LIVE_AUTH_CHECK_SECONDS", default=60.0)
LIVE_CONNECTIONS_PER_USER = env.int("LIVE_CONNECTIONS_PER_USER", default=8)
LIVE_CONNECTIONS_PER_PROCESS = env.int("LIVE_CONNECTIONS_PER_PROCESS", default=20000)
# messages waiting for one client before it is sent a reset and dropped (a burst of the hub's
# batch, up to 500, must fit: a client that reads keeps up between batches)
LIVE_QUEUE_MAX = env.int("LIVE_QUEUE_MAX", default=1000)
# a write to a client that takes longer than this drops the client
LIVE_SEND_TIMEOUT_SECONDS = env.float("LIVE_SEND_TIMEOUT_SECONDS", default=10.0)
LIVE_POSTS_MAX = env.int("LIVE_POSTS_MAX", default=20)

# --- Uploads and attachments (communities/storage.py) ------------------------------------------
# With AWS_STORAGE_BUCKET_NAME set, files go to that S3 bucket (or any S3-compatible store at
# AWS_S3_ENDPOINT_URL); without it, to UPLOADS_LOCAL_ROOT behind the same API.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default="") or None
# the store as clients reach it, when not as Divan does (links are signed for that host)
AWS_S3_PUBLIC_ENDPOINT_URL = env("AWS_S3_PUBLIC_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default="us-east-1")
AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE", default="auto")
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default="") or None  # else boto3's own chain
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = True
# Where clients reach this site: the local store's upload and download links start with it.
# Empty: each request's own scheme and host (storage.site_url).
SITE_URL = env("SITE_URL", default="")
UPLOADS_LOCAL_ROOT = env("UPLOADS_LOCAL_ROOT", default=str(BASE_DIR / ".run" / "uploads"))
UPLOAD_URL_EXPIRY_SECONDS = env.int("UPLOAD_URL_EXPIRY_SECONDS", default=900)
DOWNLOAD_URL_EXPIRY_SECONDS = env.int("DOWNLOAD_URL_EXPIRY_SECONDS", default=300)
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
UPLOAD_TYPES = env.list(
    "UPLOAD_TYPES",
    default=[
        "image/jpeg", "image/png", "image/gif", "image/webp",
        "application/pdf", "text/plain", "video/mp4",
    ],
)  # fmt: skip
UPLOAD_MAX_PER_POST = env.int("UPLOAD_MAX_PER_POST", default=10)
UPLOAD_MAX_PER_COMMENT = env.int("UPLOAD_MAX_PER_COMMENT", default=4)
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)
UPLOAD_THUMBNAIL_SIZE = env.int("UPLOAD_THUMBNAIL_SIZE", default=320)
UPLOAD_QUOTA_PENDING = env.int("UPLOAD_QUOTA_PENDING", default=20)
UPLOAD_QUOTA_BYTES_PER_DAY = env.int("UPLOAD_QUOTA_BYTES_PER_DAY", default=500 * 1024 * 1024)
UPLOAD_GRACE_SECONDS = env.int("UPLOAD_GRACE_SECONDS", default=3600)
UPLOAD_UNATTACHED_HOURS = env.int("UPLOAD_UNATTACHED_HOURS", default=24)

# --- Metrics (divan/metrics.py) ----------------------------------------------------------------
# /metrics answers requests with `Authorization: Bearer <METRICS_TOKEN>`; with no token set, only
# direct callers on this machine (a loopback address, no proxy header).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# without a token, whether direct callers on this machine may read it (production: no, see prod)
METRICS_LOOPBACK_WITHOUT_TOKEN = True
# How long a process keeps the figures it read from PostgreSQL and Redis for /metrics.
METRICS_CACHE_SECONDS = env.float("METRICS_CACHE_SECONDS", default=5.0)

# --- Logging ---------------------------------------------------------------------------------
# Celery logs each task beat sends, and each one the worker receives and finishes, at INFO: an
# idle stack's dispatch every 2 s alone is 90 lines a minute. These three loggers log at
# CELERY_TASK_LOG_LEVEL (WARNING: what went wrong); a task's failure is an ERROR of
# celery.app.trace, so it stays. `--loglevel` sets the root logger's level, not theirs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        name: {"level": env("CELERY_TASK_LOG_LEVEL", default="WARNING")}
        for name in ("celery.beat", "celery.app.trace", "celery.worker.strategy")
    },
}
