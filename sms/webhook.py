"""Twilio's webhooks: a thin FastAPI shell over :func:`sms.conversation.handle_inbound`.

- ``POST /sms/inbound``: an incoming SMS (form-encoded); the reply is TwiML.
- ``POST /sms/status``: a delivery status callback; the message's delivery state only
  moves forward (queued < sending < sent < delivered; undelivered and failed are final;
  a late "sent" never overwrites "delivered"), and the ErrorCode is kept.

Every request must carry a valid ``X-Twilio-Signature`` for the public URL Twilio called:
``server.public_url`` (``MEND_PUBLIC_URL``) plus the request path and query; when
``server.trust_forwarded_headers`` is on, the scheme and host come from
X-Forwarded-Proto / X-Forwarded-Host (a reverse proxy), keeping the public URL's path
prefix. A missing or wrong signature gets 403 and changes nothing.

Without ``TWILIO_AUTH_TOKEN`` (the embedded dev mode) no request can be verified, so both
webhooks answer 403 to everything; run the conversation locally with
``mend sms simulate +15555550123 "text"`` instead.

Bad requests get a 4xx, never a 500: a body over ``sms.max_request_bytes`` 413, a body
that is not form-encoded 415, not UTF-8 or missing From / Body / MessageSid 400.
Logs carry masked numbers and never the text.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from sms.conversation import handle_inbound
from sms.errors import InboundError, mask_phone

__all__ = ["router", "verify_signature", "public_request_url"]

log = logging.getLogger(__name__)

router = APIRouter()

TWIML = "application/xml"


def verify_signature(auth_token: str | None, url: str, params, signature: str | None,
                     algorithm: str | None = None) -> bool:
    """Whether ``signature`` is Twilio's signature of ``url`` and ``params`` with ``auth_token``."""
    if not auth_token or not signature:
        return False
    try:
        return RequestValidator(auth_token).validate(url, params, signature, algorithm=algorithm)
    except (ValueError, TypeError):
        return False


def public_request_url(public_url: str, path: str, query: str, headers, trust_forwarded: bool) -> str:
    """The URL Twilio called (and signed) for a request that reached us at ``path``?``query``."""
    base = urlsplit(public_url.rstrip("/"))
    scheme, netloc = base.scheme, base.netloc
    if trust_forwarded:
        proto = (headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
        host = (headers.get("x-forwarded-host") or "").split(",")[0].strip()
        if proto in ("http", "https"):
            scheme = proto
        if host:
            netloc = host
    return urlunsplit((scheme, netloc, base.path + path, query, ""))


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise HTTPException(413, f"request body over {limit} bytes")
        except ValueError:
            raise HTTPException(400, "bad Content-Length") from None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _verified_form(request: Request) -> ImmutableMultiDict:
    """The form Twilio posted, after the size, encoding and signature checks (4xx otherwise)."""
    services = request.app.state.services
    config = services.config
    body = await _read_body(request, config.sms.max_request_bytes)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise HTTPException(415, "expected application/x-www-form-urlencoded")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise HTTPException(400, "request body is not UTF-8") from None
    except ValueError:
        raise HTTPException(400, "request body is not form-encoded") from None
    form = ImmutableMultiDict(pairs)
    token = config.secrets.twilio_auth_token
    url = public_request_url(config.server.public_url, request.url.path, request.url.query,
                             request.headers, config.server.trust_forwarded_headers)
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not verify_signature(token, url, form, request.headers.get(SIGNATURE_HEADER), algorithm):
        if not token:
            log.warning("webhook %s refused: TWILIO_AUTH_TOKEN is not set", request.url.path)
            raise HTTPException(403, "TWILIO_AUTH_TOKEN is not set, so no request can be verified; "
                                     "use `mend sms simulate` locally")
        log.warning("webhook %s refused: missing or wrong X-Twilio-Signature", request.url.path)
        raise HTTPException(403, "missing or wrong X-Twilio-Signature")
    return form


def _required(form: ImmutableMultiDict, *names: str) -> list[str]:
    missing = [n for n in names if n not in form]
    if missing:
        raise HTTPException(400, f"missing form field(s): {', '.join(missing)}")
    return [form[n] for n in names]


@router.post("/sms/inbound")
async def inbound(request: Request) -> Response:
    form = await _verified_form(request)
    phone, body, sid = _required(form, "From", "Body", "MessageSid")
    services = request.app.state.services
    try:
        reply = await run_in_threadpool(
            handle_inbound, services, phone=phone, body=body, message_sid=sid, now=services.clock()
        )
    except InboundError as exc:
        raise HTTPException(400, str(exc)) from None
    twiml = MessagingResponse()
    for text in reply.texts:
        twiml.message(text)
    return Response(str(twiml), media_type=TWIML)


@router.post("/sms/status")
async def status(request: Request) -> Response:
    form = await _verified_form(request)
    sid = form.get("MessageSid") or form.get("SmsSid")
    state = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not state:
        raise HTTPException(400, "missing form field(s): MessageSid, MessageStatus")
    code = form.get("ErrorCode")
    try:
        error_code = int(code) if code not in (None, "") else None
    except ValueError:
        raise HTTPException(400, "ErrorCode is not a number") from None
    services = request.app.state.services
    found = await run_in_threadpool(
        record_status, services, sid=sid, state=state.strip().lower(), error_code=error_code, now=services.clock()
    )
    if not found:
        log.info("status %s for unknown message %s", state, sid)
    return Response(status_code=204)


def record_status(services, *, sid: str, state: str, error_code: int | None, now) -> bool:
    """Apply one status callback (forward only). Returns whether the message is known."""
    from sqlalchemy import select

    from scheduler.outbox import advance_delivery
    from storage.models import Message, Outbox

    with services.sessions.begin() as session:
        msg = session.scalar(
            select(Message).where(Message.twilio_sid == sid, Message.direction == "out").with_for_update()
        )
        if msg is None:
            return False
        new = advance_delivery(msg.status, state)
        if new != msg.status:
            msg.status = new
            msg.updated_at = now
        if error_code is not None and msg.error_code is None:
            msg.error_code = error_code
            msg.updated_at = now
        if error_code is not None and msg.outbox_id is not None:
            row = session.get(Outbox, msg.outbox_id)
            if row is not None and row.error_code is None:
                row.error_code = error_code
                row.updated_at = now
        log.info("status %s -> %s for %s (%s)", state, msg.status, sid, mask_phone(msg.phone))
        return True
