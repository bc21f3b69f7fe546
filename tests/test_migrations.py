import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from storage import current_revision, make_engine, upgrade
from storage.models import Base


def test_migrations_match_models(any_engine):
    with any_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(any_engine):
    before = current_revision(any_engine)
    upgrade(any_engine)
    assert current_revision(any_engine) == before
    assert {"subscribers", "outbox", "messages"} <= set(inspect(any_engine).get_table_names())



@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_database_errors_do_not_echo_parameters(backend, tmp_path, request):
    """Engines from make_engine keep parameters (phone numbers) out of error messages."""
    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with pytest.raises(DBAPIError) as info, engine.connect() as conn:
        conn.execute(text("INSERT INTO no_such_table (phone) VALUES (:p)"), {"p": "+15555550142"})
    engine.dispose()
    assert "+15555550142" not in str(info.value)
