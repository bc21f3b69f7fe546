"""What the benchmarks share: memory readings from /proc, subprocess cases with a time cap,
throw-away databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("MEND_BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def proc_status_kb(field: str, pid: int | str = "self") -> int:
    """A ``kB`` field (VmRSS, VmHWM, ...) of /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def tree_rss_kb(pid: int) -> int:
    """RSS of a process and its children (uvicorn reloaders, multiprocessing helpers)."""
    total = proc_status_kb("VmRSS", pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            try:
                total += tree_rss_kb(int(child))
            except (FileNotFoundError, KeyError):
                pass
    return total


def run_case(module: str, args: list[str], timeout: float, env: dict | None = None) -> dict:
    """Run ``python -m module args`` in a fresh process; its last stdout line is a JSON result.

    If it runs past ``timeout`` seconds it is killed and the result says so, with the
    last progress line it printed (``{"progress": ...}`` JSON lines on stdout).
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)},
        start_new_session=True,  # its own process group: a timeout also stops any server it started
    )
    last: dict = {}
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        import signal

        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        timed_out = True
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                last = json.loads(line)
            except json.JSONDecodeError:
                continue
    elapsed = round(time.monotonic() - started, 2)
    if timed_out:
        return {"timed_out": True, "cap_seconds": timeout, "wall_seconds": elapsed, **last}
    if proc.returncode != 0:
        return {"error": f"exit code {proc.returncode}", "wall_seconds": elapsed, **last}
    return last


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MendServer:
    """``mend serve`` (or ``mend web``) as a subprocess on 127.0.0.1 with a temporary SQLite db.

    Known secrets: ``auth_token`` signs webhooks; ``public_url`` is what signatures are
    checked against. No Twilio account SID, so outbound goes to the in-memory gateway.
    """

    def __init__(self, command: str = "serve", *, auth_token: str = "bench-auth-token-0123456789",
                 database_url: str | None = None, extra_env: dict | None = None, startup_timeout: float = 180):
        import tempfile

        self.command = command
        self.port = free_port()
        self.public_url = f"http://127.0.0.1:{self.port}"
        self.auth_token = auth_token
        self._tmp = tempfile.TemporaryDirectory(prefix="mend-bench-")
        self.database_url = database_url or f"sqlite:///{Path(self._tmp.name) / 'mend.db'}"
        self.extra_env = extra_env or {}
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.startup_seconds: float | None = None

    def env(self) -> dict:
        from cryptography.fernet import Fernet

        env = {k: v for k, v in os.environ.items() if not k.startswith(("MEND_", "TWILIO_"))}
        env.update({
            "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "MEND_DATABASE_URL": self.database_url, "MEND_PUBLIC_URL": self.public_url,
            "MEND_ENCRYPTION_KEY": Fernet.generate_key().decode(), "TWILIO_AUTH_TOKEN": self.auth_token,
        })
        env.update(self.extra_env)
        return env

    def __enter__(self) -> MendServer:
        import httpx

        self._log = open(Path(self._tmp.name) / "server.log", "w")  # noqa: SIM115 - closed in __exit__
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mend.cli", self.command, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=self.env(), stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = started + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mend {self.command} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.public_url + "/healthz", timeout=1).status_code == 200:
                    self.startup_seconds = round(time.monotonic() - started, 2)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"mend {self.command} did not answer /healthz in {self.startup_timeout}s")

    def log_tail(self, lines: int = 30) -> str:
        path = Path(self._tmp.name) / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def peak_rss_mb(self) -> float:
        return round(proc_status_kb("VmHWM", self.proc.pid) / 1024, 1)

    def rss_mb(self) -> float:
        return round(proc_status_kb("VmRSS", self.proc.pid) / 1024, 1)

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
        self._tmp.cleanup()


def signed_inbound(server: MendServer, sender: str, body: str, sid: str, to: str = "+15555550199",
                   path: str = "/sms/inbound") -> tuple[str, dict, dict]:
    """(url, form, headers) of a Twilio incoming-message webhook signed with the server's token."""
    from twilio.request_validator import RequestValidator

    url = server.public_url + path
    form = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "0" * 32,
            "From": sender, "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1",
            "FromCountry": "US", "ToCountry": "US", "ApiVersion": "2010-04-01"}
    signature = RequestValidator(server.auth_token).compute_signature(url, form)
    return url, form, {"X-Twilio-Signature": signature}


def run_per_database(module: str, n: int, cap_seconds: float, passed: Callable[[dict], bool],
                     **defaults) -> list[dict]:
    """Run ``module --db DB --n N`` as a capped subprocess for SQLite then PostgreSQL; each
    result gets ``db``, any ``defaults`` it lacks (a timed-out case reports little) and
    ``pass`` (from ``passed``), and is printed as a JSON line."""
    results = []
    for db in ("sqlite", "postgres"):
        res = run_case(module, ["--db", db, "--n", str(n)], cap_seconds)
        res.setdefault("db", db)
        for key, value in defaults.items():
            res.setdefault(key, value)
        res["pass"] = bool(passed(res))
        results.append(res)
        print(json.dumps(res), flush=True)
    return results


@contextmanager
def bench_engine(db: str) -> Iterator:
    """An engine on a throw-away database: a SQLite file in a temporary folder, or a fresh
    PostgreSQL schema at PG_URL; removed again afterwards."""
    from sqlalchemy import create_engine, text

    from storage import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        if db == "sqlite":
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            try:
                yield engine
            finally:
                engine.dispose()
            return
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
