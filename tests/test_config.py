import re

import pytest

from mend.config import ROOT, config_fields, load_config
from mend.errors import ConfigError


def test_project_config_loads(config):
    assert config.scheduler.quiet_start == "21:00"
    assert "default" in config.safety.crisis_replies


@pytest.mark.parametrize(
    "data, key, expected",
    [
        ({"scheduler": {"quiet_start": "25:00"}}, "scheduler.quiet_start", "HH:MM"),
        ({"scheduler": {"max_messages_per_day": 0}}, "scheduler.max_messages_per_day", "at least 1"),
        ({"scheduler": {"max_messages_per_day": "six"}}, "scheduler.max_messages_per_day", "whole number"),
        ({"sms": {"default_timezone": "Mars/Olympus"}}, "sms.default_timezone", "IANA time zone"),
        ({"sms": {"reply_with_suggestion": "yes"}}, "sms.reply_with_suggestion", "true or false"),
        ({"scheduler": {"quiet_starts": "21:00"}}, "scheduler.quiet_starts", "unknown key"),
        ({"schedular": {}}, "schedular", "unknown section"),
        ({"safety": {"crisis_replies": {"US": "x"}}}, "safety.crisis_replies", "default"),
        ({"recommender": {"mmr_lambda": 1.5}}, "recommender.mmr_lambda", "at most 1.0"),
    ],
)
def test_bad_values_name_the_key(make_config, data, key, expected):
    with pytest.raises(ConfigError) as info:
        make_config(data)
    assert info.value.key == key
    assert expected in str(info.value)
    assert str(info.value).startswith(f"config: {key}:")


def test_environment_overrides_and_secrets(make_config):
    cfg = make_config(env={"MEND_DATABASE_URL": "postgresql+psycopg://127.0.0.1:5432/test",
                           "TWILIO_AUTH_TOKEN": "secret-token", "MEND_PUBLIC_URL": "https://mend.example"})
    assert cfg.database.url.startswith("postgresql")
    assert cfg.server.public_url == "https://mend.example"
    assert cfg.secrets.twilio_auth_token == "secret-token"
    assert "secret-token" not in repr(cfg.secrets)


def test_bad_yaml_names_file_and_line(tmp_path):
    p = tmp_path / "config.yaml"
    p.write_text("scheduler:\n  quiet_start: [21:00\n")
    with pytest.raises(ConfigError, match=r"config.yaml:\d+: not valid YAML"):
        load_config(p, env={})


def test_config_yaml_documents_every_key_with_a_comment():
    """config.yaml and the definitions in mend/config.py stay in step."""
    lines = (ROOT / "config.yaml").read_text().splitlines()
    keys_in_file = []
    section = None
    for i, line in enumerate(lines):
        if m := re.match(r"^(\w+):\s*$", line):
            section = m.group(1)
        elif m := re.match(r"^  (\w+):", line):
            keys_in_file.append((section, m.group(1)))
            assert lines[i - 1].strip().startswith("#"), f"config.yaml:{i + 1}: {section}.{m.group(1)} has no comment"
    defined = [(s, k) for s, k, _, _ in config_fields()]
    assert sorted(keys_in_file) == sorted(defined)
