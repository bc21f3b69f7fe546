"""`mend safety ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="safety commands.", no_args_is_help=True)
