"""The dispatch worker loop behind `mend worker`: dispatch and reconcile, nothing else.

Run N copies against one PostgreSQL database: ``dispatch`` claims rows with
``FOR UPDATE SKIP LOCKED`` so workers never share a row, and ``reconcile`` settles rows
a crashed worker left ``claimed`` (after ``scheduler.unknown_after_seconds``) by asking
the provider before anything is resent. The loop survives a lost database connection
(the pool reconnects on the next checkout; a claim whose transaction died is rolled
back, a claim that committed is reconciled) and stops when ``stop`` is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from mend.config import Config
from scheduler.content import Decrypts, Recommends
from scheduler.dispatch import RateLimiter, dispatch
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
    next_reconcile = clock()
    while not stop.is_set():
        now = clock()
        try:
            if now >= next_reconcile:
                settled = reconcile(sessions, gateway, now, config=config)
                stats.reconciled += settled.found + settled.retried + settled.dropped
                next_reconcile = now + timedelta(seconds=sched.reconcile_interval_seconds)
            result = dispatch(sessions, gateway, now, config=config, worker_id=worker_id,
                              recommender=recommender, cipher=cipher, limiter=limiter, clock=clock)
        except DBAPIError as exc:
            stats.database_errors += 1
            log.warning("worker %s: database error (%s); retrying in %.1fs", worker_id,
                        type(getattr(exc, "orig", exc)).__name__, retry_seconds)
            stop.wait(retry_seconds)
            continue
        stats.rounds += 1
        stats.sent += result.sent
        for name in ("sent", "retried", "failed", "unknown", "deferred", "dropped", "cancelled"):
            if getattr(result, name):
                stats.outcomes[name] = stats.outcomes.get(name, 0) + getattr(result, name)
        if result.claimed == 0:
            stop.wait(sched.dispatch_interval_seconds)
    return stats
