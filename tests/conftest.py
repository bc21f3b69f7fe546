"""Shared fixtures: a clean environment per test, real databases, the real model once.

Factories for test data live in tests/factories.py. Phone numbers in tests are
fictional 555-01xx numbers only.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from mend.config import ROOT, build_config, load_config

POSTGRES_ADMIN_URL = os.environ.get("MEND_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
_ENV_PREFIXES = ("MEND_", "TWILIO_")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """Tests never see the developer's Mend/Twilio environment."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES) and name != "MEND_TEST_POSTGRES_URL":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def config(tmp_path):
    """The project's config.yaml, with the database in a temporary folder."""
    cfg = load_config(ROOT / "config.yaml", env={})
    return cfg.replace(database={"url": f"sqlite:///{tmp_path / 'mend.db'}"})


@pytest.fixture
def make_config(tmp_path):
    def _make(data=None, env=None):
        return build_config(data or {}, env=env or {}, root=ROOT)

    return _make


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    from recommender.model import shared_embedder

    return shared_embedder()


@pytest.fixture
def calibration_texts():
    """A small calibration split: (crisis texts, safe texts, their Examples with split "calibration")."""
    from safety.labelled import Example

    crisis = ["i cant do this anymore", "nobody would notice if i was gone", "he said he'd hurt me tonight",
              "my chest hurts and i cant breathe", "i want to disappear for good", "i'm so done with everything"]
    safe = ["a calm day", "finished the laundry", "my ex blocked me and I'm furious", "done with dating apps",
            "I cried all night but I'm ok", "tired", "my sister is in the hospital", "work was brutal",
            "I feel empty since she left", "nothing helps with this heartbreak"]
    examples = ([Example(t, "crisis", "suicide-or-self-harm", "direct", "calibration") for t in crisis]
                + [Example(t, "safe", None, "sad", "calibration") for t in safe])
    return crisis, safe, examples


def _postgres_available() -> str | None:
    try:
        eng = create_engine(POSTGRES_ADMIN_URL)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except OperationalError as exc:
        return f"no PostgreSQL at {POSTGRES_ADMIN_URL}: {str(exc.orig).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_url():
    """A URL for a fresh, empty PostgreSQL schema; skipped with the reason when no server answers."""
    reason = _postgres_available()
    if reason:
        pytest.skip(reason)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def pg_engine(postgres_url):
    """An engine on a throw-away PostgreSQL schema (search_path set per connection)."""
    from sqlalchemy import event

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(postgres_url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _set_path(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute(f'SET search_path TO "{schema}"')
        cur.close()
        dbapi_conn.commit()

    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request, tmp_path):
    """A migrated engine on SQLite and, where a server answers, on PostgreSQL."""
    from storage import make_engine, upgrade

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'mend.db'}")
    else:
        engine = request.getfixturevalue("pg_engine")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def artifacts_dir() -> Path:
    path = ROOT / "tests" / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
