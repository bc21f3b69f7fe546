"""The operator side of `mend corpus`: what the database knows about the corpus.

- `mend corpus reload` asks a running `mend serve` to reload the corpus now. The server
  also watches the corpus files itself (``server.corpus_watch_seconds``); this command is
  for when you want the answer at once, with any ``file:line`` problems printed.
- ``record_eval(...)``: `mend corpus eval` keeps each result as an EvalRun row (the
  console's Evaluation page shows how the metrics moved).
- ``item_stats_table(...)`` / ``item_stats_json(...)``: `mend corpus stats`' figures from the
  database: times sent, reply rate and average rating per item.

Registered onto the `mend corpus` group.
"""

from __future__ import annotations

import os

import typer
from rich.table import Table

from mend.cli._common import console, err_console, fail, get_config


def reload(
    url: str = typer.Option(None, "--url", help="Base URL of the running server (default: http://server.host:server.port)."),
    timeout: float = typer.Option(120.0, "--timeout", min=1.0, help="Seconds to wait (re-embedding can take a while)."),
) -> None:
    """Reload the corpus in a running `mend serve` (only changed items are re-embedded)."""
    import httpx

    cfg = get_config()
    token = cfg.secrets.admin_token or os.environ.get("MEND_ADMIN_TOKEN", "").strip()
    if not token:
        fail("MEND_ADMIN_TOKEN is not set, so the server cannot be asked",
             "export MEND_ADMIN_TOKEN=<the token `mend serve` printed>, or just save the file: "
             f"the server checks for edits every {cfg.server.corpus_watch_seconds:g} s")
    host = "127.0.0.1" if cfg.server.host in ("0.0.0.0", "::") else cfg.server.host
    base = (url or f"http://{host}:{cfg.server.port}").rstrip("/")
    try:
        resp = httpx.post(f"{base}/admin/corpus/reload", headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {base} ({type(exc).__name__})", "start it with `mend serve`, or pass --url")
    if resp.status_code in (401, 404):
        fail(f"{base} refused the token (HTTP {resp.status_code})",
             "use the token that server printed at start (MEND_ADMIN_TOKEN), or set one before `mend serve`")
    try:
        data = resp.json()
    except ValueError:
        fail(f"{base} answered HTTP {resp.status_code} without JSON", "check --url points at `mend serve`")
    if not data.get("ok"):
        for problem in data.get("problems", []):
            console.print(f"[red]{problem}[/]", highlight=False)
        fail(data.get("summary", "reload rejected"), "fix the problems above and save again (the old corpus keeps serving)")
    console.print(f"[green]Reloaded:[/] {data.get('summary', '')}", highlight=False)


def _db_stats(config):
    from console.stats import item_stats
    from storage import make_engine, session_factory, upgrade

    engine = make_engine(config.database.url, root=config.root, pool_size=config.database.pool_size)
    try:
        upgrade(engine)
        with session_factory(engine)() as session:
            return item_stats(session)
    finally:
        engine.dispose()


def record_eval(config, result: dict, items, now) -> int | None:
    """Keep one `mend corpus eval` result; a database problem is a warning, never a failed eval."""
    from console.stats import store_eval_result
    from storage import make_engine, session_factory, upgrade

    try:
        engine = make_engine(config.database.url, root=config.root, pool_size=config.database.pool_size)
        try:
            upgrade(engine)
            with session_factory(engine)() as session:
                run = store_eval_result(session, result, items, now)
                session.commit()
                return run.id
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - the eval itself succeeded
        err_console.print(f"[yellow]warning:[/] eval result not kept in the database ({type(exc).__name__}: {exc}); "
                          "check MEND_DATABASE_URL, then `mend db upgrade`", highlight=False)
        return None


def item_stats_json(config, items) -> dict:
    """Per item id: times_sent, reply_rate, ratings, avg_rating (from the database)."""
    try:
        stats = _db_stats(config)
    except Exception as exc:  # noqa: BLE001 - one line with a next step
        fail(f"cannot read the database: {exc}", "check MEND_DATABASE_URL, then run `mend db upgrade`")
    out = {}
    for item in items:
        s = stats.get(item.id)
        out[item.id] = {
            "times_sent": s.times_sent if s else 0, "reply_rate": s.reply_rate if s else None,
            "ratings": s.ratings if s else 0, "avg_rating": s.avg_rating if s else None,
        }
    return out


def item_stats_table(config, items) -> Table:
    """Times sent, reply rate and average rating per item, most sent first; never-sent items last."""
    from console.stats import corpus_rows

    try:
        rows = corpus_rows(items, _db_stats(config))
    except Exception as exc:  # noqa: BLE001 - one line with a next step
        fail(f"cannot read the database: {exc}", "check MEND_DATABASE_URL, then run `mend db upgrade`")
    rows.sort(key=lambda r: (-r.stats.times_sent, r.id))
    never = sum(1 for r in rows if not r.stats.times_sent)
    table = Table(title=f"from the database: {len(rows) - never} items sent, {never} never sent")
    for col, justify in (("item", "left"), ("theme", "left"), ("sent", "right"), ("reply rate", "right"),
                         ("ratings", "right"), ("avg rating", "right")):
        table.add_column(col, justify=justify)
    for r in rows:
        s = r.stats
        table.add_row(r.id, r.theme, str(s.times_sent), "-" if s.reply_rate is None else f"{s.reply_rate:.0%}",
                      str(s.ratings), "-" if s.avg_rating is None else f"{s.avg_rating:.1f}",
                      style="dim" if not s.times_sent else None)
    return table


def register(app: typer.Typer) -> None:
    """Add `reload` to the `mend corpus` group."""
    app.command("reload")(reload)
