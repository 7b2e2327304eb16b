"""HTML rendering of the reports: Jinja2 templates under vigie/report/templates/, charts inlined as SVG.

The HTML is the report: the PDF is printed from the same page (vigie.report.pdf), so the two never
disagree. Autoescaping is on, so nothing from the database can inject markup; only the charts,
which vigie drew itself, are inserted as they are.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from vigie.report import charts
from vigie.report.queries import Transparency

_env = Environment(
    loader=PackageLoader("vigie.report", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def transparency_charts(report: Transparency) -> dict[str, str]:
    """The three charts of the transparency report, as inline SVG."""
    return {
        "heat": charts.heat_map(report.heat),
        "decisions": charts.decisions_over_time(report.decisions_by_month),
        "timing": charts.time_to_decision(report.decision_hours),
    }


def transparency_html(report: Transparency, provider: str) -> str:
    last_day = date.fromordinal(report.period.end.toordinal() - 1)
    footer = f"{provider} · transparency report {report.period.label} · vigie"
    return render(
        "transparency.html",
        r=report,
        charts=transparency_charts(report),
        provider=provider,
        last_day=last_day,
        footer=footer.replace('"', "'"),
    )
