"""docs/api.md documents every route the OpenAPI document lists (the guide is tested against the code)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.conftest import app_for

DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_route_is_in_the_guide() -> None:
    app = app_for("sqlite://")
    try:
        paths = app.openapi()["paths"]
    finally:
        app.state.engines.dispose()
    missing = [
        f"{method.upper()} {path}"
        for path, methods in paths.items()
        for method in methods
        if not re.search(rf"`{method.upper()} {re.escape(path.removeprefix('/api/v1'))}[`?]", DOC)
    ]
    assert not missing, f"docs/api.md does not document: {', '.join(missing)}"
