"""The map page: ``/`` and ``/static/*`` from the package's static folder (built from ``web/``
by ``make web``), and the bundled borders at ``/map/countries.geojson``.

These are the only unauthenticated routes besides health and the API docs: they carry no
party's data. The page signs in with a token and calls ``/v1`` like any other client. A strict
Content-Security-Policy keeps the page to this server: nothing is fetched from anywhere else.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, Response

from sharedsky.service.problems import Problem

__all__ = ["STATIC_DIR", "mount_map"]

STATIC_DIR = Path(__file__).with_name("static")
"""Where ``make web`` puts the built page (not in git)."""

# MapLibre runs its tile worker from a blob: URL and draws with data:/blob: images.
_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "child-src blob:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)
_ASSET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_MEDIA = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html",
}
_PAGE_HEADERS = {
    "Content-Security-Policy": _POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def mount_map(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Serve the page and its assets from ``static_dir``; 503 while it has not been built."""
    borders = Path(str(files("sharedsky") / "data" / "countries-50m.geojson"))

    @app.get("/", include_in_schema=False)
    def page() -> Response:
        index = static_dir / "index.html"
        if not index.is_file():
            raise Problem(
                503, "map-not-built", "The map is not built", "run `make web` to build web/"
            )
        return FileResponse(index, media_type="text/html", headers=_PAGE_HEADERS)

    @app.get("/map/countries.geojson", tags=["map"])
    def countries() -> Response:
        """The bundled Natural Earth 1:50m countries (public data, no token needed)."""
        return FileResponse(
            borders,
            media_type="application/geo+json",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/static/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        # Only plain file names of the built folder: no sub-paths, no way out of it.
        path = static_dir / name
        if not _ASSET.fullmatch(name) or not path.is_file():
            raise Problem(404, "not-found", "Not found", f"no asset {name!r}")
        media = _MEDIA.get(path.suffix)
        return FileResponse(path, media_type=media, headers=_PAGE_HEADERS)
