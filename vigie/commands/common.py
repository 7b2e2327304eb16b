"""What every command needs: the configured database, the acting user, and a console."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

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
