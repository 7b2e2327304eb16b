"""The API's response and request bodies: pydantic models read from the service layer's views.

They are the OpenAPI schema integrators code against, so they name every field explicitly rather
than passing the database rows through.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Me(_Read):
    id: str
    name: str
    roles: list[str]


class OrganisationSummary(_Read):
    id: str
    name: str
    kind: str
    country: str | None
    parent_id: str | None
    fictional: bool


class AliasOut(_Read):
    name: str
    lang: str | None
    script: str | None
    source: str | None


class SubscriptionOut(_Read):
    id: str
    customer_id: str
    service_id: str
    end_user_id: str | None
    region: str | None
    datacentre_country: str | None
    use_territories: list[str]
    start_date: date | None
    end_date: date | None
    status: str
    declared_end_use: str | None
    source: str | None
    fictional: bool


class ServiceOut(_Read):
    id: str
    name: str
    provider: str
    capabilities: list[str]


class SubscriptionWithService(BaseModel):
    subscription: SubscriptionOut
    service: ServiceOut


class OrganisationOut(BaseModel):
    organisation: OrganisationSummary
    description: str | None
    source: str | None
    parent: OrganisationSummary | None
    units: list[OrganisationSummary]
    aliases: list[AliasOut]
    subscriptions: list[SubscriptionWithService]
    body: str | None = Field(description="The gazetteer's public body, once linked")


class AssessmentOut(BaseModel):
    subscription: str
    organisation: str
    service: str
    version: int
    priority: float
    band: str
    action: str
    severity: float
    likelihood: float
    involvement: str
    heightened: bool
    worst_harm: str | None
    policy_id: str
    policy_version: str
    created_at: str
    reason: str


class AssessmentExplained(AssessmentOut):
    explanation: dict[str, Any] = Field(description="Every factor with its citations and policy clauses")


class CaseListingOut(_Read):
    id: str
    status: str
    opened_on: str
    readable: bool
    title: str | None
    org_id: str | None


class MemberOut(_Read):
    name: str
    role: str
    added_at: str
    added_by: str


class ItemOut(_Read):
    id: str
    kind: str
    sha256: str
    size: int
    document_id: str | None
    sealed: bool
    added_at: str
    added_by: str


class FindingOut(_Read):
    id: str
    allegation: str
    conclusion: str
    rationale: str
    evidence_item_ids: list[str]
    supersedes: str | None
    current: bool
    recorded_at: str
    recorded_by: str


class CaseOut(_Read):
    id: str
    title: str
    status: str
    origin: str
    origin_ref: str | None
    org_id: str | None
    subscription_ids: list[str]
    summary: str | None
    opened_at: str
    opened_by: str
    closed_at: str | None
    closed_by: str | None
    closing_note: str | None
    members: list[MemberOut]
    items: list[ItemOut]
    findings: list[FindingOut]
    decision_ids: list[str]
    request_ids: list[str]


class ApprovalOut(_Read):
    user: str
    verdict: str
    at: str
    note: str | None


class DecisionOut(_Read):
    id: str
    action: str
    status: str
    subscription_ids: list[str]
    proposed_by: str
    approved_by: str | None
    review_date: date
    org_id: str
    case_id: str | None
    rationale: str
    conditions: str | None
    exit_plan: dict[str, str] | None
    proposed_at: str
    decided_at: str | None
    reviewed_at: str | None
    approvals: list[ApprovalOut]


class ExitPlan(BaseModel):
    impact: str
    notice: str
    kept: str


class Proposal(BaseModel):
    """A decision to propose; suspend and terminate then need a second person with the approver role."""

    action: str = Field(description="continue, continue-with-conditions, restrict, suspend or terminate")
    rationale: str
    review_date: date
    org_id: str | None = Field(None, description="The relationship: all its subscriptions that have not ended")
    subscription_ids: list[str] = Field(default_factory=list, max_length=1000)
    conditions: str | None = None
    exit_plan: ExitPlan | None = None
    case_id: str | None = None


class Verdict(BaseModel):
    note: str | None = None


class AttemptOut(_Read):
    number: int
    connector: str
    target: str
    started_at: str
    finished_at: str | None
    outcome: str
    error: str | None


class OrderOut(_Read):
    id: str
    subscription_id: str
    action: str
    target_status: str
    decision_id: str | None
    reason: str
    issued_by: str
    issued_at: str
    due_by: str
    idempotency_key: str
    state: str
    attempts: int
    next_attempt_at: str | None
    connector: str | None
    last_error: str | None
    sent_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    closed_reason: str | None
    attempt_log: list[AttemptOut] = []


class ApprovedOut(BaseModel):
    decision: DecisionOut
    orders: list[OrderOut]


class OrdersStatusOut(BaseModel):
    now: str
    open: int
    overdue: list[OrderOut]
    dead: list[OrderOut]


class AuditEntryOut(_Read):
    seq: int
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: str | None = Field(description="The entity's state before, as JSON text")
    after: str | None = Field(description="The entity's state after, as JSON text")
    context: str | None
    hash: str


class ProblemOut(_Read):
    seq: int
    kind: str = Field(description="edited, missing or head")
    message: str


class VerificationOut(BaseModel):
    ok: bool
    entries: int
    problems: list[ProblemOut]
