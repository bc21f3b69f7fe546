"""The web app: ``create_app(config, *, services=None)`` wires every router."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from mend.config import Config
from mend.services import Services, build_services

log = logging.getLogger("mend.app")


def create_app(config: Config, *, services: Services | None = None) -> FastAPI:
    services = services or build_services(config)
    app = FastAPI(title="Mend", version="0.1.0")
    app.state.services = services

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    from sms.webhook import router as sms_router  # /sms/inbound, /sms/status

    app.include_router(sms_router)
    _add_error_handlers(app)

    from console import mount as mount_console  # /admin and /metrics (off without MEND_ADMIN_TOKEN)

    mount_console(app, services)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Bad requests get a short 4xx; an unexpected error a bare 500. No traceback or input is echoed."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": "malformed request"}, status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)
