"""Fetching documents listed by URL, with timeouts and a size limit, and errors a user can read."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from vigie import __version__
from vigie.evidence.read import MAX_BYTES, Source, Unreadable, read_bytes

TIMEOUT = 20.0


def is_url_list(path: Path) -> bool:
    """A text file whose every non-empty, non-comment line is an http(s) URL."""
    if path.suffix.lower() not in (".urls", ".txt", ".list"):
        return False
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        return False
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    return bool(lines) and all(ln.startswith(("http://", "https://")) for ln in lines)


def urls_in(path: Path) -> list[str]:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def fetch(url: str, timeout: float = TIMEOUT) -> Source:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise Unreadable("not an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": f"vigie/{__version__} (due-diligence evidence)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(MAX_BYTES + 1)
            content_type = response.headers.get("Content-Type")
            final_url = response.geturl()
    except urllib.error.HTTPError as exc:
        raise Unreadable(f"the server answered {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise Unreadable(f"cannot fetch: {exc.reason}") from exc
    except TimeoutError as exc:
        raise Unreadable(f"no answer within {timeout:.0f} s") from exc
    except OSError as exc:
        raise Unreadable(f"cannot fetch: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise Unreadable(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    suffix = Path(urlparse(final_url).path).suffix.lower()
    source = read_bytes(data, url, suffix, content_type)
    return source if source.url else Source(**{**source.__dict__, "url": final_url})
