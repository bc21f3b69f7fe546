"""Leader election: one active planner at a time, a standby that takes over.

On PostgreSQL the leader holds a session-level advisory lock
(``pg_try_advisory_lock``) on a dedicated connection for as long as it lives. The
lock belongs to the connection, so PostgreSQL frees it the moment that connection
ends:

- the process is killed (kill -9, OOM): the kernel closes the socket and the server
  sees it at once;
- the host or network dies: TCP keepalives on both ends (``keepalives_*`` on the
  client, ``tcp_keepalives_*`` on the server) drop the connection within
  ``keepalive_seconds + 3 * 5`` seconds;
- the process hangs (stopped, deadlocked): the leader heartbeats its connection every
  ``heartbeat_seconds``; the session runs with ``idle_session_timeout`` set to
  ``3 * heartbeat_seconds``, so a leader that stops heartbeating loses its session,
  and with it the lock.

A standby polls ``pg_try_advisory_lock`` every ``poll_seconds`` (default 5 s), so it
takes over within ``poll_seconds`` of the lock being freed, well inside a minute.

A leader whose heartbeat fails has lost the lock (another process may hold it now):
``run_as_leader`` sets the ``stop`` event it handed to the leader's work, which must
return promptly. Planning is idempotent (the outbox's unique key), so the short
overlap while a frozen ex-leader notices is harmless.

On SQLite (one process, the embedded default) the lock is a no-op: always leader.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

__all__ = ["LeaderLock", "run_as_leader", "lock_key", "SCHEDULER_LOCK"]

log = logging.getLogger(__name__)

SCHEDULER_LOCK = "mend-scheduler"


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaderLock:
    """A named leadership lock. ``ensure()`` acquires it or checks it is still held.

    Not thread-safe by itself: one thread (the heartbeat) calls ``ensure``; others read
    ``is_leader``.
    """

    def __init__(
        self,
        engine: Engine,
        name: str = SCHEDULER_LOCK,
        *,
        heartbeat_seconds: float = 5.0,
        keepalive_seconds: int = 10,
        holder: str | None = None,
    ):
        self.name = name
        self.key = lock_key(name)
        self.holder = holder or default_holder()
        self.heartbeat_seconds = heartbeat_seconds
        self._postgres = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None
        self._leader = not self._postgres
        if self._postgres:
            idle_ms = max(1000, int(heartbeat_seconds * 3 * 1000))
            options = (
                f"-c idle_session_timeout={idle_ms} -c idle_in_transaction_session_timeout={idle_ms} "
                f"-c tcp_keepalives_idle={keepalive_seconds} -c tcp_keepalives_interval=5 "
                "-c tcp_keepalives_count=3 -c statement_timeout=10000"
            )
            self._engine = create_engine(
                engine.url,
                poolclass=NullPool,
                connect_args={
                    "keepalives": 1,
                    "keepalives_idle": keepalive_seconds,
                    "keepalives_interval": 5,
                    "keepalives_count": 3,
                    "connect_timeout": 10,
                    "options": options,
                    "application_name": f"mend-leader:{name}"[:63],
                },
            )
        else:
            self._engine = None

    @property
    def is_leader(self) -> bool:
        return self._leader

    def ensure(self) -> bool:
        """Try to take the lock if not held; heartbeat it if held. Returns whether we lead."""
        if not self._postgres:
            return True
        try:
            if self._conn is None:
                self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self._leader:
                self._conn.execute(text("SELECT 1"))  # heartbeat: keeps the session from idling out
            else:
                got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
                if got:
                    self._leader = True
                    log.info("leader lock %r taken by %s", self.name, self.holder)
        except DBAPIError as exc:
            if self._leader:
                log.warning("leader lock %r lost by %s: %s", self.name, self.holder, _first_line(exc))
            self._leader = False
            self._drop_connection()
        return self._leader

    def release(self) -> None:
        """Give the lock up (closing the connection frees it even if the unlock fails)."""
        if self._postgres and self._conn is not None:
            if self._leader:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                except DBAPIError:
                    pass
            self._drop_connection()
        self._leader = not self._postgres

    def backend_pid(self) -> int | None:
        """The PostgreSQL backend pid of the lock's connection (for operators and tests)."""
        if self._conn is None:
            return None
        return self._conn.execute(text("SELECT pg_backend_pid()")).scalar()

    def close(self) -> None:
        self.release()
        if self._engine is not None:
            self._engine.dispose()

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:  # noqa: BLE001 - the connection is gone either way
                pass


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def run_as_leader(
    engine: Engine,
    fn: Callable[[threading.Event], None],
    *,
    name: str = SCHEDULER_LOCK,
    stop: threading.Event | None = None,
    poll_seconds: float = 5.0,
    heartbeat_seconds: float = 5.0,
    on_standby: Callable[[], None] | None = None,
) -> None:
    """Wait to become leader, then run ``fn(lost)`` in this thread while holding the lock.

    ``lost`` is set when leadership is lost (heartbeat failed) or ``stop`` is set; ``fn``
    must then return promptly. After losing the lock this goes back to standby, until
    ``stop`` is set. On SQLite ``fn`` runs at once (single process).
    """
    stop = stop or threading.Event()
    lock = LeaderLock(engine, name, heartbeat_seconds=heartbeat_seconds)
    try:
        while not stop.is_set():
            if not lock.ensure():
                if on_standby:
                    on_standby()
                stop.wait(poll_seconds)
                continue
            lost = threading.Event()

            def _heartbeat(lost=lost):
                while not lost.is_set():
                    if stop.wait(lock.heartbeat_seconds) or not lock.ensure():
                        lost.set()

            beat = threading.Thread(target=_heartbeat, name=f"leader-heartbeat:{name}", daemon=True)
            beat.start()
            try:
                fn(lost)
            finally:
                lost.set()
                beat.join()
                if lock.is_leader:
                    lock.release()
            if not lock._postgres:
                return  # SQLite: fn ran once, to completion
    finally:
        lock.close()


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (for callers and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
