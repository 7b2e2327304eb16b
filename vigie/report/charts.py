"""The report's charts, drawn by matplotlib as SVG from the plain data of `queries`.

SVG, because it stays vector in the PDF (WeasyPrint draws it as such) and can be inlined in the
HTML. The output is deterministic (fixed hash salt, no date in the metadata, text kept as text), so
the same data always gives the same file and a report can be compared with an earlier one.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from vigie.report.durations import chart_unit, duration_text
from vigie.report.queries import DECISION_ACTIONS, Timing

SEVERITY_BINS = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0001)
LIKELIHOOD_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0001)
COLOURS = {
    "continue": "#6b8f71",
    "continue-with-conditions": "#9bbf85",
    "restrict": "#e0b040",
    "suspend": "#d9772b",
    "terminate": "#b23a3a",
}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
STYLE: dict[Any, Any] = {
    "svg.hashsalt": "vigie",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def _svg(fig: Figure, name: str) -> str:
    """The figure as inline SVG whose ids start with `name`: matplotlib numbers ids per figure, so two
    charts on one page would otherwise share ids ('patch_7'), which HTML forbids and PDF links trip on."""
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "vigie"})
    plt.close(fig)
    text = out.getvalue()
    # Inline SVG in HTML needs no XML prologue or DOCTYPE.
    text = text[text.index("<svg") :]
    text = _ID.sub(lambda m: f'id="{name}-{m.group(1)}"', text)
    return _REF.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", text)


def _bin(value: float, edges: tuple[float, ...]) -> int:
    for i in range(len(edges) - 1):
        if value < edges[i + 1]:
            return i
    return len(edges) - 2


def heat_counts(points: list[tuple[float, float]]) -> list[list[int]]:
    """Counts per cell, rows by likelihood (low to high), columns by severity (low to high)."""
    grid = [[0] * (len(SEVERITY_BINS) - 1) for _ in range(len(LIKELIHOOD_BINS) - 1)]
    for severity, likelihood in points:
        grid[_bin(likelihood, LIKELIHOOD_BINS)][_bin(severity, SEVERITY_BINS)] += 1
    return grid


def heat_map(points: list[tuple[float, float]]) -> str:
    """Relationships by severity (0–5) × likelihood (0–1), as counts in a 5 × 5 grid.

    The cells are shaded by how many relationships fall in them, in one neutral hue: the grid's
    corner already says where the risk is, and a red "5" in the harmless corner would say otherwise.
    """
    grid = heat_counts(points)
    top = max(1, *map(max, grid))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 2.9))
        image = ax.imshow(grid, origin="lower", cmap="Blues", aspect="auto", vmin=0, vmax=top * 1.15)
        for y, row in enumerate(grid):
            for x, n in enumerate(row):
                if n:
                    ax.text(x, y, str(n), ha="center", va="center", fontsize=10, fontweight="bold",
                            color="white" if n > 0.55 * top else "#16324f")  # fmt: skip
        ax.set_xticks(range(5), ["0–1", "1–2", "2–3", "3–4", "4–5"])
        ax.set_yticks(range(5), ["0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1"])
        ax.set_xticks([x + 0.5 for x in range(4)], minor=True)
        ax.set_yticks([y + 0.5 for y in range(4)], minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("severity (UNGP 14: scale, scope, irremediable character)")
        ax.set_ylabel("likelihood")
        bar = fig.colorbar(image, ax=ax, shrink=0.85, pad=0.03)
        bar.set_label("relationships")
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
        bar.outline.set_visible(False)
        return _svg(fig, "heat")


def period_months(start: date, end: date) -> list[str]:
    """Every month (YYYY-MM) that has a day in [start, end)."""
    months: list[str] = []
    year, month = start.year, start.month
    while date(year, month, 1) < end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_label(month: str, one_year: bool) -> str:
    year, number = month.split("-")
    name = MONTH_NAMES[int(number) - 1]
    return name if one_year else f"{name}\n{year}"


def decisions_over_time(by_month: dict[str, Counter[str]], start: date, end: date) -> str:
    """Approved decisions per month of the period, stacked by action; months without one show as empty."""
    months = period_months(start, end)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.2, 2.6))
        if not any(by_month.values()):
            ax.text(0.5, 0.5, "no decision approved in the period", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            return _svg(fig, "decisions")
        one_year = len({m[:4] for m in months}) == 1
        step = max(1, len(months) // 12)
        xs = list(range(len(months)))
        bottom = [0] * len(months)
        for action in DECISION_ACTIONS:
            values = [by_month.get(m, Counter()).get(action, 0) for m in months]
            if any(values):
                ax.bar(xs, values, bottom=bottom, label=action, color=COLOURS[action], width=0.7)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(xs[::step], [_month_label(m, one_year) for m in months[::step]])
        ax.set_xlim(-0.6, len(months) - 0.4)
        ax.set_ylabel("decisions approved")
        ax.set_ylim(0, max(bottom) + 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color="#e3e8ef", linewidth=0.6)
        ax.set_axisbelow(True)
        if one_year:
            ax.set_xlabel(months[0][:4])
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig, "decisions")


def time_to_act(timings: list[Timing]) -> str:
    """For each approved decision (D1, D2, … as in the table): first allegation → decision → enforcement."""
    known = [v for t in timings for v in (t.to_decision, t.to_enforcement) if v is not None]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.2, 0.9 + 0.45 * max(1, len(timings))))
        if not known:
            ax.text(0.5, 0.5, "no approved decision with a known time in the period", ha="center", va="center",
                    transform=ax.transAxes)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            return _svg(fig, "timing")
        unit, size = chart_unit(max(known))
        ys = list(range(len(timings)))[::-1]
        height = 0.38
        series = (
            ("first allegation → decision", [t.to_decision for t in timings], "#4a6fa5", height / 2),
            ("decision → enforcement", [t.to_enforcement for t in timings], "#d9772b", -height / 2),
        )
        for label, values, colour, shift in series:
            bars = [(y + shift, v) for y, v in zip(ys, values, strict=True) if v is not None]
            for row, value in zip(ys, values, strict=True):
                if value is None:  # say so, rather than leave a gap that reads as zero
                    ax.text(0, row + shift, " none recorded", va="center", ha="left", fontsize=7, color="#5b6675")
            if bars:
                ax.barh([y for y, _ in bars], [v / size for _, v in bars], height=height, color=colour, label=label)
            for at, seconds in bars:
                ax.text(seconds / size, at, f" {duration_text(seconds)}", va="center", ha="left", fontsize=7.5)
        ax.set_yticks(ys, [t.label for t in timings])
        ax.set_xlabel(unit)
        ax.set_xlim(0, max(known) / size * 1.25 or 1)
        ax.grid(axis="x", color="#e3e8ef", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig, "timing")
