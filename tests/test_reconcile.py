import random
from datetime import timedelta

import pytest
from scheduling_helpers import (
    ScriptedGateway,
    cipher,
    make_subscriber,
    phone,
    recommender,
    sessions_for,
    utc,
)
from sqlalchemy import select

from scheduler.dispatch import dispatch
from scheduler.pacing import RateLimiter
from scheduler.planner import plan
from scheduler.reconcile import reconcile
from sms.errors import LookupFailed
from storage.models import Outbox

NINE_NY = utc(2025, 6, 2, 13, 0)


@pytest.fixture
def sessions(any_engine):
    return sessions_for(any_engine)


def _dispatch(sessions, gw, now, config):
    with sessions() as s:
        plan(s, now, config=config)
    return dispatch(sessions, gw, now, config=config, worker_id="w", recommender=recommender(), cipher=cipher(),
                    rng=random.Random(1), limiter=RateLimiter(1000, clock=lambda: 0.0, sleep=lambda _s: None))


def _daily(sessions):
    with sessions() as s:
        return s.scalars(select(Outbox).where(Outbox.slot == "daily")).one()


def test_hang_after_recording_over_real_twilio_client_is_reconciled_not_resent(sessions, config):
    from sms.fake_twilio import FakeTwilio
    from sms.twilio_gateway import TwilioGateway

    clock = [NINE_NY]
    with sessions() as s:
        make_subscriber(s, 1)
    with FakeTwilio(clock=lambda: clock[0], hang_seconds=1.0) as fake:
        gw = TwilioGateway(fake.account_sid, fake.auth_token, from_number="+15555550100",
                           base_url=fake.base_url, timeout=0.3)
        fake.inject("hang", to=phone(1))
        assert _dispatch(sessions, gw, NINE_NY, config).unknown == 1
        assert _dispatch(sessions, gw, NINE_NY + timedelta(minutes=1), config).claimed == 0
        res = reconcile(sessions, gw, NINE_NY + timedelta(minutes=2), config=config)
        assert res.found == 1
        row = _daily(sessions)
        assert row.status == "sent" and [m.sid for m in fake.sent_to(phone(1))] == [row.twilio_sid]
        assert len(fake.messages) == 1


def test_not_found_past_lateness_is_dropped(sessions, config):
    gw = ScriptedGateway()
    with sessions() as s:
        make_subscriber(s, 1)
    gw.fail(phone(1), lambda to: __import__("sms.errors").errors.DeliveryError(
        to=to, code=None, transient=True, outcome_unknown=True))
    _dispatch(sessions, gw, NINE_NY, config)
    late = NINE_NY + timedelta(minutes=config.scheduler.max_lateness_minutes + 1)
    assert reconcile(sessions, gw, late, config=config).dropped == 1
    assert _daily(sessions).status == "dropped" and gw.sent == []


def test_lookup_failure_leaves_the_row_for_the_next_run(sessions, config):
    class Down(ScriptedGateway):
        def lookup(self, to, since):
            raise LookupFailed("provider unreachable")

    gw = Down()
    with sessions() as s:
        make_subscriber(s, 1)
    gw.fail(phone(1), "lost")
    _dispatch(sessions, gw, NINE_NY, config)
    assert reconcile(sessions, gw, NINE_NY + timedelta(minutes=2), config=config).deferred == 1
    assert _daily(sessions).status == "unknown"


def test_a_known_sid_or_other_text_is_not_a_match(sessions, config):
    gw = ScriptedGateway(clock=lambda: NINE_NY)
    with sessions() as s:
        make_subscriber(s, 1)
    from sms.gateway import OutboundSms

    gw.inner.send(OutboundSms(to=phone(1), body="some other text"))
    gw.fail(phone(1), lambda to: __import__("sms.errors").errors.DeliveryError(
        to=to, code=None, transient=True, outcome_unknown=True))
    _dispatch(sessions, gw, NINE_NY, config)
    assert reconcile(sessions, gw, NINE_NY + timedelta(minutes=2), config=config).retried == 1
