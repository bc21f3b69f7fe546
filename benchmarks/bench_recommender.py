"""Recommender speed: corpus embedding throughput (cold cache) and `recommend` latency (model warm).

    .venv/bin/python -m benchmarks.bench_recommender [--runs 200]

Writes benchmarks/results/recommender.json and prints the same JSON as the last stdout line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SHORT = ("my best friend stopped answering my texts after the party and now i see them all "
         "hanging out without me. i keep wondering what i did wrong")
LONG = " ".join([SHORT, "and it reminds me of being left out at school when I was a kid."] * 12)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(runs: int = 200) -> dict:
    from mend.config import load_config
    from recommender import load_recommender
    from recommender.model import shared_embedder

    config = load_config()
    t = time.perf_counter()
    embedder = shared_embedder()
    model_load = time.perf_counter() - t

    with tempfile.TemporaryDirectory(prefix="mend-bench-cache-") as cache:
        cold_config = config.replace(corpus={"cache_dir": cache})
        t = time.perf_counter()
        rec = load_recommender(cold_config, embedder)
        cold = time.perf_counter() - t
        texts = int(rec._state.index.vectors.shape[0])
        t = time.perf_counter()
        load_recommender(cold_config, embedder)
        warm = time.perf_counter() - t

    now = datetime.now(UTC)
    for _ in range(5):  # warm-up
        rec.recommend([(now, SHORT)], now=now, top=3)
    latencies = []
    for _ in range(runs):
        t = time.perf_counter()
        rec.recommend([(now, SHORT)], now=now, top=3)
        latencies.append((time.perf_counter() - t) * 1000)
    long_latencies = []
    for _ in range(max(10, runs // 10)):
        t = time.perf_counter()
        rec.recommend([(now, LONG)], now=now, top=3)
        long_latencies.append((time.perf_counter() - t) * 1000)

    n = len(rec.items)
    return {
        "items": n,
        "embedded_texts": texts,
        "model_load_seconds": round(model_load, 2),
        "cold_cache_seconds": round(cold, 2),
        "cold_items_per_second": round(n / cold, 1),
        "cold_texts_per_second": round(texts / cold, 1),
        "warm_cache_load_seconds": round(warm, 3),
        "recommend_runs": runs,
        "recommend_words": len(SHORT.split()),
        "recommend_p50_ms": round(statistics.median(latencies), 2),
        "recommend_p99_ms": round(_percentile(latencies, 99), 2),
        "recommend_long_words": len(LONG.split()),
        "recommend_long_p50_ms": round(statistics.median(long_latencies), 2),
        "recommend_long_p99_ms": round(_percentile(long_latencies, 99), 2),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="recommend calls to time (default 200)")
    args = parser.parse_args()
    result = run(args.runs)
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "recommender.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
