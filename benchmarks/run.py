"""`make bench`: run every benchmark, write results/latest.json and results/REPORT.md.

Each benchmark runs in its own subprocess(es) with a time cap, so one slow or failing
case is reported as such instead of stopping the run. The whole run is kept under about
15 minutes on a 2-core machine.

    python -m benchmarks.run                   # everything
    python -m benchmarks.run --only planning   # re-run one (planning, dispatch, rss, naive, loadtest,
                                               # loadtest_keywords, recommender, safety); the others'
                                               # figures are kept from the last latest.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks._common import ROOT, run_case

RESULTS = Path(__file__).resolve().parent / "results"
ORDER = ("planning", "dispatch", "rss", "loadtest", "loadtest_keywords", "naive", "recommender", "safety")


def _machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "commit": commit.stdout.strip() or None, "load_average_at_start": os.getloadavg()}


def _one(name: str) -> object:
    if name == "planning":
        from benchmarks.bench_planning import run
        return run(100_000, cap_seconds=240)
    if name == "dispatch":
        from benchmarks.bench_dispatch import run
        return run(1000, cap_seconds=150)
    if name == "rss":
        return run_case("benchmarks.bench_rss", [], timeout=300)
    if name == "loadtest":
        return run_case("benchmarks.loadtest", ["--rate", "100", "--duration", "60", "--journal-share", "0.5"],
                        timeout=200)
    if name == "loadtest_keywords":  # the web + database path alone, no model work per request
        return run_case("benchmarks.loadtest", ["--rate", "100", "--duration", "60", "--journal-share", "0"],
                        timeout=200)
    if name == "naive":
        from benchmarks.bench_naive_apscheduler import run
        return run((10_000, 100_000), cap_seconds=120)
    if name == "recommender":
        if not (ROOT / "benchmarks" / "bench_recommender.py").exists():
            return {"skipped": "benchmarks/bench_recommender.py not present"}
        return run_case("benchmarks.bench_recommender", [], timeout=300)
    if name == "safety":
        return run_case("benchmarks.bench_safety", [], timeout=300)
    raise ValueError(f"unknown benchmark {name!r} (known: {', '.join(ORDER)})")


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:g}{unit}" if isinstance(value, (int, float)) else str(value)


def _verdict(ok) -> str:
    return {True: "pass", False: "**FAIL**", None: "—"}[ok]


def report(results: dict) -> str:
    """The short Markdown report: one table of targets, then the comparison with the naive design."""
    m = results["machine"]
    lines = [
        "# Mend benchmarks", "",
        f"Run {results['finished_at']} on {m['cpus']} CPUs, Python {m['python']}, commit {m['commit']}; "
        f"load average at start {tuple(round(x, 1) for x in m['load_average_at_start'])} "
        "(other work on the machine slows every figure). Reproduce: `make bench`.", "",
        "| what | figure | target | result |", "| --- | --- | --- | --- |",
    ]
    for res in results.get("planning") or []:
        lines.append(
            f"| plan one day, {res.get('subscribers')} subscribers, {res.get('db')} | "
            f"{_fmt(res.get('full_day_seconds'), ' s')} ({_fmt(res.get('full_day_rows_inserted'))} rows; "
            f"steady 10-min tick {_fmt(res.get('steady_tick_seconds'), ' s')}) | < 60 s | {_verdict(res.get('pass'))} |")
    for res in results.get("dispatch") or []:
        lines.append(
            f"| dispatch, 1 worker, {res.get('db')}, fake Twilio, no rate limit | "
            f"{_fmt(res.get('messages_per_second'), ' msg/s')} ({_fmt(res.get('sent'))} sent, "
            f"{_fmt(res.get('duplicates'))} duplicates) | >= 100 msg/s | {_verdict(res.get('pass'))} |")
    rss = results.get("rss") or {}
    if rss:
        lines.append(f"| `mend serve` peak RSS (VmHWM) after webhooks incl. journal + crisis | "
                     f"{_fmt(rss.get('peak_rss_mb'), ' MB')} | < 700 MB | {_verdict(rss.get('pass'))} |")
    for lt in (results.get("loadtest") or {}, results.get("loadtest_keywords") or {}):
        if not lt:
            continue
        if "p99_ms" not in lt:
            lines.append(f"| inbound webhook load test | did not complete: `{json.dumps(lt)[:160]}` | "
                         "p99 < 300 ms, 0 errors | **FAIL** |")
            continue
        lines.append(
            f"| inbound webhooks {_fmt(lt.get('target_rate'))}/s for {_fmt(lt.get('duration_seconds'))} s "
            f"({_fmt(lt.get('journal_share'))} journal) | p50 {_fmt(lt.get('p50_ms'), ' ms')}, "
            f"p99 {_fmt(lt.get('p99_ms'), ' ms')}, {_fmt(lt.get('errors'))} errors | p99 < 300 ms, 0 errors | "
            f"{_verdict(lt.get('pass'))} |")
    rec = results.get("recommender")
    if isinstance(rec, dict) and rec and "skipped" not in rec:
        lines.append(f"| recommender (benchmarks/bench_recommender.py) | `{json.dumps(rec)[:200]}` | — | — |")
    saf = results.get("safety")
    if isinstance(saf, dict) and "stored" in saf:
        st = saf["stored"]
        lines.append(f"| crisis screening, one text at a time ({saf.get('method')}, {saf.get('texts')} calibration "
                     f"texts) | p50 {_fmt(st.get('p50_ms'), ' ms')}, p99 {_fmt(st.get('p99_ms'), ' ms')}, batch "
                     f"{_fmt(st.get('batch_texts_per_s'))} texts/s | — | — |")
    naive = results.get("naive") or []
    if naive:
        lines += ["", "## The naive design: one APScheduler 3.x job per subscriber", "",
                  "| job store | subscribers | start-up (add jobs + start) | RSS growth |", "| --- | --- | --- | --- |"]
        for res in naive:
            if res.get("timed_out"):
                startup = (f"> {res['cap_seconds']:g} s cap (killed; {res.get('progress', 0)} jobs after "
                           f"{_fmt(res.get('elapsed_seconds'), ' s')}, ~{_fmt(res.get('extrapolated_startup_seconds'), ' s')} "
                           "extrapolated)")
                rss_growth = "—"
            else:
                startup, rss_growth = _fmt(res.get("startup_seconds"), " s"), _fmt(res.get("rss_delta_mb"), " MB")
            lines.append(f"| {res.get('store')} | {res.get('subscribers')} | {startup} | {rss_growth} |")
        plan = {r.get("db"): r for r in results.get("planning") or []}
        if plan:
            lines += ["", "Mend instead keeps four interval jobs whatever the number of subscribers and plans "
                      "from its own tables: "
                      + "; ".join(f"{db}: {_fmt(r.get('full_day_seconds'), ' s')} for a whole day of "
                                  f"{r.get('subscribers')} subscribers" for db, r in plan.items()) + "."]
    lines += ["", f"Raw figures: `benchmarks/results/latest.json`. Total run time {results['seconds']:.0f} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=ORDER, help="run only these (repeatable)")
    args = parser.parse_args(argv)
    names = args.only or list(ORDER)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict = {}
    if args.only and (RESULTS / "latest.json").exists():  # re-run some: update the last full run's figures
        results = json.loads((RESULTS / "latest.json").read_text())
        results.setdefault("rerun", {}).update({n: datetime.now(UTC).isoformat(timespec="seconds") for n in names})
    results.update({"machine": _machine(), "started_at": datetime.now(UTC).isoformat(timespec="seconds")})
    for name in names:
        print(f"== {name}", flush=True)
        t = time.monotonic()
        try:
            results[name] = _one(name)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not lose the others
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"   {name}: {time.monotonic() - t:.0f} s -> {json.dumps(results[name])[:300]}", flush=True)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["seconds"] = round(time.monotonic() - started, 1)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    md = RESULTS / "REPORT.md"
    md.write_text(report(results))
    print(md.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
