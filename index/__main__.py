"""`python -m index build`: embed what changed into pgvector."""

from __future__ import annotations

import sys

import typer

from core.db import DatabaseUnavailable, make_engine, preflight, resolve_url

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.command()
def build(quiet: bool = False) -> None:
    """Embed every instructor-service document that is new or changed."""
    from index.build import build_and_invalidate, exit_cleanly_on_signals

    try:
        url = resolve_url()
        preflight(url)
    except DatabaseUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1)
    exit_cleanly_on_signals()
    # A deployment runs this beside serving API workers: their cached answers go once vectors are in.
    typer.echo(build_and_invalidate(make_engine(url), quiet=quiet))


@app.command()
def info() -> None:
    """Where the ONNX model lives."""
    from index.embedding import MODEL_DIR

    typer.echo(str(MODEL_DIR))


if __name__ == "__main__":
    sys.exit(app())
