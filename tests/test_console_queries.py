"""The console's queries, review queue, item stats and charts over real databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from console_factories import (
    NOW,
    make_message,
    make_recommendation,
    make_safety_event,
    make_subscriber,
    phone,
)
from cryptography.fernet import Fernet
from factories import make_item

from console import charts, queries, review, stats
from console.auth import BEARER, SESSION, ConsoleAuth
from console.errors import AlreadyResolved, BadInput, NotFound
from storage import Cipher, session_factory


@pytest.fixture
def session(any_engine):
    with session_factory(any_engine)() as s:
        yield s


@pytest.fixture
def cipher():
    return Cipher(Fernet.generate_key())


def test_dashboard_buckets_messages_by_day_and_computes_rates(session):
    a = make_subscriber(session, phone=phone(1))
    make_subscriber(session, phone=phone(2), status="pending")
    make_subscriber(session, phone=phone(3), status="opted_out")
    make_message(session, a, created_at=NOW - timedelta(days=1), status="delivered")
    make_message(session, a, created_at=NOW - timedelta(days=1), status="undelivered")
    make_message(session, a, created_at=NOW, status="delivered")
    make_message(session, a, created_at=NOW, status="sent")  # no final status yet
    make_message(session, a, created_at=NOW, direction="in", body_encrypted=b"x")
    make_message(session, a, created_at=NOW - timedelta(days=30), status="failed")  # outside the window
    make_message(session, a, created_at=NOW + timedelta(minutes=5), status="failed")  # after now
    session.commit()
    d = queries.dashboard(session, NOW, days=14)
    assert (d.active, d.pending, d.opted_out) == (1, 1, 1)
    assert len(d.per_day) == 14 and d.per_day[-1].day == NOW.date()
    assert (d.per_day[-1].inbound, d.per_day[-1].outbound) == (1, 2)
    assert (d.per_day[-2].inbound, d.per_day[-2].outbound) == (0, 2)
    assert sum(x.total for x in d.per_day) == 5
    assert (d.outbound, d.settled, d.awaiting) == (4, 3, 1)
    assert d.delivery_rate == pytest.approx(2 / 3) and d.failure_rate == pytest.approx(1 / 3)
    assert d.opt_out_rate == pytest.approx(1 / 2)
    assert d.open_flags == 0


def test_empty_dashboard_has_no_rates(session):
    d = queries.dashboard(session, NOW)
    assert d.delivery_rate is None and d.opt_out_rate is None and d.active == 0


def test_subscribers_list_filters_and_masks(session):
    make_subscriber(session, phone=phone(11))
    make_subscriber(session, phone=phone(12), status="opted_out")
    session.commit()
    rows = queries.list_subscribers(session)
    assert [r.phone for r in rows] == ["+1555***0111", "+1555***0112"]
    assert [r.status for r in queries.list_subscribers(session, status="opted_out")] == ["opted_out"]


def test_subscriber_detail_by_id_or_phone(session):
    s = make_subscriber(session, phone=phone(21))
    make_message(session, s)
    make_message(session, s, direction="in", body_encrypted=b"x")
    make_recommendation(session, s, "calm-place", feedback=5)
    session.commit()
    by_phone = queries.subscriber_detail(session, phone(21))
    by_id = queries.subscriber_detail(session, str(s.id))
    assert by_phone == by_id
    assert (by_id.messages_in, by_id.messages_out, by_id.recommendations, by_id.ratings) == (1, 1, 1, 1)
    assert all(m.body is None for m in by_id.recent if m.direction == "in")
    with pytest.raises(NotFound, match=r"\+1555\*\*\*0199.*mend subscribers list"):
        queries.subscriber_detail(session, phone(99))
    with pytest.raises(NotFound):
        queries.subscriber_detail(session, "nobody")


def test_recent_messages_follow_after_an_id(session):
    s = make_subscriber(session, phone=phone(31))
    ids = [make_message(session, s, body=f"m{i}").id for i in range(5)]
    session.commit()
    assert [m.body for m in queries.recent_messages(session, limit=3)] == ["m2", "m3", "m4"]
    assert [m.id for m in queries.recent_messages(session, after_id=ids[3])] == [ids[4]]
    assert queries.recent_messages(session, after_id=ids[4]) == []


def test_review_queue_decrypts_and_resolves_once(session, cipher):
    old = make_safety_event(session, cipher, text="first", created_at=NOW - timedelta(hours=2))
    new = make_safety_event(session, cipher, text="second", created_at=NOW)
    session.commit()
    queue = review.open_events(session, cipher)
    assert [(e.id, e.text) for e in queue] == [(old.id, "first"), (new.id, "second")]
    assert queue[0].phone == "+1555***0177"
    with pytest.raises(BadInput):
        review.resolve(session, old.id, "   ", NOW)
    with pytest.raises(NotFound, match="mend safety queue"):
        review.resolve(session, 9999, "note", NOW)
    review.resolve(session, old.id, "called, safe", NOW)
    session.commit()
    with pytest.raises(AlreadyResolved):
        review.resolve(session, old.id, "again", NOW)
    assert [e.id for e in review.open_events(session, cipher)] == [new.id]
    assert [e.resolution_note for e in review.recently_resolved(session, cipher)] == ["called, safe"]


def test_review_shows_undecryptable_text_without_failing(session, cipher):
    make_safety_event(session, Cipher(Fernet.generate_key()), text="other key")
    session.commit()
    assert "cannot decrypt" in review.open_events(session, cipher)[0].text


def test_item_stats_and_corpus_rows(session):
    a = make_subscriber(session, phone=phone(41))
    make_recommendation(session, a, "calm-place", replied=True, feedback=5)
    make_recommendation(session, a, "calm-place", feedback=2)
    make_recommendation(session, a, "calm-place")
    make_recommendation(session, a, "kind-letter", replied=True)
    session.commit()
    s = stats.item_stats(session)
    assert (s["calm-place"].times_sent, s["calm-place"].replies, s["calm-place"].ratings) == (3, 1, 2)
    assert s["calm-place"].avg_rating == pytest.approx(3.5)
    assert s["calm-place"].reply_rate == pytest.approx(1 / 3)
    assert s["kind-letter"].avg_rating is None
    items = [make_item(id="calm-place"), make_item(id="kind-letter", theme="self-compassion"),
             make_item(id="evening-pages", theme="journaling", sms="Write three lines tonight.")]
    assert [r.id for r in stats.corpus_rows(items, s, never_sent=True)] == ["evening-pages"]
    assert [r.id for r in stats.corpus_rows(items, s, query="THREE lines")] == ["evening-pages"]
    assert [r.id for r in stats.corpus_rows(items, s, theme="self-compassion")] == ["kind-letter"]
    assert stats.corpus_rows(items, s)[2].stats.times_sent == 0


def test_eval_runs_are_kept_and_read_back_in_order(session):
    stats.store_eval_run(session, {"mend": {"hit@3": 0.9}, "bm25": {"hit@3": 0.8}}, "h1", NOW)
    stats.store_eval_run(session, {"mend": {"hit@3": 0.95}, "bm25": {"hit@3": 0.8}}, "h2", NOW + timedelta(hours=1))
    session.commit()
    history = stats.eval_history(session)
    assert [p.corpus_hash for p in history] == ["h1", "h2"]
    table = stats.metrics_table(history[-1].metrics)
    assert table.systems == ("mend", "bm25") and table.best("hit@3") == "mend"
    assert [r.values["hit@3"] for r in stats.metric_trend(history)] == [0.9, 0.95]


def test_metrics_table_reads_flat_metrics_as_one_system():
    table = stats.metrics_table({"hit@1": 0.7, "mrr": 0.8, "note": "x"})
    assert table.systems == ("mend",) and table.names == ("hit@1", "mrr")


def test_bar_chart_scales_bars_to_the_peak():
    svg = charts.bar_chart([charts.Bar("a", (("in", 1), ("out", 3)), "a"), charts.Bar("b", (("in", 2),), "b")],
                           height=120)
    heights = [float(h) for h in __import__("re").findall(r'height="([\d.]+)"', svg.split("<line", 1)[1])]
    plot = 120 - 16 - 28
    assert heights == pytest.approx([plot / 4, plot * 3 / 4, plot / 2])
    assert "<script" not in charts.bar_chart([charts.Bar("<script>", (("in", 1),), "<b>")])


def test_auth_bearer_session_and_csrf():
    auth = ConsoleAuth("s3cret-token")
    assert auth.bearer_ok("Bearer s3cret-token") and auth.bearer_ok("bearer s3cret-token")
    assert not auth.bearer_ok("Bearer s3cret-tokenX") and not auth.bearer_ok("Basic s3cret-token")
    assert not auth.bearer_ok(None) and not auth.token_ok("")
    cookie, csrf = auth.new_session()
    op = auth.identify(None, cookie)
    assert op.via == SESSION and op.csrf == csrf
    assert auth.csrf_ok(op, csrf) and not auth.csrf_ok(op, csrf + "x") and not auth.csrf_ok(op, None)
    assert auth.identify(None, cookie[:-2] + "xx") is None
    assert ConsoleAuth("other-token").identify(None, cookie) is None
    assert auth.identify("Bearer s3cret-token", None).via == BEARER
    with pytest.raises(ValueError):
        ConsoleAuth("")


def test_session_cookie_expires():
    import time

    auth = ConsoleAuth("s3cret-token", max_age_seconds=1)
    cookie, _ = auth.new_session()
    time.sleep(2.1)
    assert auth.identify(None, cookie) is None


def test_eval_results_from_mend_corpus_eval_read_the_held_back_split_first(session):
    def split(mend, bm25, n):
        return {"mend": {"hit_at_1": mend, "hit_at_3": mend + 0.1, "mrr": mend, "ndcg_at_10": mend,
                         "coverage": 0.5, "entries": n},
                "bm25": {"hit_at_1": bm25, "hit_at_3": bm25 + 0.1, "mrr": bm25, "ndcg_at_10": bm25,
                         "coverage": 0.4, "entries": n}}

    result = {"metrics": {"tune": split(0.9, 0.6, 75), "test": split(0.8, 0.5, 33), "all": split(0.85, 0.55, 108)},
              "fallbacks": {"test": 1}}
    items = [make_item(id="calm-place"), make_item(id="kind-letter", theme="self-compassion")]
    run = stats.store_eval_result(session, result, items, NOW)
    session.commit()
    assert run.corpus_hash == stats.corpus_hash(reversed(items)) and len(run.corpus_hash) == 16
    assert stats.splits_of(result) == ["test", "all", "tune"]
    table = stats.metrics_table(result)
    assert table.names == ("hit@1", "hit@3", "mrr", "ndcg@10", "coverage")
    assert table.values[("hit@3", "mend")] == pytest.approx(0.9) and table.best("mrr") == "mend"
    assert stats.metrics_table(result, "tune").values[("hit@1", "bm25")] == pytest.approx(0.6)
    assert stats.entries_in(result, "test") == 33
    assert stats.metric_trend(stats.eval_history(session))[0].values["hit@1"] == pytest.approx(0.8)
