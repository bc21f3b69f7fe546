"""The Twilio implementation of :class:`sms.gateway.SmsGateway`, over the official client.

Vendor errors are translated here, at the boundary, into :class:`sms.errors.DeliveryError`
(nothing above this module imports ``twilio``):

=====================================================  =============================
what happened                                          DeliveryError
=====================================================  =============================
20429 / HTTP 429, HTTP 5xx                             transient
connection refused / connect timeout (never sent)      transient
21610, 21211, 21614, 30006, any other 4xx              permanent (``code`` set)
read timeout, connection dropped after sending,        outcome_unknown: reconcile with
an unreadable response                                 ``lookup()``, never resend blindly
=====================================================  =============================

``base_url`` points the client somewhere other than api.twilio.com; only loopback
addresses are accepted (the fake Twilio in ``sms/fake_twilio.py``), so a test can never
reach a real server by mistake.

``send`` and ``lookup`` may be called from several threads at once (the dispatcher sends a
wave concurrently). The official client is not thread-safe (its HTTP client keeps the last
response on itself and shares one ``requests.Session``; twilio-python issue #580), so each
call borrows a client of its own from a small pool and gives it back: as many clients (and
kept-alive connections) as there were calls in flight at once, each used by one thread at a time.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from sms.errors import PERMANENT_CODES, RATE_LIMITED, DeliveryError, LookupFailed, mask_phone
from sms.gateway import OutboundSms, ProviderMessage, SendResult

__all__ = ["TwilioGateway", "LOOPBACK_HOSTS"]

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# twilio's HTTP client logs request URLs at INFO, and a list URL carries the full phone
# number (To=...). This logger has no parent and passes only warnings.
_quiet_twilio_log = logging.Logger("sms.twilio_http", level=logging.WARNING)


def _check_loopback(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"TwilioGateway base_url must be a loopback address (the fake Twilio), got host {host!r}; "
            "leave base_url unset to talk to api.twilio.com"
        )
    return base_url.rstrip("/")


def _never_connected(exc: BaseException) -> bool:
    """Whether a requests ConnectionError happened before any byte of the request went out."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (NewConnectionError, ConnectionRefusedError)):
            return True
        reason = getattr(exc, "reason", None)  # urllib3 MaxRetryError keeps it here
        if isinstance(reason, (NewConnectionError, ConnectionRefusedError)):
            return True
        nested = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = nested or exc.__cause__ or exc.__context__
    return False


class TwilioGateway:
    """Sends through Twilio's Messages API; ``lookup`` lists earlier sends for reconciliation."""

    def __init__(self, account_sid: str, auth_token: str, from_number: str | None = None,
                 messaging_service_sid: str | None = None, base_url: str | None = None,
                 timeout: float = 10.0, status_callback: str | None = None,
                 validity_period: int | None = None):
        if not (from_number or messaging_service_sid):
            raise ValueError("TwilioGateway needs a sender: set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.validity_period = validity_period
        self._credentials = (account_sid, auth_token)
        self._timeout = timeout
        self._base_url = _check_loopback(base_url) if base_url is not None else None
        self._idle: queue.SimpleQueue[Client] = queue.SimpleQueue()
        first = self._new_client()
        self.base_url = first.api.base_url
        self._idle.put(first)

    def _new_client(self) -> Client:
        http = TwilioHttpClient(timeout=self._timeout, logger=_quiet_twilio_log)
        client = Client(*self._credentials, http_client=http)
        if self._base_url is not None:
            client.api.base_url = self._base_url
        return client

    @contextmanager
    def _client(self) -> Iterator[Client]:
        """A client no other thread is using (an idle one, or a new one), returned afterwards."""
        try:
            client = self._idle.get_nowait()
        except queue.Empty:
            client = self._new_client()
        try:
            yield client
        finally:
            self._idle.put(client)

    def send(self, message: OutboundSms) -> SendResult:
        kwargs = {"to": message.to, "body": message.body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        callback = message.status_callback or self.status_callback
        if callback:
            kwargs["status_callback"] = callback
        validity = message.validity_period or self.validity_period
        if validity:
            kwargs["validity_period"] = int(validity)
        try:
            with self._client() as client:
                created = client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise self._rest_error(message.to, exc) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise DeliveryError(to=message.to, code=None, transient=True, detail="connect timeout") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise DeliveryError(to=message.to, code=None, transient=True, outcome_unknown=True,
                                detail="timed out waiting for Twilio after sending") from exc
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                raise DeliveryError(to=message.to, code=None, transient=True,
                                    detail="connection refused before sending") from exc
            raise DeliveryError(to=message.to, code=None, transient=True, outcome_unknown=True,
                                detail="connection dropped after sending") from exc
        except (requests.exceptions.RequestException, TwilioException) as exc:
            raise DeliveryError(to=message.to, code=None, transient=True, outcome_unknown=True,
                                detail=type(exc).__name__) from exc
        log.info("twilio accepted %s to %s", created.sid, mask_phone(message.to))
        return SendResult(sid=created.sid, status=created.status or "queued")

    @staticmethod
    def _rest_error(to: str, exc: TwilioRestException) -> DeliveryError:
        code = exc.code if isinstance(exc.code, int) else None
        status = exc.status or 0
        if code in PERMANENT_CODES:
            return DeliveryError(to=to, code=code, transient=False, detail=f"HTTP {status}")
        if code == RATE_LIMITED or status == 429 or status >= 500:
            return DeliveryError(to=to, code=code, transient=True, detail=f"HTTP {status}")
        return DeliveryError(to=to, code=code, transient=False, detail=f"HTTP {status}")

    def lookup(self, to: str, since: datetime) -> list[ProviderMessage]:
        try:
            with self._client() as client:
                found = client.messages.list(to=to, date_sent_after=since, page_size=100)
        except (TwilioException, requests.exceptions.RequestException) as exc:
            raise LookupFailed(
                f"could not list Twilio messages to {mask_phone(to)} ({type(exc).__name__}); "
                "the reconcile job will try again"
            ) from exc
        return [
            ProviderMessage(sid=m.sid, to=m.to, body=m.body, status=str(m.status), date_created=m.date_created)
            for m in found
        ]
