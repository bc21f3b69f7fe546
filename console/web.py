"""Mount the operator console on the web app: ``mount(app, services)``.

With no admin token configured nothing is mounted, so ``/admin`` and ``/metrics`` answer
404 (the console is off, never open). With a token: the pages under ``/admin`` (see
``console/pages.py``), the login form, ``GET /metrics`` (same Bearer token), and the
corpus watcher that hot-reloads the corpus while the server runs.
"""

from __future__ import annotations

import dataclasses
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from console import engines
from console.auth import ConsoleAuth, LoginThrottle, Operator
from console.metrics import CONTENT_TYPE, ConsoleMetrics, time_recommendations
from console.reload import CorpusWatcher, Reloader
from mend.services import Services
from sms.errors import mask_phone

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["mask"] = mask_phone


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


templates.env.filters["pct"] = _pct
templates.env.filters["num"] = _num
templates.env.filters["when"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else "–"


_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class LoginRequired(Exception):
    """Raised by ``operator()``; answered with 401 and nothing but a login form."""

    def __init__(self, json: bool):
        self.json = json


class CsrfFailed(Exception):
    pass


@dataclass
class ConsoleState:
    services: Services
    auth: ConsoleAuth
    metrics: ConsoleMetrics
    reloader: Reloader
    watcher: CorpusWatcher | None
    throttle: LoginThrottle = dataclasses.field(default_factory=LoginThrottle)


def state(request: Request) -> ConsoleState:
    return request.app.state.console


def operator(request: Request) -> Operator:
    """FastAPI dependency: the authenticated operator, or 401 with nothing revealed."""
    st = state(request)
    op = st.auth.identify(request.headers.get("authorization"), request.cookies.get("mend_console"))
    if op is None:
        raise LoginRequired(json=_wants_json(request))
    return op


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" not in accept or request.headers.get("authorization") is not None


def check_csrf(request: Request, op: Operator, submitted: str | None) -> None:
    if not ConsoleAuth.csrf_ok(op, submitted):
        raise CsrfFailed()


def is_https(request: Request, services: Services) -> bool:
    if request.url.scheme == "https" or services.config.server.public_url.lower().startswith("https://"):
        return True
    forwarded = request.headers.get("x-forwarded-proto", "")
    return services.config.server.trust_forwarded_headers and forwarded.split(",")[0].strip() == "https"


def render(request: Request, name: str, op: Operator | None, status_code: int = 200, **context) -> HTMLResponse:
    context.setdefault("page", name.removesuffix(".html"))
    return templates.TemplateResponse(
        request, name, {"csrf": op.csrf if op else "", "op": op, **context}, status_code=status_code,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                 "Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"},
    )


def _login_page(request: Request, status_code: int, error: str = "") -> HTMLResponse:
    return render(request, "login.html", None, status_code=status_code, error=error, page="login")


def mount(app: FastAPI, services: Services) -> ConsoleState | None:
    """Add the console, its login and ``/metrics`` to ``app``; returns None when the console is off."""
    token = services.config.secrets.admin_token
    if not token:
        log.info("operator console off: MEND_ADMIN_TOKEN is not set")
        return None
    cfg = services.config
    auth = ConsoleAuth(
        token, max_age_seconds=cfg.server.console_session_hours * 3600,
        secure_cookies=cfg.server.public_url.lower().startswith("https://"),
    )
    metrics = ConsoleMetrics(services.sessions)
    time_recommendations(services, metrics.recommend_latency)
    reloader = Reloader(lambda: engines.recommender(services).reload(cfg), services.clock)

    def _watch_change():
        reloader.reload("watch")

    watcher = None
    if cfg.server.corpus_watch_seconds > 0:
        watcher = CorpusWatcher(cfg.resolve(cfg.corpus.path), _watch_change, cfg.server.corpus_watch_seconds)
    st = ConsoleState(services, auth, metrics, reloader, watcher)
    app.state.console = st

    from console.pages import router

    app.include_router(router)
    app.mount("/admin/static", StaticFiles(directory=str(HERE / "static")), name="console-static")

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        if exc.json:
            return JSONResponse({"detail": "unauthorized"}, status_code=401,
                                headers={"WWW-Authenticate": 'Bearer realm="mend"'})
        return _login_page(request, 401)

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, exc: CsrfFailed):
        return JSONResponse({"detail": "form expired or forged: reload the page and try again"}, status_code=403)

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint(request: Request) -> Response:
        if not auth.bearer_ok(request.headers.get("authorization")):
            return JSONResponse({"detail": "unauthorized"}, status_code=401,
                                headers={"WWW-Authenticate": 'Bearer realm="mend"'})
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    if watcher is not None:
        inner = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(app_):
            watcher.start()
            try:
                async with inner(app_) as value:
                    yield value
            finally:
                watcher.stop()

        app.router.lifespan_context = lifespan
    return st


def login_routes(router) -> None:
    """The login form and logout (no authentication needed to see the form)."""
    from fastapi import Form

    @router.get("/admin/login", response_class=HTMLResponse)
    def login_form(request: Request):
        return _login_page(request, 200)

    @router.post("/admin/login")
    def login(request: Request, token: str = Form("")):
        st = state(request)
        client = request.client.host if request.client else "?"
        now = st.services.clock().timestamp()
        if st.throttle.blocked(client, now):
            log.warning("console login refused (too many failed attempts)")
            return _login_page(request, 429, error="Too many wrong tokens. Wait a few minutes, then try again.")
        if not st.auth.token_ok(token):
            st.throttle.failed(client, now)
            log.warning("console login refused (wrong token)")
            return _login_page(request, 401, error="That token is not right. Copy it from the `mend serve` output.")
        cookie, _ = st.auth.new_session()
        resp = RedirectResponse("/admin", status_code=303)
        resp.set_cookie(
            "mend_console", cookie, max_age=st.auth.max_age, httponly=True, samesite="strict",
            secure=is_https(request, st.services), path="/admin",
        )
        return resp

    @router.post("/admin/logout")
    def logout(request: Request):
        resp = RedirectResponse("/admin/login", status_code=303)
        resp.delete_cookie("mend_console", path="/admin", httponly=True, samesite="strict")
        return resp
