"""Crisis screening latency and throughput with the stored classifier and the real model.

    .venv/bin/python -m benchmarks.bench_safety             # 300 texts of the calibration split
    .venv/bin/python -m benchmarks.bench_safety --texts 100

Screens texts one at a time (as the inbound SMS path does) and in one batch, with the stored
model; then without the reader (round 12: the classifier alone), and with the stored weights read as a
plain ``tfidf+embedding`` model (no reader, no sentence max-pool, no pattern evidence): the differences
are what the reader and round 11's evidence cost per message. The embedder's memo of recent texts is emptied before each pass. The texts come
from the calibration split (never the test split). Writes ``benchmarks/results/safety.json``;
the last stdout line is the same JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace

import numpy as np

from benchmarks._common import ROOT


def _forget(embedder) -> None:
    """Empty the embedder's memo of recent texts, so each pass embeds every text (and sentence) afresh."""
    with embedder._memo_lock:
        embedder._memo.clear()


def _latencies(screener, texts) -> dict:
    _forget(screener.embedder)
    times = []
    for t in texts:
        started = time.perf_counter()
        screener.screen(t)
        times.append(time.perf_counter() - started)
    _forget(screener.embedder)
    started = time.perf_counter()
    screener.screen_many(texts)
    batch = time.perf_counter() - started
    ms = np.array(times) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "mean_ms": round(float(ms.mean()), 2), "batch_texts_per_s": round(len(texts) / batch, 1)}


def run(n_texts: int = 300) -> dict:
    from mend.config import load_config
    from safety import Screener, load_screener
    from safety.labelled import load_labelled
    from safety.screen import pooled_sentences

    screener = load_screener(load_config(ROOT / "config.yaml", env={}))
    texts = [ex.text for ex in load_labelled(split="calibration")][:n_texts]
    screener.screen_many(texts[:10])  # warm the model
    result = {"texts": len(texts), "mean_words": round(float(np.mean([len(t.split()) for t in texts])), 1),
              "mean_pooled_sentences": round(float(np.mean([len(pooled_sentences(t)) for t in texts])), 2),
              "method": screener.model.method, "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    result["stored"] = _latencies(screener, texts)
    alone = screener.model.without_reader()
    if screener.model.uses_reader:
        result["without_reader"] = _latencies(Screener(alone, screener.embedder), texts)
    if screener.model.uses_evidence:
        blind = replace(alone, method="tfidf+embedding", pooled_weights=None, pattern_weights=None)
        result["without_evidence"] = _latencies(Screener(blind, screener.embedder), texts)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "safety.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=300)
    print(json.dumps(run(parser.parse_args().texts)))
