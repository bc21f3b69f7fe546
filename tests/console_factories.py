"""Factories for the console's tests: rows made with overridable defaults.

Phone numbers are fictional 555-01xx numbers only.
"""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime

from storage.models import Message, Recommendation, SafetyEvent, Subscriber

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
_seq = itertools.count(1)


def phone(n: int) -> str:
    assert 0 <= n <= 99
    return f"+155555501{n:02d}"


def make_subscriber(session, **overrides) -> Subscriber:
    values = dict(
        phone=phone(next(_seq) % 100), status="active", timezone="America/New_York", daily_time="09:00",
        created_at=NOW, updated_at=NOW,
    )
    values.update(overrides)
    s = Subscriber(**values)
    session.add(s)
    session.flush()
    return s


def make_message(session, subscriber: Subscriber | None = None, **overrides) -> Message:
    direction = overrides.get("direction", "out")
    values = dict(
        subscriber_id=subscriber.id if subscriber else None,
        phone=subscriber.phone if subscriber else phone(99),
        direction=direction, kind="daily" if direction == "out" else "journal",
        body="Try one slow breath." if direction == "out" else None,
        status="delivered" if direction == "out" else "received",
        created_at=NOW, updated_at=NOW,
    )
    values.update(overrides)
    m = Message(**values)
    session.add(m)
    session.flush()
    return m


def make_recommendation(session, subscriber: Subscriber, item_id: str, **overrides) -> Recommendation:
    values = dict(subscriber_id=subscriber.id, item_id=item_id, kind="daily", score=0.5, sent_at=NOW, replied=False)
    values.update(overrides)
    r = Recommendation(**values)
    session.add(r)
    session.flush()
    return r


def make_safety_event(session, cipher, text: str = "I can't do this anymore", **overrides) -> SafetyEvent:
    values = dict(
        subscriber_id=None, phone=phone(77), category="suicide-or-self-harm", score=0.97,
        reasons=["pattern: cannot go on"], text_encrypted=cipher.encrypt(text), status="open", created_at=NOW,
    )
    values.update(overrides)
    e = SafetyEvent(**values)
    session.add(e)
    session.flush()
    return e


@contextlib.contextmanager
def serving(app, timeout: float = 20.0):
    """Run ``app`` under uvicorn on 127.0.0.1 with an ephemeral port in a thread; yields the base URL."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start within {timeout} s")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
