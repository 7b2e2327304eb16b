"""/api/v1/organisations, /services, /subscriptions and /register: the book of business.

Anyone signed in reads and exports the register. An import (analyst or admin:
`vigie.register.service.require_registrar`) is `vigie register import` over uploaded files: one
transaction that re-assesses what it touched, every error listed at once with its file, row and
field, and nothing written when there is any.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from sqlalchemy import func, or_, select

from vigie.register import service
from vigie.register.errors import ImportFailed
from vigie.register.export import dump_json, export_json, write_csv
from vigie.register.specs import SPECS
from vigie.register.tables import Organisation, Service, Subscription
from vigie.risk import incremental
from vigie.web.api.deps import ERRORS, CallerDep, Page, PagingDep, page_of
from vigie.web.api.models import (
    AliasOut,
    ImportErrorOut,
    ImportOut,
    OrganisationOut,
    OrganisationSummary,
    ReassessedOut,
    ServiceListed,
    ServiceOut,
    SubscriptionOut,
    SubscriptionWithService,
)

router = APIRouter(tags=["register"], responses=ERRORS)

# A name search is for finding, not for export (`vigie register export` is): it stops at this many matches.
SEARCH_CAP = 10_000
MAX_FILES = 50


@router.get("/organisations", response_model=Page[OrganisationSummary])
def list_organisations(
    caller: CallerDep,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=500, description="An id, or part of a name or alias")] = None,
) -> Page[OrganisationSummary]:
    """Organisations by name; with `q`, those whose id, name or any alias (any language) matches (at most
    10,000 matches: a search is for finding, `vigie register export` is for everything)."""
    with caller.unit() as (session, _actor):
        if q:
            found = service.find_organisations(session, q, limit=SEARCH_CAP)
            total = len(found)
            rows = found[paging.offset : paging.offset + paging.limit]
        else:
            total = int(session.scalar(select(func.count()).select_from(Organisation)) or 0)
            rows = list(
                session.scalars(
                    select(Organisation)
                    .order_by(Organisation.name, Organisation.id)
                    .offset(paging.offset)
                    .limit(paging.limit)
                )
            )
        return page_of([OrganisationSummary.model_validate(o) for o in rows], paging, total)


@router.get("/organisations/{org_id}", response_model=OrganisationOut)
def get_organisation(caller: CallerDep, org_id: str) -> OrganisationOut:
    """One organisation with its parent, units, aliases and subscriptions."""
    with caller.unit() as (session, _actor):
        org = session.get(Organisation, org_id)
        if org is None:
            raise LookupError(f"no organisation {org_id!r}")
        view = service.organisation_view(session, org)
        return OrganisationOut(
            organisation=OrganisationSummary.model_validate(org),
            description=org.description,
            source=org.source,
            parent=OrganisationSummary.model_validate(view.parent) if view.parent else None,
            units=[OrganisationSummary.model_validate(u) for u in view.units],
            aliases=[AliasOut.model_validate(a) for a in view.aliases],
            subscriptions=[
                SubscriptionWithService(
                    subscription=SubscriptionOut.model_validate(sub), service=ServiceOut.model_validate(svc)
                )
                for sub, svc in view.subscriptions
            ],
            body=view.body,
        )


@router.get("/services", response_model=Page[ServiceListed])
def list_services(caller: CallerDep, paging: PagingDep) -> Page[ServiceListed]:
    """The provider's service catalogue, by id, with each service's capability tags."""
    with caller.unit() as (session, _actor):
        total = int(session.scalar(select(func.count()).select_from(Service)) or 0)
        rows = session.scalars(select(Service).order_by(Service.id).offset(paging.offset).limit(paging.limit))
        return page_of([ServiceListed.model_validate(s) for s in rows], paging, total)


@router.get("/subscriptions", response_model=Page[SubscriptionOut])
def list_subscriptions(
    caller: CallerDep,
    paging: PagingDep,
    org: Annotated[str | None, Query(max_length=200, description="Customer or end user")] = None,
    service_id: Annotated[str | None, Query(alias="service", max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[SubscriptionOut]:
    """Subscriptions by id, filtered by organisation (as customer or end user), service and status."""
    with caller.unit() as (session, _actor):
        query = select(Subscription)
        if org:
            query = query.where(or_(Subscription.customer_id == org, Subscription.end_user_id == org))
        if service_id:
            query = query.where(Subscription.service_id == service_id)
        if status:
            query = query.where(Subscription.status == status)
        total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = session.scalars(query.order_by(Subscription.id).offset(paging.offset).limit(paging.limit))
        return page_of([SubscriptionOut.model_validate(s) for s in rows], paging, total)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(caller: CallerDep, subscription_id: str) -> SubscriptionOut:
    with caller.unit() as (session, _actor):
        sub = service.find_subscription(session, subscription_id)
        if sub is None:
            raise LookupError(f"no subscription {subscription_id!r}")
        return SubscriptionOut.model_validate(sub)


# ------------------------------------------------------------------------------------ import, export


@router.post(
    "/register/import",
    response_model=ImportOut,
    responses={
        422: {"model": ImportErrorOut, "description": "Every problem with its file, row and field; nothing imported"}
    },
)
def import_register(
    caller: CallerDep,
    files: Annotated[
        list[UploadFile],
        File(description="CSV files named for their entity type (organisations.csv ...), JSON documents, FtM lines"),
    ],
    kind: Annotated[str | None, Form(description=f"Entity type of CSV files not named for one: {', '.join(SPECS)}")]
    = None,
    assess: Annotated[bool, Form(description="Re-assess, in the same transaction, what the changes touch")] = True,
) -> ImportOut:
    """Import files as one change (`vigie register import`): every row is written, or none is. On bad input,
    422 lists every problem at once, each with its `file`, `row`, `line` and `field`."""
    if kind is not None and kind not in SPECS:
        raise ValueError(f"kind: must be one of {', '.join(SPECS)}, got {kind!r}")
    if len(files) > MAX_FILES:
        raise ValueError(f"files: at most {MAX_FILES} files in one import, got {len(files)}")
    names = [_file_name(f) for f in files]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"files: each file needs its own name; sent twice: {', '.join(twice)}")
    with caller.unit() as (_session, actor):
        service.require_registrar(actor)
    with tempfile.TemporaryDirectory(prefix="vigie-upload-") as folder:
        paths = []
        for upload, name in zip(files, names, strict=True):
            path = Path(folder) / name
            with path.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
            paths.append(path)
        try:
            report, again = incremental.import_register(
                caller.engine, paths, actor.name, caller.reassessor(actor) if assess else None, kind, names=names
            )
        except ImportFailed as exc:
            raise ImportFailed([replace(e, file=_shown(e.file, folder)) for e in exc.errors]) from None
    return ImportOut(
        files=[_shown(f, folder) for f in report.files],
        counts=report.counts,
        nothing_changed=report.nothing_changed,
        reassessed=ReassessedOut(**asdict(again)) if again else None,
    )


def _file_name(upload: UploadFile) -> str:
    """The uploaded file's own name (it says which entity type a CSV holds), never a path."""
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", "..") or "\x00" in name or len(name) > 200:
        raise ValueError(f"files: {upload.filename!r} is not a usable file name (e.g. organisations.csv)")
    return name


def _shown(file: str, folder: str) -> str:
    """A path where the server kept an upload, as the name the client sent."""
    prefix = str(Path(folder)) + "/"
    return file[len(prefix) :] if file.startswith(prefix) else file


@router.get(
    "/register/export",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}, "application/x-ndjson": {}},
            "description": "The register, sorted and canonical: an export re-imports as a no-op",
        }
    },
)
def export_register(
    caller: CallerDep,
    format: Annotated[Literal["json", "csv", "ftm"], Query(description="json, csv (one entity type) or ftm")] = "json",
    entity: Annotated[str | None, Query(max_length=40, description=f"With csv: {', '.join(SPECS)}")] = None,
) -> Response:
    """Write the register out (`vigie register export`): one JSON document, one entity type as CSV, or
    FollowTheMoney entities as JSON lines."""
    with caller.unit() as (session, _actor):
        if format == "csv":
            if entity not in SPECS:
                raise ValueError(f"entity: with format=csv, name one entity type of: {', '.join(SPECS)}")
            out = io.StringIO()
            write_csv(session, SPECS[entity], out)
            return Response(
                out.getvalue(),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{entity}.csv"'},
            )
        if format == "ftm":
            from vigie.register.ftm import export_ftm  # followthemoney takes a second to import

            text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in export_ftm(session))
            return Response(text, media_type="application/x-ndjson; charset=utf-8")
        return Response(dump_json(export_json(session)), media_type="application/json")
