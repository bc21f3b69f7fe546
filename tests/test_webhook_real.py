"""The conversation over HTTP with the real crisis screener, the real recommender over the
project's corpus and the real embedding model, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_webhook import ALICE, CAROL, PUBLIC, TOKEN, Twilio

from mend.app import create_app
from mend.config import Secrets
from mend.services import build_services
from sms.gateway import InMemoryGateway
from storage import Cipher
from storage.models import JournalEntry, Recommendation, SafetyEvent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_parts(embedder):
    from mend.config import ROOT, load_config
    from recommender import load_recommender
    from safety import load_screener

    cfg = load_config(ROOT / "config.yaml", env={})
    return load_screener(cfg, embedder), load_recommender(cfg, embedder)


@pytest.fixture
def real(config, any_engine, real_parts):
    screener, recommender = real_parts
    cfg = config.replace(secrets=Secrets(twilio_auth_token=TOKEN), server={"public_url": PUBLIC})
    services = build_services(cfg, engine=any_engine, cipher=Cipher(Fernet.generate_key()),
                              gateway=InMemoryGateway(), screener=screener, recommender=recommender)
    with TestClient(create_app(cfg, services=services)) as client:
        yield Twilio(client, services)


def test_journal_gets_a_corpus_suggestion_and_crisis_gets_help(real, caplog):
    caplog.set_level(logging.DEBUG)
    t = real
    t.text("hi")
    t.text("YES")
    journal = "My friends made plans without me again and I feel like nobody wants me around."
    [tip] = t.text(journal)
    with t.services.sessions() as s:
        rec = s.scalar(select(Recommendation))
        assert rec is not None and rec.kind == "reply"
        item = t.services.recommender.item(rec.item_id)
        assert item is not None and item.sms in tip
        entry = s.scalar(select(JournalEntry))
        assert journal.encode() not in bytes(entry.text_encrypted)
    [more] = t.text("MORE", advance=timedelta(minutes=5))
    assert more.startswith("Here's one more") and more != tip
    [crisis] = t.text("I don't want to be alive anymore, I'm going to end my life tonight", CAROL)
    assert "988" in crisis
    assert t.count(SafetyEvent) == 1 and t.sub(CAROL) is None
    [crisis2] = t.text("I want to kill myself")
    assert "988" in crisis2 and t.sub().pause_reason == "crisis"
    for secret in (journal, "kill myself", ALICE, CAROL):
        assert secret not in caplog.text
