"""The web app: ``create_app(config, *, services=None)`` wires every router."""

from __future__ import annotations

from fastapi import FastAPI

from mend.config import Config
from mend.services import Services, build_services


def create_app(config: Config, *, services: Services | None = None) -> FastAPI:
    services = services or build_services(config)
    app = FastAPI(title="Mend", version="0.1.0")
    app.state.services = services

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    from console import mount as mount_console  # /admin and /metrics (off without MEND_ADMIN_TOKEN)

    mount_console(app, services)
    return app
