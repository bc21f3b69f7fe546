"""`mend serve` and the other long-running roles."""

from __future__ import annotations

import typer

from mend.cli._common import console, get_config


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option(None, help="Address to bind (default: server.host)."),
        port: int = typer.Option(None, help="Port (default: server.port)."),
    ) -> None:
        """Run Mend in one process on embedded defaults."""
        import uvicorn

        from mend.app import create_app

        cfg = get_config()
        host = host or cfg.server.host
        port = port or cfg.server.port
        from console.auth import console_banner

        cfg, banner = console_banner(cfg, host, port)  # a fresh admin token when MEND_ADMIN_TOKEN is unset
        console.print(banner, highlight=False, soft_wrap=True)
        console.print(f"Mend listening on http://{host}:{port}")
        uvicorn.run(create_app(cfg), host=host, port=port, log_level="info")
