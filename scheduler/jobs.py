"""Mend's periodic jobs, registered with APScheduler 3.x.

APScheduler runs four interval jobs, whatever the number of subscribers: plan, dispatch,
reconcile and retention. Each is a plain function over the service functions
(:func:`scheduler.planner.plan`, :func:`scheduler.dispatch.dispatch`, ...) called with
``services.clock()``, so tests call them directly without a scheduler running.

Why not one APScheduler job per subscriber: it does not scale (100k jobs in the job store,
each loaded, locked and rescheduled by APScheduler itself), and APScheduler 3.11.3's
CronTrigger mishandles daylight-saving changes (a daily 00:30 America/New_York job never
fires on 2025-03-10; a 01:30 job fires twice on 2025-11-02). Per-subscriber timing lives in
Mend's outbox instead, computed with zoneinfo (:mod:`scheduler.localtime`).

The jobs are idempotent, so ``coalesce=True`` (a backlog of missed runs runs once),
``max_instances=1`` (a slow run is never overlapped by the next), and
``misfire_grace_time=scheduler.misfire_grace_seconds``; missed daily messages themselves are
caught up by the planner within ``max_lateness_minutes``, not by APScheduler's misfire
handling. Jobs live in ``SQLAlchemyJobStore`` in Mend's own database (table
``apscheduler_jobs``), added with ``replace_existing=True`` so a restart does not duplicate
them. A stored job refers to its function by name, so the functions take no arguments and
find the running :class:`~mend.services.Services` through :func:`start_scheduler`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from mend.services import Services
from scheduler.dispatch import dispatch
from scheduler.planner import plan
from scheduler.reconcile import reconcile
from scheduler.retention import purge_expired

log = logging.getLogger(__name__)

__all__ = [
    "run_plan", "run_dispatch", "run_reconcile", "run_retention", "build_scheduler", "start_scheduler",
    "JOB_IDS", "JOBSTORE_TABLE",
]

JOBSTORE_TABLE = "apscheduler_jobs"
JOB_IDS = ("mend-plan", "mend-dispatch", "mend-reconcile", "mend-retention")
_current: dict[str, Services] = {}
_lock = threading.Lock()


def _services() -> Services:
    try:
        return _current["services"]
    except KeyError:
        raise RuntimeError("no Services registered: call start_scheduler(services) first") from None


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_plan(services: Services | None = None):
    s = services or _services()
    with s.sessions() as session:
        result = plan(session, s.clock(), config=s.config)
    log.info("planned %s new rows for %s subscribers", result.inserted, result.subscribers)
    return result


def run_dispatch(services: Services | None = None):
    s = services or _services()
    return dispatch(s.sessions, s.gateway, s.clock(), config=s.config, worker_id=_worker_id(),
                    recommender=s.recommender, cipher=s.cipher, clock=s.clock)


def run_reconcile(services: Services | None = None):
    s = services or _services()
    return reconcile(s.sessions, s.gateway, s.clock(), config=s.config)


def run_retention(services: Services | None = None):
    s = services or _services()
    with s.sessions() as session:
        return purge_expired(session, s.clock(), config=s.config)


def build_scheduler(services: Services, *, blocking: bool = False):
    """An APScheduler scheduler with Mend's four jobs in the SQLAlchemy job store (not started)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cfg = services.config.scheduler
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        jobstores={"default": SQLAlchemyJobStore(engine=services.engine, tablename=JOBSTORE_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": cfg.misfire_grace_seconds},
        timezone="UTC",
    )
    every = {
        "mend-plan": (run_plan, cfg.plan_interval_seconds),
        "mend-dispatch": (run_dispatch, cfg.dispatch_interval_seconds),
        "mend-reconcile": (run_reconcile, cfg.reconcile_interval_seconds),
        "mend-retention": (run_retention, 24 * 3600),
    }
    for job_id, (func, seconds) in every.items():
        scheduler.add_job(func, "interval", seconds=seconds, id=job_id, name=job_id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=cfg.misfire_grace_seconds)
    return scheduler


def start_scheduler(services: Services, *, blocking: bool = False):
    """Register ``services`` for the jobs and start the scheduler (``mend serve``: in the background)."""
    with _lock:
        _current["services"] = services
    scheduler = build_scheduler(services, blocking=blocking)
    log.info("scheduler starting: jobs %s", ", ".join(JOB_IDS))
    scheduler.start()
    return scheduler
