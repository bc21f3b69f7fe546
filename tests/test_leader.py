"""Leader election: one planner at a time, a standby that takes over when the leader dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from mend.config import ROOT
from scheduler.leader import LeaderLock, lock_key, run_as_leader, wait_for

# A child process that takes the lock, says so, heartbeats, and reports losing it.
_CHILD = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import create_engine
    from scheduler.leader import LeaderLock
    url, name, beat = sys.argv[1], sys.argv[2], float(sys.argv[3])
    lock = LeaderLock(create_engine(url), name, heartbeat_seconds=beat)
    while not lock.ensure():
        time.sleep(0.1)
    print("LEADER", lock.backend_pid(), flush=True)
    while lock.ensure():
        time.sleep(beat)
    print("LOST", flush=True)
    """
)


def _spawn_leader(url: str, name: str, heartbeat: float = 0.5) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, name, str(heartbeat)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = proc.stdout.readline().split()
    assert line and line[0] == "LEADER", f"child did not become leader: {line}"
    return proc, int(line[1])


@pytest.fixture
def lock_name():
    return f"test-leader-{uuid.uuid4().hex[:8]}"


def test_lock_key_is_stable_and_distinct():
    assert lock_key("mend-scheduler") == lock_key("mend-scheduler")
    assert lock_key("a") != lock_key("b")
    assert -(2**63) <= lock_key("mend-scheduler") < 2**63


def test_sqlite_is_always_leader_and_runs_once(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    lock = LeaderLock(engine)
    assert lock.ensure() and lock.is_leader
    runs = []
    run_as_leader(engine, lambda lost: runs.append(lost.is_set()), poll_seconds=0.01)
    assert runs == [False]


@pytest.mark.postgres
def test_only_one_leader_and_handover_on_release(postgres_url, lock_name):
    a = LeaderLock(create_engine(postgres_url), lock_name, holder="a")
    b = LeaderLock(create_engine(postgres_url), lock_name, holder="b")
    try:
        assert a.ensure() is True
        assert b.ensure() is False
        assert a.ensure() is True  # heartbeat keeps it
        assert b.ensure() is False
        a.release()
        assert b.ensure() is True
        assert a.ensure() is False
    finally:
        a.close()
        b.close()


@pytest.mark.postgres
def test_standby_takes_over_after_kill_9_of_the_leader(postgres_url, lock_name):
    proc, _ = _spawn_leader(postgres_url, lock_name)
    standby = LeaderLock(create_engine(postgres_url), lock_name)
    try:
        assert standby.ensure() is False
        killed = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert wait_for(standby.ensure, timeout=60, interval=0.2), "standby never took over"
        takeover = time.monotonic() - killed
        print(f"takeover after kill -9: {takeover:.2f}s")
        assert takeover < 60
    finally:
        standby.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.postgres
def test_frozen_leader_loses_the_lock_and_notices_when_it_wakes(postgres_url, lock_name):
    # Heartbeat 0.5 s -> idle_session_timeout 1.5 s: a stopped leader's session is dropped.
    proc, _ = _spawn_leader(postgres_url, lock_name, heartbeat=0.5)
    standby = LeaderLock(create_engine(postgres_url), lock_name)
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        assert wait_for(standby.ensure, timeout=30, interval=0.2), "standby never took over from a frozen leader"
        os.kill(proc.pid, signal.SIGCONT)
        assert proc.stdout.readline().strip() == "LOST"
        assert proc.wait(10) == 0
        assert standby.ensure() is True
    finally:
        standby.close()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
            proc.wait()


@pytest.mark.postgres
def test_run_as_leader_stops_work_when_the_connection_is_terminated(postgres_url, lock_name):
    engine = create_engine(postgres_url)
    stop = threading.Event()
    events: list[str] = []
    pids: list[int] = []

    def work(lost: threading.Event) -> None:
        events.append("elected")
        with engine.connect() as conn:
            pids.append(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = :a"
            ), {"a": f"mend-leader:{lock_name}"}).scalar())
        lost.wait(30)
        events.append("lost")
        stop.set()

    runner = threading.Thread(
        target=run_as_leader, args=(engine, work),
        kwargs={"name": lock_name, "stop": stop, "poll_seconds": 0.1, "heartbeat_seconds": 0.2},
    )
    runner.start()
    try:
        assert wait_for(lambda: bool(pids), timeout=10)
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pids[0]})
        runner.join(15)
        assert not runner.is_alive()
        assert events == ["elected", "lost"]
    finally:
        stop.set()
        runner.join(5)
        engine.dispose()


@pytest.mark.postgres
def test_two_mend_schedulers_one_leads_and_the_standby_takes_over_after_kill_9(postgres_url, tmp_path):
    """`mend scheduler` twice on one database: one leads, the other waits; kill -9 the leader."""
    from cryptography.fernet import Fernet

    schema = f"l_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{postgres_url}?options=-csearch_path%3D{schema}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEND_", "TWILIO_"))}
    env.update({"PYTHONPATH": str(ROOT), "MEND_DATABASE_URL": url, "MEND_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    procs = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "mend.cli", "scheduler"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        return proc

    def first_line_with(proc, words) -> str:
        for line in proc.stdout:
            if any(w in line for w in words):
                return line
        return ""

    try:
        leader = start()
        assert "(leader)" in first_line_with(leader, ["(leader)", "standby", "Error"])
        standby = start()
        assert "standby" in first_line_with(standby, ["(leader)", "standby", "Error"])
        killed = time.monotonic()
        os.kill(leader.pid, signal.SIGKILL)
        assert "(leader)" in first_line_with(standby, ["(leader)", "Error"])
        takeover = time.monotonic() - killed
        print(f"mend scheduler standby took over {takeover:.1f}s after kill -9 of the leader")
        assert takeover < 60
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(30) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
