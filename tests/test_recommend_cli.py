"""`mend recommend` and `mend corpus ...` through the real CLI, on a small corpus in tmp_path."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from factories import small_corpus, write_corpus
from typer.testing import CliRunner

from mend.cli import app
from mend.cli._common import get_config
from mend.config import ROOT

pytestmark = pytest.mark.slow

EVAL = """entries:
  - {id: a, text: 'my friends all went out without me and nobody texted', relevant_themes: [support-network], split: tune}
  - {id: b, text: 'i need to say no to my boss who keeps dumping work on me', relevant_themes: [boundaries], split: test}
off_topic: ['what is the capital of australia']
"""


@pytest.fixture
def cli(tmp_path, monkeypatch, embedder):
    """A CliRunner whose config points at a small corpus (and its own cache) in tmp_path."""
    corpus = write_corpus(tmp_path / "corpus", small_corpus())
    (corpus / "eval").mkdir()
    (corpus / "eval" / "entries.yaml").write_text(EVAL)
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus:\n  path: {corpus}\n  cache_dir: {tmp_path / 'cache'}\n"
                      f"database:\n  url: sqlite:///{tmp_path / 'mend.db'}\n")
    monkeypatch.setenv("MEND_CONFIG", str(config))
    get_config.cache_clear()
    yield CliRunner(), corpus, config
    get_config.cache_clear()


def test_recommend_json_shape(cli):
    runner, _, _ = cli
    result = runner.invoke(app, ["recommend", "my friends all went out without me", "--json", "--top", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"] == "my friends all went out without me"
    assert len(data["items"]) == 2
    assert all(set(i) == {"id", "kind", "theme", "score", "sms"} for i in data["items"])
    assert data["items"][0]["id"] in {"text-one-friend", "join-a-group"}


def test_recommend_reads_one_text_per_line_from_stdin(cli):
    runner, _, _ = cli
    lines = "i feel so alone, nobody invited me\n\ncant stop replaying it at night\nmy boss walks all over me\n"
    result = runner.invoke(app, ["recommend", "--json", "--track", "self-care"], input=lines)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["text"] for o in out] == ["i feel so alone, nobody invited me", "cant stop replaying it at night",
                                        "my boss walks all over me"]
    assert all(len(o["items"]) == 3 for o in out)
    tracks = {"coping-toolkit", "self-compassion", "self-care", "journaling", "mindfulness", "creative-expression"}
    assert all(i["theme"] in tracks for o in out for i in o["items"])
    plain = runner.invoke(app, ["recommend", "--top", "1"], input=lines)
    assert plain.exit_code == 0 and len(plain.stdout.splitlines()) == 3


def test_recommend_table_and_failures(cli):
    runner, corpus, _ = cli
    result = runner.invoke(app, ["recommend", "i want to write about my feelings"])
    assert result.exit_code == 0 and "Suggestions" in result.stdout
    bad = runner.invoke(app, ["recommend", "hi", "--track", "selfcare"])
    assert bad.exit_code == 1 and "use --track self-care or --track social" in bad.stderr
    (corpus / "exercises" / "calm-place.md").write_text("no front matter\n")
    broken = runner.invoke(app, ["recommend", "hi"])
    assert broken.exit_code == 1
    assert "calm-place.md:1: missing front matter" in broken.stderr
    assert "mend corpus check" in broken.stderr


def test_corpus_check_lists_every_problem_and_exits_1(cli):
    runner, corpus, _ = cli
    ok = runner.invoke(app, ["corpus", "check"])
    assert ok.exit_code == 0 and "ok: 8 items (2 passages, 6 exercises)" in ok.stdout
    path = corpus / "exercises" / "calm-place.md"
    path.write_text(path.read_text().replace("theme: coping-toolkit", "theme: selfcare"))
    path = corpus / "exercises" / "kind-letter.md"
    path.write_text(path.read_text().replace("source: toolkit", "source: web"))
    bad = runner.invoke(app, ["corpus", "check"])
    assert bad.exit_code == 1
    # paths are shown relative to the folder of the config file (the project root)
    assert "corpus/exercises/calm-place.md:4: unknown theme 'selfcare' (known: " in bad.stdout
    assert "corpus/exercises/kind-letter.md:9: unknown source 'web' (known: " in bad.stdout
    assert "2 problem(s)" in bad.stderr and "next:" in bad.stderr


def test_corpus_build_preview_eval_and_stats(cli):
    runner, _, _ = cli
    build = runner.invoke(app, ["corpus", "build"])
    assert build.exit_code == 0 and "built: 8 items" in build.stdout
    preview = runner.invoke(app, ["corpus", "preview", "nobody invited me to the party", "--top", "3"])
    assert preview.exit_code == 0 and "Mend's suggestions" in preview.stdout
    assert len(re.findall(r"\b0\.\d{3}\b", preview.stdout)) == 3  # three scores
    evaluation = runner.invoke(app, ["corpus", "eval", "--json"])
    assert evaluation.exit_code == 0, evaluation.output
    data = json.loads(evaluation.stdout)
    assert set(data["metrics"]) == {"tune", "test", "all"}
    assert set(data["metrics"]["all"]["mend"]) == {"hit_at_1", "hit_at_3", "mrr", "ndcg_at_10", "coverage", "entries"}
    table = runner.invoke(app, ["corpus", "eval"])
    assert table.exit_code == 0 and "test split (held back)" in table.stdout and "bm25" in table.stdout
    stats = runner.invoke(app, ["corpus", "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    s = json.loads(stats.stdout)
    assert s["items"] == 8 and s["per_track"] == {"self-care": 4, "social": 2, "None": 2}
    assert len(s["never_in_top3"]) >= 2  # 2 entries cannot put all 8 items in a top 3


def test_the_mend_entry_point_in_a_subprocess(cli):
    _, _, config = cli
    env = {**os.environ, "MEND_CONFIG": str(config)}
    proc = subprocess.run(
        [sys.executable, "-m", "mend.cli", "recommend", "--json", "--top", "1"],
        input="nobody picked me again\nmy family ignores me\n", capture_output=True, text=True,
        env=env, cwd=ROOT, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    assert [len(json.loads(line)["items"]) for line in proc.stdout.splitlines()] == [1, 1]
