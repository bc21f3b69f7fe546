"""In-memory stand-ins with the same shape as the real screener and recommender.

Used by the conversation unit tests for speed; the end-to-end webhook tests use the real
ones where their artifacts exist. Behaviour is simple and explicit, so a test can say
exactly which texts are crises and which items come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from recommender import Suggestion
from safety import Verdict

CRISIS_WORDS = ("kill myself", "end my life", "want to die", "no reason to live")


@dataclass
class FakeScreener:
    """Crisis when the text contains one of ``crisis_words``; ``fail=True`` raises (to test the fail-safe)."""

    crisis_words: tuple[str, ...] = CRISIS_WORDS
    fail: bool = False
    screened: list[str] = field(default_factory=list)

    held: object = None  # a lock (services.write_gate); ``gate_held`` records whether screening ran under it
    gate_held: list[bool] = field(default_factory=list)

    def screen(self, text: str) -> Verdict:
        self.screened.append(text)
        if self.held is not None:
            self.gate_held.append(self.held.locked())
        if self.fail:
            raise RuntimeError("model unavailable")
        hits = tuple(w for w in self.crisis_words if w in text.lower())
        if hits:
            return Verdict(True, "suicide", 1.0, hits)
        return Verdict(False, None, 0.1, ())


@dataclass
class FakeRecommender:
    """Returns the first item not in ``recently_sent``; records each call's journal."""

    items: tuple[tuple[str, str], ...] = (
        ("calm-place", "Picture a calm, safe place and breathe slowly for five minutes."),
        ("text-one-friend", "Send one short message to a friend you trust today, even just hi."),
        ("kind-letter", "Write yourself three kind sentences, as a good friend would."),
    )
    calls: list[list[tuple[datetime, str]]] = field(default_factory=list)
    prepared: list[str] = field(default_factory=list)

    def prepare(self, text: str, *, now: datetime) -> None:
        self.prepared.append(text)

    def recommend(self, journal, *, now, top=1, track=None, kind=None, time_of_day=None, recently_sent=None):
        self.calls.append(list(journal))
        recent = recently_sent or {}
        out = []
        for item_id, sms in self.items:
            if item_id not in recent:
                out.append(Suggestion(item_id, "exercise", "coping-toolkit", "self-care", sms, 0.6, "match", False))
        return out[:top]
