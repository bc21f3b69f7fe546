"""The screener: patterns first, then the classifier, and a fail-safe around both.

``Screener.screen(text)`` never raises. If anything inside fails (the model, bad input),
the verdict is a crisis with reason ``screening-failed``, so the person gets crisis
resources rather than nothing or a self-care tip. Only the exception's type is logged,
never the text.

Long text: the patterns read all of it (up to ``MAX_CHARS``). The classifier scores the text
whole (a text longer than ``WINDOW_WORDS`` in overlapping windows of words) and, when the
model was trained for it (``CrisisModel.sentence_max``), each of its sentences too, a
sentence's score lowered by ``CrisisModel.sentence_discount``: the text's score is the highest
of them, so one crisis sentence in a long journal entry is not averaged away by the rest. Any
unit at or above the threshold flags the text.

Model veto: a pattern hit flags the text on its own, unless every pattern that fired is
vetoable (:func:`safety.patterns.vetoable`: not one of the explicit direct statements), the
classifier read the text whole or sentence by sentence (:func:`scored_closely`: not only in
windows, where one sentence is diluted by the rest) and scores it below ``CrisisModel.veto_score``,
far under the threshold. Then the
text is not flagged and the verdict's reasons say ``vetoed:<pattern>``. The veto threshold is
chosen on grouped train CV (:mod:`safety.training`); a model stored without one never vetoes.
An explicit hit is set aside the same way only by a model that weighs the patterns' evidence
(``tfidf+embedding+patterns``: it knows which patterns fired, and which were negated or in the
past) and only below ``CrisisModel.explicit_veto_score``, lower still ("back when they disowned
me I thought about ending it; now I have a chosen family"); other models never set one aside.

Evidence (``tfidf+embedding+patterns``): the model also reads the element-wise maximum of the
embeddings of the text's sentences (:func:`pooled_sentences`), so one crisis sentence in a long
entry keeps its mark, and the names of the patterns that fired or were set aside.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from safety import patterns
from safety.classifier import ARTIFACT_PATH, CrisisModel, evidence_of, max_pool, pattern_evidence
from safety.errors import ArtifactError

__all__ = ["Verdict", "Screener", "FAILSAFE", "MAX_CHARS", "scoring_units", "scored_closely", "pooled_sentences"]

log = logging.getLogger("mend.safety")

MAX_CHARS = 100_000  # beyond this, only the first MAX_CHARS characters are screened
WINDOW_WORDS = 150  # texts up to this many words are scored whole (the model reads 256 tokens)
WINDOW_OVERLAP = 30
MAX_WINDOWS = 200
MAX_SENTENCES = 40  # a text with more sentences is scored by its windows only
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


@dataclass(frozen=True)
class Verdict:
    crisis: bool
    category: str | None  # one of safety.patterns.CATEGORIES when crisis, else None
    score: float  # 0..1; for the model, 0.5 is the calibrated threshold
    reasons: tuple[str, ...]  # pattern names, "model", "negated:<pattern>", "vetoed:<pattern>", "screening-failed", ...


FAILSAFE = Verdict(crisis=True, category=patterns.SUICIDE, score=1.0, reasons=("screening-failed",))


def _windows(text: str) -> list[str]:
    words = text.split()
    if len(words) <= WINDOW_WORDS:
        return [" ".join(words)]
    step = WINDOW_WORDS - WINDOW_OVERLAP
    out = []
    for start in range(0, len(words), step):
        out.append(" ".join(words[start:start + WINDOW_WORDS]))
        if start + WINDOW_WORDS >= len(words):
            break
    return out


def _sentences(text: str) -> list[str]:
    return [" ".join(s.split()) for s in _SENTENCE.split(text) if s.strip()]


def scoring_units(text: str, sentences: bool = True) -> list[str]:
    """What the classifier scores for one text: the text whole (or its windows) and its sentences."""
    text = text[:MAX_CHARS]
    units = _windows(text)[:MAX_WINDOWS]
    if sentences:
        parts = _sentences(text)
        if 1 < len(parts) <= MAX_SENTENCES:
            units += [s for s in dict.fromkeys(parts) if s not in units]
    return units


def pooled_sentences(text: str) -> list[str]:
    """The sentences whose embeddings a ``+patterns`` model max-pools for ``text`` (none for one sentence,
    or for more than ``MAX_SENTENCES``: then the text's own embedding stands in)."""
    parts = list(dict.fromkeys(_sentences(text[:MAX_CHARS])))
    return parts if 1 < len(parts) <= MAX_SENTENCES else []


def scored_closely(text: str) -> bool:
    """Whether the classifier reads every sentence of ``text`` (whole, or one by one), so that a low score
    is evidence against a pattern hit; a text scored only in windows can bury one sentence in the rest."""
    text = text[:MAX_CHARS]
    return len(_windows(text)) == 1 or 1 < len(_sentences(text)) <= MAX_SENTENCES


class Screener:
    """Screens texts for crisis language. Build one per process with :func:`safety.load_screener`."""

    def __init__(self, model: CrisisModel, embedder, threshold: float = 0.5, reader=None):
        """``reader``: the :class:`safety.reader.Reader` whose weights the model was blended with (required when
        the model has one)."""
        if model.uses_reader and reader is None:
            raise ArtifactError(ARTIFACT_PATH, "this classifier weighs the reader's logit, but no reader was given")
        if model.uses_reader and getattr(reader, "sha256", None) != model.reader_sha256:
            raise ArtifactError(ARTIFACT_PATH, "the reader's weights are not the ones this classifier was blended "
                                               "with; run `mend safety train`")
        self.model = model
        self.embedder = embedder
        self.reader = reader if model.uses_reader else None
        self.threshold = float(threshold)
        self._exemplar_vectors = None
        if model.method == "exemplar":
            crisis, safe = model.exemplar_texts
            self._exemplar_vectors = (embedder.embed(list(crisis)), embedder.embed(list(safe)))

    def screen(self, text: str) -> Verdict:
        """The verdict for one text. Never raises."""
        return self.screen_many([text])[0]

    def screen_many(self, texts: list[str]) -> list[Verdict]:
        """Verdicts for many texts, with one embedding call for all of them. Never raises."""
        try:
            return self._screen_many(list(texts))
        except Exception as exc:  # noqa: BLE001 - the fail-safe is the point
            if len(texts) == 1:
                log.error("crisis screening failed (%s); answering with crisis resources", type(exc).__name__)
                return [FAILSAFE]
        # A batch failed: screen one by one, so one bad text cannot fail the others.
        return [self._screen_one_safely(t) for t in texts]

    def _screen_one_safely(self, text) -> Verdict:
        try:
            return self._screen_many([text])[0]
        except Exception as exc:  # noqa: BLE001
            log.error("crisis screening failed (%s); answering with crisis resources", type(exc).__name__)
            return FAILSAFE

    def model_scores(self, texts: list[str]) -> np.ndarray:
        """The classifier's score for each text (max over its windows), patterns ignored."""
        return self.score_windows(texts)[0]

    def score_windows(self, texts: list[str], matched=None) -> tuple[np.ndarray, np.ndarray]:
        """Per text: the best unit's score (whole text or window, or sentence) and that unit's embedding.

        The score is the model layer's (0.5 = where it flags: blended with the reader's logit when the model has
        a reader). ``matched``: each text's :func:`safety.patterns.match` result when the caller has it, so a
        ``+patterns`` model reuses it as the evidence of a text scored whole instead of matching the text again."""
        _, flag, vectors = self._unit_scores(texts, matched)
        return flag, vectors

    def blend_inputs(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per text scored as one unit: the classifier's raw probability and the reader's logit (what
        :func:`safety.training.calibrate` fits the blend on)."""
        if self.reader is None:
            raise ValueError("blend_inputs needs a reader")
        if any(len(scoring_units(t, self.model.sentence_max)) != 1 for t in texts):
            raise ValueError("blend_inputs takes texts scored as one unit")
        _, _, _, _, raw, logits = self._raw_units(list(texts))
        return raw, logits

    def _raw_units(self, texts: list[str], matched=None):
        """What the classifier scores for ``texts`` (:func:`scoring_units`): the units, which text owns each,
        which are sentences, their embeddings, the classifier's raw probability for each, and the reader's logit
        for each (None without a reader)."""
        windows, owner, sentence, pooled_of, evidence = [], [], [], [], []
        for i, text in enumerate(texts):
            ws = scoring_units(text, self.model.sentence_max)
            whole = _windows(text[:MAX_CHARS])[:MAX_WINDOWS]
            windows.extend(ws)
            owner.extend([i] * len(ws))
            sentence.extend([False] * len(whole) + [True] * (len(ws) - len(whole)))
            if self.model.uses_evidence:
                single = len(whole) == 1
                pooled_of.extend(pooled_sentences(text if single else w) for w in ws)
                evidence.extend(evidence_of(matched[i]) if single and matched is not None else pattern_evidence(w)
                                for w in ws)
        if not windows:
            return windows, owner, sentence, np.zeros((0, 0)), np.zeros(0), None
        extra = list(dict.fromkeys(s for ss in pooled_of for s in ss if s not in windows))
        logits = None
        if self.reader is not None:  # the reader's graph gives the units' embeddings beside its logits
            vectors, logits = self.reader.read(windows)
            remember = getattr(self.embedder, "remember", None)
            if remember is not None:  # the recommender reads the same journal text next
                remember(windows, vectors)
            if extra:
                vectors = np.concatenate([vectors, self.embedder.embed(extra)])
        else:
            vectors = self.embedder.embed(windows + extra)
        if len(vectors) != len(windows) + len(extra) or (logits is not None and len(logits) != len(windows)):
            raise ValueError("the embedder or the reader returned the wrong number of results")
        vectors = np.asarray(vectors, dtype=np.float64)
        pooled = None
        if self.model.uses_evidence:
            row = {u: k for k, u in enumerate(windows + extra)}
            pooled = np.stack([max_pool(vectors[w], vectors[[row[s] for s in ss]] if ss else None)
                               for w, ss in enumerate(pooled_of)])
        vectors = vectors[:len(windows)]
        raw = self.model.raw_probability(vectors, self._exemplar_vectors, texts=windows, pooled=pooled,
                                         evidence=evidence or None)
        return windows, owner, sentence, vectors, raw, logits

    def _unit_scores(self, texts: list[str], matched=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per text: the best unit's classifier score (the vetoes' scale), the best unit's model-layer score
        (:meth:`CrisisModel.flag_scores`), and the embedding of the unit with the best model-layer score."""
        windows, owner, sentence, vectors, raw, logits = self._raw_units(texts, matched)
        if not windows:
            return np.zeros(len(texts)), np.zeros(len(texts)), np.zeros((len(texts), 0))
        scores = self.model.shifted(raw)
        flags = self.model.flag_scores(raw, logits)
        if any(sentence):
            scores = np.where(sentence, self.model.sentence_scores(scores), scores)
            flags = np.where(sentence, self.model.sentence_scores(flags), flags)
        if not (np.all(np.isfinite(scores)) and np.all(np.isfinite(flags))):
            raise ValueError("the classifier produced a non-finite score")
        best, best_flag = np.full(len(texts), -1.0), np.full(len(texts), -1.0)
        best_vectors = np.zeros((len(texts), vectors.shape[1]))
        for w, (i, s, f) in enumerate(zip(owner, scores, flags, strict=True)):
            best[i] = max(best[i], s)
            if f > best_flag[i]:
                best_flag[i] = f
                best_vectors[i] = vectors[w]
        return best, best_flag, best_vectors

    def _screen_many(self, texts: list) -> list[Verdict]:
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"expected text as str, got {type(t).__name__}")
        verdicts: list[Verdict | None] = [None] * len(texts)
        pending: list[int] = []
        results: dict[int, patterns.PatternResult] = {}
        bars: dict[int, float] = {}
        for i, text in enumerate(texts):
            if not text.strip():
                verdicts[i] = Verdict(False, None, 0.0, ("empty",))
                continue
            result = patterns.match(text[:MAX_CHARS])
            if patterns.vetoable(result.reasons):
                bar = self.model.veto_score
            else:  # only a model that saw which explicit pattern fired may set it aside
                bar = self.model.explicit_veto_score if self.model.uses_evidence else 0.0
            if result.crisis and not (bar > 0.0 and scored_closely(text)):
                verdicts[i] = Verdict(True, result.category, float(result.weight), result.reasons)
            else:
                results[i], bars[i] = result, bar
                pending.append(i)
        if pending:
            scores, flags, vectors = self._unit_scores([texts[i] for i in pending], [results[i] for i in pending])
            for j, i in enumerate(pending):
                score, result = float(flags[j]), results[i]
                extra = ("truncated",) if len(texts[i]) > MAX_CHARS else ()
                if result.crisis and float(scores[j]) >= bars[i]:
                    verdicts[i] = Verdict(True, result.category, float(result.weight), result.reasons)
                    continue
                vetoed = tuple(f"vetoed:{r}" for r in result.reasons)  # empty unless a pattern fired
                if score >= self.threshold:
                    category = self.model.category_of(vectors[j][None, :])[0]
                    verdicts[i] = Verdict(True, category, score, ("model",) + vetoed + result.suppressed + extra)
                else:
                    verdicts[i] = Verdict(False, None, score, vetoed + result.suppressed + extra)
        return verdicts  # type: ignore[return-value]
