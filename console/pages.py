"""The console's pages under ``/admin``: thin shells over ``console.queries``, ``stats``,
``review``, ``engines`` and ``simulator``. Every route needs an authenticated operator."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from console import charts, engines, queries, review, simulator, stats
from console.auth import BEARER, Operator
from console.errors import ConsoleError
from console.web import check_csrf, login_routes, operator, render, state

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
login_routes(router)
MAX_TRY_CHARS = 4000


@router.get("/admin")
def dashboard(request: Request, op: Operator = Depends(operator)):
    st = state(request)
    with st.services.sessions() as session:
        d = queries.dashboard(session, st.services.clock())
    bars = [
        charts.Bar(day.day.strftime("%m-%d"), (("in", day.inbound), ("out", day.outbound)),
                   f"{day.day.isoformat()}: {day.inbound} in, {day.outbound} out")
        for day in d.per_day
    ]
    chart = charts.bar_chart(bars, caption="Messages per day, last 14 days")
    return render(request, "dashboard.html", op, d=d, chart=chart, reload=st.reloader.last)


@router.get("/admin/corpus")
def corpus(request: Request, q: str = "", never_sent: bool = False, kind: str = "", theme: str = "",
           op: Operator = Depends(operator)):
    st = state(request)
    error = ""
    items = []
    try:
        items = engines.recommender(st.services).items
    except Exception as exc:  # noqa: BLE001 - show the operator why, keep the page up
        log.warning("corpus browser: recommender unavailable: %s", exc)
        error = str(exc)
    with st.services.sessions() as session:
        item_stats = stats.item_stats(session)
    rows = stats.corpus_rows(items, item_stats, query=q, never_sent=never_sent, kind=kind, theme=theme)
    themes = sorted({i.theme for i in items})
    return render(request, "corpus.html", op, rows=rows, total=len(items), q=q, never_sent=never_sent,
                  kind=kind, theme=theme, themes=themes, error=error, reload=st.reloader.last)


@router.post("/admin/corpus/reload")
def corpus_reload(request: Request, csrf: str = Form(""), op: Operator = Depends(operator)):
    check_csrf(request, op, csrf)
    st = state(request)
    outcome = st.reloader.reload("console" if op.via != BEARER else "api")
    if op.via == BEARER:
        return JSONResponse({"ok": outcome.ok, "summary": outcome.summary, "problems": list(outcome.problems)},
                            status_code=200 if outcome.ok else 422)
    return RedirectResponse("/admin/corpus", status_code=303)


@router.get("/admin/try")
def try_form(request: Request, op: Operator = Depends(operator)):
    return render(request, "try.html", op, text="", result=None, error="")


@router.post("/admin/try")
def try_it(request: Request, text: str = Form(""), csrf: str = Form(""), op: Operator = Depends(operator)):
    check_csrf(request, op, csrf)
    st = state(request)
    text = text.strip()
    result, error = None, ""
    if not text:
        error = "Paste a journal text first."
    elif len(text) > MAX_TRY_CHARS:
        error = f"That is {len(text)} characters; paste at most {MAX_TRY_CHARS}."
    else:
        try:
            result = engines.try_text(st.services, text, st.services.clock())
        except Exception as exc:  # noqa: BLE001 - the operator sees the reason, the server stays up
            log.exception("try it failed")
            error = f"Could not run the screen and ranking: {exc}"
    return render(request, "try.html", op, text=text, result=result, error=error)


@router.get("/admin/eval")
def evaluation(request: Request, op: Operator = Depends(operator)):
    st = state(request)
    with st.services.sessions() as session:
        history = stats.eval_history(session)
    latest = history[-1] if history else None
    tables = [
        (split, stats.entries_in(latest.metrics, split), stats.metrics_table(latest.metrics, split))
        for split in stats.splits_of(latest.metrics)
    ] if latest else []
    return render(request, "eval.html", op, history=history, latest=latest, tables=tables,
                  trend=stats.metric_trend(history))


@router.get("/admin/simulator")
def simulator_page(request: Request, n: str = simulator.DEFAULT_SUFFIX, failed: str = "",
                   op: Operator = Depends(operator)):
    st = state(request)
    phone, error = simulator.test_number(n), ""
    if failed:
        error = f"The inbound path failed ({failed[:40]}); the server log has the details."
    if phone is None:
        phone, error = simulator.test_number(simulator.DEFAULT_SUFFIX), "Pick a test number 00-99 (555-01xx)."
    with st.services.sessions() as session:
        chat = simulator.conversation(session, st.services.cipher, phone)
    return render(request, "simulator.html", op, phone=phone, suffix=phone[-2:], chat=chat, error=error)


@router.post("/admin/simulator")
def simulator_send(request: Request, text: str = Form(""), n: str = Form(simulator.DEFAULT_SUFFIX),
                   csrf: str = Form(""), op: Operator = Depends(operator)):
    check_csrf(request, op, csrf)
    st = state(request)
    phone = simulator.test_number(n)
    if phone is None or not text.strip():
        return RedirectResponse(f"/admin/simulator?n={simulator.DEFAULT_SUFFIX}", status_code=303)
    try:
        simulator.send(st.services, phone, text.strip()[:simulator.MAX_CHARS])
    except Exception as exc:  # noqa: BLE001 - logged; the operator sees that it failed
        log.exception("simulator: inbound path failed")
        return RedirectResponse(f"/admin/simulator?n={phone[-2:]}&failed={type(exc).__name__}", status_code=303)
    return RedirectResponse(f"/admin/simulator?n={phone[-2:]}", status_code=303)


@router.get("/admin/safety")
def safety_queue(request: Request, op: Operator = Depends(operator)):
    st = state(request)
    with st.services.sessions() as session:
        open_items = review.open_events(session, st.services.cipher)
        resolved = review.recently_resolved(session, st.services.cipher, limit=10)
    return render(request, "safety.html", op, open_items=open_items, resolved=resolved, error="")


@router.post("/admin/safety/{event_id}/resolve")
def safety_resolve(request: Request, event_id: int, note: str = Form(""), csrf: str = Form(""),
                   op: Operator = Depends(operator)):
    check_csrf(request, op, csrf)
    st = state(request)
    with st.services.sessions() as session:
        try:
            review.resolve(session, event_id, note, st.services.clock())
            session.commit()
        except ConsoleError as exc:
            session.rollback()
            open_items = review.open_events(session, st.services.cipher)
            resolved = review.recently_resolved(session, st.services.cipher, limit=10)
            return render(request, "safety.html", op, status_code=400, open_items=open_items, resolved=resolved,
                          error=str(exc))
    log.info("safety event %s resolved from the console", event_id)
    return RedirectResponse("/admin/safety", status_code=303)


@router.get("/admin/messages")
def messages(request: Request, op: Operator = Depends(operator)):
    st = state(request)
    with st.services.sessions() as session:
        rows = queries.recent_messages(session, limit=100)
    return render(request, "messages.html", op, rows=list(reversed(rows)))
