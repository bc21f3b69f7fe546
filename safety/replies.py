"""Crisis replies: the message a person gets at once when a text is screened as a crisis.

The wording lives in config.yaml (``safety.crisis_replies``), one per country (ISO code of
the sender's number) and a ``default``. It follows safe-messaging guidance: warm, short,
says help is available now and how to reach it, never mentions a method.
"""

from __future__ import annotations

from mend.config import Config

__all__ = ["crisis_reply"]


def crisis_reply(config: Config, country: str | None) -> str:
    """The configured crisis reply for ``country`` (e.g. "US"), else the ``default`` one."""
    replies = config.safety.crisis_replies
    key = (country or "").strip().upper()
    return " ".join((replies.get(key) or replies["default"]).split())
