"""The API documentation, offline: Swagger UI at /docs and ReDoc at /redoc load their scripts and
styles from the fastapi-offline package, served here, never from a CDN; no inline script, so the
pages keep a strict Content-Security-Policy (api/middleware.py)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
router = APIRouter(include_in_schema=False)

SWAGGER = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>InstaInstru API: Swagger UI</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png"><link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script>
</body></html>"""
SWAGGER_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});"""
REDOC = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>InstaInstru API: ReDoc</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png"></head>
<body><redoc spec-url="/openapi.json"></redoc><script src="{ASSETS_URL}/redoc.standalone.js"></script></body></html>"""


def static_assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(SWAGGER)


@router.get("/docs/init.js")
def swagger_init() -> Response:
    return Response(SWAGGER_INIT, media_type="text/javascript")


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return HTMLResponse(REDOC)
