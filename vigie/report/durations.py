"""Durations and timestamps as the reports state them: exact in the data, rounded once, on the page.

The data behind a report (CSV, JSON) carries every duration as whole seconds, so a reader can redo
the arithmetic from the timestamps beside it. The page shows the same number in a unit a person
reads at a glance, rounded half up (never to even, never truncated) by the rule `ROUNDING` states,
so that a figure under a minute never reads as "0.0 h".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

ROUNDING = (
    "Durations are exact whole seconds in the CSV and JSON; the page rounds them half up: to the second under an "
    "hour, to a tenth of an hour under two days, to a tenth of a day beyond."
)
MINUTE, HOUR, DAY = 60, 3600, 86400


def half_up(value: Decimal | float | int, places: int = 0) -> Decimal:
    """`value` rounded half away from zero to `places` decimals (Python's round() goes to even)."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def seconds_between(start: str, end: str) -> int:
    """Whole seconds from `start` to `end` (ISO 8601 timestamps with an offset), rounded half up."""
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    micro = delta // timedelta(microseconds=1)
    return int(half_up(Decimal(micro) / 1_000_000))


def _trim(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def duration_text(seconds: float | int | None) -> str:
    """`seconds` for a reader: `38 s`, `4 min 5 s`, `5.3 h`, `3.2 days` (see ROUNDING); `—` when unknown."""
    if seconds is None:
        return "—"
    whole = int(half_up(seconds))
    if whole < MINUTE:
        return f"{whole} s"
    if whole < HOUR:
        minutes, rest = divmod(whole, MINUTE)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if whole < 2 * DAY:
        return f"{_trim(half_up(Decimal(whole) / HOUR, 1))} h"
    return f"{_trim(half_up(Decimal(whole) / DAY, 1))} days"


def stamp_text(stamp: str | None) -> str:
    """An ISO timestamp as `2025-09-25 14:03:07 UTC` (to the second; the data keeps the fraction)."""
    if not stamp:
        return "—"
    moment = datetime.fromisoformat(stamp)
    if moment.utcoffset() is not None:
        moment = moment - (moment.utcoffset() or timedelta())
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def chart_unit(longest: float) -> tuple[str, int]:
    """The unit a chart's axis uses for durations up to `longest` seconds, and its size in seconds."""
    if longest < 2 * MINUTE:
        return "seconds", 1
    if longest < 2 * HOUR:
        return "minutes", MINUTE
    if longest < 2 * DAY:
        return "hours", HOUR
    return "days", DAY
