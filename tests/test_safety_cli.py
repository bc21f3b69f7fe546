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


def test_calibrate_leave_one_out_prints_each_part_and_all(runner, monkeypatch):
    """The table; the placement itself is tested in tests/test_safety_reader.py (a full run takes 15 minutes)."""
    import safety.training as training
    from safety.training import LeftOut

    seen = {}

    def fake(model, embedder, held, reader=None, budget=0.05):
        seen.update(budget=budget, held=len(held), reader=reader is not None)
        return [LeftOut("v13", 298, 300, 27, 574, 299, 31), LeftOut("v14", 299, 299, 56, 564, 295, 50)]

    monkeypatch.setattr(training, "leave_one_out", fake)
    result = runner.invoke(app, ["safety", "calibrate", "--leave-one-out", "--budget", "0.04"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert seen["budget"] == 0.04 and seen["held"] > 1000 and seen["reader"]
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│")}
    assert "99.3%" in lines["v13"] and "4.7%" in lines["v13"] and "298/300" in lines["v13"]
    assert "597/599" in lines["all"] and "83/1138" in lines["all"]
    bad = runner.invoke(app, ["safety", "calibrate", "--leave-one-out", "--budget", "2"])
    assert bad.exit_code != 0 and "budget" in bad.output
