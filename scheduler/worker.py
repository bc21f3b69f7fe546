"""The dispatch worker loop behind `mend worker`: dispatch and reconcile, nothing else.

Run N copies against one PostgreSQL database: ``dispatch`` claims rows with
``FOR UPDATE SKIP LOCKED`` so workers never share a row, and ``reconcile`` settles rows
a crashed worker left ``claimed`` (after ``scheduler.unknown_after_seconds``) by asking
the provider before anything is resent. The loop survives a lost database connection
(the pool reconnects on the next checkout; a claim whose transaction died is rolled
back, a claim that committed is reconciled) and stops when ``stop`` is set.

Sends go out from a pool of ``dispatch_concurrency`` threads that lives as long as the
worker, so the gateway's kept-alive connections are reused from batch to batch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from mend.config import Config
from scheduler.content import Decrypts, Recommends
from scheduler.dispatch import dispatch
from scheduler.pacing import RateLimiter, wave_size
from scheduler.reconcile import reconcile
from sms.gateway import SmsGateway

__all__ = ["run_worker", "WorkerStats"]

log = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    """What one worker did (kept as it goes, for logs and tests)."""

    rounds: int = 0
    sent: int = 0
    reconciled: int = 0
    database_errors: int = 0
    outcomes: dict = field(default_factory=dict)


def run_worker(
    sessions: sessionmaker[Session],
    gateway: SmsGateway,
    *,
    config: Config,
    worker_id: str,
    recommender: Recommends,
    cipher: Decrypts,
    clock: Callable[[], datetime],
    stop: threading.Event,
    limiter: RateLimiter | None = None,
    retry_seconds: float = 1.0,
) -> WorkerStats:
    """Dispatch due rows until ``stop``; reconcile every ``reconcile_interval_seconds``."""
    sched = config.scheduler
    limiter = limiter or RateLimiter(sched.dispatch_rate_per_second)
    stats = WorkerStats()
    size = wave_size(sched.dispatch_concurrency, limiter.rate)
    senders = ThreadPoolExecutor(size, thread_name_prefix=f"dispatch-{worker_id}") if size > 1 else None
    try:
        _loop(sessions, gateway, config=config, worker_id=worker_id, recommender=recommender, cipher=cipher,
              clock=clock, stop=stop, limiter=limiter, senders=senders, retry_seconds=retry_seconds, stats=stats)
    finally:
        if senders is not None:
            senders.shutdown(wait=True)
    return stats


def _loop(sessions, gateway, *, config: Config, worker_id: str, recommender, cipher, clock, stop: threading.Event,
          limiter: RateLimiter, senders, retry_seconds: float, stats: WorkerStats) -> None:
    sched = config.scheduler
    next_reconcile = clock()
    while not stop.is_set():
        now = clock()
        try:
            if now >= next_reconcile:
                settled = reconcile(sessions, gateway, now, config=config)
                stats.reconciled += settled.found + settled.retried + settled.dropped
                next_reconcile = now + timedelta(seconds=sched.reconcile_interval_seconds)
            result = dispatch(sessions, gateway, now, config=config, worker_id=worker_id, recommender=recommender,
                              cipher=cipher, limiter=limiter, clock=clock, senders=senders)
        except DBAPIError as exc:
            stats.database_errors += 1
            log.warning("worker %s: database error (%s); retrying in %.1fs", worker_id,
                        type(getattr(exc, "orig", exc)).__name__, retry_seconds)
            stop.wait(retry_seconds)
            continue
        stats.rounds += 1
        stats.sent += result.sent
        stats.database_errors += result.database_retries  # survived inside dispatch
        for name in ("sent", "retried", "failed", "unknown", "deferred", "dropped", "cancelled"):
            if getattr(result, name):
                stats.outcomes[name] = stats.outcomes.get(name, 0) + getattr(result, name)
        if result.claimed == 0:
            stop.wait(sched.dispatch_interval_seconds)
