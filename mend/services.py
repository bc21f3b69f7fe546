"""Wire Mend's dependencies in one place.

``build_services(config, ...)`` makes the engine, sessions, cipher, SMS gateway and
clock that the web app, the scheduler and the CLI share; tests pass their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mend.config import Config
from storage import Cipher, load_cipher, make_engine, session_factory, upgrade

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The one place Mend reads the wall clock; everything else is handed ``now``."""
    return datetime.now(UTC)


@dataclass
class Services:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    cipher: Cipher
    clock: Clock = system_clock
    extras: dict = field(default_factory=dict)


def build_services(
    config: Config,
    *,
    engine: Engine | None = None,
    cipher: Cipher | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
) -> Services:
    engine = engine or make_engine(config.database.url, root=config.root, pool_size=config.database.pool_size)
    if migrate:
        upgrade(engine)
    cipher = cipher or load_cipher(config.secrets.encryption_key, config.resolve("data"))
    return Services(
        config=config, engine=engine, sessions=session_factory(engine), cipher=cipher,
        clock=clock or system_clock,
    )
