"""The conversation as a service function, on a real SQLite database, with in-memory
screener and recommender (tests/fakes.py)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from cryptography.fernet import Fernet
from fakes import FakeRecommender, FakeScreener
from sqlalchemy import func, select

from mend.services import build_services
from sms import replies
from sms.conversation import FORGET_WINDOW, handle_inbound, infer_timezone, normalise_phone
from sms.errors import InboundError
from sms.gateway import InMemoryGateway
from sms.segments import count_segments
from storage import Cipher
from storage.models import (
    ACTIVE,
    CANCELLED,
    OPTED_OUT,
    PENDING,
    PLANNED,
    JournalEntry,
    Message,
    Outbox,
    Recommendation,
    SafetyEvent,
    Subscriber,
)

ALICE = "+15555550101"
BOB = "+15555550102"
CAROL = "+15555550103"
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10am in New York


class Chat:
    def __init__(self, services):
        self.services = services
        self.now = T0
        self._sids = itertools.count(1)

    def send(self, text, phone=ALICE, *, sid=None, advance=timedelta(minutes=1)):
        self.now += advance
        sid = sid or f"SM{next(self._sids):032x}"
        return handle_inbound(self.services, phone=phone, body=text, message_sid=sid, now=self.now)

    def sub(self, phone=ALICE) -> Subscriber | None:
        with self.services.sessions() as s:
            return s.scalar(select(Subscriber).where(Subscriber.phone == phone))

    def count(self, model, *where):
        with self.services.sessions() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))

    def join(self, phone=ALICE):
        self.send("hi", phone)
        return self.send("YES", phone)


def make_services(config, **kw):
    return build_services(
        config, cipher=Cipher(Fernet.generate_key()), gateway=InMemoryGateway(),
        screener=kw.pop("screener", FakeScreener()), recommender=kw.pop("recommender", FakeRecommender()), **kw,
    )


@pytest.fixture
def chat(config):
    return Chat(make_services(config))


def test_first_text_gets_a_consent_request(chat):
    reply = chat.send("hello?")
    [text] = reply.texts
    for needed in ("Mend", "Msg & data rates may apply", "YES", "HELP", "STOP"):
        assert needed in text
    sub = chat.sub()
    assert sub.status == PENDING and sub.consent_requested_at == chat.now
    assert sub.timezone == "America/New_York" and sub.daily_time == "09:00" and sub.country == "US"
    assert chat.count(JournalEntry) == 0  # nothing is kept as a journal before consent


def test_yes_confirms_and_welcome_says_when_and_how_to_change(chat):
    chat.send("hi")
    reply = chat.send("Yes!")
    assert reply.kind == "start"
    assert "9am" in reply.texts[0] and "TIME" in reply.texts[0] and "TZ" in reply.texts[0]
    sub = chat.sub()
    assert sub.status == ACTIVE and sub.consent_at == chat.now


def test_pending_gets_a_reminder_not_a_tip(chat):
    chat.send("hi")
    reply = chat.send("MORE")
    assert "reply YES" in reply.texts[0]
    assert chat.count(Recommendation) == 0


def test_stop_opts_out_cancels_pending_and_then_only_start_and_help_answer(chat):
    chat.join()
    sub = chat.sub()
    with chat.services.sessions.begin() as s:
        s.add(Outbox(subscriber_id=sub.id, local_date=date(2026, 3, 3), slot="daily", kind="daily",
                     due_at=T0 + timedelta(days=1), next_attempt_at=T0 + timedelta(days=1), status=PLANNED,
                     created_at=T0, updated_at=T0))
    reply = chat.send("  stop. ")
    assert reply.kind == "stop" and len(reply.texts) == 1 and "unsubscribed" in reply.texts[0]
    assert chat.sub().status == OPTED_OUT and chat.sub().opted_out_at == chat.now
    assert chat.count(Outbox, Outbox.status == CANCELLED) == 1
    for text in ("hello again", "MORE", "TIME 7pm", "5", "FORGET", "PAUSE"):
        assert chat.send(text).texts == ()
    assert chat.sub().daily_time == "09:00"
    assert "988" in chat.send("HELP").texts[0]
    assert chat.sub().status == OPTED_OUT
    back = chat.send("UNSTOP")
    assert "Welcome back" in back.texts[0] and chat.sub().status == ACTIVE


@pytest.mark.parametrize("word", ["STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "opt out"])
def test_every_stop_word_opts_out(chat, word):
    chat.join()
    chat.send(word)
    assert chat.sub().status == OPTED_OUT


def test_stop_from_a_stranger_is_recorded_as_opted_out(chat):
    reply = chat.send("STOP", CAROL)
    assert "unsubscribed" in reply.texts[0]
    assert chat.sub(CAROL).status == OPTED_OUT


def test_time_changes_the_daily_time_and_refuses_quiet_hours(chat):
    chat.join()
    assert "7:30pm" in chat.send("TIME 7:30pm").texts[0]
    assert chat.sub().daily_time == "19:30"
    refused = chat.send("time 11pm").texts[0]
    assert "8am" in refused and "9pm" in refused and "11pm" in refused
    assert chat.sub().daily_time == "19:30"
    assert "TIME 7:30pm" in chat.send("TIME").texts[0]


def test_tz_changes_the_zone(chat):
    chat.join()
    assert "London" in chat.send("TZ london").texts[0]
    assert chat.sub().timezone == "Europe/London"
    assert "didn't recognise" in chat.send("TZ Atlantis").texts[0]
    assert chat.sub().timezone == "Europe/London"


def test_pause_and_resume(chat):
    chat.join()
    chat.send("PAUSE 3 days")
    sub = chat.sub()
    assert sub.paused_until == chat.now + timedelta(days=3) and sub.pause_reason == "user"
    assert "RESUME" in chat.send("pause").texts[0]
    assert chat.sub().paused_until > chat.now + timedelta(days=300)
    chat.send("RESUME")
    assert chat.sub().paused_until is None and chat.sub().pause_reason is None
    assert "not paused" in chat.send("RESUME").texts[0]


def test_journal_entry_is_encrypted_and_answered_with_one_suggestion(chat):
    chat.join()
    text = "My sister didn't invite me to her party and I feel left out."
    reply = chat.send(text)
    assert reply.kind == "journal" and reply.out_kinds == ("reply",)
    assert "Picture a calm, safe place" in reply.texts[0]
    with chat.services.sessions() as s:
        entry = s.scalar(select(JournalEntry))
        assert text.encode() not in bytes(entry.text_encrypted)
        assert chat.services.cipher.decrypt(entry.text_encrypted) == text
        inbound = s.scalar(select(Message).where(Message.direction == "in", Message.kind == "journal"))
        assert inbound.body is None and text.encode() not in bytes(inbound.body_encrypted)
        rec = s.scalar(select(Recommendation))
        out = s.get(Message, rec.message_id)
        assert (rec.item_id, rec.kind, out.body) == ("calm-place", "reply", reply.texts[0])
    assert chat.services.recommender.calls[-1][-1][1] == text


def test_model_work_for_a_journal_text_runs_before_the_transaction(config):
    """Screening and embedding are the slow part of a turn; on SQLite they must not hold the
    write gate (and the one write lock), or every other text waits for the model."""
    services = make_services(config)
    assert hasattr(services.write_gate, "locked")  # SQLite: a real lock
    services.screener.held = services.write_gate
    chat = Chat(services)
    chat.join()
    text = "Nobody answered in the group chat again."
    chat.send(text)
    assert services.screener.screened == ["hi", text]  # free text from anyone is screened
    assert services.screener.gate_held == [False, False]
    assert services.recommender.prepared == ["hi", text]
    assert chat.sub().status == ACTIVE and chat.count(JournalEntry) == 1


def test_concurrent_texts_on_sqlite_are_all_handled(config):
    """Many web threads at once: none fails on SQLite's write lock, none is lost or doubled."""
    from concurrent.futures import ThreadPoolExecutor

    services = make_services(config)
    phones = [f"+155555501{i:02d}" for i in range(10, 26)]

    def converse(phone):
        replies_seen = []
        for j, body in enumerate(("hi", "YES", "a long day, felt left out", "MORE", "5", "still sad")):
            sid = f"SM{phone[-4:]}{j:028d}"
            replies_seen.append(handle_inbound(services, phone=phone, body=body, message_sid=sid, now=T0))
        return replies_seen

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(converse, phones))
    assert all(len(r) == 6 and all(x.texts for x in r) for r in results)
    chat = Chat(services)
    assert chat.count(Message, Message.direction == "in") == 6 * len(phones)
    assert chat.count(JournalEntry) == 2 * len(phones)
    assert chat.count(Subscriber, Subscriber.status == ACTIVE) == len(phones)


def test_more_sends_another_suggestion_respecting_cooldown(chat):
    chat.join()
    first = chat.send("MORE")
    second = chat.send("more!")
    assert "calm, safe place" in first.texts[0] and "friend you trust" in second.texts[0]
    with chat.services.sessions() as s:
        assert [r.kind for r in s.scalars(select(Recommendation))] == ["more", "more"]


def test_rating_is_stored_on_the_latest_suggestion_within_the_window(chat):
    chat.join()
    assert "no recent suggestion" in chat.send("5").texts[0]
    chat.send("MORE")
    chat.send("MORE")
    assert "Glad" in chat.send("\U0001f44d").texts[0]
    with chat.services.sessions() as s:
        recs = s.scalars(select(Recommendation).order_by(Recommendation.id)).all()
        assert [r.feedback for r in recs] == [None, 5]
    hours = chat.services.config.sms.rating_window_hours
    assert "no recent suggestion" in chat.send("2", advance=timedelta(hours=hours + 1)).texts[0]


def test_forget_needs_confirmation_then_deletes_everything_and_opts_out(chat):
    chat.join()
    chat.send("I keep replaying what he said.")
    chat.send("I want to die", BOB)  # someone else's data stays
    assert "FORGET YES" in chat.send("FORGET").texts[0]
    chat.send("no, keep it")  # anything else keeps the data (and is a journal entry)
    assert chat.count(JournalEntry) == 2
    chat.send("FORGET")
    done = chat.send("YES")
    assert done.kind == "forget-confirm" and "deleted" in done.texts[0]
    sub = chat.sub()
    assert sub.status == OPTED_OUT
    assert chat.count(JournalEntry, JournalEntry.subscriber_id == sub.id) == 0
    assert chat.count(Recommendation) == 0
    assert chat.count(Message, Message.phone == ALICE, Message.body_encrypted.is_not(None)) == 0
    assert chat.count(Message, Message.subscriber_id == sub.id) == 0
    assert chat.count(SafetyEvent, SafetyEvent.phone == BOB) == 1


def test_yes_long_after_forget_is_not_a_confirmation(chat):
    chat.join()
    chat.send("a hard day")
    chat.send("FORGET")
    reply = chat.send("YES", advance=FORGET_WINDOW + timedelta(minutes=1))
    assert reply.kind == "start" and chat.count(JournalEntry) == 1


def test_forget_safety_events_lose_their_text(chat):
    chat.join()
    chat.send("I want to die")
    chat.send("FORGET YES")
    with chat.services.sessions() as s:
        event = s.scalar(select(SafetyEvent))
        assert event.subscriber_id is None and ALICE not in event.phone
        assert chat.services.cipher.decrypt(event.text_encrypted) == ""


def test_crisis_from_a_stranger_gets_the_crisis_reply_and_no_tip(chat):
    reply = chat.send("I just want to end my life", CAROL)
    assert reply.kind == "crisis" and reply.out_kinds == ("crisis",)
    assert "988" in reply.texts[0]
    assert chat.sub(CAROL) is None and chat.count(Recommendation) == 0
    with chat.services.sessions() as s:
        event = s.scalar(select(SafetyEvent))
        assert event.phone == CAROL and event.status == "open" and event.category == "suicide"
        assert b"end my life" not in bytes(event.text_encrypted)


def test_crisis_pauses_suggestions_and_cancels_planned(chat):
    chat.join()
    sub = chat.sub()
    with chat.services.sessions.begin() as s:
        s.add(Outbox(subscriber_id=sub.id, local_date=date(2026, 3, 3), slot="daily", kind="daily",
                     due_at=T0 + timedelta(days=1), next_attempt_at=T0 + timedelta(days=1), status=PLANNED,
                     created_at=T0, updated_at=T0))
    chat.send("there's no reason to live anymore")
    sub = chat.sub()
    hours = chat.services.config.safety.crisis_pause_hours
    assert sub.pause_reason == "crisis" and sub.paused_until == chat.now + timedelta(hours=hours)
    assert chat.count(Outbox, Outbox.status == CANCELLED) == 1
    later = chat.send("I'm a bit calmer now")
    assert later.texts == (replies.journal_ack(),) and chat.count(Recommendation) == 0
    assert "988" in chat.send("MORE").texts[0]
    assert chat.count(Recommendation) == 0


def test_crisis_from_an_opted_out_number_is_answered(chat):
    chat.join()
    chat.send("STOP")
    reply = chat.send("I want to kill myself")
    assert reply.kind == "crisis" and "988" in reply.texts[0]


def test_screener_failure_fails_safe_to_a_crisis_reply(config):
    chat = Chat(make_services(config, screener=FakeScreener(fail=True)))
    reply = chat.send("an ordinary day")
    assert reply.kind == "crisis" and "988" in reply.texts[0]


def test_keywords_are_not_screened_but_free_text_is(chat):
    chat.join()
    chat.send("TIME 7pm")
    chat.send("feeling low")
    assert chat.services.screener.screened == ["hi", "feeling low"]


def test_repeated_message_sid_replays_without_doing_anything_twice(chat):
    chat.join()
    first = chat.send("a long week", sid="SM" + "a" * 32)
    again = chat.send("a long week", sid="SM" + "a" * 32)
    assert again.duplicate and not first.duplicate
    assert (again.texts, again.kind, again.out_kinds) == (first.texts, first.kind, first.out_kinds)
    assert chat.count(JournalEntry) == 1 and chat.count(Recommendation) == 1
    assert chat.count(Message, Message.twilio_sid == "SM" + "a" * 32) == 1


def test_the_daily_cap_counts_replies(config):
    chat = Chat(make_services(config.replace(scheduler={"max_messages_per_day": 3})))
    chat.join()  # consent + welcome = 2
    assert chat.send("one").texts  # 3rd message today
    capped = chat.send("two")
    assert capped.texts == () and chat.count(JournalEntry) == 2
    assert chat.send("MORE").texts == ()
    assert chat.send("HELP").texts  # HELP always goes
    assert chat.send("three", advance=timedelta(days=1)).texts  # a new local day


def test_reply_with_suggestion_off(config):
    chat = Chat(make_services(config.replace(sms={"reply_with_suggestion": False})))
    chat.join()
    assert chat.send("rough day").texts == (replies.journal_ack(),)


def test_bad_inputs_raise_inbound_error(chat):
    with pytest.raises(InboundError):
        handle_inbound(chat.services, phone="not a number", body="hi", message_sid="SM1", now=T0)
    with pytest.raises(InboundError):
        handle_inbound(chat.services, phone=ALICE, body="hi", message_sid="", now=T0)
    assert normalise_phone(" +1 (555) 555-0101 ") == ALICE


def test_timezone_defaults_when_the_number_gives_none():
    assert infer_timezone(ALICE, "Europe/Paris") == "Europe/Paris"


LONG = {"daily_time": "12:45", "timezone": "America/Argentina/ComodRivadavia"}


def test_every_template_fits_two_segments(config):
    cfg = config.replace(sms={"program_name": "Mend Companion", "operator_contact": "support@mend-companion.example"})
    texts = [
        replies.consent(cfg), replies.pending_reminder(cfg), replies.welcome(cfg, **LONG),
        replies.welcome_back(cfg, **LONG), replies.already_subscribed(cfg, **LONG), replies.stopped(cfg),
        replies.help_text(cfg), replies.time_set(**LONG), replies.time_usage(cfg),
        replies.time_quiet(cfg, time(23, 45)), replies.tz_set(**LONG), replies.tz_usage(), replies.paused(None),
        replies.paused(365), replies.paused(1), replies.resumed(**LONG), replies.not_paused(**LONG),
        replies.rating_thanks(5), replies.rating_thanks(3), replies.rating_thanks(1), replies.rating_nothing(),
        replies.forget_prompt(15), replies.forget_done(cfg), replies.forget_nothing(), replies.journal_ack(),
        replies.more_nothing(), replies.more_on_hold(), cfg.safety.checkin_text,
        *cfg.safety.crisis_replies.values(),
    ]
    for text in texts:
        encoding, segments, _ = count_segments(text)
        assert segments <= 2, (segments, text)
        assert encoding == "GSM-7", text


def test_a_long_tip_is_sent_alone_rather_than_in_three_segments(config):
    long_tip = "Breathe in for four counts and out for six. " * 6
    rec = FakeRecommender(items=(("long", long_tip.strip()),))
    chat = Chat(make_services(config, recommender=rec))
    chat.join()
    assert chat.send("tired").texts == (long_tip.strip(),)


def test_concurrent_retries_of_one_message_sid_act_once(config, any_engine):
    import threading

    services = build_services(config, engine=any_engine, cipher=Cipher(Fernet.generate_key()),
                              gateway=InMemoryGateway(), screener=FakeScreener(), recommender=FakeRecommender())
    chat = Chat(services)
    chat.join()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def deliver():
        barrier.wait()
        try:
            results.append(handle_inbound(services, phone=ALICE, body="a restless night", message_sid="SM" + "c" * 32,
                                          now=T0 + timedelta(hours=1)))
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len({r.texts for r in results}) == 1 and sum(not r.duplicate for r in results) == 1
    assert chat.count(JournalEntry) == 1 and chat.count(Recommendation) == 1
