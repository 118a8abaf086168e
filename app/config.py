"""Every setting Retorno reads, from the environment, in one place.

`get_settings()` reads them once per process. Bad configuration raises
`ConfigError` with one line that says what to fix; `python -m app` prints it
and exits before anything starts.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production", "test")
SMTP_SECURITY = ("none", "starttls", "tls")


class ConfigError(Exception):
    """A setting is missing or wrong; str(exc) is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    env: str
    var_dir: Path
    database_url: str
    secret_key: str
    base_url: str
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = "starttls"
    mail_from: str = "Retorno <no-responder@localhost>"
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    job_queue: str = "retorno:jobs"
    sign_in_max_failures: int = 5
    sign_in_lock_minutes: int = 15
    api_requests_per_minute: int = 120  # per API key
    dms_stale_minutes: int = 1440  # the header warns when the DMS data is older
    sync_folder_root: Path | None = None  # where folder sync sources may read from (None: anywhere readable)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        return sqlite_path(self.database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mode = env.get("RETORNO_ENV", "development").strip() or "development"
        if mode not in ENVIRONMENTS:
            raise ConfigError(f"RETORNO_ENV debe ser uno de {', '.join(ENVIRONMENTS)}; vale {mode!r}.")
        var_dir = Path(env.get("RETORNO_VAR_DIR") or ROOT / "var").resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'retorno.sqlite'}"
        _check_database_url(database_url)
        redis_url = env.get("REDIS_URL") or None
        if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
            raise ConfigError(f"REDIS_URL debe empezar con redis:// o rediss://; vale {redis_url!r}.")
        base_url = (env.get("BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
        if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
            raise ConfigError(f"BASE_URL debe ser una dirección http(s) completa; vale {base_url!r}.")
        smtp_security = env.get("SMTP_SECURITY", "starttls")
        if smtp_security not in SMTP_SECURITY:
            raise ConfigError(f"SMTP_SECURITY debe ser uno de {', '.join(SMTP_SECURITY)}; vale {smtp_security!r}.")
        return cls(
            env=mode,
            var_dir=var_dir,
            database_url=database_url,
            secret_key=_secret_key(env, mode, var_dir),
            base_url=base_url,
            redis_url=redis_url,
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=_positive_int(env, "SMTP_PORT", 587),
            smtp_user=env.get("SMTP_USER") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_security=smtp_security,
            mail_from=env.get("MAIL_FROM") or "Retorno <no-responder@localhost>",
            session_idle_minutes=_positive_int(env, "SESSION_IDLE_MINUTES", 120),
            session_max_hours=_positive_int(env, "SESSION_MAX_HOURS", 12),
            job_queue=env.get("JOB_QUEUE") or "retorno:jobs",
            api_requests_per_minute=_positive_int(env, "API_REQUESTS_PER_MINUTE", 120),
            dms_stale_minutes=_positive_int(env, "DMS_STALE_MINUTES", 1440),
            sync_folder_root=Path(env["SYNC_FOLDER_ROOT"]).resolve() if env.get("SYNC_FOLDER_ROOT") else None,
        )


def sqlite_path(database_url: str) -> Path:
    """`sqlite:///var/x.db` is relative to the project root, `sqlite:////abs/x.db` absolute."""
    raw = database_url.removeprefix("sqlite:///")
    path = Path(raw)
    return path if path.is_absolute() else ROOT / path


def _check_database_url(url: str) -> None:
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres") and parts.path.strip("/"):
        return
    raise ConfigError(
        "DATABASE_URL debe ser sqlite:///ruta/al/archivo.sqlite o postgresql://usuario@servidor/base; "
        f"vale {url!r}."
    )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} debe ser un número entero; vale {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} debe ser mayor que cero; vale {raw!r}.")
    return value


def _secret_key(env: Mapping[str, str], mode: str, var_dir: Path) -> str:
    key = env.get("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigError("SECRET_KEY debe tener al menos 32 caracteres.")
        return key
    if mode == "production":
        raise ConfigError("SECRET_KEY es obligatoria con RETORNO_ENV=production (32 caracteres o más).")
    # Development and tests: generate once and keep it, so sessions survive restarts.
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@functools.cache
def get_settings() -> Settings:
    return Settings.from_env()
