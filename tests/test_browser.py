"""The console in a real browser: Debian's headless Chromium driven by Playwright.

Starts the real app with uvicorn on 127.0.0.1 (ephemeral port, temporary SQLite, the
in-memory gateway, an admin token), logs in, walks the phone simulator through opt-in,
a journal text and STOP, uses "Try it", resolves a crisis flag, and saves a screenshot of
every page (desktop and phone-sized) under tests/artifacts/.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from console_factories import serving

from mend.config import Secrets

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "browser-test-token-5f2c"
PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed once per session if missing; skipped only if that fails."""
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None:
            pytest.skip("no /usr/bin/chromium and no apt-get to install it")
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=900,
                                  env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
            if done.returncode != 0:
                pytest.skip(f"could not install chromium ({' '.join(cmd)} exited {done.returncode}): "
                            f"{done.stderr.strip().splitlines()[-1:]}")
    if not CHROMIUM.exists():
        pytest.skip("apt-get install chromium finished but /usr/bin/chromium is missing")
    return CHROMIUM


@pytest.fixture(scope="module")
def engines(embedder):
    from mend.config import ROOT, load_config
    from recommender import load_recommender
    from safety import load_screener

    cfg = load_config(ROOT / "config.yaml", env={})
    return load_screener(cfg, embedder), load_recommender(cfg, embedder)


@pytest.fixture
def server(config, engines):
    """The real app under uvicorn on 127.0.0.1 with an ephemeral port; yields its base URL."""
    from cryptography.fernet import Fernet

    from mend.app import create_app
    from mend.services import build_services
    from sms.gateway import InMemoryGateway
    from storage import Cipher

    screener, rec = engines
    cfg = dataclasses.replace(config, secrets=Secrets(admin_token=TOKEN))
    services = build_services(cfg, cipher=Cipher(Fernet.generate_key()), gateway=InMemoryGateway(),
                              screener=screener, recommender=rec)
    _keep_eval_runs(services, rec)
    with serving(create_app(cfg, services=services)) as url:
        yield url
    services.engine.dispose()


def _keep_eval_runs(services, rec) -> None:
    """Two stored runs in `mend corpus eval`'s shape (EvalResult.as_dict()), figures made up for the page.

    (The real evaluation takes minutes; tests/test_operator_cli.py runs it through the CLI on a small corpus.)
    """
    from datetime import UTC, datetime, timedelta

    from console.stats import store_eval_result
    from recommender.evaluation import EvalResult, Metrics

    def result(mend: float) -> dict:
        by = {"mend": Metrics(mend - 0.2, mend, mend - 0.1, mend - 0.05, 0.7, 33),
              "bm25": Metrics(0.45, 0.7, 0.6, 0.62, 0.5, 33), "random": Metrics(0.05, 0.1, 0.1, 0.12, 0.9, 33)}
        return EvalResult(metrics={"test": by, "all": by}, top3={}, calibration=None).as_dict()

    now = datetime.now(UTC)
    with services.sessions() as session:
        store_eval_result(session, result(0.88), rec.items[:-1], now - timedelta(days=1))
        store_eval_result(session, result(0.94), rec.items, now)
        session.commit()


@pytest.fixture
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def _shot(page, artifacts: Path, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=full_page)


def _send(page, text: str) -> None:
    before = page.locator(".bubble").count()
    page.fill("#sms-text", text)
    page.click(".composer button[type=submit]")
    page.wait_for_function(f"document.querySelectorAll('.bubble').length > {before}")


def test_console_end_to_end(server, browser, artifacts_dir):
    # Without the token: 401 and nothing revealed.
    for path in ("/admin", "/admin/safety", "/admin/messages", "/metrics"):
        resp = httpx.get(server + path)
        assert resp.status_code == 401, path
        assert "***" not in resp.text and 'id="active"' not in resp.text

    page = browser.new_page(viewport=DESKTOP_VIEWPORT)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "401" not in msg.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    resp = page.goto(server + "/admin")
    assert resp.status == 401
    assert page.locator("input#token").is_visible()
    _shot(page, artifacts_dir, "login")
    page.fill("#token", "wrong-token")
    page.click("button[type=submit]")
    assert "not right" in page.locator(".error").inner_text()
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/admin")
    assert page.locator("h1").inner_text() == "Dashboard"

    # The phone simulator through the real inbound path: opt-in, a journal text, STOP.
    page.goto(server + "/admin/simulator?n=42")
    _send(page, "hello")
    consent = page.locator(".bubble.out").last.inner_text()
    assert "YES" in consent and "STOP" in consent
    _send(page, "YES")
    assert "welcome" in page.locator(".bubble.out").last.inner_text().lower()
    _send(page, "My best friend stopped answering my texts and I feel like I'm not worth keeping around")
    suggestion = page.locator(".bubble.out").last
    assert suggestion.get_attribute("data-kind") == "reply" and len(suggestion.inner_text()) > 40
    _send(page, "STOP")
    assert page.locator(".bubble.in").count() == 4
    _shot(page, artifacts_dir, "simulator")
    # A crisis text from another test number goes to the review queue.
    page.goto(server + "/admin/simulator?n=43")
    _send(page, "I don't want to be alive anymore, I'm going to end it tonight")
    assert page.locator(".bubble.out").last.get_attribute("data-kind") == "crisis"
    assert "988" in page.locator(".bubble.out").last.inner_text()

    # Try it.
    page.goto(server + "/admin/try")
    page.fill("#text", "I got rejected from another job and I feel like a failure who will never be good enough")
    page.click("form.card button[type=submit]")
    assert "no crisis" in page.locator("#verdict h2").inner_text()
    assert page.locator("ol.ranked li").count() == 5
    assert page.locator("ol.ranked li .reason").first.inner_text().startswith("why:")
    _shot(page, artifacts_dir, "try-it")

    # Every page renders; screenshots on desktop and on a phone.
    pages = {"dashboard": "/admin", "corpus": "/admin/corpus", "eval": "/admin/eval", "safety": "/admin/safety",
             "messages": "/admin/messages", "simulator": "/admin/simulator?n=42", "try": "/admin/try"}
    phone = browser.new_page(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True)
    phone.context.add_cookies(page.context.cookies())
    for name, path in pages.items():
        assert page.goto(server + path).status == 200, path
        _shot(page, artifacts_dir, f"{name}-desktop")
        assert phone.goto(server + path).status == 200, path
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_VIEWPORT["width"] + 1, f"{path} scrolls sideways on a phone ({width}px)"
        _shot(phone, artifacts_dir, f"{name}-phone", full_page=False)  # what a phone shows first

    # The evaluation page shows the stored run: Mend next to BM25 on the held-back split.
    page.goto(server + "/admin/eval")
    assert "Test split (held back" in page.locator("main").inner_text()
    assert page.locator("table.metrics").first.locator("th").all_inner_texts()[:3] == ["metric", "mend", "bm25"]

    # Dashboard figures and the corpus browser.
    page.goto(server + "/admin")
    assert page.locator("#open-flags").inner_text() == "1"
    assert page.locator("svg.chart rect").count() >= 2
    page.goto(server + "/admin/corpus?q=friend")
    shown = int(page.locator("#shown").inner_text())
    assert 0 < shown < int(page.locator("#shown").evaluate("e => e.parentElement.textContent.match(/of (\\d+)/)[1]"))

    # Resolve the crisis flag with a note.
    page.goto(server + "/admin/safety")
    flag = page.locator("article.flag").first
    assert "end it tonight" in flag.inner_text()
    flag.locator("textarea").fill("Called back; they are safe with family tonight, 988 shared again.")
    flag.locator("button[type=submit]").click()
    page.wait_for_selector("#queue-empty")
    assert "Called back" in page.locator("table").inner_text()

    assert errors == [], errors  # no script errors, nothing blocked by the Content-Security-Policy

    # Log out: the console is closed again.
    page.click("button.link")
    page.wait_for_url(server + "/admin/login")
    assert page.goto(server + "/admin").status == 401
