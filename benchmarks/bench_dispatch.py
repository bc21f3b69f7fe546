"""Dispatch throughput of one worker against the fake Twilio, rate limiting off.

A fresh database gets N active subscribers, each with one daily row due a minute ago;
one worker (``scheduler.dispatch.dispatch``) claims, re-checks, composes (the real
recommender over the real corpus), sends through ``TwilioGateway`` (the official twilio
client) to the fake Twilio REST API on 127.0.0.1 in a separate process, and records
every SID. We time the whole drain and count what the fake received. Target: >= 100
messages/s per worker.

    python -m benchmarks.bench_dispatch --db sqlite --n 2000
    python -m benchmarks.bench_dispatch --db postgres --n 1000 --concurrency 1 --breakdown

``--concurrency`` overrides ``scheduler.dispatch_concurrency`` (sends in flight at once; 1
sends one at a time). ``--breakdown`` adds where the time went: database statements and
commits (count and seconds, from the engine), the twilio client's sends (seconds summed
over the sending threads, so with concurrency they overlap each other), the recommender,
and the CPU time of the worker process (all its threads), the fake Twilio's process and
the PostgreSQL server processes serving the worker, each per message. Figures swing with
machine load, so the result records the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

from benchmarks._common import ROOT, bench_engine, run_per_database
from benchmarks.bench_planning import fictional_number

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 11:00 in New York: outside quiet hours


class FakeTwilioProcess:
    """The fake Twilio in its own process, so it does not share the worker's GIL."""

    _SCRIPT = (
        "import sys, json, time\n"
        "from sms.fake_twilio import FakeTwilio\n"
        "fake = FakeTwilio(account_sid=sys.argv[1], auth_token=sys.argv[2]).start()\n"
        "print(fake.base_url, flush=True)\n"
        "sys.stdin.readline()\n"
        "msgs = fake.messages\n"
        "print(json.dumps({'messages': len(msgs), 'distinct_to': len({m.to for m in msgs})}), flush=True)\n"
    )

    def __init__(self):
        self.account_sid = "AC" + "b" * 32
        self.auth_token = "bench-token-" + "0" * 20

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self._SCRIPT, self.account_sid, self.auth_token],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.base_url = self.proc.stdout.readline().strip()
        return self

    def counts(self) -> dict:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class _Timer:
    """Calls and seconds of one kind of work, summed over the threads that do it."""

    def __init__(self):
        self.calls, self.seconds = 0, 0.0
        self._lock = threading.Lock()

    def timed(self, fn):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.calls += 1
                    self.seconds += time.perf_counter() - started
        return call


class _TimedGateway:
    def __init__(self, inner, timer: _Timer):
        self.send, self.lookup = timer.timed(inner.send), inner.lookup


class _TimedRecommender:
    def __init__(self, inner, timer: _Timer):
        self.recommend = timer.timed(inner.recommend)


def _time_database(engine) -> tuple[_Timer, _Timer]:
    """Statements (cursor executes) and commits of ``engine``, timed."""
    from sqlalchemy import event

    statements, commits = _Timer(), _Timer()
    started = threading.local()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_):
        started.at = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(*_):
        with statements._lock:
            statements.calls += 1
            statements.seconds += time.perf_counter() - started.at

    engine.dialect.do_commit = commits.timed(engine.dialect.do_commit)
    return statements, commits


def _postgres_backends(engine) -> set[int]:
    """The server processes of ``engine``'s connections from now on (their CPU time is read
    from /proc: the database runs on this machine)."""
    from sqlalchemy import event

    pids: set[int] = set()
    if engine.dialect.name == "postgresql":
        engine.dispose()

        @event.listens_for(engine, "connect")
        def _remember(dbapi_conn, _record):
            with dbapi_conn.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pids.add(cur.fetchone()[0])
    return pids


def _cpu_seconds(pids) -> float:
    """User + system CPU seconds of these processes so far (0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _breakdown(sent: int, seconds: float, cpu: dict[str, float], **timers: _Timer) -> dict:
    per = 1000 / max(sent, 1)
    out = {}
    for name, t in timers.items():
        out[name] = {"calls": t.calls, "seconds": round(t.seconds, 3), "ms_per_message": round(t.seconds * per, 3)}
    out["cpu_ms_per_message"] = {name: round(value * per, 3) for name, value in cpu.items()}
    out["wall_ms_per_message"] = round(seconds * per, 3)
    return out


def _seed(engine, n: int) -> None:
    from sqlalchemy import insert

    from storage.models import ACTIVE, PLANNED, Outbox, Subscriber

    due = NOW - timedelta(minutes=1)
    with engine.begin() as conn:
        conn.execute(insert(Subscriber), [{
            "id": i + 1, "phone": fictional_number(i), "status": ACTIVE, "timezone": "America/New_York",
            "daily_time": "10:59", "country": "US", "consent_at": NOW, "created_at": NOW, "updated_at": NOW,
        } for i in range(n)])
        conn.execute(insert(Outbox), [{
            "subscriber_id": i + 1, "local_date": date(2026, 3, 2), "slot": "daily", "kind": "daily",
            "track": "self-care", "due_at": due, "next_attempt_at": due, "status": PLANNED, "attempts": 0,
            "created_at": NOW, "updated_at": NOW,
        } for i in range(n)])


def _case(db: str, n: int, concurrency: int | None = None, breakdown: bool = False) -> dict:
    from cryptography.fernet import Fernet
    from sqlalchemy import func, select

    from mend.config import ROOT as MEND_ROOT
    from mend.config import load_config
    from mend.errors import MendError
    from recommender.service import load_recommender
    from scheduler.content import ListItem, ListRecommender
    from scheduler.dispatch import dispatch
    from scheduler.pacing import RateLimiter
    from sms.twilio_gateway import TwilioGateway
    from storage import Cipher, session_factory, upgrade
    from storage.models import SENT, Outbox

    config = load_config(MEND_ROOT / "config.yaml", env={})
    if concurrency is not None:
        config = config.replace(scheduler={"dispatch_concurrency": concurrency})
    try:
        recommender, which = load_recommender(config), "corpus"
    except MendError as exc:  # a corpus being edited: measure dispatch itself, say so
        recommender = ListRecommender([ListItem("bench-self-care", "self-care", "Take three slow breaths."),
                                       ListItem("bench-social", "social", "Text a friend hello today.")])
        which = f"in-memory list (corpus not loadable: {str(exc).splitlines()[0]})"
    with bench_engine(db) as engine:
        upgrade(engine)
        _seed(engine, n)
        sessions = session_factory(engine)
        with FakeTwilioProcess() as fake:
            gateway = TwilioGateway(fake.account_sid, fake.auth_token, from_number="+15555550199",
                                    base_url=fake.base_url)
            if breakdown:
                sends, recommends = _Timer(), _Timer()
                gateway, recommender = _TimedGateway(gateway, sends), _TimedRecommender(recommender, recommends)
                statements, commits = _time_database(engine)
                backends = _postgres_backends(engine)
                cpu_before = (time.process_time(), _cpu_seconds([fake.proc.pid]))
            unlimited = RateLimiter(1e9)
            started = time.perf_counter()
            batches = 0
            while True:
                result = dispatch(sessions, gateway, NOW, config=config, worker_id="bench-worker",
                                  recommender=recommender, cipher=Cipher(Fernet.generate_key()),
                                  limiter=unlimited)
                batches += 1
                if result.claimed == 0:
                    break
            seconds = time.perf_counter() - started
            if breakdown:
                cpu = {"worker": time.process_time() - cpu_before[0],
                       "fake_twilio": _cpu_seconds([fake.proc.pid]) - cpu_before[1],
                       "postgres_backends": _cpu_seconds(backends)}
            received = fake.counts()
        with sessions() as session:
            sent = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == SENT))
        result = {"db": db, "recommender": which, "concurrency": config.scheduler.dispatch_concurrency,
                  "messages": n, "sent": sent, "fake_twilio_received": received["messages"],
                  "duplicates": received["messages"] - received["distinct_to"], "batches": batches - 1,
                  "seconds": round(seconds, 2), "messages_per_second": round(sent / seconds, 1),
                  "load_average": [round(x, 2) for x in os.getloadavg()]}
        if breakdown:
            result["breakdown"] = _breakdown(sent, seconds, cpu, db_statements=statements, db_commits=commits,
                                             twilio_sends=sends, recommender=recommends)
        return result


def run(n: int = 2000, cap_seconds: float = 180.0) -> list[dict]:
    return run_per_database(
        "benchmarks.bench_dispatch", n, cap_seconds,
        lambda res: res.get("messages_per_second", 0) >= 100 and res.get("duplicates") == 0 and res.get("sent") == n,
    )

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, help="override scheduler.dispatch_concurrency")
    parser.add_argument("--breakdown", action="store_true", help="time database, twilio client and recommender")
    args = parser.parse_args()
    if args.db:
        print(json.dumps(_case(args.db, args.n, args.concurrency, args.breakdown)), flush=True)
    else:
        run(args.n)
