"""`mend safety check` and `mend safety eval`: output shapes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mend.cli import app

pytestmark = pytest.mark.slow


@pytest.fixture
def runner(embedder):  # the shared model is loaded once for the session
    return CliRunner()


def test_check_stdin_prints_one_json_object_per_line(runner):
    result = runner.invoke(app, ["safety", "check"], input="i want to die\n\nhad a lovely walk today\nkms\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["i want to die", "had a lovely walk today", "kms"]
    assert [r["crisis"] for r in rows] == [True, False, True]
    for r in rows:
        assert {"text", "crisis", "category", "score"} <= set(r)
        assert isinstance(r["score"], float)
    assert rows[0]["category"] == "suicide-or-self-harm" and rows[1]["category"] is None


def test_check_one_text_json_and_human(runner):
    out = runner.invoke(app, ["safety", "check", "He threatened me", "--json"])
    assert out.exit_code == 0
    row = json.loads(out.stdout)
    assert row["crisis"] is True and row["category"] == "abuse-or-danger"
    human = runner.invoke(app, ["safety", "check", "dying to see them"])
    assert human.exit_code == 0 and "no crisis" in human.stdout


def test_eval_json_shape(runner):
    result = runner.invoke(app, ["safety", "eval", "--json"])
    data = json.loads(result.stdout)
    assert set(data["layers"]) == {"patterns", "model", "combined"}
    combined = data["layers"]["combined"]
    assert set(combined["per_category"]) == {"suicide-or-self-harm", "harm-to-others", "abuse-or-danger",
                                             "medical-emergency"}
    assert result.exit_code == (0 if data["goal"]["met"] else 1)
    # Each part of the split on its own; no held-out text unless asked for with --errors.
    assert set(combined["per_origin"]) == {"test-v17", "test-v17-everyday"}
    assert combined["per_origin"]["test-v17-everyday"]["crisis"] == 0
    assert sum(p["safe"] for p in combined["per_origin"].values()) == combined["overall"]["safe"]
    assert "missed" not in combined and "false_alarms" not in combined
    with_texts = json.loads(runner.invoke(app, ["safety", "eval", "--json", "--errors"]).stdout)["layers"]["combined"]
    assert len(with_texts["missed"]) == combined["overall"]["crisis"] - combined["overall"]["caught"]
