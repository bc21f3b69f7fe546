"""`mend corpus reload`: ask a running `mend serve` to reload the corpus now.

The server also watches the corpus files itself (``server.corpus_watch_seconds``); this
command is for when you want the answer at once, with any ``file:line`` problems printed.
Registered onto the `mend corpus` group.
"""

from __future__ import annotations

import os

import typer

from mend.cli._common import console, fail, get_config


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


def register(app: typer.Typer) -> None:
    """Add `reload` to the `mend corpus` group."""
    app.command("reload")(reload)
