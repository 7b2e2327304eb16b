"""The report's charts, drawn by matplotlib as SVG from the plain data of `queries`.

SVG, because it stays vector in the PDF (WeasyPrint draws it as such) and can be inlined in the
HTML. The output is deterministic (fixed hash salt, no date in the metadata, text kept as text), so
the same data always gives the same file and a report can be compared with an earlier one.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from vigie.report.queries import DECISION_ACTIONS

SEVERITY_BINS = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0001)
LIKELIHOOD_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0001)
COLOURS = {
    "continue": "#6b8f71",
    "continue-with-conditions": "#9bbf85",
    "restrict": "#e0b040",
    "suspend": "#d9772b",
    "terminate": "#b23a3a",
}
STYLE: dict[Any, Any] = {
    "svg.hashsalt": "vigie",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "vigie"})
    plt.close(fig)
    text = out.getvalue()
    # Inline SVG in HTML needs no XML prologue or DOCTYPE.
    return text[text.index("<svg") :]


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
    """Relationships by severity (1–5) × likelihood (0–1), as counts in a 5 × 5 grid."""
    grid = heat_counts(points)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 3.6))
        image = ax.imshow(grid, origin="lower", cmap="OrRd", aspect="auto", vmin=0, vmax=max(1, *map(max, grid)))
        for y, row in enumerate(grid):
            for x, n in enumerate(row):
                if n:
                    dark = n > 0.6 * max(map(max, grid))
                    ax.text(x, y, str(n), ha="center", va="center", color="white" if dark else "black", fontsize=10)
        ax.set_xticks(range(5), ["0–1", "1–2", "2–3", "3–4", "4–5"])
        ax.set_yticks(range(5), ["0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1"])
        ax.set_xlabel("severity (UNGP: scale, scope, irremediability)")
        ax.set_ylabel("likelihood")
        fig.colorbar(image, ax=ax, label="relationships", shrink=0.8)
        return _svg(fig)


def decisions_over_time(by_month: dict[str, Counter[str]]) -> str:
    """Approved decisions per month, stacked by action."""
    months = sorted(by_month)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 2.8))
        if not months:
            ax.text(0.5, 0.5, "no decision approved in the period", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            return _svg(fig)
        bottom = [0] * len(months)
        for action in DECISION_ACTIONS:
            values = [by_month[m].get(action, 0) for m in months]
            if any(values):
                ax.bar(months, values, bottom=bottom, label=action, color=COLOURS[action], width=0.6)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel("decisions approved")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(-1, max(3, len(months)))
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)


def time_to_decision(bars: list[tuple[str, float]]) -> str:
    """Hours from first allegation to decision, one bar per decision (D1, D2, … as in the table)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.2, 2.8))
        if not bars:
            ax.text(0.5, 0.5, "no decision with an allegation in the period", ha="center", va="center",
                    transform=ax.transAxes)  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            return _svg(fig)
        labels = [label for label, _ in bars]
        hours = [h for _, h in bars]
        ax.bar(labels, hours, color="#4a6fa5", width=0.6)
        for x, h in enumerate(hours):
            ax.text(x, h, f"{h:g} h", ha="center", va="bottom", fontsize=8)
        ax.set_ylabel("hours, first allegation → decision")
        ax.set_ylim(0, max(1.0, max(hours) * 1.2))
        ax.set_xlim(-1, max(3, len(bars)))
        return _svg(fig)
