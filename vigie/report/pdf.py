"""PDF from the report's HTML with WeasyPrint: the same page, printed, with vector charts.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0, installed by scripts/setup). It
is imported here only, when a PDF is asked for, so that the rest of vigie does not load it.
"""

from __future__ import annotations

from pathlib import Path


def write_pdf(html: str, path: Path) -> Path:
    """Print `html` to `path`; relative URLs (none today) would resolve against the output folder."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(path.parent)).write_pdf(str(path))
    return path
