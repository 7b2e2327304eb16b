"""PDF from the report's HTML with WeasyPrint: the same page, printed, with vector charts.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0, installed by scripts/setup). It
is imported here only, when a PDF is asked for, so that the rest of vigie does not load it.
"""

from __future__ import annotations

from pathlib import Path


def pdf_bytes(html: str, base: Path) -> bytes:
    """`html` printed to PDF; relative URLs (none today) would resolve against `base`."""
    from weasyprint import HTML

    data: bytes = HTML(string=html, base_url=str(base)).write_pdf()
    return data


def write_pdf(html: str, path: Path) -> Path:
    """Print `html` to `path`."""
    path.write_bytes(pdf_bytes(html, path.parent))
    return path
