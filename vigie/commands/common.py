"""What every command needs: the configured database, the acting user, and a console."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from vigie.access import AccessDenied, Actor, authenticate_token, units
from vigie.access.crypto import KeyMissing, Sealer, SealError, load_sealer
from vigie.cases.files import FileStore
from vigie.settings import Settings, load_settings
from vigie.store.engine import make_engine
from vigie.store.migrate import current_revision, head_revision

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:
        fail(str(exc))


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def open_engine(url: str | None = None, must_exist: bool = True) -> Engine:
    """The configured database, refusing one that `vigie init` has not brought up to date."""
    url = url or settings().database_url
    engine = make_engine(url)
    if must_exist:
        current = current_revision(engine)
        if current is None:
            fail(
                f"the database at {engine.url.render_as_string(hide_password=True)} is not initialised: "
                "run `vigie init`"
            )
        elif current != head_revision():
            fail(f"the database schema is at {current}, vigie needs {head_revision()}: run `vigie init` to migrate")
    return engine


TOKEN_ENV = "VIGIE_TOKEN"


def acting_actor(session: Session) -> Actor:
    """The user a command acts as: the API token in the environment variable VIGIE_TOKEN.

    The token comes from the environment, not from an option, so that it stays out of shell history
    and process listings. A missing, malformed, unknown, revoked or expired token stops the command.
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        fail(
            f"this command acts as a user: set {TOKEN_ENV} to your API token "
            "(`vigie user token NAME --password-stdin` issues one; the first user is made with `vigie user add`)"
        )
    try:
        return authenticate_token(session, token)
    except AccessDenied as exc:
        fail(f"{exc} (from {TOKEN_ENV})")


def _command_path() -> str:
    ctx = click.get_current_context(silent=True)
    return ctx.command_path if ctx is not None else "vigie"


@contextmanager
def acting(engine: Engine) -> Iterator[tuple[Session, Actor]]:
    """One unit of work as the user of VIGIE_TOKEN.

    Bad input (ValueError, LookupError) stops the command with its message and writes nothing. A
    refusal (AccessDenied) does too, and is then recorded in the audit log in a transaction of its
    own — who tried which command and why it was refused — since the work itself was rolled back.
    """
    try:
        with units.acting(engine, acting_actor, {"command": _command_path()}) as pair:
            yield pair
    except AccessDenied as exc:
        fail(str(exc))
    except (ValueError, LookupError, KeyMissing, SealError, OSError) as exc:
        fail(str(exc))


def sealer(required: bool = True) -> Sealer | None:
    """The configured AES-GCM key (VIGIE_SECRET_KEY or the key file).

    None when no key is configured and the command can do without one; a key that is configured
    but unusable (bad base64, wrong length, unreadable file) always stops the command.
    """
    conf = settings().cases
    if not required and conf.secret_key is None and conf.secret_key_file is None:
        return None
    try:
        return load_sealer(conf.secret_key, conf.secret_key_file)
    except KeyMissing as exc:
        fail(str(exc))


def required_sealer() -> Sealer:
    found = sealer(required=True)
    assert found is not None
    return found


def file_store() -> FileStore:
    return FileStore(settings().cases.files or Path("vigie-files"))


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar fed by (phase, done, total) callbacks from the service functions."""
    if not enabled:
        yield lambda _phase, _done, _total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update
