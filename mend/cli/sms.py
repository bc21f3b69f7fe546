"""`mend sms ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="sms commands.", no_args_is_help=True)
