"""Peak memory (VmHWM) of ``mend serve`` after exercising every heavy path.

Starts ``mend serve`` as a subprocess on a temporary SQLite database, sends signed
inbound webhooks from fictional numbers (consent, YES, HELP, TIME, MORE, journal texts
that run the safety model and the recommender, one crisis text), then reads the
process's VmHWM from /proc. Target: < 700 MB.

    python -m benchmarks.bench_rss
"""

from __future__ import annotations

import json
import time

from benchmarks._common import MendServer, signed_inbound

SCRIPT = [
    ("+15555550150", "Hi"),
    ("+15555550150", "YES"),
    ("+15555550150", "HELP"),
    ("+15555550150", "TIME 8:30am"),
    ("+15555550150", "My best friend stopped replying after I told her how I felt. I keep checking my phone."),
    ("+15555550150", "MORE"),
    ("+15555550150", "5"),
    ("+15555550151", "Hi"),
    ("+15555550151", "YES"),
    ("+15555550151", "I got turned down again and I feel like nobody will ever choose me."),
    ("+15555550152", "I don't want to be alive anymore"),
]


def run() -> dict:
    import httpx

    statuses = []
    with MendServer("serve") as server:
        rss_idle = server.rss_mb()
        started = time.perf_counter()
        with httpx.Client(timeout=120) as client:
            for i, (number, body) in enumerate(SCRIPT):
                url, form, headers = signed_inbound(server, number, body, f"SMrss{i:030d}")
                statuses.append(client.post(url, data=form, headers=headers).status_code)
        exercise_seconds = time.perf_counter() - started
        result = {
            "command": "mend serve", "startup_seconds": server.startup_seconds, "rss_idle_mb": rss_idle,
            "rss_after_mb": server.rss_mb(), "peak_rss_mb": server.peak_rss_mb(),
            "requests": len(SCRIPT), "non_200": sum(s != 200 for s in statuses),
            "exercise_seconds": round(exercise_seconds, 2),
        }
    result["pass"] = result["peak_rss_mb"] < 700 and result["non_200"] == 0
    return result


if __name__ == "__main__":
    print(json.dumps(run()))
