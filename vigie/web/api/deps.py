"""What every API route needs: the engine, the caller's token, the settings, and a page of results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from vigie.access import Actor
from vigie.access.crypto import Sealer, load_sealer
from vigie.cases.files import FileStore
from vigie.risk.incremental import Reassessor
from vigie.risk.policy import Policy, load_policy
from vigie.settings import Settings
from vigie.web.api.models import ErrorOut
from vigie.web.settings import DEFAULT_LIMIT, MAX_LIMIT
from vigie.web.units import Engines, acting, by_token

_bearer = HTTPBearer(auto_error=False, description="An API token: `vgt_<id>_<secret>` (`vigie user token`)")


@dataclass(frozen=True)
class Caller:
    """The request's engines, bearer token and settings; `unit()` opens a transaction acting as its user."""

    engines: Engines
    token: str | None
    method: str
    path: str
    settings: Settings

    @property
    def engine(self) -> Engine:
        """The engine that may write, for the routes that run several units of work themselves (an import)."""
        return self.engines.writer

    @contextmanager
    def unit(self, records_reading: bool = False) -> Iterator[tuple[Session, Actor]]:
        """Read-only for a GET, unless the audit log records the reading (`vigie.web.units.acting`)."""
        with acting(self.engines, by_token(self.token), self.method, self.path, records_reading) as pair:
            yield pair

    def sealer(self, required: bool = True) -> Sealer | None:
        """The key that seals interviews and personal data, as the CLI finds it (VIGIE_SECRET_KEY or its file).

        None when none is configured and the route can do without; KeyMissing (503) when one is needed.
        """
        conf = self.settings.cases
        if not required and conf.secret_key is None and conf.secret_key_file is None:
            return None
        return load_sealer(conf.secret_key, conf.secret_key_file)

    def required_sealer(self) -> Sealer:
        found = self.sealer(required=True)
        assert found is not None
        return found

    def files(self) -> FileStore:
        return FileStore(self.settings.cases.files or Path("vigie-files"))

    def reassessor(self, actor: Actor) -> Reassessor:
        """How a change to the evidence or the register re-assesses what it touched, as the CLI does."""
        path = self.settings.policy_path

        def policy() -> Policy:
            return load_policy(path)  # PolicyError: 503, the server's policy file is unusable

        names = (self.settings.provider,) if self.settings.provider else ()
        return Reassessor(actor.name, policy, date.today(), names)


def _refuse_nul(request: Request) -> None:
    """422 for a NUL character in a path or query parameter: no id, name or filter holds one, and PostgreSQL
    refuses it in a query (body fields are checked by the request models, vigie.web.api.models._In)."""
    problems = [
        {"loc": (where, name), "msg": "may not contain the NUL character (%00)", "type": "value_error"}
        for where, items in (("path", request.path_params.items()), ("query", request.query_params.multi_items()))
        for name, value in items
        if "\x00" in str(value) or "\x00" in name
    ]
    if problems:
        raise RequestValidationError(problems)


# `caller` and `paging` only read the request, so they are coroutines: FastAPI runs a plain function dependency
# on the thread pool, a hop there and back for each, before the route's own turn on it.
async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    _refuse_nul(request)
    token = credentials.credentials if credentials is not None else None
    state = request.app.state
    return Caller(state.engines, token, request.method, request.url.path, state.settings.base)


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


async def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Paging:
    return Paging(limit, offset)


# The error bodies every route may answer with, for the OpenAPI document (vigie.web.errors writes them).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No token, or one that names nobody (unknown, revoked, expired)"},
    403: {"model": ErrorOut, "description": "Refused by the role or case-membership rules; the refusal is audited"},
    404: {"model": ErrorOut, "description": "Nothing with that id"},
    422: {"model": ErrorOut, "description": "Bad input: `detail` names each parameter or field and what is wrong"},
    503: {"model": ErrorOut, "description": "The server is not set up for this (secret key, policy, connector)"},
}

CallerDep = Annotated[Caller, Depends(caller)]
PagingDep = Annotated[Paging, Depends(paging)]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a longer list: `total` counts the whole list, so a client knows when to stop."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: Sequence[T], paging: Paging, total: int | None = None) -> Page[T]:
    """A page cut from a whole list (total=None), or a list already cut by the query (total given)."""
    if total is None:
        return Page[T](
            items=list(items[paging.offset : paging.offset + paging.limit]),
            total=len(items),
            limit=paging.limit,
            offset=paging.offset,
        )
    return Page[T](items=list(items), total=total, limit=paging.limit, offset=paging.offset)
