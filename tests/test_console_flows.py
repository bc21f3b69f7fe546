"""Try it and the phone simulator, with the real screener, recommender and inbound path."""

from __future__ import annotations

import dataclasses
import re

import pytest
from console_factories import NOW
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from console.auth import console_banner, ensure_admin_token
from mend.app import create_app
from mend.config import Secrets
from mend.services import build_services
from sms.gateway import InMemoryGateway
from storage import Cipher
from storage.models import Message, SafetyEvent

TOKEN = "flows-test-token"
BEARER = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def engines(embedder):
    """The real screener and recommender, loaded once for this module."""
    from mend.config import ROOT, load_config
    from recommender import load_recommender
    from safety import load_screener

    cfg = load_config(ROOT / "config.yaml", env={})
    return load_screener(cfg, embedder), load_recommender(cfg, embedder)


@pytest.fixture
def services(config, engines):
    screener, rec = engines
    cfg = dataclasses.replace(config, secrets=Secrets(admin_token=TOKEN)).replace(server={"corpus_watch_seconds": 0.0})
    s = build_services(cfg, cipher=Cipher(Fernet.generate_key()), clock=lambda: NOW, gateway=InMemoryGateway(),
                       screener=screener, recommender=rec)
    yield s
    s.engine.dispose()


@pytest.fixture
def client(services):
    return TestClient(create_app(services.config, services=services))


@pytest.mark.slow
def test_try_it_ranks_items_with_scores_and_reasons(client, services):
    resp = client.post("/admin/try", headers=BEARER,
                       data={"text": "My friends made plans without me again and I feel so left out and lonely"})
    assert resp.status_code == 200
    assert "no crisis" in resp.text
    scores = [float(s) for s in re.findall(r'class="score">([\d.]+)<', resp.text)]
    assert len(scores) == 5 and all(0 < x <= 1 for x in scores)  # MMR order, so not sorted by score
    ids = re.findall(r"<li><header><code>([a-z0-9-]+)</code>", resp.text)
    assert len(set(ids)) == 5
    assert resp.text.count('class="reason">why:') == 5
    assert services.sessions().query(Message).count() == 0  # nothing stored or sent
    body = client.get("/metrics", headers=BEARER).text
    assert "mend_recommend_latency_seconds_count 1.0" in body


@pytest.mark.slow
def test_try_it_shows_the_crisis_reply_instead_of_items(client):
    resp = client.post("/admin/try", headers=BEARER, data={"text": "i have saved up my pills and tonight i will take them all"})
    assert resp.status_code == 200
    assert "crisis (suicide-or-self-harm)" in resp.text and "988" in resp.text
    assert 'class="score"' not in resp.text


def test_try_it_asks_for_text(client):
    assert "Paste a journal text first" in client.post("/admin/try", headers=BEARER, data={"text": "  "}).text


@pytest.mark.slow
def test_simulator_walks_opt_in_journal_and_stop(client, services):
    for text in ("hello", "YES", "I keep replaying how my sister ignored me at dinner, it stings", "STOP"):
        resp = client.post("/admin/simulator", headers=BEARER, data={"text": text, "n": "42"}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/admin/simulator?n=42"
    page = client.get("/admin/simulator?n=42", headers=BEARER).text
    bubbles = re.findall(r'<div class="bubble (in|out)" data-kind="([a-z-]+)">', page)
    assert [d for d, _ in bubbles][:2] == ["in", "out"]
    assert "reply YES" in page or "Reply YES" in page
    assert "Msg &amp; data rates may apply" in page
    assert bubbles[-1][0] == "out" and len(bubbles) >= 8
    with services.sessions() as session:
        assert session.query(Message).filter_by(phone="+15555550142", direction="in").count() == 4
    # The journal reply went through services.recommender: its latency is in /metrics.
    assert "mend_recommend_latency_seconds_count 1.0" in client.get("/metrics", headers=BEARER).text


@pytest.mark.slow
def test_simulator_crisis_lands_in_the_review_queue(client, services):
    client.post("/admin/simulator", headers=BEARER, data={"text": "I'm going to kill myself tonight", "n": "43"})
    with services.sessions() as session:
        assert session.query(SafetyEvent).filter_by(phone="+15555550143").count() == 1
    assert "kill myself tonight" in client.get("/admin/safety", headers=BEARER).text


def test_simulator_refuses_numbers_outside_the_test_range(client):
    resp = client.post("/admin/simulator", headers=BEARER, data={"text": "hi", "n": "4a"}, follow_redirects=False)
    assert resp.headers["location"] == "/admin/simulator?n=42"
    assert "Pick a test number" in client.get("/admin/simulator?n=999", headers=BEARER).text


def test_serve_generates_a_token_when_none_is_set(make_config):
    cfg = make_config()
    assert cfg.secrets.admin_token is None
    cfg2, line = console_banner(cfg, "127.0.0.1", 8000)
    token = cfg2.secrets.admin_token
    assert token and len(token) >= 24
    assert line.startswith(f"Console: http://127.0.0.1:8000/admin  token: {token}")
    assert console_banner(cfg, "127.0.0.1", 8000)[0].secrets.admin_token != token  # fresh per start
    fixed = make_config(env={"MEND_ADMIN_TOKEN": "kept"})
    assert ensure_admin_token(fixed) == (fixed, "kept", False)
    assert "kept" not in console_banner(fixed, "0.0.0.0", 9000)[1]


def test_simulator_reports_a_failing_inbound_path(client, monkeypatch):
    import sms.conversation

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sms.conversation, "handle_inbound", broken)
    resp = client.post("/admin/simulator", headers=BEARER, data={"text": "some journal words", "n": "44"},
                       follow_redirects=False)
    page = client.get(resp.headers["location"], headers=BEARER).text
    assert "The inbound path failed (RuntimeError)" in page and "database went away" not in page
