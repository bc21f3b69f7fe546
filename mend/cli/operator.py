"""Operator commands: `mend subscribers list|show`, `mend messages tail`.

Thin shells over ``console.queries``; numbers are always masked (+1555***0123) and inbound
texts are never printed.
"""

from __future__ import annotations

import time

import typer
from rich.table import Table

from mend.cli._common import console, fail, get_config

subscribers_app = typer.Typer(help="Look at subscribers (numbers masked).", no_args_is_help=True)
messages_app = typer.Typer(help="Look at messages in and out (numbers masked).", no_args_is_help=True)
STATUSES = ("pending", "active", "opted_out")


def _services():
    from mend.services import build_services

    try:
        return build_services(get_config())
    except Exception as exc:  # noqa: BLE001 - any start-up failure becomes one line with a next step
        fail(f"cannot open the database: {exc}", "check MEND_DATABASE_URL (or config.yaml database.url), "
             "then run `mend db upgrade`")


def _when(d) -> str:
    return d.strftime("%Y-%m-%d %H:%M") if d else "-"


@subscribers_app.command("list")
def subscribers_list(
    status: str = typer.Option(None, "--status", help="Only this status: pending, active or opted_out."),
    limit: int = typer.Option(500, "--limit", min=1, help="At most this many rows."),
) -> None:
    """List subscribers: id, masked number, status, time zone, daily time."""
    from console import queries

    if status and status not in STATUSES:
        fail(f"unknown status {status!r}", f"use one of: {', '.join(STATUSES)}")
    services = _services()
    with services.sessions() as session:
        rows = queries.list_subscribers(session, status=status, limit=limit)
    table = Table(title=f"{len(rows)} subscriber{'s' if len(rows) != 1 else ''}" + (f" ({status})" if status else ""))
    for col in ("id", "number", "status", "time zone", "daily", "paused until", "since"):
        table.add_column(col, justify="right" if col == "id" else "left")
    colours = {"active": "green", "pending": "yellow", "opted_out": "dim"}
    for r in rows:
        table.add_row(str(r.id), r.phone, f"[{colours.get(r.status, 'white')}]{r.status}[/]", r.timezone,
                      r.daily_time, _when(r.paused_until), _when(r.created_at))
    console.print(table)


@subscribers_app.command("show")
def subscribers_show(key: str = typer.Argument(..., help="Subscriber id, or number in E.164 (+15555550123).")) -> None:
    """One subscriber: status, consent, counts and their recent messages."""
    from console import queries
    from console.errors import NotFound

    services = _services()
    with services.sessions() as session:
        try:
            d = queries.subscriber_detail(session, key)
        except NotFound as exc:
            fail(str(exc).split(";")[0], "list them with `mend subscribers list`, then pass an id or +1 number")
    s = d.subscriber
    info = Table.grid(padding=(0, 2))
    for label, value in (
        ("id", str(s.id)), ("number", s.phone), ("status", s.status), ("time zone", s.timezone),
        ("daily time", s.daily_time), ("consent", _when(d.consent_at)), ("opted out", _when(d.opted_out_at)),
        ("paused until", f"{_when(s.paused_until)}{f' ({d.pause_reason})' if d.pause_reason else ''}"),
        ("journal entries", str(d.journal_entries)), ("messages in / out", f"{d.messages_in} / {d.messages_out}"),
        ("suggestions / rated", f"{d.recommendations} / {d.ratings}"), ("open crisis flags", str(d.open_flags)),
    ):
        info.add_row(f"[bold]{label}[/]", value)
    console.print(info)
    if d.recent:
        console.print(_messages_table(d.recent, "recent messages"))


def _messages_table(rows, title: str) -> Table:
    table = Table(title=title)
    for col in ("id", "when", "", "number", "kind", "status", "text"):
        table.add_column(col, overflow="fold")
    for m in rows:
        status = m.status + (f" ({m.error_code})" if m.error_code else "")
        colour = "red" if m.status in ("failed", "undelivered") else ("green" if m.status == "delivered" else "white")
        table.add_row(str(m.id), _when(m.created_at), "<-" if m.direction == "in" else "->", m.phone, m.kind,
                      f"[{colour}]{status}[/]", m.body if m.body is not None else "[dim](encrypted)[/]")
    return table


@messages_app.command("tail")
def messages_tail(
    n: int = typer.Option(20, "-n", "--lines", min=1, max=1000, help="How many recent messages."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new messages (Ctrl-C to stop)."),
    interval: float = typer.Option(2.0, "--interval", min=0.2, help="Seconds between checks with --follow."),
) -> None:
    """The newest messages, oldest first; with --follow, keep watching."""
    from console import queries

    services = _services()
    with services.sessions() as session:
        rows = queries.recent_messages(session, limit=n)
    console.print(_messages_table(rows, f"last {len(rows)} messages"))
    last = rows[-1].id if rows else 0
    try:
        while follow:
            time.sleep(interval)
            with services.sessions() as session:
                new = queries.recent_messages(session, limit=1000, after_id=last)
            if new:
                console.print(_messages_table(new, ""))
                last = new[-1].id
    except KeyboardInterrupt:
        pass


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.add_typer(subscribers_app, name="subscribers")
    app.add_typer(messages_app, name="messages")
