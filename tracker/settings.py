"""All settings, read from the environment (twelve-factor). The one settings file.

Development defaults are safe for a laptop: SQLite, Celery eager, DEBUG only when asked for.
Production (DEBUG off) refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=1 for local development only)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Public address of the site, for absolute links in exports (e.g. https://tracker.example.org).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "axes",
    "pledges",
]

MIDDLEWARE = [
    # First, so that every response (errors too) is logged with its request id.
    "pledges.ops.logs.RequestLogMiddleware",
    # Before anything that may answer (redirects, WhiteNoise): CORS headers on /api/ only.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: DATABASE_URL (postgres://…) or the embedded SQLite file -----------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    # Connections are kept for 60 s (web requests and worker tasks alike); a kept connection is
    # checked (SELECT 1) before its first use in a request or task, so a database restart costs
    # a reconnect, not an error.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A database that does not answer fails a request (and /healthz) in seconds, not minutes.
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault(
            "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
        )
        # PostgreSQL's JIT compiles a plan when its estimated cost passes a threshold; for these
        # short reads the compiling is the cost (1.3 s of a 1.6 s budget sort at 50,000 budget
        # figures in bench-scale). DATABASE_JIT=1 gives it back, e.g. for reporting queries.
        if not env_bool("DATABASE_JIT", False):
            DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Concurrent writers (eager tasks + web) wait instead of failing at once.
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time: Korean first, English second; Seoul time ----------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security: strict unless DEBUG; each switch can be turned by the environment ------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp; Django 5.2 has none of its own): everything from this
# site only, no inline script or style anywhere (templates load static files), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The browser features this site never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# --- The read-only JSON API (/api/v1/): DRF, drf-spectacular, django-cors-headers ------------
REST_FRAMEWORK = {
    # JSON only: the browsable API's HTML needs inline script and style, which the CSP forbids.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Public data, no accounts: no session (so no CSRF) and no per-user answers.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pledge Tracker API (공약 추적기)",
    "DESCRIPTION": (
        "Read-only JSON API of the public data: published pledges, their status changes, "
        "confirmed budget figures (integer KRW), milestones and confirmed news evidence. "
        "Only what an editor confirmed is ever shown. Lists are cursor-paginated "
        "(`next`/`previous`, `page_size` up to 200) and take the filters of /pledges/ and "
        "/export/; an unknown parameter or a bad value is a 400 with a message per parameter."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "pledges.models.vocabulary.Status",
        "BudgetStageEnum": "pledges.models.vocabulary.BudgetStage",
        "FunderEnum": "pledges.models.vocabulary.Funder",
        "MilestoneKindEnum": "pledges.models.pledges.MilestoneKind",
        "PromiserKindEnum": "pledges.models.pledges.PromiserKind",
    },
}
# CORS: any site may read the API from a browser (GET, HEAD, OPTIONS), without credentials;
# no other path gets the headers.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# --- Login throttling (django-axes): a locked-out login is refused even with the right password
# LOGIN_FAILURE_LIMIT failures from one client address, or for one user name, lock logins for
# LOGIN_COOLOFF_MINUTES (an unlock before that: manage.py axes_reset_username NAME / axes_reset_ip).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_float("LOGIN_COOLOFF_MINUTES", 15.0))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pledges.admin.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "pledges.ops.logs.client_ip"
# The number of reverse proxies in front of the app that append to X-Forwarded-For: the client
# address is the one the outermost trusted proxy saw. 0 (default): the socket's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Health checks of a load balancer speak plain HTTP to the app behind the TLS proxy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Celery: Redis when REDIS_URL is set, otherwise tasks run eagerly in-process --------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only when done, and re-queued if its worker dies: tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection before and after each task unless this
# is set (> 0): a new PostgreSQL session for every task, two per article, each a backend forked
# with cold caches (a third of a worker's time on the bench). Set, workers keep their connection
# as web requests do (pledges/tasks.py closes it around a task past CONN_MAX_AGE or after an
# error; CONN_HEALTH_CHECKS tests it before reuse) and the fixup closes it every this many
# tasks. 0 restores a session per task. (The slowdown two workers once showed with it did not
# come back once measured phase by phase; README "Scaling 1 -> 2 workers".)
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# Redis re-delivers an unacknowledged task after this many seconds (worker killed mid-task).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
    # kombu sweeps for a dead worker's tasks only every ~100 s by default.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = "match"
CELERY_TASK_ROUTES = {
    "pledges.tasks.poll_*": {"queue": "fetch"},
    "pledges.tasks.ingest_*": {"queue": "fetch"},
    "pledges.tasks.match_*": {"queue": "match"},
    "pledges.tasks.rematch_*": {"queue": "match"},
    "pledges.tasks.refit_*": {"queue": "match"},
    "pledges.tasks.requeue_*": {"queue": "match"},
}
CELERY_BEAT_SCHEDULE = {
    "poll-due-sources": {
        "task": "pledges.tasks.poll_due_sources_task",
        "schedule": env_int("FEED_POLL_SECONDS", 600),
    },
    # Stored articles whose matching was never queued (broker down) or whose message was lost.
    "requeue-unmatched-articles": {
        "task": "pledges.tasks.requeue_unmatched_articles_task",
        "schedule": env_int("UNMATCHED_SWEEP_SECONDS", 300),
    },
    "prune-ingest-failures": {
        "task": "pledges.tasks.prune_ingest_failures_task",
        "schedule": 24 * 3600,
    },
    "prune-similarity-keys": {
        "task": "pledges.tasks.prune_similarity_keys_task",
        "schedule": 24 * 3600,
    },
}
# An article still unmatched this long after it was stored is queued for matching again.
UNMATCHED_SWEEP_AGE_SECONDS = env_int("UNMATCHED_SWEEP_AGE_SECONDS", 600)
UNMATCHED_SWEEP_BATCH = env_int("UNMATCHED_SWEEP_BATCH", 500)

# --- Cache: the public pages (pledges/site/cache.py), kept until an editor publishes ----------
# Redis when REDIS_URL is set: one cache and one public version for every process. Otherwise each
# process keeps its own (development, tests); with several processes and no Redis, a process
# that did not make a change may show the old page until the entry expires, hence the short time.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 600 if REDIS_URL else 60)
# 0: every page view reads the public version from the cache, so a publication shows on the
# next view in every process. More: each process reuses its read that long (one Redis round
# trip less per view; another process's publication shows up to that much later; the process
# that published sees it at once). One second by default: bench-web measured the pages at
# 0.33-0.47 of a trivial view with 0 and 0.58-0.66 with 1, and a reader cannot tell a second.
PUBLIC_VERSION_CHECK_SECONDS = env_float("PUBLIC_VERSION_CHECK_SECONDS", 1.0)
# Public CSV/JSON/XLSX downloads (/export/) of at most this many bytes are kept like the pages
# until the next publication; larger ones stream every time (at most this much of one is held
# while it streams). A one-pledge file is a few KB; all 200,000 evidence rows are ~100 MB.
# 0: no download is kept. Editors' downloads with suggestions are never kept.
EXPORT_CACHE_MAX_BYTES = env_int("EXPORT_CACHE_MAX_BYTES", 2 * 1024 * 1024)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tracker"),
            "TIMEOUT": PUBLIC_CACHE_SECONDS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tracker",
            "TIMEOUT": PUBLIC_CACHE_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Matcher and ingestion -------------------------------------------------------------------
# Articles scoring at or above this are stored as suggestions for editors to review.
MATCH_REVIEW_THRESHOLD = env_float("MATCH_REVIEW_THRESHOLD", 0.5)
# Wire-copy (MinHash) keys of articles stored longer ago than this are pruned daily: copies are
# looked for within days of the original, and the table grows ~20 rows an article.
SIMILARITY_KEY_RETENTION_DAYS = env_int("SIMILARITY_KEY_RETENTION_DAYS", 30)
if SIMILARITY_KEY_RETENTION_DAYS < 14:
    raise ImproperlyConfigured(
        "SIMILARITY_KEY_RETENTION_DAYS must be 14 or more (twice the wire-copy window)."
    )
# When an editor changes a pledge's matcher terms, articles this recent are matched again.
REMATCH_WINDOW_DAYS = env_int("REMATCH_WINDOW_DAYS", 90)
# A pledge's matcher calibrator is refitted after this many editor reviews of its machine
# suggestions (it takes effect from 20 decisions with both answers; see korean/calibrate.py).
CALIBRATOR_REFIT_EVERY = env_int("CALIBRATOR_REFIT_EVERY", 10)
if CALIBRATOR_REFIT_EVERY < 1:
    raise ImproperlyConfigured("CALIBRATOR_REFIT_EVERY must be 1 or more.")
INGEST_TIMEOUT_SECONDS = env_float("INGEST_TIMEOUT_SECONDS", 15.0)
INGEST_MAX_BYTES = env_int("INGEST_MAX_BYTES", 5 * 1024 * 1024)
# Longer article texts are refused (a long Korean news article is ~10,000 characters).
INGEST_MAX_TEXT_CHARS = env_int("INGEST_MAX_TEXT_CHARS", 200_000)
INGEST_MAX_REDIRECTS = env_int("INGEST_MAX_REDIRECTS", 5)
# Where a publisher can read what the crawler does and reach the operator: in every request's
# User-Agent. Set it to your own page (README, "The crawler and publishers").
INGEST_CONTACT_URL = os.environ.get(
    "INGEST_CONTACT_URL", "https://github.com/pledge-tracker/pledge-tracker#the-crawler"
)
INGEST_USER_AGENT = os.environ.get(
    "INGEST_USER_AGENT",
    f"PledgeTracker/1.0 (+{INGEST_CONTACT_URL}; civic news monitor)",
)
# robots.txt: obeyed for the product token of INGEST_USER_AGENT ("PledgeTracker"); rules kept
# for a day; a robots.txt that answers 5xx or times out stops fetching from that host this long.
INGEST_OBEY_ROBOTS_TXT = env_bool("INGEST_OBEY_ROBOTS_TXT", True)
INGEST_ROBOTS_CACHE_SECONDS = env_int("INGEST_ROBOTS_CACHE_SECONDS", 24 * 3600)
INGEST_ROBOTS_RETRY_SECONDS = env_int("INGEST_ROBOTS_RETRY_SECONDS", 600)
# Per host, across all workers (a source may set its own): fetches at once, seconds between two.
INGEST_HOST_MAX_CONCURRENT = env_int("INGEST_HOST_MAX_CONCURRENT", 2)
INGEST_HOST_MIN_INTERVAL = env_float("INGEST_HOST_MIN_INTERVAL", 1.0)
# A worker waits in place at most this long for a host; longer waits go back to the queue.
INGEST_HOST_MAX_WAIT_SECONDS = env_float("INGEST_HOST_MAX_WAIT_SECONDS", 30.0)
# The longest Retry-After we honour as asked (a longer one is clipped to this).
INGEST_RETRY_AFTER_MAX_SECONDS = env_int("INGEST_RETRY_AFTER_MAX_SECONDS", 6 * 3600)
# Sitemaps may be up to 50 MB uncompressed (sitemaps.org); children read from a sitemap index.
INGEST_SITEMAP_MAX_BYTES = env_int("INGEST_SITEMAP_MAX_BYTES", 50 * 1024 * 1024)
INGEST_SITEMAP_MAX_CHILDREN = env_int("INGEST_SITEMAP_MAX_CHILDREN", 20)
# Sitemap entries dated longer ago than this are not fetched (0: no limit); undated ones are.
INGEST_SITEMAP_MAX_AGE_DAYS = env_int("INGEST_SITEMAP_MAX_AGE_DAYS", 14)
# Failure rows: kept this long; a source is flagged on the admin index when at least
# INGEST_FAILURE_ALERT_MIN of its URLs failed in the last INGEST_FAILURE_WINDOW_HOURS and
# they are at least INGEST_FAILURE_ALERT_RATE of its attempts there.
INGEST_FAILURE_RETENTION_DAYS = env_int("INGEST_FAILURE_RETENTION_DAYS", 90)
INGEST_FAILURE_WINDOW_HOURS = env_int("INGEST_FAILURE_WINDOW_HOURS", 24)
INGEST_FAILURE_ALERT_RATE = env_float("INGEST_FAILURE_ALERT_RATE", 0.5)
INGEST_FAILURE_ALERT_MIN = env_int("INGEST_FAILURE_ALERT_MIN", 3)
INGEST_TASK_MAX_RETRIES = env_int("INGEST_TASK_MAX_RETRIES", 5)
INGEST_RETRY_BACKOFF_MAX = env_int("INGEST_RETRY_BACKOFF_MAX", 600)
# Load the kiwipiepy model when a worker process starts, not on its first article.
WARM_KIWI_ON_WORKER_START = env_bool("WARM_KIWI_ON_WORKER_START", True)
# Compile the pledge book in the worker's main process before the pool forks (shared by the
# children until an editor changes the book).
WARM_PLEDGE_BOOK_ON_WORKER_START = env_bool("WARM_PLEDGE_BOOK_ON_WORKER_START", True)
# Compile trafilatura's date patterns (dateparser's ~200 locales, ~4 s of CPU) when a worker
# starts, not over its first articles.
WARM_DATE_PARSER_ON_WORKER_START = env_bool("WARM_DATE_PARSER_ON_WORKER_START", True)
# Pay a web process's first-request costs at start (pledges/site/warm_up.py): gunicorn's master
# loads the URL configuration, catalogs and public templates and renders the front pages'
# scoreboards once before forking, so every worker starts with them.
WARM_WEB_PROCESS_ON_START = env_bool("WARM_WEB_PROCESS_ON_START", True)
# Off in production: refuse URLs that resolve to loopback, private or metadata addresses.
INGEST_ALLOW_PRIVATE_ADDRESSES = env_bool("INGEST_ALLOW_PRIVATE_ADDRESSES", False)

# --- Health and logs -----------------------------------------------------------------------------
# Workers write a heartbeat to Redis this often; /healthz calls one older than 3 beats down.
HEALTH_HEARTBEAT_SECONDS = env_int("HEALTH_HEARTBEAT_SECONDS", 30)
CELERY_BEAT_SCHEDULE["record-beat-heartbeat"] = {
    "task": "pledges.tasks.record_beat_heartbeat_task",
    "schedule": HEALTH_HEARTBEAT_SECONDS,
    "options": {"expires": HEALTH_HEARTBEAT_SECONDS},
}
# Celery workers log through the configuration below instead of replacing it.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# LOG_FORMAT=json: one JSON object per line on stderr (for a log collector); text: for people.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "pledges.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "pledges.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Gunicorn's own lines go through the same handler (see tracker/gunicorn.conf.py).
        "gunicorn.error": {"handlers": [], "propagate": True},
        # The request log (pledges.ops.logs) replaces Django's and gunicorn's access lines.
        "django.server": {"level": "WARNING"},
        # django-axes: lockouts (WARNING) yes, a start-up line in every command no.
        "axes": {"level": "WARNING"},
    },
}
