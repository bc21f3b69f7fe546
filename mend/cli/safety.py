"""`mend safety ...` commands: check texts, evaluate on the test split, retrain the classifier."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from mend.cli._common import console, fail, get_config

app = typer.Typer(help="Crisis screening: check texts, evaluate, train.", no_args_is_help=True)


def _screener():
    from safety import ArtifactError, load_screener

    try:
        return load_screener(get_config())
    except ArtifactError as exc:
        fail(str(exc), "run `mend safety train` to rebuild safety/data/classifier.json")


def _verdict_json(text: str, v) -> str:
    return json.dumps({"text": text, "crisis": v.crisis, "category": v.category, "score": round(v.score, 4),
                       "reasons": list(v.reasons)}, ensure_ascii=False)


@app.command()
def check(
    text: str = typer.Argument(None, help="The text to screen; without it, one text per line from stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (always, for stdin input)."),
):
    """Screen a text (or each line of stdin) for crisis language."""
    screener = _screener()  # loaded once, for every line
    if text is None:
        for line in sys.stdin:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            sys.stdout.write(_verdict_json(line, screener.screen(line)) + "\n")
            sys.stdout.flush()
        return
    v = screener.screen(text)
    if as_json:
        sys.stdout.write(_verdict_json(text, v) + "\n")
        return
    colour = "bold red" if v.crisis else "green"
    label = f"CRISIS ({v.category})" if v.crisis else "no crisis"
    console.print(f"[{colour}]{label}[/]  score {v.score:.3f}  reasons: {', '.join(v.reasons) or '-'}",
                  highlight=False)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


@app.command("eval")
def eval_(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    show_errors: bool = typer.Option(False, "--errors", help="Also list missed crisis texts and false alarms "
                                     "(with --json too); reading them means retiring the test split."),
):
    """Recall and false-positive rate on the held-back TEST split: patterns, model, combined."""
    from safety.evaluation import GOAL_FPR, GOAL_RECALL, evaluate

    result = evaluate(_screener())
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(texts=show_errors), indent=2, ensure_ascii=False) + "\n")
    else:
        table = Table(title=f"Crisis screening on the test split (goal: recall >= {GOAL_RECALL:.0%}, "
                            f"FPR <= {GOAL_FPR:.0%})")
        table.add_column("layer")
        table.add_column("scope")
        table.add_column("recall", justify="right")
        table.add_column("caught", justify="right")
        table.add_column("FPR", justify="right")
        table.add_column("false alarms", justify="right")
        for m in result.layers:
            rows = [("overall", m.overall)] + list(m.per_category.items())
            if len(m.per_origin) > 1:
                rows += [(f"part {origin}", r) for origin, r in m.per_origin.items()]
            for scope, r in rows:
                table.add_row(m.layer, scope, _pct(r.recall), f"{r.caught}/{r.crisis}", _pct(r.fpr),
                              f"{r.false_alarms}/{r.safe}")
            table.add_row(m.layer, "category accuracy", _pct(m.category_accuracy), "", "", "", end_section=True)
        console.print(table)
        if show_errors:
            for m in result.layers:
                for t in m.missed:
                    console.print(f"[red]{m.layer} missed:[/] {t}", highlight=False)
                for t in m.false_alarms:
                    console.print(f"[yellow]{m.layer} false alarm:[/] {t}", highlight=False)
        verdict = "[green]goal met[/]" if result.meets_goal else "[red]goal NOT met[/]"
        console.print(f"combined: {verdict}")
    if not result.meets_goal:
        raise typer.Exit(1)


@app.command()
def calibrate(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the figures without saving."),
    leave_one_out: bool = typer.Option(False, "--leave-one-out", help="Instead, for each part of the calibration "
                                       "split (each former test split), place the threshold on the others and score "
                                       "it; saves nothing. Takes about 10 minutes on 2 cores."),
    budget: float = typer.Option(0.05, "--budget", min=0.001, max=0.5, help="With --leave-one-out: the "
                                 "false-positive rate the threshold is placed at."),
):
    """Refit the reader's blend and re-place the threshold on the CALIBRATION split as it is now, without
    retraining (after a spent test split joins the calibration split); updates safety/data/classifier.json."""
    from recommender.model import shared_embedder
    from safety.training import recalibrate

    if leave_one_out:
        _leave_one_out(shared_embedder(), budget)
        return
    with console.status("scoring the calibration split..."):
        try:
            model, cal = recalibrate(shared_embedder(), save=not dry_run)
        except ValueError as exc:
            fail(str(exc))
    _print_calibration(cal)
    if not dry_run:
        blend = f", blended with the reader at {model.blend_threshold:.3f}" if model.uses_reader else ""
        console.print(f"stored the classifier (threshold {model.threshold:.3f}{blend})")


def _leave_one_out(embedder, budget: float) -> None:
    from safety.training import leave_one_out, stored_for_calibration

    with console.status("placing the threshold without each part in turn..."):
        try:
            base, reader, held = stored_for_calibration(embedder)
            rows = leave_one_out(base, embedder, held, reader=reader, budget=budget)
        except ValueError as exc:
            fail(str(exc))
    table = Table(title=f"Each calibration part scored at a threshold placed on the others (budget {budget:.1%})")
    for col in ("part", "recall", "FPR", "caught", "false alarms", "classifier alone: recall", "FPR"):
        table.add_column(col, justify="right" if col != "part" else "left")
    total = [0] * 6
    for r in rows + [None]:
        if r is None:
            r_part, nums = "all", total
        else:
            r_part = r.part
            nums = [r.caught, r.crisis, r.false_alarms, r.safe, r.classifier_caught, r.classifier_false_alarms]
            total = [a + b for a, b in zip(total, nums, strict=True)]
        caught, crisis, alarms, safe, c_caught, c_alarms = nums
        table.add_row(r_part, f"{caught / crisis:.1%}", f"{alarms / safe:.1%}", f"{caught}/{crisis}",
                      f"{alarms}/{safe}", f"{c_caught / crisis:.1%}", f"{c_alarms / safe:.1%}")
    console.print(table)


@app.command()
def train(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the cross-validated figures without saving."),
    no_reader: bool = typer.Option(False, "--no-reader", help="Leave out the fine-tuned reader (the classifier "
                                                              "alone; about 6 minutes faster)."),
):
    """Retrain the classifier on the TRAIN split (5-fold grouped CV), fine-tune the reader on it, blend the two and
    place the threshold on the CALIBRATION split; store safety/data/classifier.json and safety/data/reader.npz.
    Takes about 15 minutes on 2 cores."""
    from recommender.model import shared_embedder
    from safety.classifier import ARTIFACT_PATH
    from safety.training import retrain

    with console.status("loading the model...") as status:
        model, report = retrain(shared_embedder(), save=not dry_run, reader=not no_reader,
                                progress=lambda message: status.update(message + "..."))
    table = Table(title=f"Cross-validated train ({report.n_crisis} crisis, {report.n_safe} safe)")
    for col in ("method", "ROC AUC", "threshold", "model recall", "model FPR", "combined recall", "combined FPR",
                "veto cost", "veto below", "vetoed crisis / safe", "explicit veto below", "explicit vetoed"):
        table.add_column(col, justify="right" if col != "method" else "left")
    for r in report.methods:
        mark = " (chosen)" if r.method == report.chosen else ""
        table.add_row(r.method + mark, f"{r.auc:.3f}", f"{r.threshold:.3f}", _pct(r.model_recall),
                      _pct(r.model_fpr), _pct(r.combined_recall), _pct(r.combined_fpr),
                      _pct(r.veto_cost), f"{r.veto_threshold:.3f}", f"{r.vetoed_crisis} / {r.vetoed_safe}",
                      f"{r.explicit_veto_threshold:.3f}" if r.explicit_veto_threshold else "never",
                      f"{r.vetoed_explicit_crisis} / {r.vetoed_explicit_safe}")
    console.print(table)
    console.print(f"patterns alone: recall {_pct(report.pattern_recall)}, FPR {_pct(report.pattern_fpr)}; "
                  f"combined FPR budget {_pct(report.fpr_budget)}", highlight=False)
    if report.calibration is not None:
        _print_calibration(report.calibration)
    if not dry_run:
        blend = f", blended with the reader at {model.blend_threshold:.3f}" if model.uses_reader else ""
        console.print(f"stored {ARTIFACT_PATH} ({model.method}, threshold {model.threshold:.3f}{blend})")


def _print_calibration(cal) -> None:
    console.print(f"calibration split ({cal.n_crisis} crisis, {cal.n_safe} safe): threshold {cal.cv_threshold:.3f} "
                  f"(train CV) gives recall {_pct(cal.cv_recall)} at FPR {_pct(cal.cv_fpr)}; placed at "
                  f"{cal.threshold:.3f}: recall {_pct(cal.recall)} at FPR {_pct(cal.fpr)} "
                  f"(budget {_pct(cal.fpr_budget)})", highlight=False)
    if cal.blend is not None:
        a, b, c = cal.blend
        console.print(f"reader: blend {a:.3f} x classifier logit + {b:.3f} x reader logit + {c:.3f} "
                      f"(fitted on {cal.blend_texts} calibration texts); the classifier alone, its threshold "
                      f"placed there too: recall {_pct(cal.classifier_recall)} at FPR {_pct(cal.classifier_fpr)}",
                      highlight=False)
