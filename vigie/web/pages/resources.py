"""What some pages need besides the database, read from the app's settings as the command line reads its own.

The key that seals interviews and personal data, the case file store, the due-diligence policy,
the enforcement connector and the re-assessment after a correction are configured once
(`VIGIE_*`, vigie.toml) and used the same way here as by `vigie case`, `vigie request`,
`vigie evidence` and `vigie enforce`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import HTTPException, Request

from vigie.access.crypto import KeyMissing, Sealer, load_sealer
from vigie.cases.files import FileStore
from vigie.enforce.connectors import Connector, make_connector
from vigie.risk.incremental import Reassessor
from vigie.risk.policy import Policy, PolicyError, load_policy
from vigie.settings import EnforceSettings, Settings


def base_settings(request: Request) -> Settings:
    settings = request.app.state.settings.base
    assert isinstance(settings, Settings)
    return settings


def sealer(request: Request, required: bool = True) -> Sealer | None:
    """The configured key; None when none is configured and the page can do without (sealed labels stay sealed).

    A key that is configured but unusable always raises KeyMissing (→ 503 with the reason).
    """
    conf = base_settings(request).cases
    if not required and conf.secret_key is None and conf.secret_key_file is None:
        return None
    return load_sealer(conf.secret_key, conf.secret_key_file)


def required_sealer(request: Request) -> Sealer:
    found = sealer(request, required=True)
    if found is None:  # load_sealer raises rather than return None; this keeps mypy and readers sure
        raise KeyMissing("no secret key is configured")
    return found


def file_store(request: Request) -> FileStore:
    return FileStore(base_settings(request).cases.files or Path("vigie-files"))


def policy(request: Request) -> Policy:
    """The policy file the settings name (VIGIE_POLICY), or vigie's default.

    A policy that cannot be used is the server's configuration, not the visitor's input: 503, with
    the problems the policy check lists.
    """
    try:
        return load_policy(base_settings(request).policy_path)
    except PolicyError as exc:
        raise HTTPException(503, f"the due-diligence policy cannot be used: {exc}") from exc


def enforcement(request: Request) -> tuple[EnforceSettings, Connector]:
    """The configured connector; ConnectorError (a ValueError → 422) names the missing setting."""
    config = base_settings(request).enforce
    return config, make_connector(config)


def reassessor(request: Request, actor_name: str) -> Reassessor:
    """How a correction made on a page re-assesses what it touched, as `vigie evidence reject` does."""
    settings = base_settings(request)
    provider = (settings.provider,) if settings.provider else ()
    return Reassessor(actor_name, lambda: policy(request), date.today(), provider)
