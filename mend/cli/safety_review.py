"""`mend safety queue` and `mend safety resolve ID --note "..."`: the operator's review of crisis flags.

Registered onto the `mend safety` group (``mend/cli/safety.py`` holds the screening commands).
Texts are decrypted for the operator at the terminal; numbers stay masked.
"""

from __future__ import annotations

import typer
from rich.table import Table

from mend.cli._common import console, fail, get_config


def _services():
    from mend.services import build_services

    try:
        return build_services(get_config())
    except Exception as exc:  # noqa: BLE001 - one line with a next step
        fail(f"cannot open the database: {exc}", "check MEND_DATABASE_URL (or config.yaml database.url), "
             "then run `mend db upgrade`")


def queue() -> None:
    """Open crisis flags, oldest first, with the flagged text."""
    from console import review

    services = _services()
    with services.sessions() as session:
        try:
            items = review.open_events(session, services.cipher)
        except ValueError as exc:
            fail(str(exc), "set MEND_ENCRYPTION_KEY to the key this database was written with")
    if not items:
        console.print("[green]No open crisis flags.[/]")
        return
    table = Table(title=f"{len(items)} open crisis flag{'s' if len(items) != 1 else ''}")
    for col in ("id", "when", "number", "category", "score", "text"):
        table.add_column(col, overflow="fold")
    for e in items:
        table.add_row(str(e.id), e.created_at.strftime("%Y-%m-%d %H:%M"), e.phone, e.category, f"{e.score:.2f}", e.text)
    console.print(table)
    console.print("Resolve one with: mend safety resolve ID --note \"what you did\"")


def resolve(
    event_id: int = typer.Argument(..., help="The flag's id, from `mend safety queue`."),
    note: str = typer.Option(..., "--note", help="What was done (e.g. \"called back, safe, resources sent\")."),
) -> None:
    """Mark a crisis flag resolved, with a note."""
    from console import review
    from console.errors import ConsoleError

    services = _services()
    with services.sessions() as session:
        try:
            review.resolve(session, event_id, note, services.clock())
            session.commit()
        except ConsoleError as exc:
            session.rollback()
            message = str(exc)
            fail(message.split("; ")[0], message.split("; ")[1] if "; " in message else "see `mend safety queue`")
    console.print(f"[green]Resolved[/] safety event {event_id}.")


def register(app: typer.Typer) -> None:
    """Add `queue` and `resolve` to the `mend safety` group."""
    app.command("queue")(queue)
    app.command("resolve")(resolve)
