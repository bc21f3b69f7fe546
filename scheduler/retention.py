"""Retention: delete journal entries, messages and settled outbox rows past ``retention_days``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from mend.config import Config
from scheduler.outbox import FINAL
from storage.models import JournalEntry, Message, Outbox

__all__ = ["purge_expired", "RetentionResult"]


@dataclass(frozen=True)
class RetentionResult:
    journal_entries: int
    messages: int
    outbox_rows: int


def purge_expired(session: Session, now: datetime, *, config: Config) -> RetentionResult:
    """Delete what is older than ``scheduler.retention_days`` (pending outbox rows are kept). Commits."""
    cutoff = now - timedelta(days=config.scheduler.retention_days)
    journal = session.execute(delete(JournalEntry).where(JournalEntry.created_at < cutoff)).rowcount or 0
    messages = session.execute(delete(Message).where(Message.created_at < cutoff)).rowcount or 0
    outbox = session.execute(
        delete(Outbox).where(Outbox.created_at < cutoff, Outbox.status.in_(sorted(FINAL)))
    ).rowcount or 0
    session.commit()
    return RetentionResult(journal, messages, outbox)
