"""Import errors that say where: file, row and field, so a user can fix the input in one pass."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputError:
    file: str
    row: int | None  # 1-based data row (the header is not a row); None for file-level problems
    field: str | None
    message: str
    line: int | None = None  # line in the file, where that differs from the row

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"


class ImportFailed(Exception):
    """Raised with every error found; nothing has been written."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the input; nothing was imported")
