"""The naive design, for comparison: one APScheduler 3.x cron job per subscriber.

Each subscriber gets ``CronTrigger(hour, minute, timezone=their zone)``; we time adding
all jobs plus ``scheduler.start()`` and measure the process's RSS growth, in a fresh
subprocess per case (so one case's memory does not leak into the next), for a
``MemoryJobStore`` and a ``SQLAlchemyJobStore`` on a SQLite file, at 10k and 100k
subscribers. A case past its time cap is killed and reported with how far it got.

Run one case: ``python -m benchmarks.bench_naive_apscheduler --store memory --n 10000``.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from benchmarks._common import proc_status_kb, run_case

ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin",
         "Asia/Kolkata", "Australia/Sydney", "America/Chicago", "Asia/Tokyo"]


def send_daily(subscriber_id: int) -> None:
    """The per-subscriber job (never runs during the benchmark)."""


def _case(store: str, n: int, seed: int = 7) -> dict:
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    from benchmarks.bench_naive_apscheduler import (
        send_daily as job,  # importable, as a real job must be
    )

    rng = random.Random(seed)
    tmp = tempfile.TemporaryDirectory()
    if store == "sqlite":
        jobstore = SQLAlchemyJobStore(url=f"sqlite:///{Path(tmp.name) / 'jobs.db'}")
    else:
        jobstore = MemoryJobStore()
    scheduler = BackgroundScheduler(jobstores={"default": jobstore}, timezone="UTC")
    rss_before = proc_status_kb("VmRSS")
    started = time.perf_counter()
    scheduler.start(paused=True)  # paused: jobs are stored, none fires during the measurement
    for i in range(n):
        trigger = CronTrigger(hour=rng.randrange(8, 21), minute=rng.randrange(60), timezone=rng.choice(ZONES))
        scheduler.add_job(job, trigger, args=(i,), id=f"sub-{i}", misfire_grace_time=3600, coalesce=True)
        if i and i % 5000 == 0:
            print(json.dumps({"progress": i, "elapsed_seconds": round(time.perf_counter() - started, 2)}),
                  flush=True)
    scheduler.resume()
    seconds = time.perf_counter() - started
    rss_after = proc_status_kb("VmRSS")
    jobs = len(scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    tmp.cleanup()
    return {"store": store, "subscribers": n, "jobs": jobs, "startup_seconds": round(seconds, 2),
            "rss_delta_mb": round((rss_after - rss_before) / 1024, 1)}


def run(sizes=(10_000, 100_000), cap_seconds: float = 180.0) -> list[dict]:
    """Every (store, size) case in its own subprocess, each capped at ``cap_seconds``."""
    results = []
    for store in ("memory", "sqlite"):
        for n in sizes:
            res = run_case("benchmarks.bench_naive_apscheduler", ["--store", store, "--n", str(n)], cap_seconds)
            res.setdefault("store", store)
            res.setdefault("subscribers", n)
            if res.get("timed_out") and res.get("progress"):
                rate = res["progress"] / max(res["elapsed_seconds"], 1e-9)
                res["extrapolated_startup_seconds"] = round(n / rate, 1)
            results.append(res)
            print(json.dumps(res), flush=True)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["memory", "sqlite"])
    parser.add_argument("--n", type=int)
    parser.add_argument("--cap", type=float, default=180.0)
    args = parser.parse_args()
    if args.store:
        print(json.dumps(_case(args.store, args.n)), flush=True)
    else:
        run(cap_seconds=args.cap)
