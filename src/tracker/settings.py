"""Settings from the environment, with working local defaults.

Every process reads the same variables, so several app processes (and the CLI) agree on the database,
the upload folder and the secret. Nothing here is cached in a way that tests cannot override: build a
``Settings`` with ``Settings.from_env(overrides)``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
RECOMMENDATIONS_DIR = PROJECT_ROOT / "recommendations"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
FONTS_DIR = PROJECT_ROOT / "fonts"

# The local default is deliberately recognisable so production can refuse it.
DEFAULT_SECRET = "local-development-secret-not-for-production"
# Who runs the service and how to reach them: shown on the accessibility statement and the privacy notice.
# The defaults are placeholders (example.org cannot receive mail) until a deployment sets its own.
DEFAULT_SERVICE_OPERATOR = "[the organisation that runs this service]"
DEFAULT_SERVICE_EMAIL = "tracker-service-team@example.org"
DEFAULT_PRIVACY_EMAIL = "data-protection@example.org"


class SettingsError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def listening_url(host: str, port: int) -> str:
    """The address `tracker serve` answers at, for links when PUBLIC_URL is not set. Never the request's Host
    header, which anyone can set while public responses are cacheable; listening everywhere links to this machine."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(frozen=True)
class Settings:
    """The tracker's configuration."""

    database_url: str = field(default_factory=_default_database_url)
    secret_key: str = DEFAULT_SECRET
    environment: str = "local"  # "local" or "production"
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    max_upload_bytes: int = 20 * 1024 * 1024
    host: str = "127.0.0.1"
    port: int = 8000
    demo_password: str | None = None
    stale_update_days: int = 90
    sql_echo: bool = False
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "stalking-tracker@localhost"
    public_url: str = ""  # empty: where the server listens (``listening_url``), filled in when built
    translations_dir: Path = TRANSLATIONS_DIR
    service_operator: str = DEFAULT_SERVICE_OPERATOR
    service_email: str = DEFAULT_SERVICE_EMAIL
    data_controller: str = ""  # empty: the service operator
    privacy_email: str = DEFAULT_PRIVACY_EMAIL
    # Reverse proxies (addresses or networks) whose X-Forwarded-For is believed. Empty: the client address is
    # the socket peer's, since anyone can send that header and so pick the address their guesses count against.
    trusted_proxies: tuple[str, ...] = ()
    log_format: str = ""  # "json" or "console"; empty: JSON lines in production, readable lines elsewhere
    # /metrics: off unless one of these is set; then only for these addresses or networks, or this bearer token.
    metrics_allow: tuple[str, ...] = ()
    metrics_token: str = ""
    # Anonymous public pages: how long a shared cache (or a browser) may keep them, and serve them stale while it
    # asks again (seconds).
    public_max_age: int = 60
    public_stale_while_revalidate: int = 300

    def __post_init__(self) -> None:
        if not self.public_url:
            object.__setattr__(self, "public_url", listening_url(self.host, self.port))  # frozen: set once, here

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def controller(self) -> str:
        """The data controller named in the privacy notice."""
        return self.data_controller or self.service_operator

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``)."""
        env = os.environ if environ is None else environ
        defaults = cls()
        try:
            settings = cls(
                database_url=_normalise_database_url(env.get("DATABASE_URL") or defaults.database_url),
                secret_key=env.get("SECRET_KEY") or DEFAULT_SECRET,
                environment=(env.get("TRACKER_ENV") or "local").strip().lower(),
                upload_dir=Path(env.get("UPLOAD_DIR") or defaults.upload_dir),
                max_upload_bytes=int(float(env.get("MAX_UPLOAD_MB") or 20) * 1024 * 1024),
                host=env.get("HOST") or defaults.host,
                port=int(env.get("PORT") or defaults.port),
                demo_password=env.get("TRACKER_DEMO_PASSWORD") or None,
                stale_update_days=int(env.get("STALE_UPDATE_DAYS") or defaults.stale_update_days),
                sql_echo=_as_bool(env.get("SQL_ECHO") or ""),
                smtp_host=env.get("SMTP_HOST") or None,
                smtp_port=int(env.get("SMTP_PORT") or 25),
                smtp_user=env.get("SMTP_USER") or None,
                smtp_password=env.get("SMTP_PASSWORD") or None,
                smtp_starttls=_as_bool(env.get("SMTP_STARTTLS") or ""),
                mail_from=env.get("MAIL_FROM") or defaults.mail_from,
                public_url=(env.get("PUBLIC_URL") or "").rstrip("/"),
                translations_dir=Path(env.get("TRANSLATIONS_DIR") or defaults.translations_dir),
                service_operator=env.get("SERVICE_OPERATOR") or defaults.service_operator,
                service_email=env.get("SERVICE_EMAIL") or defaults.service_email,
                data_controller=env.get("DATA_CONTROLLER") or "",
                privacy_email=env.get("PRIVACY_EMAIL") or defaults.privacy_email,
                trusted_proxies=_list(env.get("TRUSTED_PROXIES")),
                log_format=(env.get("TRACKER_LOG_FORMAT") or "").strip().lower(),
                metrics_allow=_list(env.get("METRICS_ALLOW")),
                metrics_token=env.get("METRICS_TOKEN") or "",
                public_max_age=int(env.get("PUBLIC_MAX_AGE") or defaults.public_max_age),
                public_stale_while_revalidate=int(
                    env.get("PUBLIC_STALE_WHILE_REVALIDATE") or defaults.public_stale_while_revalidate
                ),
            )
        except ValueError as exc:
            raise SettingsError(f"A setting in the environment is not valid: {exc}") from exc
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse configurations that are unsafe or cannot work."""
        for variable, networks in (("TRUSTED_PROXIES", self.trusted_proxies), ("METRICS_ALLOW", self.metrics_allow)):
            for network in networks:
                try:
                    ipaddress.ip_network(network, strict=False)
                except ValueError:
                    raise SettingsError(
                        f"{variable} must list IP addresses or networks (e.g. 10.0.0.0/8), not {network!r}."
                    ) from None
        if self.log_format not in {"", "json", "console"}:
            raise SettingsError(f"TRACKER_LOG_FORMAT must be 'json' or 'console', not {self.log_format!r}.")
        if self.metrics_token and len(self.metrics_token) < 32:
            raise SettingsError("METRICS_TOKEN must be at least 32 characters.")
        if self.public_max_age < 0 or self.public_stale_while_revalidate < 0:
            raise SettingsError("PUBLIC_MAX_AGE and PUBLIC_STALE_WHILE_REVALIDATE must be 0 or more seconds.")
        if self.stale_update_days < 1:
            raise SettingsError("STALE_UPDATE_DAYS must be 1 or more days.")
        if self.environment not in {"local", "production"}:
            raise SettingsError(f"TRACKER_ENV must be 'local' or 'production', not {self.environment!r}.")
        if self.is_production:
            if self.secret_key == DEFAULT_SECRET:
                raise SettingsError(
                    "TRACKER_ENV=production but SECRET_KEY is the local default. "
                    "Set SECRET_KEY to a long random value (e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`) shared by every app process."
                )
            if len(self.secret_key) < 32:
                raise SettingsError("SECRET_KEY must be at least 32 characters in production.")
            if any(word in self.secret_key.lower() for word in ("replace", "change-me", "changeme")):
                raise SettingsError(
                    "SECRET_KEY is the example file's placeholder: set it to a long random value "
                    "(`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
                )


def _list(value: str | None) -> tuple[str, ...]:
    """A comma-separated setting as its items."""
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out and use the psycopg 3 driver for PostgreSQL."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
