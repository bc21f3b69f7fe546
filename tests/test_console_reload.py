"""Hot reload: an edited corpus is served without a restart; a broken edit is rejected with
its file:line problems while the old corpus keeps serving. Uses the real model."""

from __future__ import annotations

import dataclasses
import os

import pytest
from console_factories import NOW
from cryptography.fernet import Fernet
from factories import small_corpus, write_corpus, write_item
from fastapi.testclient import TestClient

from console.reload import CorpusWatcher, Reloader, snapshot
from mend.app import create_app
from mend.config import Secrets
from mend.services import build_services
from recommender import load_recommender
from storage import Cipher

TOKEN = "reload-test-token"
BEARER = {"authorization": f"Bearer {TOKEN}"}
pytestmark = pytest.mark.slow


@pytest.fixture
def corpus_setup(config, tmp_path, embedder):
    corpus_dir = write_corpus(tmp_path / "corpus", small_corpus())
    cfg = dataclasses.replace(config, secrets=Secrets(admin_token=TOKEN)).replace(
        corpus={"path": str(corpus_dir), "cache_dir": str(tmp_path / "cache")},
        server={"corpus_watch_seconds": 0.0},
    )
    rec = load_recommender(cfg, embedder)
    services = build_services(cfg, cipher=Cipher(Fernet.generate_key()), clock=lambda: NOW, recommender=rec)
    yield cfg, corpus_dir, rec, services
    services.engine.dispose()


def _bump_mtime(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_reload_serves_an_edit_and_rejects_a_broken_file(corpus_setup):
    cfg, corpus_dir, rec, services = corpus_setup
    client = TestClient(create_app(cfg, services=services))
    item = next(i for i in small_corpus() if i.id == "calm-place")
    new_sms = "Picture the calmest place you know, then breathe out slowly five times."
    write_item(corpus_dir, dataclasses.replace(item, sms=new_sms))

    resp = client.post("/admin/corpus/reload", headers=BEARER)
    assert resp.status_code == 200, resp.text
    assert resp.json()["ok"] is True and "1 changed" in resp.json()["summary"]
    assert rec.item("calm-place").sms == new_sms
    assert rec.recommend([(NOW, "I need a quiet calm place to breathe")], now=NOW, top=1)[0].sms == new_sms

    broken = write_item(corpus_dir, text="---\nid: kind-letter\nkind: exercise\ntheme: [unclosed\n---\nbody\n",
                        id="kind-letter", theme="self-compassion")
    resp = client.post("/admin/corpus/reload", headers=BEARER)
    assert resp.status_code == 422
    problems = resp.json()["problems"]
    assert problems and any(broken.name in p and ":" in p.split(broken.name, 1)[1] for p in problems), problems
    assert rec.item("kind-letter") is not None  # the old corpus keeps serving
    assert rec.item("calm-place").sms == new_sms
    page = client.get("/admin/corpus", headers=BEARER)
    assert broken.name in page.text and "old corpus keeps serving" in page.text


def test_the_watcher_reloads_after_an_edit(corpus_setup):
    cfg, corpus_dir, rec, services = corpus_setup
    reloader = Reloader(lambda: rec.reload(cfg), lambda: NOW)
    watcher = CorpusWatcher(corpus_dir, lambda: reloader.reload("watch"), interval=0.1)
    assert watcher.poll() is False  # nothing changed yet
    item = next(i for i in small_corpus() if i.id == "evening-pages")
    path = write_item(corpus_dir, dataclasses.replace(item, sms="Tonight, write two lines about one thing you got through."))
    _bump_mtime(path)
    assert watcher.poll() is True
    assert reloader.last.ok and reloader.last.trigger == "watch"
    assert rec.item("evening-pages").sms.startswith("Tonight, write two lines")
    assert watcher.poll() is False


def test_snapshot_sees_edits_additions_and_removals(tmp_path):
    corpus_dir = write_corpus(tmp_path / "c", small_corpus()[:2])
    before = snapshot(corpus_dir)
    assert len(before) == 2
    extra = write_item(corpus_dir, small_corpus()[3])
    assert len(snapshot(corpus_dir)) == 3
    extra.unlink()
    assert snapshot(corpus_dir) == before
    assert snapshot(tmp_path / "missing") == {}


def test_a_crashing_reload_is_reported_not_raised():
    def boom():
        raise RuntimeError("disk on fire")

    outcome = Reloader(boom, lambda: NOW).reload("api")
    assert not outcome.ok and "old corpus keeps serving" in outcome.summary and outcome.problems == ("disk on fire",)


def test_mend_corpus_reload_asks_the_running_server(corpus_setup, monkeypatch):
    from console_factories import serving
    from typer.testing import CliRunner

    from mend.cli import app as cli
    from mend.cli._common import get_config

    cfg, corpus_dir, rec, services = corpus_setup
    item = next(i for i in small_corpus() if i.id == "say-no-kindly")
    monkeypatch.setenv("COLUMNS", "200")
    get_config.cache_clear()
    try:
        with serving(create_app(cfg, services=services)) as url:
            code = CliRunner().invoke(cli, ["corpus", "reload", "--url", url])
            assert code.exit_code == 1 and "MEND_ADMIN_TOKEN is not set" in code.output
            monkeypatch.setenv("MEND_ADMIN_TOKEN", "wrong")
            get_config.cache_clear()
            code = CliRunner().invoke(cli, ["corpus", "reload", "--url", url])
            assert code.exit_code == 1 and "refused the token" in code.output
            monkeypatch.setenv("MEND_ADMIN_TOKEN", TOKEN)
            get_config.cache_clear()
            write_item(corpus_dir, dataclasses.replace(item, sms="Say one kind, clear no today to something that drains you."))
            code = CliRunner().invoke(cli, ["corpus", "reload", "--url", url])
            assert code.exit_code == 0, code.output
            assert "Reloaded" in code.output and "1 changed" in code.output
            assert rec.item("say-no-kindly").sms.startswith("Say one kind, clear no")
            write_item(corpus_dir, text="---\nid: say-no-kindly\nkind: exercise\n---\n", id="say-no-kindly")
            code = CliRunner().invoke(cli, ["corpus", "reload", "--url", url])
            assert code.exit_code == 1 and "say-no-kindly.md" in code.output and "old corpus keeps serving" in code.output
        code = CliRunner().invoke(cli, ["corpus", "reload", "--url", url])
        assert code.exit_code == 1 and "cannot reach" in code.output and "mend serve" in code.output
    finally:
        get_config.cache_clear()


def test_a_running_server_picks_up_edits_by_itself(corpus_setup):
    import time

    from console_factories import serving

    cfg, corpus_dir, rec, services = corpus_setup
    services.config = cfg.replace(server={"corpus_watch_seconds": 0.2})  # the app reads services.config
    item = next(i for i in small_corpus() if i.id == "morning-stretch")
    with serving(create_app(services.config, services=services)):
        time.sleep(0.3)
        path = write_item(corpus_dir, dataclasses.replace(item, sms="Start slowly: stretch for five minutes, then drink a glass of water."))
        _bump_mtime(path)
        deadline = time.monotonic() + 30
        while not rec.item("morning-stretch").sms.startswith("Start slowly") and time.monotonic() < deadline:
            time.sleep(0.1)
    assert rec.item("morning-stretch").sms.startswith("Start slowly")
