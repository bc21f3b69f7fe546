"""`mend db ...` commands."""

from __future__ import annotations

import typer

from mend.cli._common import console, fail, get_config

app = typer.Typer(help="Database commands.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Apply database migrations (also done automatically on start)."""
    from sqlalchemy.exc import OperationalError

    from storage import current_revision, make_engine, upgrade

    cfg = get_config()
    engine = make_engine(cfg.database.url, root=cfg.root, pool_size=cfg.database.pool_size)
    try:
        upgrade(engine)
    except OperationalError as exc:
        fail(f"cannot reach the database: {exc.orig}", "check database.url in config.yaml or MEND_DATABASE_URL")
    console.print(f"database at revision [bold]{current_revision(engine)}[/]")
