"""Keyword commands in an inbound text. Pure: text in, :class:`Command` out; never raises.

Matching ignores case, spacing and trailing punctuation ("  Stop!! " is STOP). A keyword
must be the whole text (with its argument): "I want to stop feeling this" is a journal
entry, not an opt-out.

=================  ==============================================================
kind               texts
=================  ==============================================================
start              YES, START, UNSTOP (also Y, JOIN, SUBSCRIBE)
stop               STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, OPT OUT
help               HELP, INFO
time               TIME 7:30pm / TIME 19:30 / time 7pm; args: (time,) or () when unreadable
tz                 TZ Europe/London / TZ london / TZ new york; args: (zone,) or ()
pause              PAUSE, PAUSE 3 days, PAUSE 2 weeks; args: (days,) or ()
resume             RESUME, UNPAUSE
more               MORE, ANOTHER
rating             1-5, thumbs up (5) / down (1), +1 (5) / -1 (1); args: (score,)
forget             FORGET, FORGET ME, DELETE MY DATA
forget-confirm     FORGET YES, FORGET CONFIRM, YES FORGET; or YES / CONFIRM while a
                   FORGET is awaiting confirmation (``awaiting_forget=True``)
journal            anything else
=================  ==============================================================

The FORGET flow: FORGET asks "reply FORGET YES (or just YES) within N minutes to delete
everything"; anything else (or the window passing) leaves the data alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sms.timeparse import parse_clock, parse_days, parse_timezone

__all__ = ["Command", "parse", "normalise", "KINDS"]

KINDS = ("start", "stop", "help", "time", "tz", "pause", "resume", "more", "rating",
         "forget", "forget-confirm", "journal")


@dataclass(frozen=True)
class Command:
    kind: str
    args: tuple = ()


_START = {"yes", "y", "start", "unstop", "join", "subscribe"}
_STOP = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "opt out",
         "opt-out", "stop all"}
_HELP = {"help", "info"}
_RESUME = {"resume", "unpause"}
_MORE = {"more", "another"}
_FORGET = {"forget", "forget me", "delete my data", "delete me"}
_FORGET_CONFIRM = {"forget yes", "forget confirm", "yes forget", "confirm forget", "yes forget me"}
_CONFIRM_WHILE_AWAITING = {"yes", "y", "confirm"}
_THUMBS = {"\U0001f44d": 5, "\U0001f44e": 1}  # thumbs up / down
_RATING_WORDS = {"+1": 5, "-1": 1}
_TRAILING = " \t\r\n.!?,;:~\"'"
_MAX_ARG_WORDS = 3  # "TIME heals nothing at all" is a journal entry, not a malformed TIME


def normalise(text: str) -> str:
    """Lower case, NFKC, single spaces, no trailing punctuation or surrounding quotes."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = re.sub(r"\s+", " ", s)
    return s.strip(_TRAILING).lstrip("\"'").strip()


def _emoji_rating(s: str) -> int | None:
    # Strip skin-tone modifiers and variation selectors: a thumbs up is a thumbs up.
    core = "".join(ch for ch in s if not ("\U0001f3fb" <= ch <= "\U0001f3ff" or ch in "\ufe0e\ufe0f"))
    core = core.replace(" ", "")
    if core and all(ch == core[0] for ch in core) and core[0] in _THUMBS:
        return _THUMBS[core[0]]
    return None


def parse(text: str, *, awaiting_forget: bool = False) -> Command:
    """The command in ``text``; ``awaiting_forget`` makes a bare YES confirm a FORGET."""
    s = normalise(text)
    if not s:
        return Command("journal")
    if awaiting_forget and s in _CONFIRM_WHILE_AWAITING:
        return Command("forget-confirm")
    if s in _START:
        return Command("start")
    if s in _STOP:
        return Command("stop")
    if s in _HELP:
        return Command("help")
    if s in _RESUME:
        return Command("resume")
    if s in _MORE:
        return Command("more")
    if s in _FORGET_CONFIRM:
        return Command("forget-confirm")
    if s in _FORGET:
        return Command("forget")
    if s in _RATING_WORDS:
        return Command("rating", (_RATING_WORDS[s],))
    if re.fullmatch(r"[1-5](?: ?/ ?5)?", s):
        return Command("rating", (int(s[0]),))
    emoji = _emoji_rating(s)
    if emoji is not None:
        return Command("rating", (emoji,))
    head, _, rest = s.partition(" ")
    words = len(rest.split())
    if head == "time":
        at = parse_clock(rest) if rest else None
        if at is not None:
            return Command("time", (at,))
        if words <= _MAX_ARG_WORDS:
            return Command("time")
    if head in ("tz", "timezone", "zone"):
        zone = parse_timezone(rest) if rest else None
        if zone is not None:
            return Command("tz", (zone,))
        if words <= _MAX_ARG_WORDS + 1:
            return Command("tz")
    if head == "pause":
        if not rest:
            return Command("pause")
        days = parse_days(rest)
        if days is not None:
            return Command("pause", (days,))
        if words <= 2:
            return Command("pause")
    return Command("journal")
