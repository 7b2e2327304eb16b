"""Configuration in one place: environment variables `VIGIE_*` first, then `vigie.toml`, then defaults.

The defaults must work with no configuration at all, so that `vigie demo` runs on a fresh clone:
the database is a SQLite file in the working directory and the acting user is the login name.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///vigie.db"
CONFIG_FILE = "vigie.toml"


@dataclass(frozen=True)
class Settings:
    database_url: str
    actor: str
    config_path: Path | None
    provider: str | None = None  # the provider's own name, so its confirmations count as such
    policy_path: Path | None = None
    names_generic: Path | None = None  # extra generic words of organisation names (vigie/names)
    bodies_path: Path | None = None  # a folder of extra security-sector gazetteer files


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
    )


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
