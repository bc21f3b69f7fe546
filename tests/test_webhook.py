"""The webhooks over HTTP, with signed requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet
from fakes import FakeRecommender, FakeScreener
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from twilio.request_validator import RequestValidator

from mend.app import create_app
from mend.config import Secrets
from mend.services import build_services
from sms.fake_twilio import FakeTwilio
from sms.gateway import InMemoryGateway, OutboundSms
from sms.twilio_gateway import TwilioGateway
from sms.webhook import public_request_url, verify_signature
from storage import Cipher
from storage.models import (
    ACTIVE,
    OPTED_OUT,
    JournalEntry,
    Message,
    Recommendation,
    SafetyEvent,
    Subscriber,
)

TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = "https://mend.example.com"
ALICE, BOB, CAROL = "+15555550101", "+15555550102", "+15555550103"
MEND_NUMBER = "+15555550100"
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


# -- twilio-python's published request-validator vector ---------------------------------------

VECTOR_TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
                 "From": "+14158675309", "To": "+18005551212"}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_published_vector_is_accepted():
    assert verify_signature(VECTOR_TOKEN, VECTOR_URL, dict(VECTOR_PARAMS), VECTOR_SIGNATURE)


@pytest.mark.parametrize("key", sorted(VECTOR_PARAMS))
def test_any_changed_param_is_rejected(key):
    params = dict(VECTOR_PARAMS)
    params[key] = params[key] + "0"
    assert not verify_signature(VECTOR_TOKEN, VECTOR_URL, params, VECTOR_SIGNATURE)


@pytest.mark.parametrize("change", ["token", "url", "signature", "extra", "missing", "no-signature"])
def test_any_other_change_is_rejected(change):
    token, url, params, sig = VECTOR_TOKEN, VECTOR_URL, dict(VECTOR_PARAMS), VECTOR_SIGNATURE
    if change == "token":
        token = "12346"
    elif change == "url":
        url = url.replace("foo=1", "foo=2")
    elif change == "signature":
        sig = "RSOYDt4T1cUTdK1PDd93/VVr8B9="
    elif change == "extra":
        params["Body"] = "hi"
    elif change == "missing":
        del params["Digits"]
    elif change == "no-signature":
        sig = None
    assert not verify_signature(token, url, params, sig)


def test_no_token_verifies_nothing():
    assert not verify_signature(None, VECTOR_URL, dict(VECTOR_PARAMS), VECTOR_SIGNATURE)


def test_public_url_behind_a_proxy():
    headers = {"x-forwarded-proto": "https", "x-forwarded-host": "sms.example.org"}
    assert public_request_url("http://127.0.0.1:8000/mend", "/sms/inbound", "a=1", headers, True) == \
        "https://sms.example.org/mend/sms/inbound?a=1"
    assert public_request_url("http://127.0.0.1:8000", "/sms/inbound", "", headers, False) == \
        "http://127.0.0.1:8000/sms/inbound"


# -- the app over HTTP ----------------------------------------------------------------------

class Twilio:
    """Plays Twilio: signs and posts webhooks to the app, parses the TwiML back."""

    def __init__(self, client: TestClient, services, token=TOKEN, public=PUBLIC):
        self.client, self.services, self.token, self.public = client, services, token, public
        self._sids = itertools.count(1)
        self.clock = [T0]
        services.clock = lambda: self.clock[0]

    def signed(self, path, params, token=None):
        sig = RequestValidator(token or self.token).compute_signature(self.public + path, params)
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": sig})

    def text(self, body, phone=ALICE, *, sid=None, advance=timedelta(minutes=1)):
        self.clock[0] += advance
        params = {"From": phone, "To": MEND_NUMBER, "Body": body, "MessageSid": sid or f"SM{next(self._sids):032x}",
                  "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}
        r = self.signed("/sms/inbound", params)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/xml")
        return [m.text for m in ET.fromstring(r.text).iter("Message")]

    def count(self, model, *where):
        with self.services.sessions() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))

    def sub(self, phone=ALICE):
        with self.services.sessions() as s:
            return s.scalar(select(Subscriber).where(Subscriber.phone == phone))


def make_app(config, engine, *, token=TOKEN, gateway=None, public=PUBLIC, trust=True):
    cfg = config.replace(secrets=Secrets(twilio_auth_token=token),
                         server={"public_url": public, "trust_forwarded_headers": trust})
    services = build_services(cfg, engine=engine, cipher=Cipher(Fernet.generate_key()),
                              gateway=gateway or InMemoryGateway(), screener=FakeScreener(),
                              recommender=FakeRecommender())
    return create_app(cfg, services=services), services


@pytest.fixture
def twilio(config, any_engine):
    app, services = make_app(config, any_engine)
    with TestClient(app) as client:
        yield Twilio(client, services)


def test_the_whole_conversation_over_http(twilio, caplog):
    caplog.set_level(logging.DEBUG)
    t = twilio
    [consent] = t.text("hello")
    assert "Msg & data rates may apply" in consent and "YES" in consent
    [welcome] = t.text("YES")
    assert "9am" in welcome and t.sub().status == ACTIVE
    assert "7:30pm" in t.text("TIME 7:30pm")[0] and t.sub().daily_time == "19:30"
    assert "8am" in t.text("time 11pm")[0] and t.sub().daily_time == "19:30"
    assert "London" in t.text("TZ london")[0] and t.sub().timezone == "Europe/London"
    t.text("PAUSE 3 days")
    assert t.sub().pause_reason == "user"
    t.text("RESUME")
    assert t.sub().paused_until is None
    journal = "My best friend stopped answering my messages and I feel invisible."
    # seven replies so far today: the cap (6, replies included) holds the suggestion back
    assert t.text(journal) == []
    [tip] = t.text(journal, advance=timedelta(days=1))
    assert "calm, safe place" in tip
    [more] = t.text("MORE")
    assert "friend you trust" in more
    assert "Glad" in t.text("5")[0]
    with t.services.sessions() as s:
        assert [r.feedback for r in s.scalars(select(Recommendation).order_by(Recommendation.id))] == [None, 5]
    # journal text is encrypted at rest: read the raw columns
    with t.services.engine.connect() as conn:
        raw_journal = conn.execute(text("select text_encrypted from journal_entries")).scalars().all()
        raw_in = conn.execute(text("select body_encrypted from messages where direction = 'in'")).scalars().all()
    assert raw_journal and all(journal.encode() not in bytes(v) for v in raw_journal)
    assert all(journal.encode() not in bytes(v) for v in raw_in if v is not None)
    # crisis from a stranger
    [crisis] = t.text("I want to die tonight", CAROL)
    assert "988" in crisis and t.sub(CAROL) is None and t.count(SafetyEvent) == 1
    # idempotent MessageSid
    sid = "SM" + "f" * 32
    first = t.text("another entry", sid=sid)
    assert t.text("another entry", sid=sid) == first
    assert t.count(JournalEntry) == 3
    # FORGET with confirmation
    assert "FORGET YES" in t.text("FORGET")[0]
    assert "deleted" in t.text("YES")[0]
    assert t.sub().status == OPTED_OUT and t.count(JournalEntry) == 0 and t.count(Recommendation) == 0
    # STOP, then only START/HELP (and crisis) are answered
    t.text("START")
    assert t.sub().status == ACTIVE
    assert "unsubscribed" in t.text("STOP")[0]
    assert t.text("are you there?") == [] and t.text("MORE") == []
    assert "988" in t.text("HELP")[0]
    assert "988" in t.text("I want to kill myself")[0]
    assert "Welcome back" in t.text("UNSTOP")[0]
    # logs: no journal text, no full phone number
    assert caplog.records
    for secret in (journal, "I want to die", "another entry", ALICE, CAROL):
        assert secret not in caplog.text


def _counts(t):
    return (t.count(Message), t.count(Subscriber), t.count(JournalEntry))


@pytest.mark.parametrize("how", ["missing", "wrong-token", "wrong-url", "tampered"])
def test_bad_signature_is_403_and_changes_nothing(twilio, how):
    t = twilio
    t.text("hi")
    before = _counts(t)
    params = {"From": ALICE, "Body": "YES", "MessageSid": "SM" + "1" * 32}
    headers = {}
    if how != "missing":
        url = PUBLIC + ("/sms/inbound" if how != "wrong-url" else "/sms/other")
        token = TOKEN if how != "wrong-token" else "not-the-token"
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, params)
    if how == "tampered":
        params = {**params, "Body": "STOP"}
    r = t.client.post("/sms/inbound", data=params, headers=headers)
    assert r.status_code == 403
    assert _counts(t) == before and t.sub().status == "pending"


def test_without_an_auth_token_every_webhook_is_refused(config, tmp_path):
    from storage import make_engine

    app, services = make_app(config, make_engine(f"sqlite:///{tmp_path / 'x.db'}"), token=None)
    with TestClient(app) as client:
        params = {"From": ALICE, "Body": "hi", "MessageSid": "SM" + "2" * 32}
        sig = RequestValidator("").compute_signature(PUBLIC + "/sms/inbound", params)
        r = client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": sig})
        assert r.status_code == 403 and "TWILIO_AUTH_TOKEN" in r.json()["detail"]
        assert client.get("/healthz").json() == {"status": "ok"}


def test_forwarded_headers_rebuild_the_signed_url(config, any_engine):
    app, services = make_app(config, any_engine, public="http://127.0.0.1:8000")
    with TestClient(app) as client:
        params = {"From": ALICE, "Body": "hi", "MessageSid": "SM" + "3" * 32}
        sig = RequestValidator(TOKEN).compute_signature("https://sms.example.org/sms/inbound", params)
        headers = {"X-Twilio-Signature": sig, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.example.org"}
        assert client.post("/sms/inbound", data=params, headers=headers).status_code == 200
    app, services = make_app(config, any_engine, public="http://127.0.0.1:8000", trust=False)
    with TestClient(app) as client:
        params["MessageSid"] = "SM" + "4" * 32
        assert client.post("/sms/inbound", data=params, headers=headers).status_code == 403


def _post_raw(t, body: bytes, *, ctype="application/x-www-form-urlencoded", sign_params=None):
    headers = {"Content-Type": ctype}
    if sign_params is not None:
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(PUBLIC + "/sms/inbound", sign_params)
    return t.client.post("/sms/inbound", content=body, headers=headers)


def test_bad_bodies_get_4xx_never_500(twilio):
    t = twilio
    limit = t.services.config.sms.max_request_bytes
    before = _counts(t)
    assert _post_raw(t, b"Body=" + b"a" * (limit + 10)).status_code == 413
    assert _post_raw(t, b"From=%2B15555550101&Body=caf\xe9&MessageSid=SM1").status_code == 400
    assert _post_raw(t, b"From=%2B15555550101&Body=caf%E9&MessageSid=SM1").status_code == 400
    assert _post_raw(t, b'{"From": "x"}', ctype="application/json").status_code == 415
    # signed but missing Body / with an impossible number
    params = {"From": ALICE, "MessageSid": "SM" + "5" * 32}
    r = _post_raw(t, urlencode(params).encode(), sign_params=params)
    assert r.status_code == 400 and "Body" in r.json()["detail"]
    params = {"From": "12", "Body": "hi", "MessageSid": "SM" + "6" * 32}
    assert _post_raw(t, urlencode(params).encode(), sign_params=params).status_code == 400
    assert _counts(t) == before
    assert "Traceback" not in r.text


def test_oversized_body_without_content_length_is_413(twilio):
    t = twilio
    limit = t.services.config.sms.max_request_bytes

    def chunks():
        for _ in range(limit // 1000 + 2):
            yield b"a" * 1000

    r = t.client.post("/sms/inbound", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_status_callbacks_move_forward_only(config, any_engine):
    with FakeTwilio() as fake:
        gw = TwilioGateway(fake.account_sid, fake.auth_token, from_number=MEND_NUMBER, base_url=fake.base_url,
                           status_callback=PUBLIC + "/sms/status")
        app, services = make_app(config, any_engine, token=fake.auth_token, gateway=gw)
        with TestClient(app) as client:
            t = Twilio(client, services, token=fake.auth_token)
            sent = gw.send(OutboundSms(to=ALICE, body="A daily idea"))
            with services.sessions.begin() as s:
                s.add(Message(direction="out", phone=ALICE, kind="daily", body="A daily idea", twilio_sid=sent.sid,
                              status="queued", created_at=T0, updated_at=T0))

            def callback(state, code=None):
                url, params = fake.status_callback(sent.sid, state, code)
                assert url == PUBLIC + "/sms/status"
                r = t.signed("/sms/status", params)
                assert r.status_code == 204
                with services.sessions() as s:
                    m = s.scalar(select(Message).where(Message.twilio_sid == sent.sid))
                    return m.status, m.error_code

            assert callback("sent") == ("sent", None)
            assert callback("delivered") == ("delivered", None)
            assert callback("sent") == ("delivered", None)  # late "sent" never overwrites
            assert callback("queued") == ("delivered", None)
            r = t.client.post("/sms/status", data={"MessageSid": sent.sid, "MessageStatus": "failed"})
            assert r.status_code == 403
            _, params = fake.status_callback(sent.sid, "sent")
            params["MessageSid"] = "SM" + "9" * 32  # unknown: accepted, nothing to change
            assert t.signed("/sms/status", params).status_code == 204


def test_undelivered_keeps_the_error_code(twilio):
    t = twilio
    with t.services.sessions.begin() as s:
        s.add(Message(direction="out", phone=ALICE, kind="daily", body="x", twilio_sid="SM" + "7" * 32,
                      status="sent", created_at=T0, updated_at=T0))
    params = {"MessageSid": "SM" + "7" * 32, "MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert t.signed("/sms/status", params).status_code == 204
    params["MessageStatus"] = "delivered"
    assert t.signed("/sms/status", params).status_code == 204
    with t.services.sessions() as s:
        m = s.scalar(select(Message).where(Message.twilio_sid == "SM" + "7" * 32))
        assert (m.status, m.error_code) == ("undelivered", 30006)
