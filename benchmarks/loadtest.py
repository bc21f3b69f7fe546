"""A bounded, open-loop load test of the inbound webhook on loopback.

Starts ``mend serve`` (or ``mend web``) on 127.0.0.1 with a temporary database and a
known ``TWILIO_AUTH_TOKEN``/``MEND_PUBLIC_URL``, signs every request the way Twilio does
(``RequestValidator.compute_signature``), opts in 30 fictional numbers
(+15555550100..129) first, then sends requests on a fixed arrival schedule (request i at
``i / rate`` seconds, whether or not earlier ones have answered), so a slow server cannot
slow the load down and hide its own latency. Latency is measured from each request's
scheduled time to its response.

Each request has a unique MessageSid; bodies are a mix of keywords (HELP, TIME, MORE,
ratings) and journal texts (the safety screen and the recommender run on those).

    python -m benchmarks.loadtest --rate 100 --duration 60 --journal-share 0.5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time

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


async def _drive(server: MendServer, rate: float, duration: float, journal_share: float, seed: int) -> dict:
    import httpx

    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
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
            plan.append(signed_inbound(server, rng.choice(NUMBERS), body, f"SM{i:032x}"))
        latencies: list[float] = []
        errors: dict[str, int] = {}
        t0 = time.perf_counter() + 0.5

        async def one(i: int) -> None:
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            url, form, headers = plan[i]
            try:
                # A hard per-request deadline (httpx's timeouts are per phase), so the run is bounded.
                resp = await asyncio.wait_for(client.post(url, data=form, headers=headers), REQUEST_DEADLINE)
                if resp.status_code != 200:
                    errors[str(resp.status_code)] = errors.get(str(resp.status_code), 0) + 1
                    return
            except (httpx.HTTPError, TimeoutError) as exc:
                kind = f"no answer within {REQUEST_DEADLINE:g}s" if isinstance(exc, TimeoutError) else type(exc).__name__
                errors[kind] = errors.get(kind, 0) + 1
                return
            latencies.append((time.perf_counter() - scheduled) * 1000)

        await asyncio.gather(*(one(i) for i in range(total)))
        wall = time.perf_counter() - t0
    return {
        "target_rate": rate, "duration_seconds": duration, "requests": total,
        "achieved_rate": round(total / wall, 1), "ok": len(latencies),
        "errors": sum(errors.values()), "errors_by_kind": errors, "journal_share": journal_share,
        "p50_ms": round(_percentile(latencies, 50), 1), "p90_ms": round(_percentile(latencies, 90), 1),
        "p99_ms": round(_percentile(latencies, 99), 1), "max_ms": round(max(latencies, default=float("nan")), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
    }


def run(rate: float = 100, duration: float = 60, journal_share: float = 0.5, command: str = "serve",
        seed: int = 1) -> dict:
    with MendServer(command) as server:
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
    args = parser.parse_args()
    print(json.dumps(run(args.rate, args.duration, args.journal_share, args.command, args.seed)))
