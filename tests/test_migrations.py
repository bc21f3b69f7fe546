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
