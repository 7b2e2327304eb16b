"""Configuration in one place: environment variables `VIGIE_*` first, then `vigie.toml`, then defaults.

The defaults must work with no configuration at all, so that `vigie demo` runs on a fresh clone:
the database is a SQLite file in the working directory and the acting user is the login name.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///vigie.db"
CONFIG_FILE = "vigie.toml"


CONNECTORS = ("outbox", "webhook", "command")


@dataclass(frozen=True)
class EnforceSettings:
    """How enforcement orders reach the provider's control plane (docs/enforce.md).

    The defaults deliver to an outbox folder in the working directory, so that enforcement works
    (and can be watched) with no configuration at all; a webhook or a command is opt-in.
    """

    connector: str = "outbox"
    outbox: Path = Path("vigie-outbox")
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    command: str | None = None
    ack_within: timedelta = timedelta(hours=24)  # an order not acknowledged by then is listed as overdue
    max_attempts: int = 8  # failed deliveries before an order goes to the dead letters
    backoff_base: float = 30.0  # seconds before the second attempt; doubles each time, with jitter
    backoff_max: float = 3600.0
    timeout: float = 10.0  # seconds a webhook request or a command may take


@dataclass(frozen=True)
class CasesSettings:
    """Where sealed fields get their key and where case evidence files live (docs/cases.md)."""

    secret_key: str | None = field(default=None, repr=False)  # VIGIE_SECRET_KEY: base64 of 32 bytes
    secret_key_file: Path | None = None  # VIGIE_SECRET_KEY_FILE or [secrets] key_file: a file holding it
    files: Path | None = None  # VIGIE_CASE_FILES or [cases] files; default next to the SQLite file


@dataclass(frozen=True)
class Settings:
    database_url: str
    actor: str
    config_path: Path | None
    provider: str | None = None  # the provider's own name, so its confirmations count as such
    policy_path: Path | None = None
    names_generic: Path | None = None  # extra generic words of organisation names (vigie/names)
    bodies_path: Path | None = None  # a folder of extra security-sector gazetteer files
    enforce: EnforceSettings = EnforceSettings()
    cases: CasesSettings = CasesSettings()


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc


def _config_path() -> Path | None:
    explicit = os.environ.get("VIGIE_CONFIG")
    if explicit:
        return Path(explicit)
    candidate = Path.cwd() / CONFIG_FILE
    return candidate if candidate.exists() else None


def load_settings() -> Settings:
    """Read the configuration afresh; cheap enough to call per command."""
    path = _config_path()
    data = _read_toml(path) if path else {}
    database = data.get("database", {})
    url_from_file = database.get("url") if isinstance(database, dict) else None
    url = os.environ.get("VIGIE_DATABASE_URL") or url_from_file or DEFAULT_DATABASE_URL
    actor = os.environ.get("VIGIE_USER") or _login_name()
    provider_section = data.get("provider", {})
    provider = os.environ.get("VIGIE_PROVIDER") or (
        provider_section.get("name") if isinstance(provider_section, dict) else None
    )
    risk_section = data.get("risk", {})
    policy = os.environ.get("VIGIE_POLICY") or (risk_section.get("policy") if isinstance(risk_section, dict) else None)
    names_section = data.get("names", {})
    names = names_section if isinstance(names_section, dict) else {}
    generic = os.environ.get("VIGIE_NAMES_GENERIC") or names.get("generic")
    bodies = os.environ.get("VIGIE_BODIES") or names.get("bodies")
    return Settings(
        database_url=str(url),
        actor=actor,
        config_path=path,
        provider=str(provider) if provider else None,
        policy_path=Path(str(policy)) if policy else None,
        names_generic=Path(str(generic)) if generic else None,
        bodies_path=Path(str(bodies)) if bodies else None,
        enforce=_enforce_settings(data.get("enforce", {})),
        cases=_cases_settings(data.get("secrets", {}), data.get("cases", {}), str(url)),
    )


def _cases_settings(secrets_section: object, cases_section: object, url: str) -> CasesSettings:
    secrets = secrets_section if isinstance(secrets_section, dict) else {}
    cases = cases_section if isinstance(cases_section, dict) else {}
    key_file = os.environ.get("VIGIE_SECRET_KEY_FILE") or secrets.get("key_file")
    files = os.environ.get("VIGIE_CASE_FILES") or cases.get("files")
    return CasesSettings(
        secret_key=os.environ.get("VIGIE_SECRET_KEY") or None,
        secret_key_file=Path(str(key_file)) if key_file else None,
        files=Path(str(files)) if files else _default_case_files(url),
    )


def _default_case_files(url: str) -> Path:
    """Next to a SQLite file (`vigie.db` → `vigie-files/`); for a server database, `./vigie-files`."""
    if url.startswith("sqlite") and "///" in url:
        path = url.split("///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            db = Path(path)
            return db.with_name(db.stem + "-files")
    return Path("vigie-files")


def _enforce_settings(section: object) -> EnforceSettings:
    """`[enforce]` in vigie.toml, each key overridden by `VIGIE_ENFORCE_<KEY>`; errors name the key."""
    table = section if isinstance(section, dict) else {}

    def raw(key: str) -> object:
        return os.environ.get(f"VIGIE_ENFORCE_{key.upper()}") or table.get(key)

    def number(key: str, default: float, minimum: float) -> float:
        value = raw(key)
        if value is None:
            return default
        try:
            parsed = float(str(value))
        except ValueError:
            parsed = float("nan")
        if not parsed >= minimum:
            raise ValueError(f"enforce.{key} (VIGIE_ENFORCE_{key.upper()}) must be a number ≥ {minimum}, got {value!r}")
        return parsed

    defaults = EnforceSettings()
    connector = str(raw("connector") or defaults.connector)
    if connector not in CONNECTORS:
        raise ValueError(
            f"enforce.connector (VIGIE_ENFORCE_CONNECTOR) must be one of {', '.join(CONNECTORS)}, got {connector!r}"
        )
    secret = raw("webhook_secret")
    secret_file = raw("webhook_secret_file")
    if secret is None and secret_file is not None:
        try:
            secret = Path(str(secret_file)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"enforce.webhook_secret_file (VIGIE_ENFORCE_WEBHOOK_SECRET_FILE): {exc}") from exc
    attempts = number("max_attempts", defaults.max_attempts, 1)
    if attempts != int(attempts):
        raise ValueError(f"enforce.max_attempts (VIGIE_ENFORCE_MAX_ATTEMPTS) must be a whole number, got {attempts}")
    outbox, url, command = raw("outbox"), raw("webhook_url"), raw("command")
    return EnforceSettings(
        connector=connector,
        outbox=Path(str(outbox)) if outbox else defaults.outbox,
        webhook_url=str(url) if url else None,
        webhook_secret=str(secret) if secret else None,
        command=str(command) if command else None,
        ack_within=timedelta(hours=number("ack_within_hours", 24, 0)),
        max_attempts=int(attempts),
        backoff_base=number("backoff_base", defaults.backoff_base, 0),
        backoff_max=number("backoff_max", defaults.backoff_max, 0),
        timeout=number("timeout", defaults.timeout, 0.001),
    )


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
