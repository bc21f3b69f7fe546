"""What a planned row says: chosen at send time from the subscriber's freshest journal.

The scheduler asks anything with the recommender's ``recommend`` method (the real
:class:`recommender.Recommender`, or :class:`ListRecommender`, an in-memory one over a
fixed list of items). Journal text is decrypted here, only in memory, and never logged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from mend.config import Config
from storage.models import JournalEntry, Outbox, Recommendation

__all__ = ["Recommends", "Composed", "compose", "ListRecommender", "ListItem", "time_of_day"]


class Recommends(Protocol):
    def recommend(self, journal: Sequence[tuple[datetime, str]], *, now: datetime, top: int = 1,
                  track: str | None = None, kind: str | None = None, time_of_day: str | None = None,
                  recently_sent: Mapping[str, datetime] | None = None) -> list: ...


class Decrypts(Protocol):
    def decrypt(self, token: bytes) -> str: ...


@dataclass(frozen=True)
class Composed:
    body: str
    item_id: str | None
    score: float | None


def time_of_day(local_hour: int) -> str:
    if local_hour < 12:
        return "morning"
    if local_hour < 17:
        return "daytime"
    return "evening"


def compose(session: Session, row: Outbox, *, now: datetime, local_hour: int, config: Config,
            recommender: Recommends, cipher: Decrypts) -> Composed:
    """The text for ``row``: the check-in text, or the recommender's best item for its track."""
    if row.slot == "checkin":
        return Composed(config.safety.checkin_text, None, None)
    entries = session.execute(
        select(JournalEntry.created_at, JournalEntry.text_encrypted)
        .where(JournalEntry.subscriber_id == row.subscriber_id)
        .order_by(JournalEntry.created_at.desc()).limit(config.recommender.history_entries)
    ).all()
    journal = [(created, cipher.decrypt(token)) for created, token in reversed(entries)]
    since = now - timedelta(days=config.recommender.cooldown_days)
    recent: dict[str, datetime] = {}
    for item_id, sent_at in session.execute(
        select(Recommendation.item_id, Recommendation.sent_at)
        .where(Recommendation.subscriber_id == row.subscriber_id, Recommendation.sent_at >= since)
    ):
        recent[item_id] = max(sent_at, recent.get(item_id, sent_at))
    found = recommender.recommend(
        journal, now=now, top=1, track=row.track, time_of_day=time_of_day(local_hour), recently_sent=recent,
    )
    if not found:
        raise LookupError(f"the recommender has no item for track {row.track!r}; check the corpus")
    best = found[0]
    return Composed(best.sms, best.item_id, float(best.score))


@dataclass(frozen=True)
class ListItem:
    item_id: str
    track: str
    sms: str
    kind: str = "exercise"
    theme: str = "general"
    score: float = 0.5
    reason: str = "in-memory item"
    fallback: bool = True


@dataclass
class ListRecommender:
    """An in-memory recommender over a fixed list: the first item of the track not in cooldown.

    Honours the same arguments as the real one (track, recently_sent, cooldown), ignores the
    journal's meaning. Used in tests of the scheduler and wherever no corpus is loaded.
    """

    items: Sequence[ListItem]
    cooldown_days: int = 14

    def recommend(self, journal, *, now, top=1, track=None, kind=None, time_of_day=None, recently_sent=None):
        recent = recently_sent or {}
        cutoff = now - timedelta(days=self.cooldown_days)
        pool = [it for it in self.items if track is None or it.track == track]
        fresh = [it for it in pool if not (it.item_id in recent and recent[it.item_id] > cutoff)]
        chosen = (fresh or pool)[:top]
        return list(chosen)
