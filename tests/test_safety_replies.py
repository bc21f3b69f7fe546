"""Crisis replies: configured per country, short enough for 2 SMS segments, with the right resources."""

from __future__ import annotations

import re

import pytest

from safety import crisis_reply
from sms.segments import count_segments

# Words that would describe a method or means: a crisis reply must never contain them.
_METHOD_WORDS = re.compile(r"\b(pills?|overdose|rope|hang|jump|bridge|gun|knife|cut|bleed|poison|method)\b", re.I)


def test_every_configured_reply_fits_two_segments_and_names_no_method(config):
    assert config.safety.crisis_replies
    for country in config.safety.crisis_replies:
        reply = crisis_reply(config, None if country == "default" else country)
        _encoding, segments, _units = count_segments(reply)
        assert segments <= 2, (country, len(reply))
        assert not _METHOD_WORDS.search(reply), country
        assert "alone" in reply and "Thank you for telling us" in reply  # warm, not clinical


def test_us_reply_has_every_us_resource(config):
    reply = crisis_reply(config, "US")
    for needed in ("988", "988lifeline.org", "741741", "HOME", "911"):
        assert needed in reply


@pytest.mark.parametrize("country", [None, "", "FR", "zz"])
def test_unknown_country_gets_the_default(config, country):
    assert crisis_reply(config, country) == " ".join(config.safety.crisis_replies["default"].split())


def test_country_code_is_case_insensitive(config):
    assert crisis_reply(config, "us") == crisis_reply(config, "US")
    assert "116 123" in crisis_reply(config, "GB")


def test_a_reply_from_config_overrides(make_config):
    cfg = make_config({"safety": {"crisis_replies": {"default": "Call 112 now.", "DE": "Ruf 0800 1110111 an."}}})
    assert crisis_reply(cfg, "DE") == "Ruf 0800 1110111 an."
    assert crisis_reply(cfg, "US") == "Call 112 now."
