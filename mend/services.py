"""Wire Mend's dependencies in one place.

``build_services(config, ...)`` makes the engine, sessions, cipher, SMS gateway and
clock that the web app, the scheduler and the CLI share; tests pass their own.

The crisis screener and the recommender load the embedding model, so they are built on
first use (``services.screener``, ``services.recommender``): `mend serve` starts fast, and
tests inject their own through ``build_services(..., screener=..., recommender=...)``.

The gateway: :class:`sms.twilio_gateway.TwilioGateway` when ``TWILIO_ACCOUNT_SID``,
``TWILIO_AUTH_TOKEN`` and a sender (``TWILIO_FROM_NUMBER`` or
``TWILIO_MESSAGING_SERVICE_SID``) are set, else the in-memory gateway that prints to the
console (the embedded default).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import storage
from mend.config import Config
from storage import Cipher, load_cipher, make_engine, session_factory, upgrade

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The one place Mend reads the wall clock; everything else is handed ``now``."""
    return datetime.now(UTC)


def make_gateway(config: Config, clock: Clock = system_clock):
    """TwilioGateway when the Twilio secrets are all set, else the in-memory console gateway."""
    s = config.secrets
    if s.twilio_account_sid and s.twilio_auth_token and (s.twilio_from_number or s.twilio_messaging_service_sid):
        from sms.twilio_gateway import TwilioGateway

        return TwilioGateway(
            s.twilio_account_sid, s.twilio_auth_token, from_number=s.twilio_from_number,
            messaging_service_sid=s.twilio_messaging_service_sid,
            status_callback=config.server.public_url.rstrip("/") + "/sms/status",
            validity_period=config.sms.validity_period_seconds,
        )
    from sms.gateway import InMemoryGateway

    return InMemoryGateway(now=clock, echo=True)


def _load_screener(config: Config):
    from safety import load_screener

    return load_screener(config)


def _load_recommender(config: Config):
    from recommender import load_recommender

    return load_recommender(config)


@dataclass
class Services:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    cipher: Cipher
    clock: Clock = system_clock
    extras: dict = field(default_factory=dict)
    gateway: Any = None  # sms.gateway.SmsGateway
    screener_factory: Callable[[Config], Any] = _load_screener
    recommender_factory: Callable[[Config], Any] = _load_recommender
    write_gate: Any = field(init=False, repr=False)  # storage.write_gate(engine): SQLite writers take turns
    _loaded: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.write_gate = storage.write_gate(self.engine)

    def _lazy(self, name: str, factory: Callable[[Config], Any]) -> Any:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = factory(self.config)
            return self._loaded[name]

    @property
    def screener(self):
        """The crisis screener (``safety.Screener``), loaded on first use."""
        return self._lazy("screener", self.screener_factory)

    @property
    def recommender(self):
        """The recommender (``recommender.Recommender``), loaded on first use."""
        return self._lazy("recommender", self.recommender_factory)


def build_services(
    config: Config,
    *,
    engine: Engine | None = None,
    cipher: Cipher | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    gateway: Any = None,
    screener: Any = None,
    recommender: Any = None,
) -> Services:
    engine = engine or make_engine(config.database.url, root=config.root, pool_size=config.database.pool_size)
    if migrate:
        upgrade(engine)
    cipher = cipher or load_cipher(config.secrets.encryption_key, config.resolve("data"))
    clock = clock or system_clock
    services = Services(
        config=config, engine=engine, sessions=session_factory(engine), cipher=cipher,
        clock=clock, gateway=gateway if gateway is not None else make_gateway(config, clock),
    )
    if screener is not None:
        services.screener_factory = lambda _config: screener
    if recommender is not None:
        services.recommender_factory = lambda _config: recommender
    return services
