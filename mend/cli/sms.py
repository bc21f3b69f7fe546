"""`mend sms ...` commands."""

from __future__ import annotations

import secrets

import typer

from mend.cli._common import console, fail, get_config

app = typer.Typer(help="SMS commands: run the conversation locally.", no_args_is_help=True)


@app.command("simulate")
def simulate(
    phone: str = typer.Argument(..., help="The sender, in E.164 form, e.g. +15555550123."),
    text: str = typer.Argument(..., help="The text they send."),
    sid: str = typer.Option(None, help="MessageSid (default: a fresh one); repeat one to see idempotency."),
) -> None:
    """Run one inbound text through the same path as the webhook and print the reply."""
    from mend.services import build_services
    from sms.conversation import handle_inbound, normalise_phone
    from sms.errors import InboundError

    try:
        phone = normalise_phone(phone)
    except InboundError as exc:
        fail(str(exc), "give the number in E.164 form, e.g. +15555550123")
    services = build_services(get_config())
    try:
        _ = services.screener  # load now: a missing model is an error here, not a fail-safe crisis reply
    except Exception as exc:  # any load failure gets the same advice
        fail(f"the crisis screener could not be loaded: {exc}",
             "build it with `mend safety train`, then try again")
    try:
        reply = handle_inbound(services, phone=phone, body=text, message_sid=sid or "SM" + secrets.token_hex(16),
                               now=services.clock())
    except InboundError as exc:
        fail(str(exc), "check the number and --sid (up to 64 characters)")
    note = " (repeated MessageSid: nothing done again)" if reply.duplicate else ""
    console.print(f"[dim]{reply.kind}{note}[/]", highlight=False)
    if not reply.texts:
        console.print("[dim](no reply)[/]")
    for body, kind in zip(reply.texts, reply.out_kinds, strict=True):
        console.print(f"[bold]{kind}>[/] {body}", highlight=False, soft_wrap=True)
