"""Faults on PostgreSQL: kill -9, concurrent workers and planners, provider errors, dropped connections.

Real parts throughout: PostgreSQL (a throw-away schema), worker and planner *processes*
running the real dispatcher, reconciler and planner, the official twilio client against
the fake Twilio REST API on 127.0.0.1. Every check counts from the fake Twilio's own
message log:

- zero duplicates: every message the fake accepted is the recorded send of exactly one
  outbox row, and no outbox row has two messages;
- zero lost: every planned row of an active subscriber ends ``sent``;
- zero sends to opted-out numbers.

Quiet hours are switched off (start == end) so the tests do not depend on the hour they
run at; the real clock is used (these are processes), with short retry/reconcile delays.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, select, text

from mend.config import ROOT, build_config
from scheduler.leader import wait_for
from sms.fake_twilio import FakeTwilio
from storage import session_factory, upgrade
from storage.models import ACTIVE, OPTED_OUT, PLANNED, SENT, Outbox, Subscriber

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

CONFIG = {
    "scheduler": {
        "quiet_start": "00:00", "quiet_end": "00:00",  # no quiet hours: independent of the hour
        "unknown_after_seconds": 8, "backoff_base_seconds": 0.1, "max_attempts": 10,
        "dispatch_interval_seconds": 1, "reconcile_interval_seconds": 10, "dispatch_rate_per_second": 200,
        "dispatch_batch": 3, "max_messages_per_day": 20,
    },
}

# One process: a dispatch worker (``worker``) or a planner looping plan() (``planner``).
_PROCESS = textwrap.dedent(
    """
    import json, signal, sys, threading, time
    from datetime import UTC, datetime
    from sqlalchemy import create_engine
    from mend.config import build_config
    from storage import session_factory
    role, spec = sys.argv[1], json.loads(sys.argv[2])
    config = build_config(spec["config"], env={})
    engine = create_engine(spec["url"], pool_pre_ping=True, connect_args={
        "options": "-csearch_path=" + spec["schema"], "application_name": spec["name"]})
    sessions = session_factory(engine)
    clock = lambda: datetime.now(UTC)
    if role == "planner":
        from scheduler.planner import plan
        for _ in range(spec["rounds"]):
            with sessions() as s:
                plan(s, clock(), config=config)
        print("DONE", flush=True)
        sys.exit(0)
    from cryptography.fernet import Fernet
    from scheduler.content import ListItem, ListRecommender
    from scheduler.worker import run_worker
    from sms.twilio_gateway import TwilioGateway
    from storage import Cipher
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    gateway = TwilioGateway(spec["sid"], spec["token"], from_number="+15555550199",
                            base_url=spec["base_url"], timeout=spec.get("timeout", 2.0))
    items = [ListItem("breathe", "self-care", "Four slow breaths, in and out."),
             ListItem("hello", "social", "Send one friend a short hello today.")]
    print("READY", flush=True)
    if spec.get("hold"):  # wait for the go signal, so several workers start at the same moment
        sys.stdin.readline()
    stats = run_worker(sessions, gateway, config=config, worker_id=spec["name"],
                       recommender=ListRecommender(items), cipher=Cipher(Fernet.generate_key()),
                       clock=clock, stop=stop, retry_seconds=0.2)
    print(json.dumps({"sent": stats.sent, "database_errors": stats.database_errors}), flush=True)
    """
)


class Harness:
    """A throw-away schema, a fake Twilio, and helpers to seed, run processes and count."""

    def __init__(self, url: str, fake: FakeTwilio, tmp_path):
        self.url = url
        self.fake = fake
        self.schema = f"f_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(url)
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        self.engine = create_engine(url, connect_args={"options": f"-csearch_path={self.schema}"})
        upgrade(self.engine)
        self.sessions = session_factory(self.engine)
        self.config = build_config(CONFIG, env={})
        self.procs: list[subprocess.Popen] = []
        self.phones: dict[int, str] = {}

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.engine.dispose()
        with self.admin.begin() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE :a"
            ), {"a": f"{self.schema}%"})
            conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.admin.dispose()

    # -- data --------------------------------------------------------------------------
    def seed(self, active: int, opted_out: int, *, with_rows: bool = True, daily_time: str | None = None) -> None:
        """Subscribers on +15555550100.. (active first), each with one daily row due a minute ago."""
        now = datetime.now(UTC)
        due = now - timedelta(minutes=1)
        daily_time = daily_time or (now - timedelta(minutes=20)).strftime("%H:%M")
        subs, rows = [], []
        for n in range(active + opted_out):
            sid = n + 1
            status = ACTIVE if n < active else OPTED_OUT
            self.phones[sid] = f"+155555501{n:02d}"
            subs.append({"id": sid, "phone": self.phones[sid], "status": status, "timezone": "UTC",
                         "daily_time": daily_time, "consent_at": now, "created_at": now, "updated_at": now,
                         "opted_out_at": now if status == OPTED_OUT else None})
            rows.append({"subscriber_id": sid, "local_date": due.date(), "slot": "daily", "kind": "daily",
                         "track": "self-care", "due_at": due, "next_attempt_at": due, "status": PLANNED,
                         "attempts": 0, "created_at": now, "updated_at": now})
        with self.engine.begin() as conn:
            conn.execute(insert(Subscriber), subs)
            if with_rows:
                conn.execute(insert(Outbox), rows)

    # -- processes ---------------------------------------------------------------------
    def start(self, role: str, name: str, **extra) -> subprocess.Popen:
        spec = {"url": self.url, "schema": self.schema, "name": f"{self.schema}-{name}",
                "config": CONFIG, "sid": self.fake.account_sid, "token": self.fake.auth_token,
                "base_url": self.fake.base_url, **extra}
        proc = subprocess.Popen(
            [sys.executable, "-c", _PROCESS, role, json.dumps(spec)], cwd=ROOT, stdout=subprocess.PIPE,
            stdin=subprocess.PIPE if extra.get("hold") else None, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.procs.append(proc)
        if role == "worker":
            assert proc.stdout.readline().strip() == "READY"
        return proc

    def release(self, *procs: subprocess.Popen) -> None:
        """Let workers started with ``hold=True`` go, all at once."""
        for proc in procs:
            proc.stdin.write("go\n")
        for proc in procs:
            proc.stdin.flush()

    def stop(self, proc: subprocess.Popen) -> dict:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {}

    def backends(self, name: str) -> list[int]:
        with self.admin.connect() as conn:
            return list(conn.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = :a"), {"a": f"{self.schema}-{name}"}))

    def cut_connections_in_transaction(self, name: str, *, times: int, within: float) -> int:
        """Terminate the process's database connections while they are inside a transaction
        (a statement running or a transaction open), up to ``times`` times in ``within`` seconds."""
        terminated, deadline = 0, time.monotonic() + within
        while terminated < times and time.monotonic() < deadline:
            with self.admin.begin() as conn:
                terminated += sum(bool(cut) for cut in conn.scalars(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a"
                    " AND (state = 'active' OR state LIKE 'idle in transaction%')"), {"a": f"{self.schema}-{name}"}))
            time.sleep(0.005)
        return terminated

    # -- counting ------------------------------------------------------------------------
    def rows(self) -> list[Outbox]:
        with self.sessions() as session:
            return list(session.scalars(select(Outbox).order_by(Outbox.id)))

    def settled(self) -> bool:
        """Every row of an active subscriber sent, every other row final."""
        with self.sessions() as session:
            statuses = session.execute(select(Subscriber.status, Outbox.status).join(
                Subscriber, Subscriber.id == Outbox.subscriber_id)).all()
        return bool(statuses) and all(o == SENT if s == ACTIVE else o in ("cancelled", "failed", "dropped")
                                      for s, o in statuses)

    def audit(self) -> dict:
        """Counted from the fake Twilio's log against the outbox."""
        with self.sessions() as session:
            subs = {s.id: s for s in session.scalars(select(Subscriber))}
        rows = self.rows()
        messages = self.fake.messages
        by_sid = {r.twilio_sid: r for r in rows if r.twilio_sid}
        per_row = Counter(by_sid[m.sid].id for m in messages if m.sid in by_sid)
        opted_out = {s.phone for s in subs.values() if s.status == OPTED_OUT}
        active_rows = [r for r in rows if subs[r.subscriber_id].status == ACTIVE]
        return {
            "messages": len(messages),
            "stray": sum(m.sid not in by_sid for m in messages),  # a send no row owns: a duplicate
            "duplicates": sum(c - 1 for c in per_row.values() if c > 1),
            "lost": sum(r.status != SENT for r in active_rows),
            "to_opted_out": sum(m.to in opted_out for m in messages),
            "rows": len(rows), "active_rows": len(active_rows),
        }


@pytest.fixture
def fake():
    with FakeTwilio(hang_seconds=4.0) as server:
        yield server


@pytest.fixture
def harness(postgres_url, fake, tmp_path):
    h = Harness(postgres_url, fake, tmp_path)
    yield h
    h.close()


def _assert_clean(audit: dict, expected_messages: int, harness: Harness | None = None) -> None:
    if harness is not None and (audit["stray"] or audit["duplicates"]):
        owned = {r.twilio_sid for r in harness.rows()}
        for m in harness.fake.messages:
            if m.sid not in owned:
                rows = [(r.id, r.status, r.attempts, r.claimed_by, r.last_error) for r in harness.rows()
                        if harness.phones.get(r.subscriber_id) == m.to]
                print(f"stray send at {m.date_created} for rows {rows}")
    assert audit["duplicates"] == 0, audit
    assert audit["stray"] == 0, audit
    assert audit["lost"] == 0, audit
    assert audit["to_opted_out"] == 0, audit
    assert audit["messages"] == expected_messages, audit


def test_kill_9_mid_send_then_reconcile_and_another_worker(harness, fake):
    harness.seed(active=30, opted_out=5)
    fake.inject("hang")  # the first send is recorded by the fake, then its answer never comes
    first = harness.start("worker", "a", timeout=30.0)
    assert wait_for(lambda: any(o == "hang" for _, _, o in fake.calls), timeout=30), "no send reached the fake"
    os.kill(first.pid, signal.SIGKILL)  # mid-send: the request went out, the outcome was never recorded
    first.wait(10)
    in_doubt = [r for r in harness.rows() if r.status == "claimed"]
    assert in_doubt, "kill -9 left nothing claimed: the fault was not mid-dispatch"
    second = harness.start("worker", "b")
    assert wait_for(harness.settled, timeout=60, interval=0.5), harness.audit()
    harness.stop(second)
    audit = harness.audit()
    print(f"kill -9 mid-send: {len(in_doubt)} rows in doubt, audit {audit}")
    _assert_clean(audit, expected_messages=30)


def test_two_workers_and_two_planners_at_once(harness, fake):
    harness.seed(active=60, opted_out=6, with_rows=False)  # the planners make the rows
    planners = [harness.start("planner", f"p{i}", rounds=5) for i in range(2)]
    workers = [harness.start("worker", f"w{i}", hold=True) for i in range(2)]
    harness.release(*workers)  # together: a worker draining everything before the other starts proves nothing
    for proc in planners:
        assert proc.wait(60) == 0
    assert wait_for(harness.settled, timeout=60, interval=0.5), harness.audit()
    stats = [harness.stop(w) for w in workers]
    audit = harness.audit()
    print(f"2 planners + 2 workers: {audit}, per worker {stats}")
    assert audit["active_rows"] >= 60  # one daily row per active subscriber (a nudge may be due too)
    _assert_clean(audit, expected_messages=audit["active_rows"], harness=harness)
    assert all(s["sent"] > 0 for s in stats), f"one worker did all the work: {stats}"


def test_bursts_of_429_and_500_and_a_hang(harness, fake):
    harness.seed(active=25, opted_out=5)
    fake.inject(*(["20429"] * 8 + ["500"] * 6 + ["503"] * 2 + ["hang"] + ["20429"] * 4 + ["500"] * 4))
    worker = harness.start("worker", "a", timeout=1.5)
    assert wait_for(harness.settled, timeout=60, interval=0.5), harness.audit()
    harness.stop(worker)
    outcomes = Counter(o for _, _, o in fake.calls)
    audit = harness.audit()
    print(f"429/500 bursts + hang: provider outcomes {dict(outcomes)}, audit {audit}")
    assert outcomes["20429"] == 12 and outcomes["500"] == 10 and outcomes["hang"] == 1
    _assert_clean(audit, expected_messages=25)


def test_database_connection_dropped_mid_transaction(harness, fake):
    harness.seed(active=40, opted_out=5)
    worker = harness.start("worker", "a")
    # Cut the worker's connections a dozen times while it is inside a transaction, then let it
    # recover. (Cutting at random moments would miss: the worker drains 40 rows in a fraction of
    # a second, and a connection cut while idle in the pool is replaced without an error.)
    terminated = harness.cut_connections_in_transaction("a", times=12, within=5)
    assert wait_for(harness.settled, timeout=60, interval=0.5), harness.audit()
    stats = harness.stop(worker)
    audit = harness.audit()
    print(f"connections terminated: {terminated}, worker {stats}, audit {audit}")
    assert terminated > 0 and stats["database_errors"] > 0, "no connection was dropped mid-work"
    _assert_clean(audit, expected_messages=40)


def test_harness_counts_a_duplicate_when_there_is_one(harness, fake):
    """The audit must be able to fail: a second, unrecorded send to a subscriber is caught."""
    harness.seed(active=3, opted_out=1)
    worker = harness.start("worker", "a")
    assert wait_for(harness.settled, timeout=30, interval=0.3)
    harness.stop(worker)
    from sms.gateway import OutboundSms
    from sms.twilio_gateway import TwilioGateway

    TwilioGateway(fake.account_sid, fake.auth_token, from_number="+15555550199", base_url=fake.base_url).send(
        OutboundSms(to=harness.phones[1], body="a resend nobody recorded"))
    audit = harness.audit()
    assert audit["stray"] == 1 and audit["messages"] == 4



class _SlowBatchGateway:
    """Delegates to the real gateway; just before the ``nth`` send, another worker runs.

    Models a batch whose ``nth`` row is reached long after the batch began (a slow machine,
    a rate limit of ~1 message/s per long code) and is now in flight.
    """

    def __init__(self, inner, nth: int, meanwhile):
        self.inner, self.nth, self.meanwhile, self.calls = inner, nth, meanwhile, 0

    def send(self, message):
        self.calls += 1
        if self.calls == self.nth:
            self.meanwhile()
        return self.inner.send(message)

    def lookup(self, to, since):
        return self.inner.lookup(to, since)


def test_slow_batch_row_in_flight_is_not_resent_by_a_concurrent_reconcile(harness, fake):
    """Row 2 of a batch is reached unknown_after_seconds after the claim (a slow batch at a
    provider's rate limit); while its send is in flight, another worker reconciles. The row
    was stamped when it was prepared, so it is not mistaken for a crashed send."""
    from scheduling_helpers import cipher

    from scheduler.content import ListItem, ListRecommender
    from scheduler.dispatch import dispatch
    from scheduler.pacing import RateLimiter
    from scheduler.reconcile import reconcile
    from sms.twilio_gateway import TwilioGateway

    harness.seed(active=2, opted_out=0)
    real = TwilioGateway(fake.account_sid, fake.auth_token, from_number="+15555550199", base_url=fake.base_url)
    rec = ListRecommender([ListItem("breathe", "self-care", "Four slow breaths, in and out.")])
    t0 = datetime.now(UTC)
    slow = timedelta(seconds=harness.config.scheduler.unknown_after_seconds + 1)
    row_times = iter([t0, t0 + slow])  # worker a's clock as it reaches each row

    def other_worker():
        in_flight = t0 + slow + timedelta(seconds=5)  # row 2's send has taken 5 s so far
        reconcile(harness.sessions, real, in_flight, config=harness.config)
        dispatch(harness.sessions, real, in_flight, config=harness.config, worker_id="b", recommender=rec,
                 cipher=cipher(), limiter=RateLimiter(1000))

    gateway = _SlowBatchGateway(real, nth=2, meanwhile=other_worker)
    dispatch(harness.sessions, gateway, t0, config=harness.config, worker_id="a", recommender=rec,
             cipher=cipher(), limiter=RateLimiter(1000), clock=lambda: next(row_times))
    audit = harness.audit()
    assert audit["messages"] == 2 and audit["stray"] == 0 and audit["duplicates"] == 0, audit


# -- waves: rows re-checked and stamped together, sent concurrently, recorded together ---------------

WAVES = {"scheduler": {**CONFIG["scheduler"], "dispatch_batch": 16, "dispatch_concurrency": 8}}


def test_kill_9_mid_wave_of_concurrent_sends(harness, fake):
    """A wave of 8 goes out at once; 7 answers come back, the 8th hangs, and the worker is
    killed before it records any of them. The 7 sent-but-unrecorded rows and the hung one
    are found by reconcile, not sent again; the rest of the batch goes out once."""
    harness.seed(active=30, opted_out=5)
    fake.inject("hang", to=harness.phones[5])  # in the first wave (rows are claimed in id order)
    first = harness.start("worker", "a", config=WAVES, timeout=30.0)
    assert wait_for(lambda: any(o == "hang" for _, _, o in fake.calls) and len(fake.messages) >= 8, timeout=30)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    in_doubt = [r for r in harness.rows() if r.status == "claimed"]
    at_provider = {m.to for m in fake.messages}
    sent_unrecorded = [r for r in in_doubt if harness.phones[r.subscriber_id] in at_provider]
    assert len(sent_unrecorded) >= 8, f"the kill did not land mid-wave: {len(sent_unrecorded)} sent, unrecorded"
    second = harness.start("worker", "b", config=WAVES)
    assert wait_for(harness.settled, timeout=60, interval=0.5), harness.audit()
    harness.stop(second)
    audit = harness.audit()
    print(f"kill -9 mid-wave: {len(in_doubt)} rows in doubt, {len(sent_unrecorded)} sent but unrecorded, audit {audit}")
    _assert_clean(audit, expected_messages=30, harness=harness)


def test_two_workers_sending_waves_through_provider_faults_and_dropped_connections(harness, fake):
    """Two workers at once, waves of 8, a quarter of the sends failing (429, 500, 503, a reset
    before any answer, a hang after the provider took the message) and one worker's database
    connections cut inside transactions: every message goes exactly once, none to an opted-out
    number, none lost."""
    harness.seed(active=60, opted_out=6)
    fake.set_fault_rate(0.25, seed=11)
    workers = [harness.start("worker", f"w{i}", config=WAVES, hold=True) for i in range(2)]
    harness.release(*workers)
    terminated = harness.cut_connections_in_transaction("w0", times=6, within=5)
    assert wait_for(harness.settled, timeout=90, interval=0.5), harness.audit()
    stats = [harness.stop(w) for w in workers]
    outcomes = Counter(o for _, _, o in fake.calls)
    audit = harness.audit()
    print(f"two workers, waves of 8, faults {dict(outcomes)}, connections cut {terminated}, per worker {stats}, "
          f"audit {audit}")
    assert sum(n for o, n in outcomes.items() if o != "ok") >= 10, f"too few faults to prove anything: {outcomes}"
    assert terminated > 0 and all(s["sent"] > 0 for s in stats), (terminated, stats)
    _assert_clean(audit, expected_messages=60, harness=harness)
