"""Durations: whole seconds in the data, rounded once and half up on the page, in a unit a reader takes in."""

from __future__ import annotations

import pytest

from vigie.report.durations import chart_unit, duration_text, half_up, seconds_between, stamp_text


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        ("2025-09-25T10:00:00+00:00", "2025-09-25T10:00:00.499999+00:00", 0),
        ("2025-09-25T10:00:00+00:00", "2025-09-25T10:00:00.500000+00:00", 1),  # half up, not to even
        ("2025-09-25T10:00:00+00:00", "2025-09-25T10:00:02.500000+00:00", 3),  # round() would give 2
        ("2025-09-25T10:00:00.9+00:00", "2025-09-25T10:00:01.1+00:00", 0),
        ("2025-09-25T23:59:59+00:00", "2025-09-26T00:00:01+00:00", 2),
        ("2025-09-25T12:00:00+02:00", "2025-09-25T10:00:30+00:00", 30),  # offsets are honoured
        ("2025-09-01T00:00:00+00:00", "2025-09-04T01:00:00+00:00", 3 * 86400 + 3600),
    ],
)
def test_seconds_between_is_exact_then_half_up(start: str, end: str, seconds: int) -> None:
    assert seconds_between(start, end) == seconds


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),
        (0, "0 s"),
        (2, "2 s"),
        (59, "59 s"),
        (59.5, "1 min"),  # a median halfway between two whole seconds rounds up
        (60, "1 min"),
        (245, "4 min 5 s"),
        (3599, "59 min 59 s"),
        (3600, "1 h"),
        (3780, "1.1 h"),  # 1.05 h, half up
        (19_080, "5.3 h"),
        (172_799, "48 h"),
        (172_800, "2 days"),
        (277_000, "3.2 days"),
        (30 * 86400, "30 days"),
    ],
)
def test_duration_text_uses_a_readers_unit(seconds: float | None, shown: str) -> None:
    assert duration_text(seconds) == shown


def test_half_up_differs_from_pythons_round() -> None:
    assert round(2.5) == 2 and half_up(2.5) == 3
    assert str(half_up(1.05, 1)) == "1.1"


def test_stamps_are_shown_in_utc_to_the_second() -> None:
    assert stamp_text("2025-09-25T14:03:07.912345+00:00") == "2025-09-25 14:03:07 UTC"
    assert stamp_text("2025-09-25T16:03:07+02:00") == "2025-09-25 14:03:07 UTC"
    assert stamp_text(None) == "—"


def test_charts_pick_a_unit_for_their_longest_bar() -> None:
    assert chart_unit(90) == ("seconds", 1)
    assert chart_unit(1800) == ("minutes", 60)
    assert chart_unit(36_000) == ("hours", 3600)
    assert chart_unit(500_000) == ("days", 86400)
