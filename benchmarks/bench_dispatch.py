"""Dispatch throughput of one worker against the fake Twilio, rate limiting off.

A fresh database gets N active subscribers, each with one daily row due a minute ago;
one worker (``scheduler.dispatch.dispatch``) claims, re-checks, composes (the real
recommender over the real corpus), sends through ``TwilioGateway`` (the official twilio
client) to the fake Twilio REST API on 127.0.0.1 in a separate process, and records
every SID. We time the whole drain and count what the fake received. Target: >= 100
messages/s per worker.

    python -m benchmarks.bench_dispatch --db sqlite --n 2000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
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


def _case(db: str, n: int) -> dict:
    from cryptography.fernet import Fernet
    from sqlalchemy import func, select

    from mend.config import ROOT as MEND_ROOT
    from mend.config import load_config
    from mend.errors import MendError
    from recommender.service import load_recommender
    from scheduler.content import ListItem, ListRecommender
    from scheduler.dispatch import RateLimiter, dispatch
    from sms.twilio_gateway import TwilioGateway
    from storage import Cipher, session_factory, upgrade
    from storage.models import SENT, Outbox

    config = load_config(MEND_ROOT / "config.yaml", env={})
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
            received = fake.counts()
        with sessions() as session:
            sent = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == SENT))
        return {"db": db, "recommender": which, "messages": n, "sent": sent, "fake_twilio_received": received["messages"],
                "duplicates": received["messages"] - received["distinct_to"], "batches": batches - 1,
                "seconds": round(seconds, 2), "messages_per_second": round(sent / seconds, 1)}


def run(n: int = 2000, cap_seconds: float = 180.0) -> list[dict]:
    return run_per_database(
        "benchmarks.bench_dispatch", n, cap_seconds,
        lambda res: res.get("messages_per_second", 0) >= 100 and res.get("duplicates") == 0 and res.get("sent") == n,
    )

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"])
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    if args.db:
        print(json.dumps(_case(args.db, args.n)), flush=True)
    else:
        run(args.n)
