"""Factories for the console's tests: rows made with overridable defaults.

Phone numbers are fictional 555-01xx numbers only.
"""

from __future__ import annotations

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
