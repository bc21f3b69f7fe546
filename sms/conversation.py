"""The whole SMS conversation as one service function: :func:`handle_inbound`.

The webhook and `mend sms simulate` are thin shells over it. One inbound text, in one
transaction:

1. A MessageSid seen before returns the reply stored for it, doing nothing again
   (Twilio retries webhooks).
2. The text is recorded (body encrypted) and parsed for a keyword (:mod:`sms.keywords`).
3. Free text (not a keyword) from anyone is screened for crisis language FIRST. A crisis
   gets the crisis reply at once, whoever sent it (even an opted-out number); the
   subscriber's suggestions pause for ``safety.crisis_pause_hours``; a SafetyEvent (text
   encrypted) goes to the review queue; never a tip.
4. Otherwise, by the sender's state:

   - unknown number: a consent request (double opt-in); STOP and HELP are answered too.
   - pending: YES/START confirms and gets the welcome; anything else a reminder.
   - opted out: only START/YES/UNSTOP (re-join) and HELP are answered.
   - active: STOP, HELP, TIME, TZ, PAUSE, RESUME, MORE, ratings, FORGET, and journal
     entries (stored encrypted, answered with one tailored suggestion).

5. Every reply is recorded in ``messages`` (linked to the inbound text) and returned as a
   :class:`Reply`; the caller delivers it (TwiML in the webhook, printed by the CLI).

The daily cap (``scheduler.max_messages_per_day``) counts replies: a journal entry or MORE
at the cap is stored and answered with nothing. Crisis, STOP, HELP, consent and command
confirmations always go.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezones
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mend.config import parse_hhmm
from scheduler.localtime import is_quiet, local_date
from scheduler.outbox import cancel_pending, local_day_bounds, reschedule_pending
from sms import replies
from sms.errors import InboundError, mask_phone
from sms.keywords import Command, parse
from sms.segments import count_segments
from storage import IMMEDIATE_WRITE
from storage.models import (
    ACTIVE,
    CLAIMED,
    OPTED_OUT,
    PENDING,
    JournalEntry,
    Message,
    Outbox,
    Recommendation,
    SafetyEvent,
    Subscriber,
)

__all__ = ["Reply", "handle_inbound", "normalise_phone", "FORGET_WINDOW", "INDEFINITE_PAUSE"]

log = logging.getLogger(__name__)

FORGET_WINDOW = timedelta(minutes=15)  # how long a FORGET waits for its confirmation
INDEFINITE_PAUSE = timedelta(days=365)  # PAUSE without a number lasts until RESUME (or a year)

# Outbound Message.kind values used here.
REPLY, CRISIS, SYSTEM = "reply", "crisis", "system"


@dataclass(frozen=True)
class Reply:
    """What to send back: ``texts`` in order, each with its outbound kind (reply|crisis|system).

    ``kind`` names the inbound text for logs: start|stop|help|time|tz|pause|resume|more|rating|
    forget|forget-confirm|journal|crisis. ``duplicate`` is True when the MessageSid was seen
    before and nothing was done.
    """

    texts: tuple[str, ...]
    kind: str
    out_kinds: tuple[str, ...] = ()
    duplicate: bool = False


def normalise_phone(phone: str) -> str:
    """E.164 for a sender's number, or :class:`InboundError`."""
    try:
        number = phonenumbers.parse(str(phone or "").strip(), None)
    except phonenumbers.NumberParseException as exc:
        raise InboundError(f"not a phone number in E.164 form (+<country><number>): {mask_phone(phone)}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InboundError(f"not a possible phone number: {mask_phone(phone)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _country(phone: str) -> str | None:
    number = phonenumbers.parse(phone, None)
    return phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code
    )


def infer_timezone(phone: str, default: str) -> str:
    """The zone of a number when phonenumbers knows exactly one, else ``default``."""
    zones = phone_timezones.time_zones_for_number(phonenumbers.parse(phone, None))
    if len(zones) == 1 and zones[0] != "Etc/Unknown":
        return zones[0]
    return default


# -- the entry point ------------------------------------------------------------------------

def handle_inbound(services, *, phone: str, body: str, message_sid: str, now: datetime) -> Reply:
    """Handle one inbound text from ``phone`` and return the reply (see the module doc)."""
    if not message_sid or len(message_sid) > 64:
        raise InboundError("a MessageSid (up to 64 characters) is required")
    phone = normalise_phone(phone)
    body = body if isinstance(body, str) else ""
    verdict = _prescreen(services, body, now)
    for attempt in range(2):
        try:
            with services.write_gate, services.sessions.begin() as session:
                session.connection(execution_options=IMMEDIATE_WRITE)
                return _Turn(services, session, phone, body, message_sid, now, verdict).run()
        except IntegrityError:
            # A concurrent retry of the same MessageSid, or two first texts from a new number:
            # the other transaction won; replay its reply or run once more against its result.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _prescreen(services, body: str, now: datetime):
    """For free text: the screen's verdict, with the model work done before the transaction.

    The embedding model is the slow part of a turn, so it runs here, outside the database
    transaction (on SQLite that transaction holds the one write lock): the text is
    screened, and the recommender's embeddings of it are made and remembered by the
    embedder, so the turn itself does no model work. A text the turn reads as a command
    after all (a FORGET confirmation) just wasted a screen. None for commands.
    """
    if parse(body).kind != "journal":
        return None
    verdict = _screen(services, body)
    if not verdict.crisis and services.config.sms.reply_with_suggestion:
        try:
            services.recommender.prepare(body, now=now)
        except Exception as exc:  # the turn replies without a suggestion if this fails again
            log.error("recommender failed (%s) while embedding a journal text", type(exc).__name__)
    return verdict


def _screen(services, body: str):
    try:
        return services.screener.screen(body)
    except Exception as exc:  # the screener must never stop a crisis reply
        log.error("screener failed (%s); treating the text as a crisis", type(exc).__name__)
        from safety import FAILSAFE

        return FAILSAFE


class _Turn:
    """One inbound text, handled inside ``session``'s transaction."""

    def __init__(self, services, session: Session, phone: str, body: str, sid: str, now: datetime,
                 verdict=None):
        self.services = services
        self.config = services.config
        self.session = session
        self.phone = phone
        self.body = body
        self.sid = sid
        self.now = now
        self.out: list[tuple[str, str]] = []  # (text, outbound kind)
        self.recommendation: Recommendation | None = None  # the suggestion in this reply, if any
        self.verdict = verdict  # the screen's verdict when it ran before the transaction

    # -- plumbing -----------------------------------------------------------------------
    def run(self) -> Reply:
        seen = self.session.scalar(select(Message).where(Message.twilio_sid == self.sid, Message.direction == "in"))
        if seen is not None:
            return self._replay(seen)
        sub = self.session.scalar(select(Subscriber).where(Subscriber.phone == self.phone))
        awaiting = bool(sub and sub.forget_requested_at and self.now - sub.forget_requested_at <= FORGET_WINDOW)
        cmd = parse(self.body, awaiting_forget=awaiting)
        inbound = Message(
            subscriber_id=sub.id if sub else None, direction="in", phone=self.phone, kind=cmd.kind,
            body_encrypted=self.services.cipher.encrypt(self.body), twilio_sid=self.sid, status="received",
            created_at=self.now, updated_at=self.now,
        )
        self.session.add(inbound)
        self.session.flush()
        kind = self._dispatch(sub, cmd)
        sub = self.session.scalar(select(Subscriber).where(Subscriber.phone == self.phone))
        inbound.kind = kind
        if inbound.subscriber_id is None and sub is not None and kind != "forget-confirm":
            inbound.subscriber_id = sub.id
        for text, out_kind in self.out:
            msg = Message(
                subscriber_id=sub.id if sub and kind != "forget-confirm" else None, direction="out",
                phone=self.phone, kind=out_kind, body=text, status="queued", in_reply_to_id=inbound.id,
                created_at=self.now, updated_at=self.now,
            )
            self.session.add(msg)
            if out_kind == REPLY and self.recommendation is not None:
                self.session.flush()
                self.recommendation.message_id = msg.id
        self.session.flush()
        log.info("inbound %s from %s: %s, %d repl%s", self.sid, mask_phone(self.phone), kind,
                 len(self.out), "y" if len(self.out) == 1 else "ies")
        return Reply(tuple(t for t, _ in self.out), kind, tuple(k for _, k in self.out))

    def _replay(self, inbound: Message) -> Reply:
        rows = self.session.scalars(
            select(Message).where(Message.in_reply_to_id == inbound.id).order_by(Message.id)
        ).all()
        log.info("inbound %s from %s: repeated MessageSid, replaying", self.sid, mask_phone(self.phone))
        return Reply(tuple(r.body for r in rows), inbound.kind, tuple(r.kind for r in rows), duplicate=True)

    def say(self, text: str, kind: str = SYSTEM) -> None:
        self.out.append((text, kind))

    # -- routing ------------------------------------------------------------------------
    def _dispatch(self, sub: Subscriber | None, cmd: Command) -> str:
        if cmd.kind == "journal":
            verdict = self._screen()
            if verdict.crisis:
                self._crisis(sub, verdict)
                return "crisis"
        if cmd.kind == "stop":
            self._stop(sub)
            return "stop"
        if cmd.kind == "help":
            self.say(replies.help_text(self.config))
            return "help"
        if sub is None:
            sub = self._new_subscriber()
            self.say(replies.consent(self.config))
            return cmd.kind
        if sub.status == OPTED_OUT:
            if cmd.kind == "start":
                self._activate(sub, back=True)
            return cmd.kind
        if cmd.kind in ("forget", "forget-confirm"):
            getattr(self, "_" + cmd.kind.replace("-", "_"))(sub)
            return cmd.kind
        if sub.status == PENDING:
            if cmd.kind == "start":
                self._activate(sub, back=False)
            else:
                self.say(replies.pending_reminder(self.config))
            return cmd.kind
        handler = getattr(self, "_" + cmd.kind)
        handler(sub, *cmd.args)
        return cmd.kind

    # -- the safety screen --------------------------------------------------------------
    def _screen(self):
        return self.verdict if self.verdict is not None else _screen(self.services, self.body)

    def _crisis(self, sub: Subscriber | None, verdict) -> None:
        from safety import crisis_reply

        self.session.add(SafetyEvent(
            subscriber_id=sub.id if sub else None, phone=self.phone, category=verdict.category or "unknown",
            score=float(verdict.score), reasons=list(verdict.reasons),
            text_encrypted=self.services.cipher.encrypt(self.body), status="open", created_at=self.now,
        ))
        if sub is not None and sub.status != OPTED_OUT:
            until = self.now + timedelta(hours=self.config.safety.crisis_pause_hours)
            if sub.paused_until is None or sub.paused_until < until:
                sub.paused_until = until
            sub.pause_reason = "crisis"
            sub.checkin_sent_at = None
            sub.updated_at = self.now
            cancel_pending(self.session, sub.id, self.now, reason="crisis")
        log.warning("crisis text from %s (%s), reply sent, queued for review", mask_phone(self.phone),
                    verdict.category)
        self.say(crisis_reply(self.config, _country(self.phone)), CRISIS)

    # -- subscription -------------------------------------------------------------------
    def _new_subscriber(self) -> Subscriber:
        sub = Subscriber(
            phone=self.phone, status=PENDING, country=_country(self.phone),
            timezone=infer_timezone(self.phone, self.config.sms.default_timezone),
            daily_time=self.config.sms.default_daily_time, consent_requested_at=self.now,
            created_at=self.now, updated_at=self.now,
        )
        self.session.add(sub)
        self.session.flush()
        return sub

    def _activate(self, sub: Subscriber, *, back: bool) -> None:
        sub.status = ACTIVE
        sub.consent_at = self.now
        sub.opted_out_at = None
        sub.updated_at = self.now
        text = replies.welcome_back if back else replies.welcome
        self.say(text(self.config, sub.daily_time, sub.timezone))

    def _start(self, sub: Subscriber) -> None:  # already active
        self.say(replies.already_subscribed(self.config, sub.daily_time, sub.timezone))

    def _stop(self, sub: Subscriber | None) -> None:
        if sub is None:
            sub = self._new_subscriber()
        sub.status = OPTED_OUT
        sub.opted_out_at = self.now
        sub.forget_requested_at = None
        sub.updated_at = self.now
        cancel_pending(self.session, sub.id, self.now, reason="opted out")
        self.say(replies.stopped(self.config))

    # -- settings -----------------------------------------------------------------------
    def _time(self, sub: Subscriber, at=None) -> None:
        if at is None:
            self.say(replies.time_usage(self.config))
            return
        cfg = self.config.scheduler
        if is_quiet(at, parse_hhmm(cfg.quiet_start), parse_hhmm(cfg.quiet_end)):
            self.say(replies.time_quiet(self.config, at))
            return
        sub.daily_time = f"{at.hour:02d}:{at.minute:02d}"
        sub.updated_at = self.now
        self.session.flush()
        reschedule_pending(self.session, sub, self.now)
        self.say(replies.time_set(sub.daily_time, sub.timezone))

    def _tz(self, sub: Subscriber, zone=None) -> None:
        if zone is None:
            self.say(replies.tz_usage())
            return
        sub.timezone = zone
        sub.updated_at = self.now
        self.session.flush()
        reschedule_pending(self.session, sub, self.now)
        self.say(replies.tz_set(sub.daily_time, sub.timezone))

    def _pause(self, sub: Subscriber, days=None) -> None:
        until = self.now + (timedelta(days=days) if days else INDEFINITE_PAUSE)
        if sub.pause_reason == "crisis" and sub.paused_until and sub.paused_until > until:
            until = sub.paused_until  # a longer crisis pause stands
        else:
            sub.pause_reason = "user"
        sub.paused_until = until
        sub.updated_at = self.now
        cancel_pending(self.session, sub.id, self.now, reason="paused")
        self.say(replies.paused(days))

    def _resume(self, sub: Subscriber) -> None:
        if sub.paused_until is None or sub.paused_until <= self.now:
            self.say(replies.not_paused(sub.daily_time, sub.timezone))
            return
        sub.paused_until = None
        sub.pause_reason = None
        sub.updated_at = self.now
        self.say(replies.resumed(sub.daily_time, sub.timezone))

    # -- feedback -----------------------------------------------------------------------
    def _rating(self, sub: Subscriber, score: int) -> None:
        since = self.now - timedelta(hours=self.config.sms.rating_window_hours)
        rec = self.session.scalar(
            select(Recommendation)
            .where(Recommendation.subscriber_id == sub.id, Recommendation.sent_at >= since,
                   Recommendation.sent_at <= self.now)
            .order_by(Recommendation.sent_at.desc(), Recommendation.id.desc()).limit(1)
        )
        if rec is None:
            self.say(replies.rating_nothing())
            return
        rec.feedback = score
        rec.feedback_at = self.now
        self.say(replies.rating_thanks(score))

    # -- FORGET -------------------------------------------------------------------------
    def _forget(self, sub: Subscriber) -> None:
        sub.forget_requested_at = self.now
        sub.updated_at = self.now
        self.say(replies.forget_prompt(int(FORGET_WINDOW.total_seconds() // 60)))

    def _forget_confirm(self, sub: Subscriber) -> None:
        s, sid = self.session, sub.id
        s.execute(delete(JournalEntry).where(JournalEntry.subscriber_id == sid))
        s.execute(delete(Recommendation).where(Recommendation.subscriber_id == sid))
        # Keep this confirmation (de-identified) so a retried webhook replays instead of re-running.
        s.execute(update(Message).where(Message.twilio_sid == self.sid).values(
            subscriber_id=None, body_encrypted=None))
        s.execute(delete(Message).where(Message.subscriber_id == sid))
        s.execute(delete(Message).where(
            Message.phone == self.phone, or_(Message.twilio_sid.is_(None), Message.twilio_sid != self.sid)))
        # A row a dispatcher holds right now is left to it: it re-checks the (opted-out) subscriber.
        s.execute(delete(Outbox).where(Outbox.subscriber_id == sid, Outbox.status != CLAIMED))
        s.execute(update(SafetyEvent).where(SafetyEvent.subscriber_id == sid).values(
            subscriber_id=None, phone=mask_phone(self.phone), text_encrypted=self.services.cipher.encrypt("")))
        sub.status = OPTED_OUT
        sub.opted_out_at = self.now
        sub.forget_requested_at = None
        sub.paused_until = None
        sub.pause_reason = None
        sub.checkin_sent_at = None
        sub.updated_at = self.now
        log.info("FORGET done for %s", mask_phone(self.phone))
        self.say(replies.forget_done(self.config))

    # -- journal and suggestions ----------------------------------------------------------
    def _journal(self, sub: Subscriber) -> None:
        self.session.add(JournalEntry(
            subscriber_id=sub.id, created_at=self.now, text_encrypted=self.services.cipher.encrypt(self.body)))
        self.session.flush()
        if self._crisis_paused(sub) or self._paused(sub):
            self.say(replies.journal_ack())
            return
        if self._at_cap(sub):
            return
        tip = self._suggest(sub, "reply") if self.config.sms.reply_with_suggestion else None
        self.say(_fit(replies.journal_reply, tip) if tip else replies.journal_ack(), REPLY)

    def _more(self, sub: Subscriber) -> None:
        if self._crisis_paused(sub):
            self.say(replies.more_on_hold(), SYSTEM)
            return
        if self._at_cap(sub):
            return
        tip = self._suggest(sub, "more")
        self.say(_fit(replies.more_reply, tip) if tip else replies.more_nothing(), REPLY)

    def _crisis_paused(self, sub: Subscriber) -> bool:
        return sub.pause_reason == "crisis" and self._paused(sub)

    def _paused(self, sub: Subscriber) -> bool:
        return sub.paused_until is not None and sub.paused_until > self.now

    def _at_cap(self, sub: Subscriber) -> bool:
        tz = ZoneInfo(sub.timezone)
        start, end = local_day_bounds(local_date(self.now, tz), tz)
        sent = self.session.scalar(
            select(func.count(Message.id)).where(
                Message.subscriber_id == sub.id, Message.direction == "out",
                Message.created_at >= start, Message.created_at < end,
            )
        ) or 0
        return sent + len(self.out) >= self.config.scheduler.max_messages_per_day

    def _suggest(self, sub: Subscriber, kind: str) -> str | None:
        """One tailored suggestion's text, recorded as a Recommendation; None if there is none."""
        cfg = self.config.recommender
        rows = self.session.execute(
            select(JournalEntry.created_at, JournalEntry.text_encrypted)
            .where(JournalEntry.subscriber_id == sub.id)
            .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc()).limit(cfg.history_entries)
        ).all()
        journal = [(at, self.services.cipher.decrypt(token)) for at, token in reversed(rows)]
        since = self.now - timedelta(days=cfg.cooldown_days)
        recent = {}
        for item_id, sent_at in self.session.execute(
            select(Recommendation.item_id, Recommendation.sent_at)
            .where(Recommendation.subscriber_id == sub.id, Recommendation.sent_at >= since)
        ):
            recent[item_id] = max(sent_at, recent.get(item_id, sent_at))
        try:
            found = self.services.recommender.recommend(journal, now=self.now, top=1, recently_sent=recent)
        except Exception as exc:  # a broken corpus must not lose the person's journal entry
            log.error("recommender failed (%s); replying without a suggestion", type(exc).__name__)
            return None
        if not found:
            return None
        best = found[0]
        self.recommendation = Recommendation(
            subscriber_id=sub.id, item_id=best.item_id, kind=kind, score=float(best.score), sent_at=self.now,
        )
        self.session.add(self.recommendation)
        return best.sms


def _fit(template, tip: str) -> str:
    """``template(tip)`` when it fits in two SMS segments, else the tip alone."""
    text = template(tip)
    return text if count_segments(text)[1] <= 2 else tip
