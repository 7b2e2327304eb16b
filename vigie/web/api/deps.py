"""What every API route needs: the engine, the caller's token, and a page of results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from vigie.access import Actor
from vigie.web.settings import DEFAULT_LIMIT, MAX_LIMIT
from vigie.web.units import acting, by_token

_bearer = HTTPBearer(auto_error=False, description="An API token: `vgt_<id>_<secret>` (`vigie user token`)")


@dataclass(frozen=True)
class Caller:
    """The request's engine and bearer token; `unit()` opens a transaction acting as its user."""

    engine: Engine
    token: str | None
    what: str

    @contextmanager
    def unit(self) -> Iterator[tuple[Session, Actor]]:
        with acting(self.engine, by_token(self.token), self.what) as pair:
            yield pair


def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    token = credentials.credentials if credentials is not None else None
    return Caller(request.app.state.engine, token, f"{request.method} {request.url.path}")


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Paging:
    return Paging(limit, offset)


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
