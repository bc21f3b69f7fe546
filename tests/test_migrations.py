from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage import current_revision, upgrade
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


def test_database_errors_do_not_echo_parameters(any_engine):
    """A failed statement's message must not carry its parameters (phone numbers)."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as info, any_engine.connect() as conn:
        conn.execute(text("INSERT INTO no_such_table (phone) VALUES (:p)"), {"p": "+15555550142"})
    assert "+15555550142" not in str(info.value)
