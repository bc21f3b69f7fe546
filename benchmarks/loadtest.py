"""A bounded, open-loop load test of the inbound webhook on loopback.

Starts ``mend serve`` (or ``mend web``) on 127.0.0.1 with a temporary database and a
known ``TWILIO_AUTH_TOKEN``/``MEND_PUBLIC_URL``, signs every request the way Twilio does
(``RequestValidator.compute_signature``), opts in 30 fictional numbers
(+15555550100..129) first, then sends requests on a fixed arrival schedule (request i at
``i / rate`` seconds, whether or not earlier ones have answered), so a slow server cannot
slow the load down and hide its own latency. Latency is measured from each request's
scheduled time to its response. The timed requests are pre-built bytes sent over plain
asyncio streams (see ``_Client``), so the load generator takes little of the CPU the server
under test needs; the result reports both processes' CPU use.

Each request has a unique MessageSid; bodies are a mix of keywords (HELP, TIME, MORE,
ratings) and journal texts (the safety screen and the recommender run on those).

    python -m benchmarks.loadtest --rate 100 --duration 60 --journal-share 0.5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks._common import MendServer, signed_inbound

REQUEST_DEADLINE = 10.0  # seconds; a request without an answer by then counts as an error
NUMBERS = [f"+155555501{i:02d}" for i in range(100)]
KEYWORDS = ["HELP", "help!", "TIME 7:30pm", "time 19:30", "MORE", "4", "5", "INFO", "TIME 9am", "2"]
JOURNAL = [
    "I keep replaying the moment she said she needed space. I feel like I'm too much for people.",
    "Didn't get invited to the team lunch again today. Trying not to read into it but it stings.",
    "He left me on read for three days. I know it shouldn't matter this much but it does.",
    "Got the rejection email from the job I really wanted. Spent the evening on the couch.",
    "My sister cancelled our plans last minute and I felt like a kid being left out again.",
    "Feeling a bit lighter today. Went for a walk and called an old friend.",
    "I keep checking his profile even though I told myself I'd stop.",
    "Everyone in the group chat answered each other but not me. I feel invisible.",
    "Had a decent day. Still thinking about the breakup at night though.",
    "I said no to something for the first time and the guilt is loud.",
]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[idx]


def _raw_post(url: str, form: dict, headers: dict) -> bytes:
    """The bytes of one HTTP/1.1 keep-alive POST of ``form``, built before the timed run."""
    parts = urlsplit(url)
    body = urlencode(form).encode()
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}",
             "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Client:
    """A lean open-loop HTTP/1.1 client: a request takes an idle keep-alive connection or
    opens a new one, so a slow answer never holds back the next request's send time.

    httpx costs about a millisecond of CPU per request; on a 2-core machine shared with the
    server that is a large share of a core taken from the server under test, so the timed
    run uses pre-built request bytes over plain asyncio streams.
    """

    IDLE_SECONDS = 2.0  # below the server's keep-alive timeout (uvicorn: 5 s), so it never closes one under us

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self.idle:
            reader, writer, since = self.idle.pop()
            if time.monotonic() - since < self.IDLE_SECONDS and not reader.at_eof():
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    async def post(self, raw: bytes) -> int:
        reader, writer = await self._connection()
        try:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            length, close = 0, False
            for line in header_lines:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if length:
                await reader.readexactly(length)
        except BaseException:
            writer.close()  # a half-read answer (or a cancelled one) leaves the stream unusable
            raise
        if close:
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return int(status_line.split()[1])

    def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drive(server: MendServer, rate: float, duration: float, journal_share: float, seed: int) -> dict:
    import httpx

    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=10.0) as client:
        # Opt everyone in (not timed): first text gets the consent request, YES confirms.
        async def opt_in(i: int, number: str) -> None:
            for j, body in enumerate(("Hi", "YES")):
                url, form, headers = signed_inbound(server, number, body, f"SMwarm{i:04d}{j}{'0' * 24}")
                resp = await client.post(url, data=form, headers=headers, timeout=300)  # first: model load
                resp.raise_for_status()

        await opt_in(0, NUMBERS[0])
        await asyncio.gather(*(opt_in(i, n) for i, n in enumerate(NUMBERS) if i))
        # One journal text from each kind of path, so lazy model loads are not in the timed run.
        url, form, headers = signed_inbound(server, NUMBERS[0], JOURNAL[0], "SMwarmjournal" + "0" * 21)
        (await client.post(url, data=form, headers=headers, timeout=180)).raise_for_status()

    total = int(rate * duration)
    plan = []
    for i in range(total):
        # Each journal text is unique (as real ones are), so no embedding is reused across requests.
        body = (f"{rng.choice(JOURNAL)} Day {i}: {rng.choice(JOURNAL).lower()}"
                if rng.random() < journal_share else rng.choice(KEYWORDS))
        plan.append(_raw_post(*signed_inbound(server, rng.choice(NUMBERS), body, f"SM{i:032x}")))
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lean = _Client("127.0.0.1", server.port)
    server_cpu0, client_cpu0 = _cpu_seconds(server.proc.pid), time.process_time()
    t0 = time.perf_counter() + 0.5

    async def one(i: int) -> None:
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            # A hard per-request deadline, so the run is bounded.
            status = await asyncio.wait_for(lean.post(plan[i]), REQUEST_DEADLINE)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError) as exc:
            kind = f"no answer within {REQUEST_DEADLINE:g}s" if isinstance(exc, TimeoutError) else type(exc).__name__
            errors[kind] = errors.get(kind, 0) + 1
            return
        if status != 200:
            errors[str(status)] = errors.get(str(status), 0) + 1
            return
        latencies.append((time.perf_counter() - scheduled) * 1000)

    await asyncio.gather(*(one(i) for i in range(total)))
    wall = time.perf_counter() - t0
    server_cpu, client_cpu = _cpu_seconds(server.proc.pid) - server_cpu0, time.process_time() - client_cpu0
    lean.close()
    return {
        "target_rate": rate, "duration_seconds": duration, "requests": total,
        "achieved_rate": round(total / wall, 1), "ok": len(latencies),
        "errors": sum(errors.values()), "errors_by_kind": errors, "journal_share": journal_share,
        "p50_ms": round(_percentile(latencies, 50), 1), "p90_ms": round(_percentile(latencies, 90), 1),
        "p99_ms": round(_percentile(latencies, 99), 1), "max_ms": round(max(latencies, default=float("nan")), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "server_cpu_cores": round(server_cpu / wall, 2), "client_cpu_cores": round(client_cpu / wall, 2),
    }


def run(rate: float = 100, duration: float = 60, journal_share: float = 0.5, command: str = "serve",
        seed: int = 1, config: str | None = None) -> dict:
    """``config``: a config.yaml for the server (MEND_CONFIG), e.g. with ``safety.reader: false``."""
    with MendServer(command, extra_env={"MEND_CONFIG": str(config)} if config else None) as server:
        result = asyncio.run(_drive(server, rate, duration, journal_share, seed))
        result.update({"command": f"mend {command}", "server_peak_rss_mb": server.peak_rss_mb(),
                       "server_startup_seconds": server.startup_seconds})
    result["pass"] = result["errors"] == 0 and result["p99_ms"] < 300
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--journal-share", type=float, default=0.5)
    parser.add_argument("--command", choices=["serve", "web"], default="serve")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--config", help="a config.yaml for the server (default: the checkout's)")
    args = parser.parse_args()
    print(json.dumps(run(args.rate, args.duration, args.journal_share, args.command, args.seed, args.config)))
