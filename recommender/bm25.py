"""The BM25 baseline for the evaluation: keyword ranking (rank-bm25) over each item's sms + body."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from recommender.corpus import Item

__all__ = ["Bm25Ranker", "tokenize"]

_WORD = re.compile(r"[a-z0-9']+")
_STOPWORDS = frozenset(
    "a an and are as at be been but by can do for from had has have he her him his i i'm if in into is it "
    "it's its just like me my of on or our she so than that the their them then there they this to too "
    "up was we were what when which who will with would you your".split()
)


def tokenize(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


class Bm25Ranker:
    def __init__(self, items: Sequence[Item]):
        self.items = list(items)
        self._bm25 = BM25Okapi([tokenize(f"{it.sms}\n{it.body}") or ["_"] for it in self.items])

    def rank(self, text: str) -> list[str]:
        """Item ids, best first (ties keep corpus order)."""
        scores = np.asarray(self._bm25.get_scores(tokenize(text)), dtype=np.float64)
        order = np.argsort(-scores, kind="stable")
        return [self.items[i].id for i in order]
