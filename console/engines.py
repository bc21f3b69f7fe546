"""The console's handles on the recommender and the safety screener.

Both come from ``services`` (loaded once, on first use, and shared with the SMS path), so
the console ranks and screens with exactly what subscribers get.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from mend.services import Services
from recommender import Suggestion


def recommender(services: Services):
    return services.recommender


def screener(services: Services):
    return services.screener


@dataclass(frozen=True)
class TryResult:
    text_chars: int
    crisis: bool
    category: str | None
    safety_score: float | None
    safety_reasons: tuple[str, ...]
    crisis_reply: str | None  # shown instead of items when crisis
    items: tuple[Suggestion, ...]
    latency_ms: float | None


def crisis_reply(services: Services, country: str = "US") -> str:
    from safety import crisis_reply as reply_for

    return reply_for(services.config, country)


def try_text(services: Services, text: str, now: datetime, top: int = 5) -> TryResult:
    """What Mend would do with ``text``: the safety verdict first, then ranked items (none on crisis)."""
    verdict = screener(services).screen(text)
    reasons = tuple(str(r) for r in getattr(verdict, "reasons", ()) or ())
    if verdict.crisis:
        return TryResult(len(text), True, verdict.category, verdict.score, reasons, crisis_reply(services), (), None)
    rec = recommender(services)
    start = time.perf_counter()
    suggestions = rec.recommend([(now, text)], now=now, top=top)  # timed into /metrics by the wrapper
    latency = (time.perf_counter() - start) * 1000
    items = tuple(suggestions)
    return TryResult(len(text), False, verdict.category, verdict.score, reasons, None, items, latency)
