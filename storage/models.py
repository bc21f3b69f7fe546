"""Mend's tables, as SQLAlchemy 2.x typed models.

All timestamps are timezone-aware UTC (``UtcDateTime``). Journal text and inbound
message bodies are stored encrypted (``*_encrypted`` columns hold Fernet tokens);
outbound bodies come from the corpus or fixed templates and are stored in clear.

The schema is created by Alembic migrations in ``storage/migrations``; a test checks
that the migrations and these models agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """A DateTime that always comes back timezone-aware in UTC (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


# Subscriber.status
PENDING = "pending"  # texted us, consent requested, not yet confirmed
ACTIVE = "active"
OPTED_OUT = "opted_out"

# Outbox.status
PLANNED = "planned"  # waiting for due_at / next_attempt_at
CLAIMED = "claimed"  # a dispatcher owns it and is about to call the gateway
SENT = "sent"  # the gateway accepted it (has a SID)
FAILED = "failed"  # permanent failure or attempts exhausted
CANCELLED = "cancelled"  # opt-out, pause, FORGET or superseded
DROPPED = "dropped"  # too late (past max lateness) or over the daily cap
UNKNOWN = "unknown"  # outcome unknown: must be reconciled, never resent blindly


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    daily_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", local
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    pause_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)  # user | crisis
    checkin_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    consent_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    forget_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    journal: Mapped[list[JournalEntry]] = relationship(back_populates="subscriber", cascade="all, delete-orphan")


class JournalEntry(Base):
    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    text_encrypted: Mapped[bytes] = mapped_column(LargeBinary)

    subscriber: Mapped[Subscriber] = relationship(back_populates="journal")


class Message(Base):
    """Every SMS in or out. Inbound bodies are encrypted; outbound ones are not sensitive."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_subscriber_created", "subscriber_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=True
    )
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    phone: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))  # out: daily|nudge|reply|checkin|crisis|system; in: text kind
    body: Mapped[str | None] = mapped_column(Text, nullable=True)  # outbound only
    body_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # inbound only
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # received | queued | sent | delivered | undelivered | failed
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), nullable=True)
    # out: the inbound message this answers (so a retried webhook gets the same reply back)
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Outbox(Base):
    """A planned outbound message. (subscriber, local_date, slot) is unique: planning twice
    (after a restart, or from two processes) cannot create a second one."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "local_date", "slot", name="uq_outbox_subscriber_day_slot"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(16))  # daily | nudge | checkin | more
    kind: Mapped[str] = mapped_column(String(16))  # daily | nudge | checkin | reply | system
    track: Mapped[str | None] = mapped_column(String(16), nullable=True)  # self-care | social
    item_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default=PLANNED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Recommendation(Base):
    """An item sent to a subscriber, and their rating of it."""

    __tablename__ = "recommendations"
    __table_args__ = (Index("ix_recommendations_subscriber_sent", "subscriber_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily | nudge | reply | more
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), nullable=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), nullable=True)
    feedback: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1..5 (thumbs up 5, down 1)
    feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    replied: Mapped[bool] = mapped_column(Boolean, default=False)


class SafetyEvent(Base):
    """A message flagged as crisis, queued for operator review."""

    __tablename__ = "safety_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL"), nullable=True
    )
    phone: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON)
    text_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | resolved
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class EvalRun(Base):
    """One `mend corpus eval` run, kept so operators can see how metrics moved."""

    __tablename__ = "eval_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    corpus_hash: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict] = mapped_column(JSON)


class Lease(Base):
    """Named leases (e.g. the SQLite single-writer dispatcher); PostgreSQL uses advisory locks."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fencing: Mapped[int] = mapped_column(BigInteger, default=0)
