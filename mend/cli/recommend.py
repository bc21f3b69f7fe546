"""`mend recommend`: items for a journal text, or for one text per line from stdin."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import typer
from rich.table import Table

from mend.cli._common import console, fail, get_config
from mend.errors import MendError


def _as_json(text: str, suggestions) -> str:
    return json.dumps({
        "text": text,
        "items": [
            {"id": s.item_id, "kind": s.kind, "theme": s.theme, "score": s.score, "sms": s.sms}
            for s in suggestions
        ],
    }, ensure_ascii=False)


def recommend(
    text: str | None = typer.Argument(None, help="Journal text. Without it, one text per line is read from stdin."),
    top: int | None = typer.Option(None, "--top", "-n", min=1, help="How many items (default: recommender.top_n)."),
    track: str | None = typer.Option(None, help="self-care | social"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Suggest passages and exercises for TEXT (or for each line on stdin)."""
    from recommender import load_recommender

    if track is not None and track not in ("self-care", "social"):
        fail(f"unknown track {track!r}", "use --track self-care or --track social")
    if text is None and sys.stdin.isatty():
        fail("no text given", 'pass TEXT (mend recommend "...") or pipe one text per line on stdin')
    config = get_config()
    top = top or config.recommender.top_n
    try:
        rec = load_recommender(config)
    except MendError as exc:
        fail(str(exc), "run `mend corpus check` and fix what it lists")
    texts = [text] if text is not None else [line.strip() for line in sys.stdin if line.strip()]
    for t in texts:
        now = datetime.now(UTC)
        suggestions = rec.recommend([(now, t)], now=now, top=top, track=track)
        if as_json:
            print(_as_json(t, suggestions), flush=True)
        elif text is None:
            print(", ".join(f"{s.item_id} ({s.score:.2f})" for s in suggestions), flush=True)
        else:
            table = Table(title="Suggestions")
            for col in ("item", "kind", "theme", "score", "sms"):
                table.add_column(col, overflow="fold")
            for s in suggestions:
                table.add_row(s.item_id, s.kind, s.theme, f"{s.score:.3f}" + (" (general)" if s.fallback else ""), s.sms)
            console.print(table)


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend)
