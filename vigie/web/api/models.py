"""The API's response and request bodies: pydantic models read from the service layer's views.

They are the OpenAPI schema integrators code against, so they name every field explicitly rather
than passing the database rows through.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class _In(BaseModel):
    """A request body: unknown fields are refused, and so is the NUL character, which no text field may hold
    (PostgreSQL refuses it; a client that sends one has sent binary where text belongs)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("may not contain the NUL character (\\u0000)")
        return value


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
    label: dict[str, Any] | None = Field(
        None, description="The sealed description and file name, opened for members when the server holds the key"
    )


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


class CaseRecordOut(_Read):
    """A case's own record, as opening or closing it leaves it."""

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


class CaseOut(CaseRecordOut):
    """A case as its members see it: the record with its members, evidence items and findings."""

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


class ExitPlan(_In):
    impact: str
    notice: str
    kept: str


class Proposal(_In):
    """A decision to propose; suspend and terminate then need a second person with the approver role."""

    action: str = Field(description="continue, continue-with-conditions, restrict, suspend or terminate")
    rationale: str
    review_date: date
    org_id: str | None = Field(None, description="The relationship: all its subscriptions that have not ended")
    subscription_ids: list[str] = Field(default_factory=list, max_length=1000)
    conditions: str | None = None
    exit_plan: ExitPlan | None = None
    case_id: str | None = None


class Verdict(_In):
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


# ------------------------------------------------------------------------------------------- errors


class FieldProblem(BaseModel):
    field: str = Field(description="Where: `query.limit`, `body.review_date`, `path.case_id` ...")
    message: str


class ErrorBody(BaseModel):
    status: int
    title: str
    detail: str | list[FieldProblem] = Field(description="What is wrong, naming the parameter or field")


class ErrorOut(BaseModel):
    """Every error has this shape; `detail` names the parameter or field at fault."""

    error: ErrorBody


# ------------------------------------------------------------------------------------------ register


class ServiceListed(_Read):
    id: str
    name: str
    provider: str
    capabilities: list[str]


class ImportProblem(BaseModel):
    """One thing wrong with an uploaded register file, where it is: the whole list comes back at once."""

    file: str = Field(description="The uploaded file's name (with `#entity` inside a JSON document)")
    row: int | None = Field(description="1-based data row; null for a problem with the whole file")
    line: int | None = Field(description="The line in the file, where it differs from the row")
    field: str | None
    message: str


class ReassessedOut(BaseModel):
    """The relationships a change re-assessed in its own transaction (none before the first assessment)."""

    assessed: int
    changed: int
    unchanged: int


class ImportErrorBody(BaseModel):
    status: int
    title: str
    detail: str | list[ImportProblem] = Field(description="Every problem at once; nothing was imported")


class ImportErrorOut(BaseModel):
    error: ImportErrorBody


class ImportOut(BaseModel):
    files: list[str]
    counts: dict[str, dict[str, int]] = Field(description="Per entity type: added, changed, unchanged")
    nothing_changed: bool
    reassessed: ReassessedOut | None


# ------------------------------------------------------------------------------------------ evidence


class DocumentSummary(_Read):
    id: str
    sha256: str
    title: str | None
    publisher: str | None
    kind: str
    published: str | None
    language: str | None
    origin: str
    url: str | None
    media_type: str
    ingested_at: str
    ingested_by: str


class MentionOut(_Read):
    id: int
    document_id: str
    start: int
    end: int
    text: str
    kind: str
    entity_id: str | None
    via: str


class ClaimOut(_Read):
    id: str
    document_id: str
    start: int
    end: int
    quote: str
    stance: str
    actions: list[str]
    actors: list[dict[str, Any]]
    services: list[dict[str, Any]]
    harms: list[str]
    places: list[dict[str, Any]]
    date: str | None
    attributed_to: str | None
    origin: str = Field(description="extracted, or reviewer for a claim added by hand")
    rejected: bool


class DocumentOut(DocumentSummary):
    text: str = Field(description="The text every offset points into")
    notes: list[str]
    extractor: str
    mentions: list[MentionOut]
    claims: list[ClaimOut]


class IngestedOut(BaseModel):
    added: list[DocumentSummary]
    reextracted: list[DocumentSummary]
    duplicates: list[dict[str, str]] = Field(description="`origin` and the `document` it already is")
    failed: list[dict[str, str]] = Field(description="`origin` and the `reason` it could not be read")
    reassessed: ReassessedOut | None


class DenialOut(BaseModel):
    claim: str
    quote: str
    publisher: str | None


class AllegationOut(BaseModel):
    key: str = Field(description="ORGANISATION/SERVICE/HARM: how a case is opened on it")
    organisation: str
    service: str = Field(description="A service id, `capability:<tag>`, or `*` when the claims name no service")
    harm: str
    independent_sources: int
    sources: list[str]
    strongest_source_kind: str
    first_seen: str | None
    last_seen: str | None
    claims: list[str]
    denials: list[DenialOut]


OFFSET = Field(ge=0, le=2**31 - 1)
ENTITY_ID = Field(min_length=1, max_length=200)
PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class LinkMentionIn(_In):
    """The mention at START-END names this register organisation (it survives re-extraction)."""

    start: int = OFFSET
    end: int = OFFSET
    org_id: str = ENTITY_ID
    note: str | None = Field(None, max_length=4000)


class RejectClaimIn(_In):
    note: str | None = Field(None, max_length=4000, description="Why the claim is wrong")


class AddClaimIn(_In):
    """A claim added by hand, quoting the document by offsets."""

    start: int = OFFSET
    end: int = OFFSET
    stance: str = Field(description="alleges, denies, confirms, acts, demands or finds")
    harms: list[str] = Field(default_factory=list, max_length=50)
    org_ids: list[str] = Field(default_factory=list, max_length=50)
    service_ids: list[Annotated[str, ENTITY_ID]] = Field(default_factory=list, max_length=50)
    territory_ids: list[Annotated[str, ENTITY_ID]] = Field(default_factory=list, max_length=50)
    date: str | None = Field(None, pattern=PARTIAL_DATE, description="YYYY, YYYY-MM or YYYY-MM-DD")
    attributed_to: str | None = Field(None, max_length=1000)
    note: str | None = Field(None, max_length=4000)


class CorrectionOut(_Read):
    id: int
    action: str
    document_sha256: str
    start: int
    end: int
    payload: dict[str, Any]
    actor: str
    at: str
    note: str | None


class CorrectedOut(BaseModel):
    correction: CorrectionOut
    document_id: str
    organisations: list[str] = Field(description="Organisations whose evidence the correction changed")
    reassessed: ReassessedOut | None


# --------------------------------------------------------------------------------------------- cases


class CaseOpen(_In):
    """Open a case from an allegation, from a relationship's current assessment, or by hand (with a title)."""

    title: str | None = Field(None, max_length=300, description="Required when opened by hand")
    allegation: str | None = Field(None, max_length=400, description="ORGANISATION/SERVICE/HARM")
    assessment: str | None = Field(None, max_length=200, description="A subscription id: its current assessment")
    org_id: str | None = Field(None, max_length=200)
    subscription_ids: list[str] = Field(default_factory=list, max_length=1000)
    summary: str | None = Field(None, max_length=20_000)


class MemberIn(_In):
    user: str = Field(min_length=1, max_length=100, description="The user's login name")
    role: str = Field("member", description="member, or lead (manages members and closes the case)")


class DocumentItemIn(_In):
    document_id: str = Field(min_length=1, max_length=200)
    note: str | None = Field(None, max_length=4000, description="A description, sealed (needs the server's key)")


class InterviewIn(_In):
    """An interview record: who and what are sealed with the server's key; the database keeps the date,
    the interviewer and a SHA-256 of the record."""

    interviewee: str = Field(min_length=1, max_length=500)
    text: str = Field(min_length=1, max_length=1_000_000)
    conducted_on: date
    affiliation: str | None = Field(None, max_length=500)
    consent: str = Field("given", description="given, given-anonymous or not-recorded")


class InterviewRecordOut(BaseModel):
    interviewee: str
    affiliation: str | None
    consent: str
    text: str
    conducted_on: str
    conducted_by: str


class ItemOpenedOut(BaseModel):
    """An evidence item, opened: reading it adds a `viewed` event to its chain of custody."""

    item: ItemOut
    media_type: str
    text: str | None = Field(description="A document's text")
    interview: InterviewRecordOut | None
    download: str | None = Field(description="Where a file's bytes are (an export, recorded as such)")


class CustodyEventOut(_Read):
    at: str
    actor: str
    action: str = Field(description="added, viewed or exported")
    sha256: str
    note: str | None


class CustodyOut(BaseModel):
    item: ItemOut
    events: list[CustodyEventOut]


class FindingIn(_In):
    allegation: str = Field(min_length=1, max_length=400, description="ORGANISATION/SERVICE/HARM, or a description")
    conclusion: str = Field(description="substantiated, partly-substantiated, not-substantiated or inconclusive")
    rationale: str = Field(min_length=1, max_length=100_000)
    evidence_item_ids: list[str] = Field(default_factory=list, max_length=1000)


class CloseIn(_In):
    note: str = Field(min_length=1, max_length=20_000, description="What the case concluded")


# ------------------------------------------------------------------------------------------ requests


class RequestIn(_In):
    """A sensitive-use or emergency request, as received from a customer."""

    kind: str = Field("sensitive-use", description="sensitive-use or emergency")
    org_id: str = Field(min_length=1, max_length=200, description="The customer organisation that asks")
    purpose: str = Field(min_length=1, max_length=20_000, description="What the service is to be used for")
    urgency: str = Field("routine", description="emergency, urgent or routine")
    service_id: str | None = Field(None, max_length=200)
    subscription_ids: list[str] = Field(default_factory=list, max_length=1000)
    requester: str | None = Field(None, max_length=500, description="Who asked, at the customer (sealed)")
    case_id: str | None = Field(None, max_length=40)


class RequestOut(_Read):
    id: str
    kind: str
    org_id: str
    service_id: str | None
    subscription_ids: list[str]
    purpose: str
    urgency: str
    status: str
    received_at: str
    recorded_by: str
    case_id: str | None
    triage: dict[str, Any] | None = Field(description="The clauses that apply, why, and the approval needed")
    triaged_at: str | None
    triaged_by: str | None
    outcome: str | None
    conditions: str | None
    rationale: str | None
    decided_at: str | None
    decided_by: str | None
    requester: str | None = Field(
        None, description="`(sealed)`, or who asked, opened for analysts, investigators, approvers and auditors"
    )


class TriageIn(_In):
    harms: list[str] = Field(
        default_factory=list, max_length=50, description="Harms the purpose implies that its words do not say"
    )


class RequestDecisionIn(_In):
    outcome: str = Field(description="approved, approved-with-conditions or refused")
    rationale: str = Field(min_length=1, max_length=20_000)
    conditions: str | None = Field(None, max_length=20_000)


class WithdrawIn(_In):
    note: str | None = Field(None, max_length=20_000)


class ReviewIn(_In):
    next_review: date
    note: str = Field(min_length=1, max_length=20_000, description="What the review found")


# --------------------------------------------------------------------------------------- enforcement


class DeliveryOut(BaseModel):
    connector: str
    target: str
    acknowledged: list[str]
    sent: list[str] = Field(description="Delivered, waiting for the control plane's acknowledgement")
    retrying: list[str]
    dead: list[str]
    acks_from_files: list[str]
    ack_file_errors: list[str]


class AckIn(_In):
    note: str | None = Field(None, max_length=4000, description="What confirms it (a ticket, a console check)")
    idempotency_key: str | None = Field(None, max_length=200, description="To be sure it is the right order")


class AckOut(BaseModel):
    order: OrderOut
    applied_now: bool = Field(description="False when it was already acknowledged: nothing changed")
    status_changed: bool = Field(description="False when the subscription already had the target status")


class RestoreIn(_In):
    subscription_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=1000)
    reason: str = Field(min_length=1, max_length=4000)
    decision_id: str | None = Field(None, max_length=40, description="The decision to continue, if there is one")


class CancelIn(_In):
    reason: str = Field(min_length=1, max_length=4000)


# --------------------------------------------------------------------------------------------- users


class UserOut(BaseModel):
    id: str
    name: str
    roles: list[str]
    active: bool
    has_password: bool
    tokens: int = Field(description="Live tokens: neither revoked nor expired")
    created_at: str
    created_by: str


class UserIn(_In):
    name: str = Field(min_length=1, max_length=100)
    roles: list[str] = Field(min_length=1, max_length=5)
    password: str | None = Field(None, min_length=12, max_length=1000)


class RolesIn(_In):
    roles: list[str] = Field(min_length=1, max_length=5)


class TokenIn(_In):
    label: str | None = Field(None, max_length=200, description="What the token is for, e.g. the machine")
    valid_days: int | None = Field(None, ge=1, le=36_500, description="Expires after this many days (default: never)")


class IssuedTokenOut(BaseModel):
    id: str
    user: str
    token: str = Field(description="Shown only now: vigie keeps its hash")
    expires_at: str | None


class TokenOut(BaseModel):
    id: str
    user: str
    label: str | None
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None
