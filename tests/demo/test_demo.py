from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from vigie.audit.verify import verify
from vigie.cli import app
from vigie.register.tables import Organisation, Service, Subscription
from vigie.store.engine import make_engine, session_scope


def test_demo_builds_a_register_that_cites_or_labels_every_fact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'vigie-demo.db'}")
    with session_scope(engine) as session:
        orgs = {o.id: o for o in session.scalars(select(Organisation))}
        unit = orgs["org-il-unit-8200"]
        assert unit.kind == "military-unit" and not unit.fictional
        assert orgs[orgs["org-il-aman"].parent_id or ""].parent_id == "org-il-mod"
        for org in orgs.values():
            assert org.source, f"{org.id} has no source"
            assert org.fictional or "http" in org.source or "press release" in org.source or "Agency" in org.source
        assert all(s.fictional for s in session.scalars(select(Service)))
        assert all(s.fictional and s.source for s in session.scalars(select(Subscription)))
        capabilities = {
            c
            for sub, svc in session.execute(
                select(Subscription, Service)
                .join(Service, Service.id == Subscription.service_id)
                .where(Subscription.customer_id.in_(["org-il-unit-8200", "org-il-mod"]))
            )
            for c in svc.capabilities
        }
        assert {"storage", "ai-model", "translation"} <= capabilities
        assert verify(session).ok
    # Running it again starts from a fresh file.
    again = CliRunner().invoke(app, ["demo"])
    assert again.exit_code == 0
