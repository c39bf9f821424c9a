"""KubeOrch settings: one file, driven by the environment.

With no environment set, KubeOrch runs embedded: SQLite under KUBEORCH_DATA_DIR, the in-memory
channel layer, a Celery worker inside the process and the sandbox cluster. With DATABASE_URL and
REDIS_URL it runs on PostgreSQL and Redis with separate Daphne and Celery processes.
"""

import os
import secrets
import socket
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("KUBEORCH_DATA_DIR", BASE_DIR / ".kubeorch")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def read_or_create_secret(env_name: str, file_name: str, generate) -> str:
    """Return a secret from the environment, a *_FILE it names, or a file kept in DATA_DIR.

    Generated secrets are written once with mode 0600 so restarts keep sessions and the
    encrypted credentials readable.
    """
    if os.environ.get(env_name):
        return os.environ[env_name]
    if os.environ.get(f"{env_name}_FILE"):
        return Path(os.environ[f"{env_name}_FILE"]).read_text().strip()
    path = DATA_DIR / file_name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(generate())
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = read_or_create_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Key for credentials stored at rest (cluster kubeconfigs and tokens). Comma-separated keys rotate:
# the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEY = read_or_create_secret("FIELD_ENCRYPTION_KEY", "field_key", _fernet_key)

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_celery_beat",
    "channels",
    "workflows",
    "deployments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kubeorch.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kubeorch.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "kubeorch.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

DATABASE_URL = os.environ.get("DATABASE_URL")
if DATABASE_URL:
    # CONN_MAX_AGE=0: under ASGI each request runs in its own thread; persistent connections leak.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if os.environ.get("KUBEORCH_TEST_DB_NAME"):
        # ChannelsLiveServerTestCase otherwise connects to test_test_<name> (django/channels#2176).
        DATABASES["default"]["TEST"] = {"NAME": os.environ["KUBEORCH_TEST_DB_NAME"]}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's socket timeout must exceed channels_redis's 5 s blocking read, or idle
            # consumers crash with "Timeout reading from" every few seconds.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
# True when no broker is configured: the main command runs a worker inside the process.
CELERY_EMBEDDED_WORKER = not REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A run's work is waiting on the cluster's API and the database, so `celery -A kubeorch worker`
# runs tasks on threads, several at a time (like Argo CD's operation processors): one worker
# applies other runs while one waits. Each running task holds a database connection. On
# PostgreSQL 32 per worker: bench/queue.py (100 runs, 2 workers) waited a median 7.5 s for a
# worker at 8, 0.4 s at 24 and 0.1 s at 32, finishing them all no later. SQLite (embedded)
# has one writer at a time, so more threads there would only queue on its lock.
CELERY_WORKER_POOL = "threads"
CELERY_WORKER_CONCURRENCY = int(
    os.environ.get("KUBEORCH_WORKER_CONCURRENCY", 32 if DATABASE_URL else 8)
)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # A run whose worker died is failed within lease + this interval.
    "reap-lost-runs": {"task": "deployments.reap_lost_runs", "schedule": 15.0},
    # Node-health watchers: (re)start them in this process if needed and match them to the DB.
    "sync-watchers": {"task": "deployments.sync_watchers", "schedule": 30.0},
    # A deployment attempt whose worker died is marked unknown within lease + this interval.
    "expire-attempt-leases": {"task": "deployments.expire_attempt_leases", "schedule": 15.0},
    # Artifacts: lost builds fail, lost wake-ups are re-sent, interrupted deletes finish.
    "reap-artifacts": {"task": "deployments.artifacts.reap", "schedule": 15.0},
}
CELERY_TIMEZONE = "UTC"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "kubeorch" / "static"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Graph size limits; the body limit answers 413 before parsing.
KUBEORCH_MAX_NODES = 5000
KUBEORCH_MAX_EDGES = 20000
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Runs: the worker's lease (renewed every third of it), the health wait, and how long a node may
# stay degraded before the run fails with its reason.
KUBEORCH_RUN_LEASE_SECONDS = int(os.environ.get("KUBEORCH_RUN_LEASE_SECONDS", 30))
KUBEORCH_RUN_TIMEOUT_SECONDS = int(os.environ.get("KUBEORCH_RUN_TIMEOUT_SECONDS", 300))
KUBEORCH_RUN_DEGRADED_GRACE_SECONDS = float(
    os.environ.get("KUBEORCH_RUN_DEGRADED_GRACE_SECONDS", 30)
)
KUBEORCH_RUN_POLL_SECONDS = float(os.environ.get("KUBEORCH_RUN_POLL_SECONDS", 1.0))
# Checks back off to this while nothing changes; it bounds how late a change or a cancel is seen.
KUBEORCH_RUN_POLL_MAX_SECONDS = float(os.environ.get("KUBEORCH_RUN_POLL_MAX_SECONDS", 2.0))
# How long every node must stay healthy before a run completes (a crashing app is briefly Ready).
KUBEORCH_RUN_SETTLE_SECONDS = float(os.environ.get("KUBEORCH_RUN_SETTLE_SECONDS", 5))

# Deployment-record attempts: a worker's lease, renewed by its heartbeats; expired -> unknown.
KUBEORCH_ATTEMPT_LEASE_SECONDS = float(os.environ.get("KUBEORCH_ATTEMPT_LEASE_SECONDS", 60))

# Artifacts: where sources are stored (content-addressed), where builds push, and how long each
# step may take. A burst of updates within the debounce window builds only the newest.
KUBEORCH_ARTIFACT_STORE = Path(
    os.environ.get("KUBEORCH_ARTIFACT_STORE", DATA_DIR / "artifacts")).resolve()
KUBEORCH_BUILD_REGISTRY = os.environ.get(
    "KUBEORCH_BUILD_REGISTRY", "registry.sandbox.local/kubeorch")
KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS = float(os.environ.get("KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS", 5))
KUBEORCH_BUILD_TIMEOUT_SECONDS = float(os.environ.get("KUBEORCH_BUILD_TIMEOUT_SECONDS", 900))
KUBEORCH_ARTIFACT_DEPLOY_TIMEOUT_SECONDS = float(
    os.environ.get("KUBEORCH_ARTIFACT_DEPLOY_TIMEOUT_SECONDS", 300))
KUBEORCH_ARTIFACT_SETTLE_SECONDS = float(os.environ.get("KUBEORCH_ARTIFACT_SETTLE_SECONDS", 3))
KUBEORCH_ARTIFACT_DEGRADED_GRACE_SECONDS = float(
    os.environ.get("KUBEORCH_ARTIFACT_DEGRADED_GRACE_SECONDS", 20))
# A revision waiting for an older one to finish deploying gives up (failed, naming the holder)
# after this long, instead of waiting forever behind a lost worker.
KUBEORCH_ARTIFACT_LOCK_WAIT_SECONDS = float(
    os.environ.get("KUBEORCH_ARTIFACT_LOCK_WAIT_SECONDS", 900))
KUBEORCH_WORKER_NAME = os.environ.get("KUBEORCH_WORKER_NAME", socket.gethostname())

# Server-sent events: a comment line this often keeps proxies from closing an idle stream.
KUBEORCH_SSE_HEARTBEAT_SECONDS = float(os.environ.get("KUBEORCH_SSE_HEARTBEAT_SECONDS", 15))

# The sandbox cluster: the embedded default cluster, a local Kubernetes API server.
KUBEORCH_SANDBOX = env_bool("KUBEORCH_SANDBOX", True)
KUBEORCH_SANDBOX_KUBECONFIG = DATA_DIR / "sandbox.kubeconfig"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kubeorch.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "KubeOrch API",
    "DESCRIPTION": "Design Kubernetes topologies, version them and run them on clusters.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DeploymentStatusEnum": "deployments.models.records.DeploymentStatus",
        "DeploymentPhaseEnum": "deployments.models.records.DeploymentPhase",
        "AttemptStatusEnum": "deployments.models.records.AttemptStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kubeorch.openapi.add_event_streams",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
