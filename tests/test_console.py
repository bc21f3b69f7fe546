"""The console's web layer: off without a token, 401 that reveals nothing, Bearer and the
login cookie, CSRF, the pages over seeded rows, and /metrics."""

from __future__ import annotations

import dataclasses
import re

import pytest
from console_factories import NOW, make_message, make_safety_event, make_subscriber, phone
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from mend.app import create_app
from mend.config import Secrets
from mend.services import build_services
from storage import Cipher
from storage.models import SafetyEvent

TOKEN = "test-admin-token-0123456789"
HTML = {"accept": "text/html"}
BEARER = {"authorization": f"Bearer {TOKEN}"}


def _services(config, token=TOKEN, public_url=None):
    cfg = dataclasses.replace(config, secrets=Secrets(admin_token=token))
    cfg = cfg.replace(server={"corpus_watch_seconds": 0.0, **({"public_url": public_url} if public_url else {})})
    return build_services(cfg, cipher=Cipher(Fernet.generate_key()), clock=lambda: NOW)


@pytest.fixture
def services(config):
    s = _services(config)
    yield s
    s.engine.dispose()


@pytest.fixture
def client(services):
    return TestClient(create_app(services.config, services=services), base_url="http://127.0.0.1")


@pytest.fixture
def seeded(services):
    """Seven active subscribers, one opted out, messages and one open flag."""
    with services.sessions() as session:
        subs = [make_subscriber(session, phone=phone(10 + i)) for i in range(7)]
        make_subscriber(session, phone=phone(30), status="opted_out")
        for i in range(4):
            make_message(session, subs[i], status="delivered")
        make_message(session, subs[4], status="failed", error_code=30006)
        make_message(session, subs[6], status="queued")
        make_message(session, subs[5], direction="in", body_encrypted=services.cipher.encrypt("a journal line"))
        event = make_safety_event(session, services.cipher, text="I want to disappear forever", phone=phone(77))
        session.commit()
        return event.id


def _login(client) -> str:
    resp = client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert resp.status_code == 303
    page = client.get("/admin/safety", headers=HTML)
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_console_is_off_without_a_token(config):
    s = _services(config, token=None)
    client = TestClient(create_app(s.config, services=s))
    for path in ("/admin", "/admin/login", "/admin/safety", "/metrics", "/admin/static/console.css"):
        assert client.get(path, headers=BEARER).status_code == 404, path
    assert client.post("/admin/login", data={"token": ""}).status_code == 404
    s.engine.dispose()


@pytest.mark.parametrize("path", ["/admin", "/admin/safety", "/admin/messages", "/admin/corpus", "/admin/eval",
                                  "/admin/simulator", "/admin/try"])
def test_without_the_token_401_reveals_nothing(client, seeded, path):
    for headers in ({}, HTML, {"authorization": "Bearer wrong"}, {"authorization": TOKEN},
                    {"cookie": "mend_console=forged.value.sig"}):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 401, (path, headers)
        body = resp.text
        assert "disappear" not in body and "***" not in body
        assert 'id="active"' not in body and 'id="open-flags"' not in body
        assert not re.search(r">\s*\d+\s*<", body), "no counts in a 401 page"
    assert client.get(path).headers["www-authenticate"].startswith("Bearer")


def test_bearer_token_opens_the_dashboard_with_its_figures(client, seeded):
    resp = client.get("/admin", headers=BEARER)
    assert resp.status_code == 200
    assert re.search(r'id="active">7<', resp.text)
    assert re.search(r'id="open-flags">1<', resp.text)
    assert "80.0%" in resp.text  # 4 delivered of 5 with a final status
    assert "1 of 6 sent still awaiting status" in resp.text
    assert "12.5%" in resp.text  # 1 opted out of 8 who joined
    assert "<svg" in resp.text and "<rect" in resp.text
    assert resp.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in resp.headers["content-security-policy"]


def test_login_sets_a_strict_http_only_cookie(client, seeded):
    bad = client.post("/admin/login", data={"token": "nope"}, follow_redirects=False)
    assert bad.status_code == 401 and "set-cookie" not in bad.headers
    resp = client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/admin"
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1
    assert client.get("/admin", headers=HTML).status_code == 200
    client.post("/admin/logout", follow_redirects=False)
    client.cookies.clear()
    assert client.get("/admin", headers=HTML).status_code == 401


def test_cookie_is_secure_behind_https(config):
    s = _services(config, public_url="https://mend.example")
    client = TestClient(create_app(s.config, services=s), base_url="https://mend.example")
    resp = client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert "Secure" in resp.headers["set-cookie"]
    s.engine.dispose()


def test_a_session_from_another_token_is_refused(config, client):
    other = _services(config, token="another-token-entirely")
    other_client = TestClient(create_app(other.config, services=other))
    cookie = other_client.post("/admin/login", data={"token": "another-token-entirely"},
                               follow_redirects=False).cookies["mend_console"]
    client.cookies.set("mend_console", cookie)
    assert client.get("/admin", headers=HTML).status_code == 401
    other.engine.dispose()


def test_resolve_needs_the_csrf_token_then_resolves(client, services, seeded):
    csrf = _login(client)
    page = client.get("/admin/safety", headers=HTML)
    assert "I want to disappear forever" in page.text  # decrypted here only
    forged = client.post(f"/admin/safety/{seeded}/resolve", data={"note": "done", "csrf": "wrong"})
    assert forged.status_code == 403
    empty = client.post(f"/admin/safety/{seeded}/resolve", data={"note": "  ", "csrf": csrf})
    assert empty.status_code == 400 and "note" in empty.text
    ok = client.post(f"/admin/safety/{seeded}/resolve", data={"note": "called back, safe", "csrf": csrf},
                     follow_redirects=False)
    assert ok.status_code == 303
    with services.sessions() as session:
        event = session.get(SafetyEvent, seeded)
        assert event.status == "resolved" and event.resolution_note == "called back, safe"
        assert event.resolved_at == NOW
    assert 'id="queue-empty"' in client.get("/admin/safety", headers=HTML).text


def test_messages_page_masks_numbers_and_keeps_inbound_encrypted(client, seeded):
    text = client.get("/admin/messages", headers=BEARER).text
    assert "+1555***0110" in text
    assert "+15555550110" not in text
    assert "a journal line" not in text and "(encrypted)" in text
    assert "30006" in text


def test_eval_page_shows_latest_run_and_history(client, services):
    from console.stats import store_eval_run

    with services.sessions() as session:
        store_eval_run(session, {"mend": {"hit@3": 0.81, "mrr": 0.6}, "bm25": {"hit@3": 0.7, "mrr": 0.5}}, "aaaa", NOW)
        store_eval_run(session, {"mend": {"hit@3": 0.93, "mrr": 0.74}, "bm25": {"hit@3": 0.7, "mrr": 0.5}}, "bbbb",
                       NOW.replace(hour=16))
        session.commit()
    text = client.get("/admin/eval", headers=BEARER).text
    assert 'class="best">0.930' in text and "0.700" in text
    assert text.index("0.930") < text.index("0.810")  # newest first in the history
    assert "bbbb" in text


def test_metrics_need_the_bearer_token_and_count_from_the_database(client, seeded):
    assert client.get("/metrics").status_code == 401
    resp = client.get("/metrics", headers=BEARER)
    assert resp.status_code == 200
    body = resp.text
    assert 'mend_messages{direction="out",status="delivered"} 4.0' in body
    assert 'mend_messages{direction="out",status="failed"} 1.0' in body
    assert 'mend_inbound_messages{kind="journal"} 1.0' in body
    assert 'mend_crisis_flags{status="open"} 1.0' in body
    assert "mend_recommend_latency_seconds_bucket" in body


def test_two_apps_keep_separate_metric_registries(config, services):
    a = create_app(services.config, services=services)
    b = create_app(services.config, services=services)
    a.state.console.metrics.recommend_latency.observe(0.2)
    assert b.state.console.metrics.registry is not a.state.console.metrics.registry
    assert "mend_recommend_latency_seconds_count 0.0" in b.state.console.metrics.render().decode()
    assert "mend_recommend_latency_seconds_count 1.0" in a.state.console.metrics.render().decode()


def test_eval_page_shows_each_split_of_a_corpus_eval_result(client, services):
    from console.stats import store_eval_run

    row = {"hit_at_1": 0.7, "hit_at_3": 0.94, "mrr": 0.8, "ndcg_at_10": 0.82, "coverage": 0.6, "entries": 33}
    bm25 = {**row, "hit_at_3": 0.75, "mrr": 0.6}
    with services.sessions() as session:
        store_eval_run(session, {"metrics": {"test": {"mend": row, "bm25": bm25}, "all": {"mend": row, "bm25": bm25}}},
                       "cccc", NOW)
        session.commit()
    text = client.get("/admin/eval", headers=BEARER).text
    assert "Test split (held back" in text and "All entries" in text and "33 entries" in text
    assert 'class="best">0.940' in text and "ndcg@10" in text


def test_login_is_throttled_after_repeated_wrong_tokens(client):
    for _ in range(10):
        assert client.post("/admin/login", data={"token": "guess"}).status_code == 401
    blocked = client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert blocked.status_code == 429 and "set-cookie" not in blocked.headers


def test_login_throttle_window_passes():
    from console.auth import LoginThrottle

    t = LoginThrottle(limit=2, window_seconds=60)
    t.failed("a", 0)
    t.failed("a", 10)
    assert t.blocked("a", 59) and not t.blocked("b", 59)
    assert not t.blocked("a", 71)
