"""`mend corpus ...`: check, build, preview, eval and stats for the content corpus."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mend.cli._common import console, err_console, fail, get_config
from mend.errors import MendError
from recommender.corpus import THEMES, TRACKS, Item
from sms.segments import count_segments

app = typer.Typer(help="Check, build, preview and evaluate the content corpus.", no_args_is_help=True)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr; yields ``update(done, total)``."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _load(description: str = "embedding corpus"):
    from recommender import load_recommender

    try:
        with progress_bar(description) as update:
            return load_recommender(get_config(), progress=update)
    except MendError as exc:
        fail(str(exc), "run `mend corpus check` and fix what it lists")


def _checked_corpus(config, label: str):
    """Load, validate and embed the corpus (cached) with a progress bar; a setup error exits 1."""
    from recommender import check_corpus

    try:
        with progress_bar(label) as update:
            return check_corpus(config, progress=update)
    except MendError as exc:
        fail(str(exc), "check corpus.path and corpus.cache_dir in config.yaml, and that the model is installed (make install)")


@app.command()
def check() -> None:
    """Validate every item (fields, SMS length, ids, near-duplicates); exit 1 listing file:line: problem."""
    config = get_config()
    result = _checked_corpus(config, "checking corpus")
    if result.problems:
        for problem in result.problems:
            console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        fail(f"{len(result.problems)} problem(s) in {config.corpus.path}",
             "fix each file:line above, then run `mend corpus check` again")
    kinds = Counter(it.kind for it in result.items)
    tracks = Counter(it.track or "(none)" for it in result.items)
    console.print(
        f"[green]ok:[/] {len(result.items)} items ({kinds['passage']} passages, {kinds['exercise']} exercises); "
        f"tracks: " + ", ".join(f"{k} {v}" for k, v in sorted(tracks.items())) +
        f"; {len(set(it.theme for it in result.items))} of {len(THEMES)} themes; "
        f"{result.embedded} text(s) newly embedded", highlight=False,
    )


@app.command()
def build() -> None:
    """Embed the corpus and cache the embeddings (only new or changed texts are embedded)."""
    config = get_config()
    result = _checked_corpus(config, "embedding corpus")
    if result.problems:
        fail(f"{len(result.problems)} problem(s) in the corpus", "run `mend corpus check` and fix what it lists")
    console.print(f"[green]built:[/] {len(result.items)} items, {result.embedded} text(s) embedded now, "
                  f"the rest from the cache in {config.corpus.cache_dir}", highlight=False)


@app.command()
def preview(
    text: str = typer.Argument(..., help="A journal text to match."),
    top: int = typer.Option(5, "--top", "-n", min=1, help="How many items."),
    track: str | None = typer.Option(None, help="self-care | social"),
    kind: str | None = typer.Option(None, help="passage | exercise"),
) -> None:
    """Rank items for TEXT, with score and reason."""
    rec = _load()
    try:
        suggestions = rec.recommend([(datetime.now(UTC), text)], now=datetime.now(UTC), top=top, track=track, kind=kind)
    except MendError as exc:
        fail(str(exc), "use --track self-care|social and --kind passage|exercise")
    table = Table(title="Mend's suggestions")
    for col in ("#", "item", "kind", "theme", "score", "reason"):
        table.add_column(col, overflow="fold")
    for n, s in enumerate(suggestions, start=1):
        reason = ("[yellow]fallback:[/] " if s.fallback else "") + (s.reason[:120] + ("..." if len(s.reason) > 120 else ""))
        table.add_row(str(n), s.item_id, s.kind, s.theme, f"{s.score:.3f}", reason)
    console.print(table)


def _run_eval(*, quiet: bool = False):
    from recommender.evaluation import evaluate, load_eval_set

    config = get_config()
    rec = _load()
    path = config.resolve(config.corpus.path) / "eval" / "entries.yaml"
    try:
        eval_set = load_eval_set(path, items=rec.items)
    except MendError as exc:
        fail(str(exc), f"fix {path}")
    with progress_bar("evaluating") as update:
        return rec, evaluate(rec, eval_set, now=datetime.now(UTC), progress=update)


_LABELS = {"hit_at_1": "hit@1", "hit_at_3": "hit@3", "mrr": "MRR", "ndcg_at_10": "nDCG@10", "coverage": "coverage"}


@app.command("eval")
def eval_(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables.")) -> None:
    """hit@1, hit@3, MRR, nDCG@10 and coverage for Mend, BM25 and random, per split."""
    _rec, result = _run_eval()
    from mend.cli.corpus_ops import record_eval

    record_eval(get_config(), result.as_dict(), _rec.items, datetime.now(UTC))  # for the console's history
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
        return
    for split, by_ranker in result.metrics.items():
        n = by_ranker["mend"].entries
        title = {"tune": "tune split (used for tuning)", "test": "test split (held back)", "all": "all entries"}[split]
        table = Table(title=f"{title}: {n} entries")
        table.add_column("metric")
        for ranker in by_ranker:
            table.add_column(ranker, justify="right")
        for key, label in _LABELS.items():
            table.add_row(label, *(f"{getattr(m, key):.3f}" for m in by_ranker.values()))
        console.print(table)
    if result.calibration:
        c = result.calibration
        console.print(
            f"min_score {c.min_score:.3f} (suggested {c.suggested:.3f}): {c.on_topic_above:.0%} of tune entries "
            f"match above it, {c.off_topic_below:.0%} of off-topic texts fall below it; "
            f"fallbacks per split: {result.fallbacks}", highlight=False,
        )


@dataclass(frozen=True)
class CorpusStats:
    """Corpus figures; the operator console adds per-item DB figures (sent, reply rate, rating)."""

    items: int
    per_theme: dict[str, int]
    per_kind: dict[str, int]
    per_track: dict[str, int]
    sms_lengths: dict[str, float]  # min, median, max characters
    sms_segments: dict[int, int]  # segments -> items
    never_in_top3: tuple[str, ...]  # items in no eval entry's top 3


def corpus_stats(items: Sequence[Item], eval_result=None) -> CorpusStats:
    """Figures about the corpus; with an eval result, which items never reach any entry's top 3."""
    lengths = [len(it.sms) for it in items] or [0]
    shown = {i for top in (eval_result.top3.values() if eval_result else ()) for i in top}
    return CorpusStats(
        items=len(items),
        per_theme={t: sum(it.theme == t for it in items) for t in THEMES},
        per_kind=dict(sorted(Counter(it.kind for it in items).items())),
        per_track={t: sum(it.track == t for it in items) for t in (*TRACKS, None)} | {},
        sms_lengths={"min": min(lengths), "median": statistics.median(lengths), "max": max(lengths)},
        sms_segments=dict(sorted(Counter(count_segments(it.sms)[1] for it in items).items())),
        never_in_top3=tuple(sorted(it.id for it in items if it.id not in shown)) if eval_result else (),
    )


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables.")) -> None:
    """Items per theme, kind and track, SMS lengths, and items no eval entry ranks in its top 3."""
    rec, result = _run_eval()
    s = corpus_stats(rec.items, result)
    from mend.cli.corpus_ops import item_stats_json, item_stats_table

    if as_json:
        data = {**s.__dict__, "per_track": {str(k): v for k, v in s.per_track.items()}}
        data["from_database"] = item_stats_json(get_config(), rec.items)
        console.print_json(json.dumps(data))
        return
    table = Table(title=f"{s.items} items")
    table.add_column("group")
    table.add_column("value")
    table.add_column("items", justify="right")
    for theme, n in s.per_theme.items():
        table.add_row("theme", theme, str(n))
    for kind, n in s.per_kind.items():
        table.add_row("kind", kind, str(n))
    for track, n in s.per_track.items():
        table.add_row("track", track or "(no track)", str(n))
    for segments, n in s.sms_segments.items():
        table.add_row("sms segments", str(segments), str(n))
    console.print(table)
    console.print(f"sms length: min {s.sms_lengths['min']}, median {s.sms_lengths['median']}, "
                  f"max {s.sms_lengths['max']} characters", highlight=False)
    console.print(f"never in any eval entry's top 3 ({len(s.never_in_top3)}): "
                  + (", ".join(s.never_in_top3) or "none"), highlight=False)
    console.print(item_stats_table(get_config(), rec.items))
