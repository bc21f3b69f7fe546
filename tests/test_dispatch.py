import random
import threading
import time
from datetime import timedelta

import pytest
from scheduling_helpers import (
    ScriptedGateway,
    cipher,
    make_subscriber,
    permanent,
    phone,
    recommender,
    sessions_for,
    transient,
    utc,
)
from sqlalchemy import func, select

from scheduler.dispatch import claim, dispatch
from scheduler.pacing import RateLimiter
from scheduler.planner import plan
from scheduler.reconcile import reconcile
from storage.models import OPTED_OUT, Message, Outbox, Recommendation, Subscriber


@pytest.fixture
def sessions(any_engine):
    return sessions_for(any_engine)


@pytest.fixture
def env(sessions, config):
    """Everything dispatch needs; ``run(now)`` plans and dispatches once at ``now``."""
    gw = ScriptedGateway()
    key = cipher()
    rng = random.Random(7)
    sleeps = []

    class Env:
        gateway = gw

        def run(self, now, worker="w1"):
            with sessions() as s:
                plan(s, now, config=config)
            return dispatch(sessions, gw, now, config=config, worker_id=worker, recommender=recommender(),
                            cipher=key, rng=rng, limiter=RateLimiter(1000, clock=lambda: 0.0, sleep=sleeps.append))

        def rows(self):
            with sessions() as s:
                return s.scalars(select(Outbox).order_by(Outbox.id)).all()

        def daily(self):
            return [r for r in self.rows() if r.slot == "daily"]

    return Env()


NINE_NY = utc(2025, 6, 2, 13, 0)  # 09:00 New York, a Monday


def test_sends_due_row_and_records_sid_message_and_recommendation(env, sessions, config):
    with sessions() as s:
        make_subscriber(s, 1, daily_time="09:00")
    assert env.run(NINE_NY - timedelta(minutes=1)).claimed == 0  # not due yet
    res = env.run(NINE_NY)
    assert (res.claimed, res.sent) == (1, 1)
    [row] = env.daily()
    [sms] = env.gateway.attempts
    assert row.status == "sent" and row.twilio_sid == env.gateway.sent[0].sid and row.body == sms.body
    # ValidityPeriod ends before quiet hours (21:00 NY is 12h away, so the configured hour applies).
    assert sms.validity_period == config.sms.validity_period_seconds
    with sessions() as s:
        msg = s.scalar(select(Message))
        rec = s.scalar(select(Recommendation))
    assert (msg.twilio_sid, msg.direction, msg.kind, msg.outbox_id) == (row.twilio_sid, "out", row.kind, row.id)
    assert rec.item_id == row.item_id and rec.message_id == msg.id
    assert env.run(NINE_NY + timedelta(minutes=5)).sent == 0  # nothing twice


def test_validity_period_stops_before_quiet_hours(env, sessions, config):
    with sessions() as s:
        make_subscriber(s, 1, daily_time="20:30")
    env.run(utc(2025, 6, 3, 0, 30))  # 20:30 New York
    assert env.gateway.attempts[0].validity_period == 30 * 60


def test_opted_out_or_paused_at_send_time_gets_nothing(env, sessions):
    with sessions() as s:
        make_subscriber(s, 1)
        make_subscriber(s, 2)
        plan(s, NINE_NY - timedelta(minutes=5), config=env_config(s))
        a, b = s.get(Subscriber, 1), s.get(Subscriber, 2)
        a.status = OPTED_OUT
        b.paused_until, b.pause_reason = NINE_NY + timedelta(days=2), "user"
        s.commit()
    res = env.run(NINE_NY)
    assert res.sent == 0 and res.cancelled == 2 and env.gateway.attempts == []


def env_config(session):
    from mend.config import ROOT, load_config

    return load_config(ROOT / "config.yaml", env={})


def test_crisis_checkin_goes_once_and_only_during_pause(env, sessions, config):
    crisis = NINE_NY - timedelta(days=1, hours=2)
    until = crisis + timedelta(hours=config.safety.crisis_pause_hours)
    with sessions() as s:
        make_subscriber(s, 1, paused_until=until, pause_reason="crisis")
    t = crisis
    while t < until + timedelta(days=1, hours=4):
        env.run(t)
        t += timedelta(minutes=15)
    bodies = [m.body for m in env.gateway.attempts]
    assert bodies.count(config.safety.checkin_text) == 1
    checkin = next(r for r in env.rows() if r.slot == "checkin")
    assert checkin.sent_at == NINE_NY  # the first 09:00 at least a day into the pause (crisis at 07:00)
    with sessions() as s:
        assert s.get(Subscriber, 1).checkin_sent_at == checkin.sent_at
    sent_daily = [r for r in env.daily() if r.status == "sent"]
    assert sent_daily and all(r.sent_at > until for r in sent_daily)  # suggestions resume after


def test_quiet_hours_wait_for_window_or_drop(env, sessions, config):
    with sessions() as s:
        make_subscriber(s, 1, daily_time="07:00")  # due inside quiet hours (until 08:00)
        make_subscriber(s, 2, daily_time="04:00")  # window opens 4h later: past the 3h lateness
    t = utc(2025, 6, 2, 7, 0)  # 03:00 New York
    while t < utc(2025, 6, 2, 15, 0):
        env.run(t)
        t += timedelta(minutes=5)
    by_sub = {r.subscriber_id: r for r in env.daily()}
    assert by_sub[1].status == "sent" and by_sub[1].sent_at == utc(2025, 6, 2, 12, 0)  # 08:00 New York
    assert by_sub[2].status == "dropped" and "quiet" in by_sub[2].last_error
    assert [m.to for m in env.gateway.attempts if m.body == by_sub[1].body] == [phone(1)]


def test_daily_cap_counts_replies(env, sessions, config):
    with sessions() as s:
        make_subscriber(s, 1)
        for i in range(config.scheduler.max_messages_per_day):  # replies earlier that local day
            s.add(Message(subscriber_id=1, direction="out", phone=phone(1), kind="reply", body="hi",
                          status="sent", created_at=NINE_NY - timedelta(hours=4, minutes=i),
                          updated_at=NINE_NY))
        s.commit()
    res = env.run(NINE_NY)
    assert res.dropped == 1 and env.gateway.attempts == []
    assert "max_messages_per_day" in env.daily()[0].last_error


@pytest.mark.parametrize("back_after,expect_sent", [(timedelta(hours=2), True), (timedelta(hours=4), False)])
def test_downtime_each_missed_suggestion_at_most_once_within_lateness(env, sessions, back_after, expect_sent):
    with sessions() as s:
        make_subscriber(s, 1)
    t = NINE_NY + back_after  # the process was down over 09:00
    for _ in range(12):
        env.run(t)
        t += timedelta(minutes=15)
    daily = env.daily()
    assert [r.status for r in daily] == (["sent"] if expect_sent else [])
    assert len([m for m in env.gateway.attempts if daily and m.body == daily[0].body]) == len(daily)


def test_downtime_into_quiet_hours_drops_instead_of_sending_at_night(env, sessions):
    with sessions() as s:
        make_subscriber(s, 1, daily_time="20:00")
    t = utc(2025, 6, 3, 1, 30)  # back at 21:30 New York, 1.5h late but inside quiet hours
    while t < utc(2025, 6, 3, 14, 0):
        env.run(t)
        t += timedelta(minutes=15)
    assert [r.status for r in env.daily()] == ["dropped"]
    assert env.gateway.attempts == []


def test_transient_errors_retry_with_backoff(env, sessions, config):
    with sessions() as s:
        make_subscriber(s, 1)
    env.gateway.fail(phone(1), transient(20429), transient(500))
    assert env.run(NINE_NY).retried == 1
    [row] = env.daily()
    first_retry = row.next_attempt_at
    base = config.scheduler.backoff_base_seconds
    assert NINE_NY + timedelta(seconds=base / 2) <= first_retry <= NINE_NY + timedelta(seconds=base)
    assert env.run(first_retry - timedelta(seconds=1)).claimed == 0
    assert env.run(first_retry).retried == 1
    second = env.daily()[0].next_attempt_at - first_retry
    assert timedelta(seconds=base) <= second <= timedelta(seconds=2 * base)
    assert env.run(first_retry + second).sent == 1
    assert env.daily()[0].attempts == 3 and len(env.gateway.sent) == 1


def test_transient_errors_give_up_after_max_attempts(env, sessions, config):
    with sessions() as s:
        make_subscriber(s, 1)
    env.gateway.fail(phone(1), *[transient(503)] * config.scheduler.max_attempts)
    t = NINE_NY
    while t < NINE_NY + timedelta(hours=3):
        env.run(t)
        t += timedelta(seconds=30)
    [row] = env.daily()
    assert (row.status, row.attempts, row.error_code) == ("failed", config.scheduler.max_attempts, 503)


@pytest.mark.parametrize("code", [21211, 21614, 30006, 21610])
def test_permanent_errors_stop_and_21610_opts_out(env, sessions, code):
    with sessions() as s:
        make_subscriber(s, 1)
    env.gateway.fail(phone(1), permanent(code))
    assert env.run(NINE_NY).failed == 1
    for k in range(1, 5):
        env.run(NINE_NY + timedelta(minutes=10 * k))
    assert len(env.gateway.attempts) == 1
    assert env.daily()[0].status == "failed" and env.daily()[0].error_code == code
    with sessions() as s:
        status = s.get(Subscriber, 1).status
    assert status == (OPTED_OUT if code == 21610 else "active")


@pytest.mark.parametrize("found", [True, False])
def test_unknown_outcome_is_never_resent_blindly(env, sessions, config, found):
    with sessions() as s:
        make_subscriber(s, 1)
    env.gateway.fail(phone(1), "lost" if found else transient())
    if not found:  # a timeout before the provider recorded it: scripted as a lost request
        env.gateway.script[phone(1)].clear()
        env.gateway.fail(phone(1), lambda to: __import__("sms.errors").errors.DeliveryError(
            to=to, code=None, transient=True, outcome_unknown=True))
    assert env.run(NINE_NY).unknown == 1
    assert env.run(NINE_NY + timedelta(minutes=1)).claimed == 0  # dispatch leaves it alone
    res = reconcile(sessions, env.gateway, NINE_NY + timedelta(minutes=2), config=config)
    if found:
        assert res.found == 1
        [row] = env.daily()
        assert row.status == "sent" and row.twilio_sid == env.gateway.sent[0].sid
    else:
        assert res.retried == 1
        env.run(NINE_NY + timedelta(minutes=3))
        assert env.daily()[0].status == "sent"
    assert len(env.gateway.sent) == 1  # exactly one message reached the provider


def test_crash_between_send_and_commit_is_reconciled_not_resent(env, sessions, config):
    with sessions() as s:
        make_subscriber(s, 1)
    env.gateway.fail(phone(1), "crash")
    with pytest.raises(SystemExit):
        env.run(NINE_NY)
    assert env.daily()[0].status == "claimed"
    for k in range(1, 4):  # other dispatch runs before the claim counts as stale
        env.run(NINE_NY + timedelta(seconds=30 * k))
    res = reconcile(sessions, env.gateway, NINE_NY + timedelta(seconds=config.scheduler.unknown_after_seconds + 1),
                    config=config)
    assert (res.stale, res.found) == (1, 1)
    assert len(env.gateway.sent) == 1 and env.daily()[0].status == "sent"


@pytest.mark.postgres
def test_two_dispatchers_claim_disjoint_rows_on_postgres(pg_engine, config):
    from storage import upgrade

    upgrade(pg_engine)
    sessions = sessions_for(pg_engine)
    with sessions() as s:
        for n in range(60):
            make_subscriber(s, n)
        plan(s, NINE_NY, config=config)
    claims: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def worker(name):
        with sessions() as warm:  # each thread opens its connection before the race starts
            warm.scalar(select(Outbox.id).limit(1))
        barrier.wait()
        got = []
        while batch := claim(sessions, NINE_NY, worker_id=name, limit=2):
            got += batch
            time.sleep(0.01)
        claims[name] = got

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    a, b = claims["w0"], claims["w1"]
    assert not set(a) & set(b) and len(a) + len(b) == 60 and a and b


@pytest.mark.postgres
def test_claim_skips_rows_locked_by_another_dispatcher(pg_engine, config):
    from storage import upgrade

    upgrade(pg_engine)
    sessions = sessions_for(pg_engine)
    with sessions() as s:
        for n in range(10):
            make_subscriber(s, n)
        plan(s, NINE_NY, config=config)
    with sessions() as other, other.begin():  # another dispatcher mid-claim holds 4 rows
        held = other.scalars(select(Outbox.id).where(Outbox.slot == "daily").order_by(Outbox.id).limit(4)
                             .with_for_update(skip_locked=True)).all()
        mine = claim(sessions, NINE_NY, worker_id="b", limit=100)  # returns at once, no waiting
        assert set(mine).isdisjoint(held) and len(mine) == 6


def test_claim_is_exclusive(sessions, config):
    with sessions() as s:
        for n in range(10):
            make_subscriber(s, n)
        plan(s, NINE_NY, config=config)
    first = claim(sessions, NINE_NY, worker_id="a", limit=6)
    second = claim(sessions, NINE_NY, worker_id="b", limit=6)
    assert len(first) == 6 and len(second) == 4 and not set(first) & set(second)


# -- waves: rows re-checked and stamped together, sent concurrently, recorded together ------------


class ConcurrentGateway(ScriptedGateway):
    """A ScriptedGateway that holds each send until ``together`` sends are in flight at once
    (a dispatcher sending one at a time breaks the barrier and fails the test), then finishes
    them in a shuffled order. ``before_send(message)`` runs first, in the sending thread."""

    def __init__(self, together: int = 1, before_send=None, seed: int = 3):
        super().__init__()
        self.barrier = threading.Barrier(together, timeout=10) if together > 1 else None
        self.before_send = before_send
        self.lock = threading.Lock()
        self.rng = random.Random(seed)

    def send(self, message):
        if self.before_send:
            self.before_send(message)
        if self.barrier is not None:
            self.barrier.wait()
        with self.lock:
            pause = self.rng.random() * 0.004
        time.sleep(pause)
        with self.lock:  # the script and the in-memory log are not thread-safe on their own
            return super().send(message)


def _dispatch_waves(sessions, config, gateway, now, *, concurrency, limiter=None, **overrides):
    cfg = config.replace(scheduler={"dispatch_concurrency": concurrency, **overrides})
    return dispatch(sessions, gateway, now, config=cfg, worker_id="w1", recommender=recommender(),
                    cipher=cipher(), rng=random.Random(7),
                    limiter=limiter or RateLimiter(1000, clock=lambda: 0.0, sleep=lambda _s: None))


def _subscribers(sessions, n, due=NINE_NY):
    """``n`` subscribers on 555-0100.., each with one daily row due at ``due`` (nothing else planned)."""
    from datetime import date

    with sessions() as s:
        for i in range(n):
            make_subscriber(s, i)
        for sub in s.scalars(select(Subscriber)).all():
            s.add(Outbox(subscriber_id=sub.id, local_date=date(2025, 6, 2), slot="daily", kind="daily",
                         track="self-care", due_at=due, next_attempt_at=due, status="planned", attempts=0,
                         created_at=due, updated_at=due))
        s.commit()


def _sends_match_rows(sessions, gateway) -> list[Outbox]:
    """Every outbox row sent is recorded with the SID of the one message that carried its text
    to its subscriber, and no row or number got two messages."""
    with sessions() as s:
        rows = s.scalars(select(Outbox).where(Outbox.status == "sent")).all()
        phones = {sub.id: sub.phone for sub in s.scalars(select(Subscriber))}
        messages = s.scalars(select(Message).where(Message.direction == "out")).all()
    by_sid = {m.sid: m for m in gateway.sent}
    assert len(by_sid) == len(gateway.sent)
    for row in rows:
        sms = by_sid[row.twilio_sid]
        assert (sms.to, sms.body) == (phones[row.subscriber_id], row.body)
    assert sorted(r.twilio_sid for r in rows) == sorted(by_sid)  # each send is one row's, once
    assert sorted(m.twilio_sid for m in messages) == sorted(by_sid)
    return rows


def test_a_wave_is_sent_concurrently_each_row_once_with_its_own_sid(sessions, config):
    from sqlalchemy import event

    _subscribers(sessions, 20)
    gw = ConcurrentGateway(together=4)
    commits = []
    event.listen(sessions, "after_commit", lambda _s: commits.append(1))
    res = _dispatch_waves(sessions, config, gw, NINE_NY, concurrency=4)
    assert (res.claimed, res.sent) == (20, 20)
    assert len(_sends_match_rows(sessions, gw)) == 20 and len({m.to for m in gw.sent}) == 20
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Recommendation)) == 20
    assert len(commits) == 1 + 2 * 5  # the claim, then a prepare and a record commit per wave of 4
    assert _dispatch_waves(sessions, config, gw, NINE_NY + timedelta(minutes=5), concurrency=4).sent == 0


def test_each_row_is_committed_with_its_text_before_any_send_of_its_wave(sessions, config):
    """The "about to send" marker: what reconcile needs to find a send whose worker died."""
    _subscribers(sessions, 8)
    seen = []

    def check(message):
        with sessions() as s:
            row = s.scalar(select(Outbox).join(Subscriber, Subscriber.id == Outbox.subscriber_id)
                           .where(Subscriber.phone == message.to, Outbox.slot == "daily"))
            seen.append((row.status, row.body == message.body, row.attempts, row.claimed_at))

    _dispatch_waves(sessions, config, ConcurrentGateway(together=4, before_send=check), NINE_NY, concurrency=4)
    assert seen == [("claimed", True, 1, NINE_NY)] * 8


def test_crash_mid_wave_then_reconcile_sends_each_row_exactly_once(sessions, config):
    _subscribers(sessions, 8)
    gw = ConcurrentGateway(together=4)
    gw.fail(phone(2), "crash")  # the provider takes it, then the process dies
    with pytest.raises(SystemExit):
        _dispatch_waves(sessions, config, gw, NINE_NY, concurrency=4)
    with sessions() as s:
        claimed = s.scalars(select(Outbox).where(Outbox.status == "claimed")).all()
    assert len(claimed) == 8 and len(gw.sent) == 4  # the first wave went out, unrecorded; the second never
    later = NINE_NY + timedelta(seconds=config.scheduler.unknown_after_seconds + 1)
    res = reconcile(sessions, gw, later, config=config)
    assert (res.stale, res.found, res.retried) == (8, 4, 4)
    gw.barrier = None
    assert _dispatch_waves(sessions, config, gw, later, concurrency=4).sent == 4  # the 4 never sent
    assert len(_sends_match_rows(sessions, gw)) == 8
    assert sorted(m.to for m in gw.sent) == sorted(phone(n) for n in range(8))


def test_provider_errors_in_a_wave_retry_only_their_rows(sessions, config):
    _subscribers(sessions, 8)
    gw = ConcurrentGateway(together=8)
    gw.fail(phone(1), transient(20429))
    gw.fail(phone(3), transient(500))
    gw.fail(phone(5), transient(503))
    gw.fail(phone(6), "lost")  # accepted, but the answer never came: outcome unknown
    gw.fail(phone(7), permanent(21610))
    res = _dispatch_waves(sessions, config, gw, NINE_NY, concurrency=8)
    assert (res.sent, res.retried, res.unknown, res.failed) == (3, 3, 1, 1)
    assert reconcile(sessions, gw, NINE_NY + timedelta(minutes=1), config=config).found == 1
    gw.barrier = None
    t = NINE_NY + timedelta(minutes=2)
    while _dispatch_waves(sessions, config, gw, t, concurrency=8).claimed:
        t += timedelta(minutes=2)
    _dispatch_waves(sessions, config, gw, t + timedelta(minutes=5), concurrency=8)
    rows = _sends_match_rows(sessions, gw)
    assert sorted(r.subscriber_id for r in rows) == [1, 2, 3, 4, 5, 6, 7]  # all but the 21610
    assert sorted(m.to for m in gw.sent) == sorted(phone(n) for n in range(7))
    with sessions() as s:
        assert s.get(Subscriber, 8).status == OPTED_OUT


def _fail_commit(sessions, which: str, *, times: int, after: bool = False):
    """Make the next ``times`` commits of the ``which`` transaction ("prepare": rows stamped,
    no Message yet; "record": Messages written) fail like a dropped connection; with
    ``after``, the commit goes through and only the answer is lost."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    left = [times]

    def note(session, _context, _instances):
        if any(isinstance(o, Message) for o in session.new):
            session.info["kind"] = "record"
        elif any(isinstance(o, Outbox) and o.body and o.status == "claimed" for o in session.dirty):
            session.info.setdefault("kind", "prepare")

    def maybe_fail(session):
        if left[0] and session.info.get("kind") == which:
            left[0] -= 1
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(sessions, "before_flush", note)
    event.listen(sessions, "after_commit" if after else "before_commit", maybe_fail)
    return left


@pytest.mark.parametrize("which,times,after", [
    ("record", 1, False),  # recorded on the second try
    ("record", 1, True),  # the first try went through: the second finds the rows sent
    ("record", 2, False),  # not recorded: reconcile finds the sends
    ("prepare", 1, False),  # nothing sent: reconcile plans them again
    ("prepare", 1, True),  # stamped but not sent: reconcile finds nothing and plans them again
])
def test_database_error_mid_wave_neither_loses_nor_repeats_a_send(sessions, config, which, times, after):
    from sqlalchemy.exc import DBAPIError

    _subscribers(sessions, 6)
    gw = ConcurrentGateway(together=3)
    _fail_commit(sessions, which, times=times, after=after)
    try:
        res = _dispatch_waves(sessions, config, gw, NINE_NY, concurrency=3)
        raised = False
    except DBAPIError:
        raised = True
    assert raised == (which == "prepare" or times == 2)
    if which == "record" and not raised:
        assert res.sent == 6 and res.database_retries == 1
    assert len(gw.sent) == (0 if which == "prepare" else 3 if raised else 6)
    gw.barrier = None
    t = NINE_NY + timedelta(seconds=config.scheduler.unknown_after_seconds + 1)
    reconcile(sessions, gw, t, config=config)
    _dispatch_waves(sessions, config, gw, t, concurrency=3)
    _dispatch_waves(sessions, config, gw, t + timedelta(minutes=1), concurrency=3)
    rows = _sends_match_rows(sessions, gw)
    assert len(rows) == 6 and sorted(m.to for m in gw.sent) == sorted(phone(n) for n in range(6))


def test_two_rows_of_one_subscriber_never_share_a_wave(sessions, config):
    """The daily cap (and the check-in, and the recommender's cooldown) must see the first
    row's send before the second row is re-checked."""
    from datetime import date

    _subscribers(sessions, 2)
    with sessions() as s:
        s.add(Outbox(subscriber_id=1, local_date=date(2025, 6, 2), slot="nudge", kind="nudge", track="self-care",
                     due_at=NINE_NY, next_attempt_at=NINE_NY, status="planned", attempts=0,
                     created_at=NINE_NY, updated_at=NINE_NY))
        s.commit()
    gw = ConcurrentGateway()
    res = _dispatch_waves(sessions, config, gw, NINE_NY, concurrency=8, max_messages_per_day=1)
    assert (res.sent, res.dropped) == (2, 1)
    assert sorted(m.to for m in gw.sent) == [phone(0), phone(1)]


def test_a_row_whose_turn_comes_in_quiet_hours_is_not_sent(sessions, config):
    """Four rows re-checked at 20:59:59.6 New York; at 4 sends a second the last two would go
    at 21:00:00.1 and .35, inside quiet hours: they are planned again, not sent."""
    _subscribers(sessions, 4, due=utc(2025, 6, 3, 0, 30))  # 20:30 in New York
    at = utc(2025, 6, 3, 0, 59, 59, 600000)  # 20:59:59.6 in New York
    gw = ConcurrentGateway()
    paced = RateLimiter(4, clock=lambda: 0.0, sleep=lambda _s: None)  # slots at +0, +0.25, +0.5, +0.75 s
    res = _dispatch_waves(sessions, config, gw, at, concurrency=4, limiter=paced)
    assert (res.sent, res.deferred) == (2, 2) and len(gw.attempts) == 2
    with sessions() as s:
        waiting = s.scalars(select(Outbox).where(Outbox.status == "planned", Outbox.slot == "daily")).all()
    assert len(waiting) == 2 and all(r.attempts == 0 and "quiet" in r.last_error for r in waiting)
    later = _dispatch_waves(sessions, config, gw, utc(2025, 6, 3, 1, 0, 5), concurrency=4)
    assert later.dropped == 2 and len(gw.attempts) == 2  # quiet until 08:00, past the lateness


def test_a_stop_while_a_row_waits_for_its_turn_is_honoured(sessions, config):
    """Four rows re-checked at once, sent at 4 a second: while the wave waits for its slots,
    every subscriber texts STOP. The row whose slot came at once goes (its check was
    milliseconds before); the three that waited are re-checked, cancelled, never sent."""
    _subscribers(sessions, 4)
    stopped, lock = threading.Event(), threading.Lock()

    def sleep_while_everyone_stops(_seconds):
        with lock:
            if not stopped.is_set():
                with sessions() as s:
                    for sub in s.scalars(select(Subscriber)):
                        sub.status = "opted_out"
                    s.commit()
                stopped.set()

    gw = ConcurrentGateway()
    paced = RateLimiter(4, clock=lambda: 0.0, sleep=sleep_while_everyone_stops)  # slots +0, +0.25, +0.5, +0.75 s
    res = _dispatch_waves(sessions, config, gw, NINE_NY + timedelta(minutes=1), concurrency=4, limiter=paced)
    assert (res.sent, res.cancelled) == (1, 3) and len(gw.sent) == 1
    with sessions() as s:
        withdrawn = s.scalars(select(Outbox).where(Outbox.status == "cancelled")).all()
    assert len(withdrawn) == 3 and all(r.attempts == 0 and "opted out" in r.last_error for r in withdrawn)
    _sends_match_rows(sessions, gw)
