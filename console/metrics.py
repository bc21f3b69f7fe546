"""Prometheus metrics for `GET /metrics`, one CollectorRegistry per app.

Counts come from the database when scraped (so every worker process reports the same
truth): messages by direction and status, inbound messages by kind, crisis flags by
status, subscribers by status. The recommend latency is a histogram observed in this
process for every ``services.recommender.recommend`` call (see :func:`time_recommendations`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Message, SafetyEvent, Subscriber

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _DatabaseCollector(Collector):
    def __init__(self, sessions: Callable[[], Session]):
        self._sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._sessions() as session:
            by_status = session.execute(
                select(Message.direction, Message.status, func.count()).group_by(Message.direction, Message.status)
            ).all()
            inbound = session.execute(
                select(Message.kind, func.count()).where(Message.direction == "in").group_by(Message.kind)
            ).all()
            flags = session.execute(select(SafetyEvent.status, func.count()).group_by(SafetyEvent.status)).all()
            subs = session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status)).all()
        g = GaugeMetricFamily("mend_messages", "Messages stored, by direction and status.",
                              labels=["direction", "status"])
        for direction, status, n in by_status:
            g.add_metric([direction, status], n)
        yield g
        g = GaugeMetricFamily("mend_inbound_messages", "Inbound messages stored, by kind.", labels=["kind"])
        for kind, n in inbound:
            g.add_metric([kind], n)
        yield g
        g = GaugeMetricFamily("mend_crisis_flags", "Safety events (crisis flags), by review status.",
                              labels=["status"])
        counts = dict(flags)
        for status in ("open", "resolved"):
            g.add_metric([status], counts.get(status, 0))
        yield g
        g = GaugeMetricFamily("mend_subscribers", "Subscribers, by status.", labels=["status"])
        for status, n in subs:
            g.add_metric([status], n)
        yield g


class ConsoleMetrics:
    def __init__(self, sessions: Callable[[], Session]):
        self.registry = CollectorRegistry()
        self.registry.register(_DatabaseCollector(sessions))
        self.recommend_latency = Histogram(
            "mend_recommend_latency_seconds", "Time to rank the corpus for one text.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )

    @contextmanager
    def time_recommend(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.recommend_latency.observe(time.perf_counter() - start)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class TimedRecommender:
    """Wraps the recommender so every ``recommend`` call (SMS replies, daily plans, Try it)
    lands in the latency histograms of the apps that registered one; all else passes through."""

    def __init__(self, inner, histograms: list):
        self._inner = inner
        self._histograms = histograms

    def recommend(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self._inner.recommend(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            for histogram in list(self._histograms):
                histogram.observe(elapsed)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def time_recommendations(services, histogram) -> None:
    """Make ``services.recommender`` report its latency into ``histogram`` (call before first use)."""
    histograms = services.extras.setdefault("recommend_latency_histograms", [])
    histograms.append(histogram)
    if services.extras.get("recommend_timed"):
        return
    services.extras["recommend_timed"] = True
    load = services.recommender_factory
    services.recommender_factory = lambda config: TimedRecommender(load(config), histograms)
