"""Scheduling: planning, dispatch, reconciliation and the periodic jobs.

Per-subscriber timing lives in Mend's own outbox table (see ``planner``); APScheduler only
runs a handful of periodic jobs (see ``jobs``). Every function takes ``now``.
"""

from scheduler.content import ListItem, ListRecommender, Recommends, compose
from scheduler.dispatch import DispatchResult, claim, dispatch
from scheduler.errors import SchedulerError, SimulationError
from scheduler.localtime import is_quiet, local_instant, next_allowed
from scheduler.outbox import advance_delivery, cancel_pending, record_sent, reschedule_pending
from scheduler.pacing import RateLimiter
from scheduler.planner import PlanResult, plan, track_for
from scheduler.reconcile import ReconcileResult, reconcile

__all__ = [
    "plan", "PlanResult", "track_for",
    "dispatch", "claim", "DispatchResult", "RateLimiter",
    "reconcile", "ReconcileResult",
    "cancel_pending", "reschedule_pending", "record_sent", "advance_delivery",
    "compose", "Recommends", "ListRecommender", "ListItem",
    "local_instant", "is_quiet", "next_allowed",
    "SchedulerError", "SimulationError",
]
