"""`mend serve` and the other long-running roles."""

from __future__ import annotations

import typer

from mend.cli._common import console, get_config


def register(app: typer.Typer) -> None:
    _register_scale_out(app)  # `mend web`, `mend worker` (running at scale, README)
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
        if cfg.secrets.twilio_auth_token:
            console.print(f"Twilio webhooks: {cfg.server.public_url.rstrip('/')}/sms/inbound and /sms/status "
                          "(signatures checked against that URL)", highlight=False)
        else:
            console.print("TWILIO_AUTH_TOKEN is not set: the Twilio webhooks refuse every request (403). "
                          "Try the conversation with `mend sms simulate +15555550123 \"hi\"`.", highlight=False)
        web_app = create_app(cfg)
        from scheduler.jobs import start_scheduler

        start_scheduler(web_app.state.services)  # plan, dispatch, reconcile, retention in this process
        uvicorn.run(web_app, host=host, port=port, log_level="info")


# -- running at scale: `mend web` and `mend worker` -------------------------------------------


def web_app_factory():
    """The web app for `mend web` (uvicorn factory: each uvicorn worker process builds its own)."""
    from mend.app import create_app

    return create_app(get_config())


def _register_scale_out(app: typer.Typer) -> None:
    @app.command("web")
    def web(
        host: str = typer.Option(None, help="Address to bind (default: server.host)."),
        port: int = typer.Option(None, help="Port (default: server.port)."),
        workers: int = typer.Option(1, min=1, max=64, help="uvicorn worker processes."),
    ) -> None:
        """Serve the webhooks and console only (stateless; run N copies behind a proxy)."""
        import uvicorn

        cfg = get_config()
        host = host or cfg.server.host
        port = port or cfg.server.port
        console.print(f"Mend web listening on http://{host}:{port} ({workers} process(es), no scheduler)")
        uvicorn.run("mend.cli.runtime:web_app_factory", factory=True, host=host, port=port,
                    workers=workers, log_level="info")

    @app.command("worker")
    def worker(
        worker_id: str = typer.Option(None, "--id", help="Worker id recorded on claimed rows (default host:pid)."),
    ) -> None:
        """Dispatch due messages and reconcile unknown sends until stopped (run N copies)."""
        import os
        import signal
        import socket
        import threading

        from mend.services import build_services
        from scheduler.worker import run_worker

        cfg = get_config()
        services = build_services(cfg)
        worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        console.print(f"Mend worker {worker_id}: dispatch every {cfg.scheduler.dispatch_interval_seconds}s, "
                      f"reconcile every {cfg.scheduler.reconcile_interval_seconds}s")
        stats = run_worker(
            services.sessions, services.gateway, config=cfg, worker_id=worker_id,
            recommender=services.recommender, cipher=services.cipher, clock=services.clock, stop=stop,
        )
        console.print(f"worker {worker_id} stopped: {stats.sent} sent in {stats.rounds} rounds")
