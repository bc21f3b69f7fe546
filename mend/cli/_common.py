"""What every CLI command shares: config loading, error handling, the console."""

from __future__ import annotations

import functools
import sys

import typer
from rich.console import Console

from mend.config import Config, load_config
from mend.errors import MendError

console = Console()
err_console = Console(stderr=True)


@functools.cache
def get_config() -> Config:
    return load_config()


def fail(message: str, next_step: str | None = None, code: int = 1):
    """Print a clear error (and what to do next) and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    if next_step:
        err_console.print(f"[yellow]next:[/] {next_step}", highlight=False)
    raise typer.Exit(code)


def run_main(app: typer.Typer) -> None:
    """Run the Typer app; Mend's own errors become one clear line, not a traceback."""
    try:
        app(standalone_mode=True)
    except MendError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
