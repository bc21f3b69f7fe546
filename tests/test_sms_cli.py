"""`mend sms simulate`: the same inbound path as the webhook, printed."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from mend.cli import app
from mend.cli._common import get_config


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("MEND_DATABASE_URL", f"sqlite:///{tmp_path / 'mend.db'}")
    monkeypatch.setenv("MEND_ENCRYPTION_KEY", Fernet.generate_key().decode())
    get_config.cache_clear()
    yield
    get_config.cache_clear()


def test_a_bad_number_fails_with_a_next_step(env):
    result = CliRunner().invoke(app, ["sms", "simulate", "12", "hi"])
    assert result.exit_code == 1
    assert "E.164" in result.output and "+15555550123" in result.output


@pytest.mark.slow
def test_simulate_runs_the_conversation_with_the_real_screener(env):
    runner = CliRunner()
    first = runner.invoke(app, ["sms", "simulate", "+15555550123", "hi"])
    assert first.exit_code == 0, first.output
    assert "Reply YES to join" in first.output
    again = runner.invoke(app, ["sms", "simulate", "+15555550123", "YES", "--sid", "SM1"])
    assert "Welcome to Mend" in again.output
    repeat = runner.invoke(app, ["sms", "simulate", "+15555550123", "YES", "--sid", "SM1"])
    assert "repeated MessageSid" in repeat.output and "Welcome to Mend" in repeat.output
    crisis = runner.invoke(app, ["sms", "simulate", "+15555550124", "I want to kill myself tonight"])
    assert "988" in crisis.output and "crisis" in crisis.output
