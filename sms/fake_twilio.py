"""A fake Twilio REST API on 127.0.0.1, for tests and `mend simulate`.

Speaks just enough of Twilio's Messages API for the official ``twilio`` client:

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form fields To, From or
  MessagingServiceSid, Body, StatusCallback, ValidityPeriod) -> 201 with a Twilio-shaped
  message (sid ``SM`` + 32 hex, status ``queued``, RFC 2822 dates).
- ``GET /2010-04-01/Accounts/{AccountSid}/Messages.json?To=...&DateSent>=...`` -> Twilio's
  list shape (``messages`` plus the paging keys), for reconciliation.
- HTTP basic auth with the account SID and auth token; anything else gets 401 (code 20003).

Faults are programmable. An outcome is one of:

``"ok"``; a Twilio error code ``"21610" "21211" "21614" "30006"`` (HTTP 400), ``"20429"``
(HTTP 429); ``"500"`` or ``"503"`` (server errors, code 20500/20503); ``"hang"`` (the
message IS recorded, then the response waits longer than any client timeout: outcome
unknown); ``"refuse"`` (the connection is reset before any response and nothing is
recorded). ``down()`` closes the listening socket altogether, so a client gets a genuine
"connection refused" before its request goes out.

Outcomes are chosen per call in this order: a rule for the recipient
(``inject(..., to=...)``), then the shared queue (``inject(...)``), then the random fault
rate (``set_fault_rate(rate, seed=...)``), else ``"ok"``.

    with FakeTwilio() as fake:
        fake.inject("20429", "ok")             # the next call is rate limited, then fine
        fake.inject("21610", to="+15555550101", times=None)   # always, for this number
        client.api.base_url = fake.base_url

Only ever binds 127.0.0.1.
"""

from __future__ import annotations

import base64
import collections
import json
import random
import secrets
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = ["FakeTwilio", "FakeMessage", "OUTCOMES", "TRANSIENT_FAULTS", "PERMANENT_FAULTS"]

_ERRORS = {
    "21610": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "21211": (400, 21211, "The 'To' number is not a valid phone number."),
    "21614": (400, 21614, "'To' number is not a valid mobile number"),
    "30006": (400, 30006, "Landline or unreachable carrier"),
    "20429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "503": (503, 20503, "Service Unavailable"),
}
OUTCOMES = frozenset({"ok", "hang", "refuse", *_ERRORS})
TRANSIENT_FAULTS = ("20429", "500", "503", "refuse", "hang")
PERMANENT_FAULTS = ("21610", "21211", "21614", "30006")
_PATH_PREFIX = "/2010-04-01/Accounts/"


@dataclass(frozen=True)
class FakeMessage:
    """One message the fake accepted."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    validity_period: int | None
    date_created: datetime
    status: str = "queued"
    error_code: int | None = None

    def as_json(self) -> dict:
        created = format_datetime(self.date_created)
        uri = f"{_PATH_PREFIX}{self.account_sid}/Messages/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": created,
            "date_sent": created,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": self.to,
            "uri": uri,
        }


@dataclass
class _Rule:
    outcome: str
    remaining: int | None  # None: forever


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: list[FakeMessage] = field(default_factory=list)
    queue: collections.deque = field(default_factory=collections.deque)
    rules: dict[str, list[_Rule]] = field(default_factory=dict)
    rate: float = 0.0
    rate_outcomes: tuple[str, ...] = TRANSIENT_FAULTS
    rng: random.Random = field(default_factory=random.Random)
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (method, to, outcome)


def _check_outcome(outcome: str) -> str:
    outcome = str(outcome)
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown fake Twilio outcome {outcome!r} (known: {', '.join(sorted(OUTCOMES))})")
    return outcome


class FakeTwilio:
    """The fake server; a context manager that runs it in a background thread."""

    def __init__(self, *, account_sid: str | None = None, auth_token: str | None = None,
                 clock: Callable[[], datetime] | None = None, hang_seconds: float = 30.0,
                 page_size: int = 50):
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.hang_seconds = hang_seconds
        self.page_size = page_size
        self._state = _State()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> FakeTwilio:
        self._serve(port=0)
        return self

    def close(self) -> None:
        self._closing.set()
        self._stop_server()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @contextmanager
    def down(self):
        """Stop listening (clients get "connection refused" before sending), then come back."""
        self._stop_server()
        try:
            yield self
        finally:
            self._serve(port=self._port)

    # -- what it holds -------------------------------------------------------------------
    @property
    def messages(self) -> list[FakeMessage]:
        with self._state.lock:
            return list(self._state.messages)

    @property
    def calls(self) -> list[tuple[str, str, str]]:
        """(method, to, outcome) per POST, in order (to see which faults fired)."""
        with self._state.lock:
            return list(self._state.calls)

    def sent_to(self, to: str) -> list[FakeMessage]:
        return [m for m in self.messages if m.to == to]

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> FakeMessage:
        """Move a message on (e.g. to delivered) as Twilio would; returns the new record."""
        with self._state.lock:
            for i, m in enumerate(self._state.messages):
                if m.sid == sid:
                    new = FakeMessage(**{**m.__dict__, "status": status, "error_code": error_code})
                    self._state.messages[i] = new
                    return new
        raise KeyError(f"no message {sid} in the fake Twilio")

    def status_callback(self, sid: str, status: str, error_code: int | None = None) -> tuple[str, dict]:
        """The (url, form params) Twilio would POST to the message's StatusCallback."""
        m = self.set_status(sid, status, error_code)
        if not m.status_callback:
            raise ValueError(f"message {sid} has no StatusCallback")
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": m.account_sid, "To": m.to,
                  "MessageStatus": status, "SmsStatus": status}
        if m.from_:
            params["From"] = m.from_
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return m.status_callback, params

    # -- faults --------------------------------------------------------------------------
    def inject(self, *outcomes: str, to: str | None = None, times: int | None = 1) -> None:
        """Queue outcomes for the next calls, or (with ``to``) a rule for one recipient.

        With ``to``, each outcome applies ``times`` times (None: forever), in order.
        """
        checked = [_check_outcome(o) for o in outcomes]
        with self._state.lock:
            if to is None:
                for o in checked:
                    self._state.queue.extend([o] * (times or 1))
            else:
                self._state.rules.setdefault(to, []).extend(_Rule(o, times) for o in checked)

    def set_fault_rate(self, rate: float, *, seed: int | None = None,
                       outcomes: Iterable[str] = TRANSIENT_FAULTS) -> None:
        """Each call fails with probability ``rate``, with an outcome drawn from ``outcomes``."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
        outcomes = tuple(_check_outcome(o) for o in outcomes)
        with self._state.lock:
            self._state.rate = rate
            self._state.rate_outcomes = outcomes
            self._state.rng = random.Random(seed)

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.queue.clear()
            self._state.rules.clear()
            self._state.rate = 0.0

    def _next_outcome(self, to: str) -> str:
        st = self._state
        rules = st.rules.get(to)
        if rules:
            rule = rules[0]
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    rules.pop(0)
            return rule.outcome
        if st.queue:
            return st.queue.popleft()
        if st.rate and st.rng.random() < st.rate:
            return st.rng.choice(st.rate_outcomes)
        return "ok"

    # -- the server ----------------------------------------------------------------------
    def _serve(self, port: int) -> None:
        handler = _make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", port), handler, bind_and_activate=False)
        server.allow_reuse_address = True
        server.daemon_threads = True
        # The standard library listens with a backlog of 5: a wave of concurrent sends on a busy
        # machine overflowed it, and the dropped connects timed out. Twilio's edge has no such limit.
        server.request_queue_size = 128
        server.server_bind()
        server.server_activate()
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-twilio", daemon=True)
        self._thread.start()

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def _create(self, account_sid: str, form: dict[str, str]) -> tuple[int, dict] | str:
        to = form.get("To", "")
        if not to:
            return 400, _error(21604, "A 'To' phone number is required.", 400)
        if not form.get("Body"):
            return 400, _error(21602, "Message body is required.", 400)
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, _error(21603, "A 'From' or 'MessagingServiceSid' parameter is required.", 400)
        validity = form.get("ValidityPeriod")
        with self._state.lock:
            outcome = self._next_outcome(to)
            self._state.calls.append(("POST", to, outcome))
            if outcome in _ERRORS:
                status, code, text = _ERRORS[outcome]
                return status, _error(code, text, status)
            if outcome == "refuse":
                return "refuse"
            msg = FakeMessage(
                sid="SM" + secrets.token_hex(16), account_sid=account_sid, to=to,
                from_=form.get("From"), messaging_service_sid=form.get("MessagingServiceSid"),
                body=form["Body"], status_callback=form.get("StatusCallback"),
                validity_period=int(validity) if validity and validity.isdigit() else None,
                date_created=self.clock().astimezone(UTC).replace(microsecond=0),
            )
            self._state.messages.append(msg)
        if outcome == "hang":
            self._closing.wait(self.hang_seconds)
            return "refuse"
        return 201, msg.as_json()

    def _list(self, account_sid: str, query: dict[str, list[str]]) -> tuple[int, dict]:
        def one(name):
            values = query.get(name)
            return values[0] if values else None

        to, from_ = one("To"), one("From")
        after, before, on = one("DateSent>"), one("DateSent<"), one("DateSent")
        page = int(one("Page") or 0)
        size = max(1, min(1000, int(one("PageSize") or self.page_size)))
        try:
            after_dt, before_dt = _parse_when(after), _parse_when(before)
        except ValueError:
            return 400, _error(20001, "Invalid DateSent filter", 400)
        with self._state.lock:
            found = [m for m in self._state.messages if m.account_sid == account_sid]
        found = [m for m in found if (not to or m.to == to) and (not from_ or m.from_ == from_)
                 and (after_dt is None or m.date_created >= after_dt)
                 and (before_dt is None or m.date_created <= before_dt)
                 and (on is None or m.date_created.date().isoformat() == on[:10])]
        found.sort(key=lambda m: m.date_created, reverse=True)  # Twilio lists newest first
        chunk = found[page * size:(page + 1) * size]
        base = f"{_PATH_PREFIX}{account_sid}/Messages.json"
        params = {k: v[0] for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

        def uri(p):
            return f"{base}?{urlencode({**params, 'PageSize': size, 'Page': p})}"

        has_next = (page + 1) * size < len(found)
        return 200, {
            "messages": [m.as_json() for m in chunk],
            "end": page * size + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if has_next else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": page * size,
            "uri": uri(page),
        }


def _parse_when(value: str | None) -> datetime | None:
    if not value:
        return None
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _error(code: int, message: str, status: int) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def _make_handler(fake: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK (~40 ms a response), a latency the fake must not add.
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # noqa: A002 - quiet: no numbers in logs
            pass

        def _send_json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reset(self) -> None:
            """Drop the connection with a TCP reset and no response."""
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass

        def _account(self) -> str | None:
            path = urlsplit(self.path).path
            if not (path.startswith(_PATH_PREFIX) and path.endswith("/Messages.json")):
                self._send_json(404, _error(20404, "The requested resource was not found", 404))
                return None
            account = path[len(_PATH_PREFIX):-len("/Messages.json")]
            expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            if self.headers.get("Authorization") != expected or account != fake.account_sid:
                self._send_json(401, _error(20003, "Authenticate", 401))
                return None
            return account

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            account = self._account()
            if account is None:
                return
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
            result = fake._create(account, form)
            if result == "refuse":
                self._reset()
                return
            self._send_json(*result)

        def do_GET(self):  # noqa: N802
            account = self._account()
            if account is None:
                return
            query = parse_qs(urlsplit(self.path).query, keep_blank_values=False)
            self._send_json(*fake._list(account, query))

    return Handler
