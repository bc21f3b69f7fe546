"""Planning one day for 100k subscribers, on SQLite and PostgreSQL.

100k active subscribers are bulk-inserted straight into a fresh database (SQLite file
in a temp folder; a throw-away PostgreSQL schema), spread over world time zones and
daily times, then the real planner (``scheduler.planner.plan``) runs:

- ``full_day``: one run with a 24 h horizon, which inserts every row of the coming day
  (the daily slot and the self-care nudge): the cost of planning a whole day at once;
- ``steady_tick``: one more run at the configured interval (the day is already planned,
  so it inserts nothing): the cost of the periodic planner tick in steady state.

Phone numbers are fictional: +1 NPA 555 01xx for NPA 000..999 (NPAs starting 0 or 1
do not exist at all).

    python -m benchmarks.bench_planning --db sqlite --n 100000
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime

from benchmarks._common import bench_engine, run_per_database

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
         "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Africa/Lagos", "Asia/Kolkata",
         "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland"]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def fictional_number(i: int) -> str:
    """The i-th (0..99 999) fictional number: +1 NPA 555 01xx."""
    if not 0 <= i < 100_000:
        raise ValueError("only 100 000 fictional +1 NPA 555 01xx numbers exist")
    return f"+1{i // 100:03d}55501{i % 100:02d}"


def insert_subscribers(engine, n: int, seed: int = 3) -> float:
    """Bulk-insert ``n`` active subscribers; returns seconds taken."""
    from sqlalchemy import insert

    from storage.models import ACTIVE, Subscriber

    rng = random.Random(seed)
    started = time.perf_counter()
    rows = []
    for i in range(n):
        minute = rng.randrange(8 * 60, 20 * 60 + 31)
        rows.append({
            "phone": fictional_number(i), "status": ACTIVE, "timezone": rng.choice(ZONES),
            "daily_time": f"{minute // 60:02d}:{minute % 60:02d}", "country": "US",
            "consent_at": NOW, "created_at": NOW, "updated_at": NOW,
        })
    with engine.begin() as conn:
        for i in range(0, n, 10_000):
            conn.execute(insert(Subscriber), rows[i:i + 10_000])
    return time.perf_counter() - started


def _case(db: str, n: int) -> dict:
    from sqlalchemy import func, select

    from mend.config import ROOT, load_config
    from scheduler.planner import plan
    from storage import session_factory, upgrade
    from storage.models import Outbox

    config = load_config(ROOT / "config.yaml", env={})
    with bench_engine(db) as engine:
        upgrade(engine)
        insert_seconds = insert_subscribers(engine, n)
        sessions = session_factory(engine)
        day = config.replace(scheduler={"plan_interval_seconds": 12 * 3600})  # horizon: 24 h
        started = time.perf_counter()
        with sessions() as session:
            full = plan(session, NOW, config=day)
        full_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with sessions() as session:
            tick = plan(session, NOW, config=config)
        tick_seconds = time.perf_counter() - started
        with sessions() as session:
            rows = session.scalar(select(func.count()).select_from(Outbox))
        return {
            "db": db, "subscribers": n, "insert_subscribers_seconds": round(insert_seconds, 2),
            "full_day_seconds": round(full_seconds, 2), "full_day_rows_inserted": full.inserted,
            "outbox_rows": rows, "steady_tick_seconds": round(tick_seconds, 2),
            "steady_tick_rows_inserted": tick.inserted,
            "subscribers_per_second": round(n / full_seconds),
        }


def run(n: int = 100_000, cap_seconds: float = 240.0) -> list[dict]:
    return run_per_database(
        "benchmarks.bench_planning", n, cap_seconds,
        lambda res: res.get("full_day_seconds") is not None and res["full_day_seconds"] < 60,
        subscribers=n,
    )

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    if args.db:
        print(json.dumps(_case(args.db, args.n)), flush=True)
    else:
        run(args.n)
