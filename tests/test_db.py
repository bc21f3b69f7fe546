"""storage.db on SQLite: transactions that ask to begin IMMEDIATE, and the write gate."""

from __future__ import annotations

import threading

from sqlalchemy import text

from storage import IMMEDIATE_WRITE, make_engine, write_gate


def test_a_transaction_that_read_first_can_still_write_after_another_writer(tmp_path):
    """With deferred transactions, A reads, B writes and commits, then A's write fails at once
    with "database is locked" (its snapshot is stale; SQLite does not retry). A begun with
    IMMEDIATE_WRITE makes B wait for A instead, and both commit."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    a_has_read, errors = threading.Event(), []

    def writer_b():
        a_has_read.wait(10)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    b = threading.Thread(target=writer_b)
    b.start()
    with engine.connect() as conn, conn.execution_options(**IMMEDIATE_WRITE).begin():
        conn.execute(text("SELECT count(*) FROM t")).scalar_one()
        a_has_read.set()
        b.join(0.3)  # B runs now; with IMMEDIATE it waits for A's transaction to end
        conn.execute(text("INSERT INTO t VALUES (1)"))
    b.join(10)
    assert not errors
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2]


def test_plain_transactions_stay_deferred_so_readers_do_not_block_each_other(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    with engine.begin() as a, engine.begin() as b:  # two open read transactions at once
        assert a.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
        assert b.execute(text("SELECT count(*) FROM t")).scalar_one() == 0


def test_the_write_gate_is_a_lock_on_sqlite_and_a_no_op_elsewhere(tmp_path):
    gate = write_gate(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    with gate:
        assert gate.locked()
    assert not gate.locked()
    with write_gate(make_engine("postgresql+psycopg://127.0.0.1:5432/test")) as nothing:
        assert nothing is None
