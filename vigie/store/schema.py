"""Every stage's tables on one metadata, for migrations and for tests that compare schema to models."""

from __future__ import annotations

import vigie.access.tables
import vigie.audit.tables
import vigie.cases.tables
import vigie.enforce.tables
import vigie.evidence.tables
import vigie.names.tables
import vigie.register.tables
import vigie.risk.tables  # noqa: F401
from vigie.store.base import Base

metadata = Base.metadata
