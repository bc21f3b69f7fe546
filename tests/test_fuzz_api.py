"""Bad input against the web app: schemathesis on its OpenAPI schema, hypothesis on signed webhooks.

The app is the real one (``mend.app.create_app``) on a temporary SQLite database, called
in-process over ASGI. Unsigned requests (what schemathesis sends) must be refused with a
4xx; *signed* requests with random fields, numbers, bodies and bytes must never get a 5xx,
and a well-formed signed text must get TwiML. The conversation runs with the in-memory
screener and recommender (tests/fakes.py) so thousands of cases run in seconds; the real
models are exercised by the webhook and load tests.

Cases run: schemathesis up to ``SCHEMA_EXAMPLES`` per operation (3 operations), hypothesis
``CASES`` per test; the counts are printed with ``pytest -s``.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
import schemathesis
from cryptography.fernet import Fernet
from fakes import FakeRecommender, FakeScreener
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from mend.app import create_app
from mend.config import ROOT, load_config
from mend.services import build_services
from sms.gateway import InMemoryGateway
from storage import Cipher

TOKEN = "fuzz-auth-token-0123456789abcdef"
PUBLIC = "https://mend.example"
SCHEMA_EXAMPLES = 60
CASES = {"inbound": 300, "status": 150, "raw": 200}
RAN: Counter = Counter()
_sids = itertools.count(1)


def _app(tmp_dir):
    cfg = load_config(ROOT / "config.yaml", env={"TWILIO_AUTH_TOKEN": TOKEN, "MEND_PUBLIC_URL": PUBLIC})
    cfg = cfg.replace(database={"url": f"sqlite:///{tmp_dir / 'fuzz.db'}"})
    services = build_services(cfg, cipher=Cipher(Fernet.generate_key()), gateway=InMemoryGateway(),
                              screener=FakeScreener(), recommender=FakeRecommender())
    return create_app(cfg, services=services)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return _app(tmp_path_factory.mktemp("fuzz-api"))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    print(f"\nfuzz cases run against the app: {dict(RAN)} (total {sum(RAN.values())})")


# -- schemathesis: every operation of the OpenAPI schema ------------------------------------------

def test_schemathesis_no_operation_ever_answers_5xx(app):
    # schemathesis' own pytest plugin does not run under this pytest, so each operation's
    # strategy is driven by hypothesis directly (the same generation, the same calls).
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {"POST /sms/inbound", "POST /sms/status"}
    for operation in operations:

        @settings(max_examples=SCHEMA_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call()
            RAN[f"schemathesis {case.method} {case.path}"] += 1
            assert response.status_code < 500, (case.method, case.path, response.status_code)
            if case.path.startswith("/sms/"):
                assert response.status_code in (400, 403, 413, 415), response.status_code  # unsigned: refused

        run()


_TWILIO_FORMS = {
    "/sms/inbound": (["From", "Body", "MessageSid"], ["From", "To", "Body", "MessageSid", "AccountSid", "NumMedia",
                                                      "SmsStatus", "FromCountry"]),
    "/sms/status": (["MessageSid", "MessageStatus"], ["MessageSid", "MessageStatus", "ErrorCode", "To", "From",
                                                      "AccountSid", "SmsStatus"]),
}


_FIELD_SCHEMAS = {  # the sender is one of the fictional numbers, so the conversation runs
    "From": {"type": "string", "pattern": "^\\+155555501[0-9]{2}$"},
    "Body": {"type": "string", "maxLength": 1600},
}


def _with_twilio_forms(spec: dict) -> dict:
    """The app's schema with the form fields Twilio sends declared, so schemathesis generates them."""
    for path, (required, fields) in _TWILIO_FORMS.items():
        spec["paths"][path]["post"]["requestBody"] = {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": {
                "type": "object", "required": required,
                "properties": {name: _FIELD_SCHEMAS.get(name, {"type": "string"}) for name in fields},
            }}}}
    return spec


def test_schemathesis_signed_twilio_forms_never_answer_5xx(app):
    """schemathesis generates the Twilio form fields; each request is signed, so it reaches the conversation."""
    schema = schemathesis.openapi.from_dict(_with_twilio_forms(app.openapi()))
    schema.app = app
    answered: Counter = Counter()
    for operation in (result.ok() for result in schema.get_all_operations()):
        if not operation.path.startswith("/sms/"):
            continue

        @settings(max_examples=SCHEMA_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            form = {str(k): str(v) for k, v in (case.body or {}).items()}
            case.body = form
            case.headers = {**(case.headers or {}), **_sign(case.path, form)}
            response = case.call()
            RAN[f"schemathesis signed {case.method} {case.path}"] += 1
            answered[(case.path, response.status_code)] += 1
            assert response.status_code < 500, (case.path, form, response.status_code)

        run()
    print(f"signed schemathesis answers: {dict(answered)}")
    assert answered[("/sms/inbound", 200)] > 0 and answered[("/sms/status", 204)] > 0, answered  # signed: accepted


# -- hypothesis: signed webhooks with random content ----------------------------------------------

def _sign(path: str, form: dict) -> dict:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)}


fictional = st.integers(0, 99).map(lambda n: f"+155555501{n:02d}")
any_from = st.one_of(fictional, fictional, st.text(max_size=25), st.just(""), st.just("+1555555010"))
bodies = st.one_of(
    st.sampled_from(["YES", "STOP", "HELP", "TIME 7:30pm", "TIME 25:99", "TZ london", "TZ nowhere",
                     "PAUSE 3 days", "PAUSE 99999", "RESUME", "MORE", "5", "\U0001f44d", "FORGET", "YES",
                     "I want to die", "start", "opt out"]),
    st.text(max_size=200),
    st.text(min_size=1500, max_size=2000),
)
extra_fields = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=30), max_size=4)


@settings(max_examples=CASES["inbound"], deadline=None, suppress_health_check=list(HealthCheck))
@given(sender=any_from, body=bodies, extra=extra_fields, with_sid=st.booleans())
def test_signed_inbound_with_random_content_never_answers_5xx(client, sender, body, extra, with_sid):
    form = {**extra, "From": sender, "To": "+15555550199", "Body": body, "AccountSid": "AC" + "0" * 32,
            "NumMedia": "0"}
    if with_sid:
        form["MessageSid"] = f"SM{next(_sids):032x}"
    response = client.post("/sms/inbound", data=form, headers=_sign("/sms/inbound", form))
    RAN["signed inbound"] += 1
    assert response.status_code < 500, (response.status_code, response.text[:200])
    well_formed = with_sid and sender.startswith("+155555501") and len(sender) == 12 and len(body) <= 1600
    if well_formed and response.status_code == 200:
        assert response.headers["content-type"].startswith(("application/xml", "text/xml"))


@settings(max_examples=CASES["status"], deadline=None, suppress_health_check=list(HealthCheck))
@given(sid=st.one_of(st.text(max_size=40), st.just("SM" + "a" * 32)),
       status=st.one_of(st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed", "read"]),
                        st.text(max_size=20)),
       code=st.one_of(st.none(), st.integers(-10, 99999).map(str), st.text(max_size=8)),
       extra=extra_fields)
def test_signed_status_callbacks_with_random_content_never_answer_5xx(client, sid, status, code, extra):
    form = {**extra, "MessageSid": sid, "MessageStatus": status, "To": "+15555550101",
            "AccountSid": "AC" + "0" * 32}
    if code is not None:
        form["ErrorCode"] = code
    response = client.post("/sms/status", data=form, headers=_sign("/sms/status", form))
    RAN["signed status"] += 1
    assert response.status_code < 500, (response.status_code, response.text[:200])


@settings(max_examples=CASES["raw"], deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=3000),
       ctype=st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain",
                              "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=latin-1"]),
       path=st.sampled_from(["/sms/inbound", "/sms/status"]),
       signature=st.one_of(st.just(""), st.text(max_size=40)))
def test_raw_bytes_of_any_kind_get_a_4xx(client, raw, ctype, path, signature):
    headers = {"Content-Type": ctype}
    if signature:
        headers["X-Twilio-Signature"] = signature.encode("ascii", "ignore").decode() or "x"
    response = client.post(path, content=raw, headers=headers)
    RAN["raw bytes"] += 1
    assert 400 <= response.status_code < 500, response.status_code
