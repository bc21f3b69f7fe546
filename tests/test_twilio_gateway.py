"""TwilioGateway with the real twilio library against the fake Twilio on 127.0.0.1."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from sms.errors import DeliveryError, LookupFailed
from sms.fake_twilio import FakeTwilio
from sms.gateway import OutboundSms
from sms.twilio_gateway import TwilioGateway

TO = "+15555550101"
OTHER = "+15555550102"
FROM = "+15555550100"
CALLBACK = "http://127.0.0.1:8000/sms/status"


@pytest.fixture
def fake():
    with FakeTwilio() as f:
        yield f


def make_gateway(fake, **overrides):
    kwargs = dict(account_sid=fake.account_sid, auth_token=fake.auth_token, from_number=FROM,
                  base_url=fake.base_url, timeout=1.0)
    kwargs.update(overrides)
    return TwilioGateway(**kwargs)


def send(gw, to=TO, body="Take a slow breath.", **kw):
    return gw.send(OutboundSms(to=to, body=body, status_callback=CALLBACK, validity_period=600, **kw))


def test_send_returns_twilio_shaped_sid_and_records_every_field(fake):
    result = send(make_gateway(fake))
    assert re.fullmatch(r"SM[0-9a-f]{32}", result.sid)
    assert result.status == "queued"
    [msg] = fake.messages
    assert (msg.sid, msg.to, msg.from_, msg.body) == (result.sid, TO, FROM, "Take a slow breath.")
    assert msg.status_callback == CALLBACK
    assert msg.validity_period == 600
    assert msg.messaging_service_sid is None


def test_messaging_service_sid_replaces_from(fake):
    gw = make_gateway(fake, from_number=None, messaging_service_sid="MG" + "0" * 32)
    send(gw)
    [msg] = fake.messages
    assert msg.from_ is None and msg.messaging_service_sid == "MG" + "0" * 32


def test_gateway_defaults_for_callback_and_validity(fake):
    gw = make_gateway(fake, status_callback=CALLBACK, validity_period=900)
    gw.send(OutboundSms(to=TO, body="hi"))
    [msg] = fake.messages
    assert (msg.status_callback, msg.validity_period) == (CALLBACK, 900)


def test_wrong_credentials_are_a_permanent_error(fake):
    gw = make_gateway(fake, auth_token="not-the-token")
    with pytest.raises(DeliveryError) as info:
        send(gw)
    assert info.value.code == 20003 and not info.value.transient
    assert fake.messages == []


@pytest.mark.parametrize("code", [21610, 21211, 21614, 30006])
def test_permanent_codes(fake, code):
    fake.inject(str(code))
    with pytest.raises(DeliveryError) as info:
        send(make_gateway(fake))
    err = info.value
    assert (err.code, err.transient, err.outcome_unknown) == (code, False, False)
    assert fake.messages == []
    assert "+1555***0101" in str(err) and TO not in str(err)


@pytest.mark.parametrize("outcome,code", [("20429", 20429), ("500", 20500), ("503", 20503)])
def test_transient_codes_then_success(fake, outcome, code):
    gw = make_gateway(fake)
    fake.inject(outcome)
    with pytest.raises(DeliveryError) as info:
        send(gw)
    assert (info.value.code, info.value.transient, info.value.outcome_unknown) == (code, True, False)
    assert fake.messages == []
    send(gw)  # the queue is spent: the retry goes through
    assert len(fake.messages) == 1


def test_timeout_after_sending_is_outcome_unknown_and_lookup_finds_it(fake):
    gw = make_gateway(fake, timeout=0.5)
    since = datetime.now(UTC) - timedelta(seconds=5)
    fake.inject("hang")
    started = time.monotonic()
    with pytest.raises(DeliveryError) as info:
        send(gw)
    assert time.monotonic() - started < 5
    assert info.value.outcome_unknown and info.value.transient
    [found] = gw.lookup(TO, since)
    assert found.sid == fake.messages[0].sid and found.body == "Take a slow breath."


def test_connection_refused_before_sending_is_transient(fake):
    gw = make_gateway(fake)
    with fake.down():
        with pytest.raises(DeliveryError) as info:
            send(gw)
    assert info.value.transient and not info.value.outcome_unknown
    assert "refused" in str(info.value)
    send(gw)
    assert len(fake.messages) == 1


def test_connection_reset_without_response_is_outcome_unknown(fake):
    fake.inject("refuse")
    with pytest.raises(DeliveryError) as info:
        send(make_gateway(fake))
    assert info.value.outcome_unknown
    assert fake.messages == []


def test_rule_per_recipient_applies_only_to_them(fake):
    gw = make_gateway(fake)
    fake.inject("21610", to=TO, times=None)
    for _ in range(3):
        with pytest.raises(DeliveryError):
            send(gw, to=TO)
    send(gw, to=OTHER)
    assert [m.to for m in fake.messages] == [OTHER]


def test_random_fault_rate_is_reproducible_with_a_seed():
    def run(seed):
        with FakeTwilio() as f:
            f.set_fault_rate(0.5, seed=seed, outcomes=("500", "20429"))
            gw = make_gateway(f)
            outcomes = []
            for _ in range(20):
                try:
                    send(gw)
                    outcomes.append("ok")
                except DeliveryError as exc:
                    outcomes.append(exc.code)
            return outcomes

    first = run(7)
    assert first == run(7)
    assert 0 < first.count("ok") < 20


def test_lookup_filters_by_recipient_and_date_and_pages():
    clock = [datetime(2025, 3, 1, 12, 0, tzinfo=UTC)]
    with FakeTwilio(clock=lambda: clock[0], page_size=2) as f:
        gw = make_gateway(f)
        for i in range(5):
            clock[0] += timedelta(minutes=10)
            send(gw, to=TO if i != 2 else OTHER, body=f"tip {i}")
        found = gw.lookup(TO, datetime(2025, 3, 1, 12, 15, tzinfo=UTC))
    assert sorted(m.body for m in found) == ["tip 1", "tip 3", "tip 4"]
    assert all(m.date_created.tzinfo is not None for m in found)


def test_lookup_failure_is_lookupfailed(fake):
    gw = make_gateway(fake)
    with fake.down(), pytest.raises(LookupFailed, match="reconcile"):
        gw.lookup(TO, datetime.now(UTC))


def test_non_loopback_base_url_is_refused():
    with pytest.raises(ValueError, match="loopback"):
        TwilioGateway("AC" + "0" * 32, "token", from_number=FROM, base_url="https://api.twilio.com")


def test_a_sender_is_required():
    with pytest.raises(ValueError, match="TWILIO_FROM_NUMBER"):
        TwilioGateway("AC" + "0" * 32, "token", base_url="http://127.0.0.1:1")


def test_status_callback_params(fake):
    result = send(make_gateway(fake))
    url, params = fake.status_callback(result.sid, "undelivered", error_code=30006)
    assert url == CALLBACK
    assert params["MessageSid"] == result.sid and params["MessageStatus"] == "undelivered"
    assert params["ErrorCode"] == "30006"
    assert fake.messages[0].status == "undelivered"


def test_unknown_fault_name_is_refused(fake):
    with pytest.raises(ValueError, match="known"):
        fake.inject("418")


def test_concurrent_sends_each_get_their_own_sid_and_never_share_a_client(fake, monkeypatch):
    """The dispatcher sends a wave from several threads through one gateway. The official
    client is not thread-safe, so no client may serve two threads at once (each client here
    is watched), and each send must come back with its own message's SID."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    shared = []
    new_client = TwilioGateway._new_client

    def watched_client(self):
        client = new_client(self)
        request, busy = client.http_client.request, threading.Lock()

        def one_at_a_time(*args, **kwargs):
            if not busy.acquire(blocking=False):
                shared.append(threading.current_thread().name)
                return request(*args, **kwargs)
            try:
                time.sleep(0.002)  # widen the window a second thread would hit
                return request(*args, **kwargs)
            finally:
                busy.release()

        client.http_client.request = one_at_a_time
        return client

    monkeypatch.setattr(TwilioGateway, "_new_client", watched_client)
    gw = make_gateway(fake)
    texts = {f"+155555501{n:02d}": f"Slow breath number {n}." for n in range(60)}
    with ThreadPoolExecutor(8) as pool:
        sids = dict(zip(texts, pool.map(lambda to: send(gw, to=to, body=texts[to]).sid, texts), strict=True))
    assert shared == []
    by_sid = {m.sid: m for m in fake.messages}
    assert len(by_sid) == 60
    assert all((by_sid[sid].to, by_sid[sid].body) == (to, texts[to]) for to, sid in sids.items())
