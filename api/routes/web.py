"""The student web page: one static page at / and at /instructors/{id} (a teacher's public profile,
drawn by the same script from the public API), its assets under /static."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/instructors/{instructor_id}")
def instructor_page(instructor_id: uuid.UUID) -> FileResponse:  # noqa: ARG001 - FastAPI checks it is a UUID
    """A shareable address of a profile; an id that is not a UUID is a 422, an unknown one is said so
    on the page (the public API answers 404)."""
    return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})
