"""`mend subscribers list|show`, `mend messages tail`, `mend safety queue|resolve` on a real database."""

from __future__ import annotations

import pytest
from console_factories import make_message, make_safety_event, make_subscriber, phone
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from mend.cli import app
from mend.cli._common import get_config
from mend.services import build_services
from storage import Cipher
from storage.models import SafetyEvent


@pytest.fixture
def env(tmp_path, monkeypatch):
    key = Fernet.generate_key().decode()
    values = {"MEND_DATABASE_URL": f"sqlite:///{tmp_path / 'mend.db'}", "MEND_ENCRYPTION_KEY": key, "COLUMNS": "200"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    get_config.cache_clear()
    yield values
    get_config.cache_clear()


@pytest.fixture
def db(env):
    services = build_services(get_config(), cipher=Cipher(env["MEND_ENCRYPTION_KEY"]))
    with services.sessions() as session:
        a = make_subscriber(session, phone=phone(51))
        make_subscriber(session, phone=phone(52), status="opted_out")
        make_message(session, a, body="Try a calm-place break.")
        make_message(session, a, direction="in", body_encrypted=services.cipher.encrypt("my secret journal"))
        make_message(session, a, status="failed", error_code=21610, body="second")
        event = make_safety_event(session, services.cipher, text="I want to end it", phone=phone(51), subscriber_id=a.id)
        session.commit()
        ids = {"subscriber": a.id, "event": event.id}
    yield services, ids
    services.engine.dispose()


def run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_subscribers_list_masks_numbers_and_filters(db):
    code, out = run("subscribers", "list")
    assert code == 0, out
    assert "+1555***0151" in out and "+1555***0152" in out and "+15555550151" not in out
    code, out = run("subscribers", "list", "--status", "opted_out")
    assert code == 0 and "+1555***0152" in out and "+1555***0151" not in out
    code, out = run("subscribers", "list", "--status", "gone")
    assert code == 1 and "unknown status" in out and "active" in out


def test_subscribers_show_by_phone_and_by_id(db):
    _, ids = db
    code, out = run("subscribers", "show", phone(51))
    assert code == 0, out
    assert "+1555***0151" in out and "1 / 2" in out  # messages in / out
    assert "my secret journal" not in out and "(encrypted)" in out
    assert run("subscribers", "show", str(ids["subscriber"]))[0] == 0
    code, out = run("subscribers", "show", phone(98))
    assert code == 1 and "no subscriber" in out and "mend subscribers list" in out


def test_messages_tail(db):
    code, out = run("messages", "tail", "-n", "2")
    assert code == 0, out
    assert "second" in out and "21610" in out and "calm-place" not in out
    assert "my secret journal" not in out


def test_safety_queue_and_resolve(db):
    services, ids = db
    code, out = run("safety", "queue")
    assert code == 0 and "I want to end it" in out and "+1555***0151" in out
    code, out = run("safety", "resolve", str(ids["event"]), "--note", "  ")
    assert code == 1 and "note" in out
    code, out = run("safety", "resolve", "999", "--note", "x")
    assert code == 1 and "no safety event 999" in out and "mend safety queue" in out
    code, out = run("safety", "resolve", str(ids["event"]), "--note", "called back, safe")
    assert code == 0, out
    with services.sessions() as session:
        assert session.get(SafetyEvent, ids["event"]).resolution_note == "called back, safe"
    code, out = run("safety", "resolve", str(ids["event"]), "--note", "again")
    assert code == 1 and "already resolved" in out
    code, out = run("safety", "queue")
    assert code == 0 and "No open crisis flags" in out


def test_eval_results_are_kept_and_item_stats_come_from_the_database(db):
    from console_factories import NOW, make_recommendation
    from factories import make_item
    from rich.console import Console

    from console.stats import eval_history
    from mend.cli.corpus_ops import item_stats_json, item_stats_table, record_eval

    services, ids = db
    items = [make_item(id="calm-place"), make_item(id="kind-letter", theme="self-compassion")]
    with services.sessions() as session:
        from storage.models import Subscriber

        sub = session.get(Subscriber, ids["subscriber"])
        make_recommendation(session, sub, "calm-place", replied=True, feedback=4)
        make_recommendation(session, sub, "calm-place", feedback=2)
        session.commit()
    run_id = record_eval(get_config(), {"metrics": {"test": {"mend": {"hit_at_3": 0.93}}}}, items, NOW)
    assert run_id is not None
    with services.sessions() as session:
        assert [p.metrics["metrics"]["test"]["mend"]["hit_at_3"] for p in eval_history(session)] == [0.93]
    data = item_stats_json(get_config(), items)
    assert data["calm-place"] == {"times_sent": 2, "reply_rate": 0.5, "ratings": 2, "avg_rating": 3.0}
    assert data["kind-letter"]["times_sent"] == 0
    out = Console(width=200, record=True)
    out.print(item_stats_table(get_config(), items))
    text = out.export_text()
    assert "1 items sent, 1 never sent" in text and "50%" in text and "3.0" in text
    assert text.index("calm-place") < text.index("kind-letter")


def test_a_broken_database_does_not_fail_the_eval(tmp_path, monkeypatch, capsys):
    from console_factories import NOW

    from mend.cli.corpus_ops import record_eval

    monkeypatch.setenv("MEND_DATABASE_URL", "postgresql+psycopg://127.0.0.1:1/nowhere")
    get_config.cache_clear()
    try:
        assert record_eval(get_config(), {"mend": {"mrr": 0.5}}, [], NOW) is None
    finally:
        get_config.cache_clear()
    assert "eval result not kept" in capsys.readouterr().err


@pytest.mark.slow
def test_corpus_eval_keeps_each_run_and_stats_show_database_figures(tmp_path, monkeypatch, embedder):
    import json

    from factories import small_corpus, write_corpus
    from sqlalchemy import create_engine, select

    from storage.models import EvalRun

    corpus = write_corpus(tmp_path / "corpus", small_corpus())
    (corpus / "eval").mkdir()
    (corpus / "eval" / "entries.yaml").write_text(
        "entries:\n"
        "  - {id: a, text: 'nobody texted me back after the party', relevant_themes: [support-network], split: tune}\n"
        "  - {id: b, text: 'my boss keeps piling work on me', relevant_themes: [boundaries], split: test}\n"
        "off_topic: ['what is the capital of peru']\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus:\n  path: {corpus}\n  cache_dir: {tmp_path / 'cache'}\n"
                      f"database:\n  url: sqlite:///{tmp_path / 'mend.db'}\n")
    monkeypatch.setenv("MEND_CONFIG", str(config))
    monkeypatch.setenv("COLUMNS", "200")
    get_config.cache_clear()
    try:
        for _ in range(2):
            assert run("corpus", "eval", "--json")[0] == 0
        code, out = run("corpus", "stats")
        assert code == 0, out
        assert "0 items sent, 8 never sent" in out
        result = CliRunner().invoke(app, ["corpus", "stats", "--json"])
        assert json.loads(result.stdout)["from_database"]["calm-place"]["times_sent"] == 0
    finally:
        get_config.cache_clear()
    engine = create_engine(f"sqlite:///{tmp_path / 'mend.db'}")
    with engine.connect() as conn:
        runs = conn.execute(select(EvalRun.metrics, EvalRun.corpus_hash)).all()
    engine.dispose()
    assert len(runs) == 2 and runs[0].corpus_hash == runs[1].corpus_hash
    assert set(runs[0].metrics["metrics"]) == {"tune", "test", "all"}


def test_the_readme_console_commands_exist():
    import re

    from mend.config import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Operator console", 1)[1].split("\n## ", 1)[0]
    commands = set()
    for group, subs in re.findall(r"`mend (\w+) ([\w|]+)", section):
        commands |= {(group, sub) for sub in subs.split("|")}
    assert ("safety", "resolve") in commands and ("corpus", "reload") in commands
    for group, sub in sorted(commands):
        result = CliRunner().invoke(app, [group, sub, "--help"])
        assert result.exit_code == 0, (group, sub, result.output)


def test_messages_tail_follow_prints_new_messages(db, env):
    import os
    import subprocess
    import sys
    import threading
    import time

    from mend.config import ROOT

    services, ids = db
    proc = subprocess.Popen(
        [sys.executable, "-m", "mend.cli", "messages", "tail", "-n", "1", "--follow", "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        def wait_for(text: str) -> None:
            deadline = time.monotonic() + 30
            while not any(text in line for line in list(lines)):
                assert time.monotonic() < deadline and proc.poll() is None, ("".join(lines), text)
                time.sleep(0.05)

        wait_for("last 1 messages")
        with services.sessions() as session:
            from storage.models import Subscriber

            make_message(session, session.get(Subscriber, ids["subscriber"]), body="a brand new suggestion")
            session.commit()
        wait_for("a brand new suggestion")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
