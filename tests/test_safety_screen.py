"""The screener: patterns then the classifier, the model veto, the threshold, long text and the fail-safe."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

from recommender.model import Embedder
from safety import (
    CATEGORIES,
    FAILSAFE,
    CrisisModel,
    Screener,
    Verdict,
    load_model,
    load_screener,
    patterns,
)
from safety.classifier import TEXT_METHODS, logit, max_pool, pattern_evidence, sigmoid
from safety.errors import ArtifactError
from safety.screen import (
    MAX_CHARS,
    MAX_SENTENCES,
    WINDOW_WORDS,
    _windows,
    pooled_sentences,
    scored_closely,
    scoring_units,
)
from safety.training import (
    EXPLICIT_VETO_COST,
    EXPLICIT_VETO_MAX,
    FPR_BUDGET,
    MODEL_FPR_ALLOWANCE,
    VETO_COSTS,
    VETO_MAX,
    VETO_RECALL_COST,
    _explicit_veto_threshold,
    _report,
    _report_at,
    _veto_threshold,
    fpr_budget,
)

pytestmark = pytest.mark.slow

_QUIET = "I feel heavy and empty tonight and nothing helps"  # no pattern fires on this


@pytest.fixture(scope="module")
def model():
    """The stored classifier alone: these tests are about its layers and vetoes (the reader's blend is tested in
    tests/test_safety_reader.py)."""
    return load_model().without_reader()


@pytest.fixture
def screener(config, embedder):
    return load_screener(config, embedder=embedder)


class BrokenEmbedder:
    """An embedder whose model fails, as a real one can (out of memory, corrupt weights)."""

    model_id = None

    def embed(self, texts, batch_size=32):
        raise RuntimeError("model exploded")


class WrongShapeEmbedder:
    model_id = None

    def embed(self, texts, batch_size=32):
        return np.zeros((len(texts) + 1, 384), dtype=np.float32)


def test_verdict_is_frozen_and_interface_matches(screener):
    v = screener.screen("I want to kill myself")
    assert isinstance(v, Verdict)
    assert v == Verdict(True, "suicide-or-self-harm", 1.0, ("suicide.kill_self",))
    with pytest.raises(AttributeError):
        v.crisis = False


def test_pattern_hit_short_circuits_and_safe_text_gets_a_model_score(screener):
    safe = screener.screen("I went for a walk and had coffee with a friend")
    assert not safe.crisis and safe.category is None
    assert 0.0 <= safe.score < 0.5


def test_negated_pattern_is_listed_in_the_reasons(screener):
    v = screener.screen("I'm not suicidal, just sad")
    assert "negated:suicide.word" in v.reasons


def test_threshold_just_below_and_just_above_the_score(model, embedder):
    base = Screener(model, embedder, threshold=0.5)
    score = float(base.model_scores([_QUIET])[0])
    at = Screener(model, embedder, threshold=score).screen(_QUIET)
    above = Screener(model, embedder, threshold=float(np.nextafter(score, 1.0))).screen(_QUIET)
    assert at.crisis and at.reasons[0] == "model" and at.category in CATEGORIES
    assert at.score == pytest.approx(score)
    assert not above.crisis and above.category is None


def test_score_half_is_the_calibrated_threshold(model):
    assert 0.0 < model.threshold < 1.0
    vec = np.zeros((1, len(model.weights)))
    raw = float(model.raw_probability(vec, texts=[_QUIET])[0])
    shifted = float(model.score(vec, texts=[_QUIET])[0])
    assert (raw >= model.threshold) == (shifted >= 0.5)


def test_category_from_the_model_when_only_the_model_fires(model, embedder):
    eager = Screener(model, embedder, threshold=0.0)
    texts = ["my chest feels weird and my arm tingles", "he waits outside my work every day and I am scared"]
    verdicts = eager.screen_many(texts)
    assert all(v.crisis and v.reasons[0] == "model" for v in verdicts)
    assert [v.category for v in verdicts] == ["medical-emergency", "abuse-or-danger"]


def test_failsafe_when_the_embedder_raises_logs_type_not_text(model, caplog):
    screener = Screener(model, BrokenEmbedder())
    with caplog.at_level(logging.ERROR, logger="mend.safety"):
        v = screener.screen("my secret journal entry about a quiet day")
    assert v == FAILSAFE == Verdict(True, "suicide-or-self-harm", 1.0, ("screening-failed",))
    assert "RuntimeError" in caplog.text
    assert "secret journal" not in caplog.text


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["a list"]])
def test_failsafe_on_bad_input(screener, bad):
    assert screener.screen(bad) == FAILSAFE


def test_tfidf_model_without_texts_is_refused_and_screening_fails_safe(model, embedder):
    assert model.method in TEXT_METHODS
    with pytest.raises(ValueError, match="needs each vector's text"):
        model.raw_probability(np.zeros((1, len(model.weights))))


def test_misspelt_coded_word_moves_the_text_score(model):
    """The char n-grams see a misspelling the word features cannot: same vector, different texts."""
    vec = np.zeros((2, len(model.weights)))
    plain, coded = model.raw_probability(vec, texts=["going for a walk later", "thinkin bout unalivin myslf"])
    assert coded > plain


def test_failsafe_on_a_broken_model_output(model):
    assert Screener(model, WrongShapeEmbedder()).screen("a calm day") == FAILSAFE


# Ordinary replies to "How are you feeling today?", written for this test. The round-8 screen flagged 5 of them
# and the round-9 one 10 ("calm" at 0.99): the labelled sets held few plain everyday texts, and crisis statements
# in a settled, calm voice had taught the model that calm is a warning sign. Round 10 added 600 everyday messages
# to train (train_extra_t.jsonl, which also holds 4 of these one-word replies): 1 of the 25 was still flagged
# ("calm", 0.58). Round 11 added 1,200 more (train_extra_u/_v.jsonl, "calm" among them): none is flagged.
# Round 12's reader flags "took the dog out" (0.60: it reads "took ... out" as the threat idiom); it is kept below
# as a known false alarm.
EVERYDAY_CHECK_INS = [
    'calm',
    'a calm day',
    'feeling calm today',
    'a calm day at the park',
    'quiet evening at home',
    'park',
    'tired',
    'ok',
    'meh',
    'better today',
    'peaceful morning',
    'rested finally',
    'slept 10 hours lol',
    'done with my exams!!',
    'finished the laundry',
    'ready for the weekend',
    'I decided to take the job in Denver',
    'went to the river with friends',
    'gave my old jacket to my brother',
    'goodbye october',
    'last day at the old office, bittersweet',
    'letting go of the group chat drama',
    'took my vitamins and went for a run',
    'nothing much, watched tv',
]


def test_everyday_check_ins_are_not_crisis(screener):
    verdicts = screener.screen_many(EVERYDAY_CHECK_INS)
    assert [t for t, v in zip(EVERYDAY_CHECK_INS, verdicts, strict=True) if v.crisis] == []


def test_round_12s_known_everyday_false_alarm_is_gone(screener):
    """Round 12 flagged "took the dog out" (0.60: the reader read "took ... out" as the threat idiom). Round 13's
    train has many more everyday reports ("took the dog round the block"); the text itself is only in calibration
    split v16, never trained on (safety/data/README.md, round 13)."""
    assert not screener.screen("took the dog out").crisis
    assert not screener.screen("took the trash out").crisis


def test_the_screen_leaves_each_units_embedding_for_the_recommender(screener, embedder, monkeypatch):
    """The reader's graph gives each unit's embedding beside its logit (one pass through the shared lower layers);
    the screen hands them to the embedder, so the recommender does not embed the same journal text again."""
    text = "Memo check: the interview went badly. I am going to the gym tonight."
    fresh = Embedder(memo_size=0, threads=1).embed([text, "Memo check: the interview went badly."])
    assert not screener.screen(text).crisis
    monkeypatch.setattr(embedder, "_encode", lambda texts, batch_size: pytest.fail(f"embedded again: {texts}"))
    again = embedder.embed([text, "Memo check: the interview went badly."])
    assert np.max(np.abs(again - fresh)) < 1e-5


def test_one_bad_text_in_a_batch_does_not_fail_the_others(screener):
    verdicts = screener.screen_many(["a calm day at the park", None, "kms"])
    assert not verdicts[0].crisis
    assert verdicts[1] == FAILSAFE
    assert verdicts[2].reasons == ("suicide.kms",)


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_empty_text_is_not_crisis(screener, empty):
    assert screener.screen(empty) == Verdict(False, None, 0.0, ("empty",))


def test_long_text_is_windowed_and_a_crisis_anywhere_flags(screener):
    filler = "Today I cleaned the kitchen and called my sister about the weekend plans. " * 80
    assert len(_windows(filler)) > 1
    assert not screener.screen(filler).crisis
    assert screener.screen(filler + " I have been saving up my pills. " + filler).crisis


def test_windows_cover_every_word():
    words = [f"w{i}" for i in range(WINDOW_WORDS * 3 + 7)]
    covered = {w for window in _windows(" ".join(words)) for w in window.split()}
    assert covered == set(words)
    assert _windows("a few words") == ["a few words"]


def test_huge_text_is_screened_without_raising(screener):
    v = screener.screen("la " * (MAX_CHARS // 2))
    assert not v.crisis
    assert "truncated" in v.reasons


def test_scoring_units_are_the_text_and_its_sentences():
    text = "Work was long. I keep hoping something bad happens to me!\nAnyway, tea now."
    assert scoring_units(text) == [" ".join(text.split()), "Work was long.",
                                   "I keep hoping something bad happens to me!", "Anyway, tea now."]
    assert scoring_units(text, sentences=False) == [" ".join(text.split())]
    assert scoring_units("just one sentence here.") == ["just one sentence here."]
    many = " ".join(f"Sentence {i}." for i in range(MAX_SENTENCES + 1))
    assert scoring_units(many) == _windows(many)  # too many sentences: windows only


def test_a_text_scores_as_its_best_sentence(model, embedder):
    """One crisis sentence among ordinary ones flags the text, not the average of them all
    (with a model trained as ``+sentences``; cross-validation picks whether the stored one is)."""
    from safety.training import SENTENCE_DISCOUNT

    model = replace(model, method="tfidf+embedding+sentences", sentence_discount=SENTENCE_DISCOUNT)
    assert model.sentence_max
    screener = Screener(model, embedder)
    sentence = "I keep picturing my own funeral and it feels like relief"
    filler = ["The bus was late again.", "I made pasta for dinner.", "My sister called about the weekend.",
              "Work was the usual.", "The cat knocked a plant over."]
    text = " ".join(filler[:3] + [sentence + "."] + filler[3:])
    units = scoring_units(text)
    raw = model.score(embedder.embed(units), texts=units)
    counted = np.concatenate([raw[:1], model.sentence_scores(raw[1:])])  # a sentence counts for a bit less
    assert model.sentence_discount > 0 and np.all(counted[1:] < raw[1:])
    assert float(screener.model_scores([text])[0]) == pytest.approx(float(counted.max()))
    assert counted.max() > counted[0]  # the crisis sentence scores above the whole text


# The model veto (round 5): a very low model score sets aside a pattern hit, unless the pattern is one of
# the explicit direct statements (safety.patterns.UNVETOABLE).
_VETOABLE = "this is my last message. thank you for everything"  # suicide.leaving, a vetoable family


def test_stored_model_has_a_veto_below_its_threshold(model):
    """The veto is chosen in train CV, below the operating point CV chose (the calibration split may then move the
    threshold lower: in round 12 the classifier's went from 0.556 to 0.430, below the veto at 0.485, so between the
    two a vetoable hit is set aside and the model layer decides)."""
    cv_threshold = model.cv["calibration"]["cv_threshold"]
    assert 0.0 < model.veto_threshold < cv_threshold
    assert 0.0 < float(sigmoid(logit(model.veto_threshold) - logit(cv_threshold))) < 0.5
    assert CrisisModel.from_dict(model.to_dict()).veto_threshold == pytest.approx(model.veto_threshold)


def test_a_low_model_score_vetoes_a_vetoable_pattern_hit(model, embedder):
    assert patterns.vetoable(patterns.match(_VETOABLE).reasons)
    score = float(Screener(model, embedder).model_scores([_VETOABLE])[0])
    raw = float(sigmoid(logit(score) + logit(model.threshold)))  # the score as the model's own probability
    above = Screener(replace(model, veto_threshold=min(raw * 1.01, 0.999)), embedder, threshold=1.0)
    below = Screener(replace(model, veto_threshold=raw * 0.99), embedder, threshold=1.0)
    vetoed = above.screen(_VETOABLE)
    assert not vetoed.crisis and vetoed.category is None
    assert vetoed.reasons[0] == "vetoed:suicide.leaving"
    assert vetoed.score == pytest.approx(score)
    assert below.screen(_VETOABLE) == Verdict(True, "suicide-or-self-harm", 0.9, ("suicide.leaving",))
    assert Screener(replace(model, veto_threshold=0.0), embedder, threshold=1.0).screen(_VETOABLE).crisis


def test_explicit_patterns_are_never_vetoed_by_a_model_blind_to_them(model, embedder):
    blind = replace(model, method="tfidf+embedding", pooled_weights=None, pattern_weights=None)
    eager = Screener(replace(blind, veto_threshold=0.999, explicit_veto_threshold=0.999), embedder, threshold=1.0)
    assert eager.screen("I want to kill myself") == Verdict(True, "suicide-or-self-harm", 1.0, ("suicide.kill_self",))
    assert eager.screen("kms").crisis


def _ramp(lowest: float, safe_score: float):
    """1000 crisis statements scored evenly from ``lowest`` to 0.99 and 10 safe texts at ``safe_score``, all
    with a pattern hit."""
    n = 1000
    y = np.array([1] * n + [0] * 10)
    scores = np.concatenate([np.linspace(lowest, 0.99, n), np.full(10, safe_score)])
    return n, y, scores, np.ones(len(y), dtype=bool)


def test_veto_threshold_is_chosen_by_its_recall_cost():
    """The highest veto that sets aside at most VETO_RECALL_COST of the crisis statements (out of fold)."""
    n, y, scores, vetoable_hit = _ramp(0.01, 0.02)
    veto = _veto_threshold(scores, y, vetoable_hit)
    allowed = int(VETO_RECALL_COST * n)
    assert ((scores < veto) & (y == 1)).sum() == allowed
    assert veto == pytest.approx(np.sort(scores[y == 1])[allowed])
    assert _veto_threshold(scores, y, np.zeros(len(y), dtype=bool)) == VETO_MAX  # nothing at risk


def _veto_case(false_alarms: int):
    """1000 crisis statements (the 300 the model scores lowest hit a vetoable pattern) and 1000 safe texts, of
    which ``false_alarms`` hit a pattern too, scored between the narrowest and the widest veto."""
    n = 1000
    y = np.array([1] * n + [0] * n)
    hit = np.zeros(2 * n, dtype=bool)
    hit[:300] = True
    scores = np.concatenate([np.linspace(0.01, 0.99, n), np.linspace(0.0, 0.6, n)])
    narrow, wide = (_veto_threshold(scores, y, hit, cost) for cost in (VETO_COSTS[0], VETO_COSTS[-1]))
    scores[n:n + false_alarms] = np.linspace(narrow, wide, false_alarms + 2)[1:-1]
    hit[n:n + false_alarms] = True
    return scores, y, hit


def test_the_veto_cost_is_the_one_that_buys_the_most_recall():
    """Pattern false alarms that only a wider veto removes free FPR budget for the model; a wider veto that
    frees nothing only costs catches, so the narrowest wins a tie."""
    scores, y, hit = _veto_case(60)  # 6%, over a 4% budget unless vetoed
    narrowest = _report_at("logistic", 0.0, scores, y, hit, hit, VETO_COSTS[0], 0.04)
    assert narrowest.fpr_budget > 0.04  # its kept false alarms alone exceed the budget
    chosen = _report("logistic", scores, y, hit, hit, 0.04)
    assert chosen.veto_cost > VETO_COSTS[0] and chosen.fpr_budget == 0.04
    assert chosen.vetoed_safe >= 20 and chosen.combined_fpr <= 0.04
    crisis_only = hit & (y == 1)  # no false alarm to remove
    assert _report("logistic", scores, y, crisis_only, crisis_only, 0.04).veto_cost == VETO_COSTS[0]


def test_when_no_veto_cost_fits_the_budget_the_one_leaving_fewest_false_alarms_sets_it():
    scores, y, hit = _veto_case(50)
    n = len(y) // 2
    hit[n + 200:n + 300] = True  # 100 more false alarms, scored above every veto: 10% stay whatever the veto
    chosen = _report("logistic", scores, y, hit, hit, 0.04)
    kept_fpr = (hit & ~(scores < chosen.veto_threshold))[y == 0].mean()
    assert chosen.veto_cost == VETO_COSTS[-1] and kept_fpr == pytest.approx(0.10)
    assert chosen.fpr_budget == pytest.approx(kept_fpr + MODEL_FPR_ALLOWANCE)
    assert chosen.combined_fpr <= chosen.fpr_budget


def test_the_fpr_budget_is_the_goal_unless_the_kept_patterns_alone_exceed_it():
    assert fpr_budget(0.0) == fpr_budget(FPR_BUDGET - MODEL_FPR_ALLOWANCE / 2) == fpr_budget(FPR_BUDGET) == FPR_BUDGET
    assert fpr_budget(FPR_BUDGET + 0.01) == pytest.approx(FPR_BUDGET + 0.01 + MODEL_FPR_ALLOWANCE)
    assert fpr_budget(0.03, budget=0.04) == 0.04 and fpr_budget(0.05, budget=0.04) == pytest.approx(0.06)


def test_the_veto_needs_a_text_the_model_read_closely(model, embedder):
    """A text scored only in windows can bury one sentence in the rest: its low score vetoes nothing."""
    filler = "Today I cleaned the kitchen and called my sister about the weekend plans. " * 80
    buried = filler + " I have been saving up my pills. " + filler
    assert scored_closely(_VETOABLE) and scored_closely("Work was long. " * 30)
    assert not scored_closely(buried)
    eager = Screener(replace(model, veto_threshold=0.999), embedder, threshold=1.0)
    assert eager.screen(buried).reasons == ("suicide.pills",)


# Round 11: the +patterns model weighs the patterns' evidence and the max-pool of the sentence embeddings, and may
# set an explicit hit aside, but only below a far lower score than a vetoable one.
def _evidence_model(model, pattern_weights=None, pooled_weights=None, **changes):
    dims = len(model.weights)
    return replace(model, method="tfidf+embedding+patterns",
                   pooled_weights=np.zeros(dims) if pooled_weights is None else pooled_weights,
                   pattern_weights=pattern_weights or {}, **changes)


def test_pattern_evidence_names_hits_and_the_ones_set_aside():
    assert pattern_evidence("I want to kill myself") == ("suicide.kill_self",)
    assert "negated:suicide.word" in pattern_evidence("I'm not suicidal, just sad")
    assert pattern_evidence("I went for a walk") == ()


def test_max_pool_is_the_elementwise_maximum_of_the_sentences():
    own = np.array([0.0, 0.0, 0.0])
    sentences = np.array([[0.1, -0.5, 0.3], [0.4, -0.2, -0.9]])
    assert max_pool(own, sentences).tolist() == [0.4, -0.2, 0.3]
    assert max_pool(own, None).tolist() == own.tolist()  # one sentence: the text's own embedding


def test_the_evidence_model_weighs_each_pattern_it_knows(model):
    m = _evidence_model(model, {"suicide.kill_self": 2.0, "negated:suicide.word": -1.5})
    vec = np.zeros((4, len(model.weights)))
    texts = ["I want to kill myself", "I'm not suicidal, just sad", "I went for a walk", "I went for a walk"]
    blank = _evidence_model(model)  # the same model knowing no pattern
    z = np.log(m.raw_probability(vec, texts=texts) / (1 - m.raw_probability(vec, texts=texts)))
    base = np.log(blank.raw_probability(vec, texts=texts) / (1 - blank.raw_probability(vec, texts=texts)))
    assert (z - base).tolist() == pytest.approx([2.0, -1.5, 0.0, 0.0])


def test_the_evidence_model_reads_the_pooled_sentences(model):
    dims = len(model.weights)
    pooled_weights = np.zeros(dims)
    pooled_weights[0] = 3.0
    m = _evidence_model(model, pooled_weights=pooled_weights)
    vec = np.zeros((1, dims))
    pooled = np.zeros((1, dims))
    pooled[0, 0] = 1.0
    low, high = m.raw_probability(vec, texts=["a walk"]), m.raw_probability(vec, texts=["a walk"], pooled=pooled)
    assert logit(float(high[0])) - logit(float(low[0])) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="one row per vector"):
        m.raw_probability(vec, texts=["a walk"], pooled=np.zeros((2, dims)))
    with pytest.raises(ValueError, match="one entry per vector"):
        m.raw_probability(vec, texts=["a walk"], evidence=[(), ()])


def test_the_screener_reuses_its_pattern_match_as_the_evidence(model, embedder):
    """A text scored whole is matched once: the pattern layer's result is the model's evidence too."""
    m = _evidence_model(model, {"suicide.kill_self": 2.0})
    screener = Screener(m, embedder)
    text = "went for a walk"
    plain = float(screener.score_windows([text])[0][0])
    as_if_hit = float(screener.score_windows([text], [patterns.match("I want to kill myself")])[0][0])
    assert logit(as_if_hit) - logit(plain) == pytest.approx(2.0)


def test_the_screener_max_pools_each_texts_sentences(model, embedder):
    dims = len(model.weights)
    m = _evidence_model(model, pooled_weights=np.linspace(-1, 1, dims))
    text = "The bus was late again. I keep picturing my own funeral.\nI made pasta for dinner."
    sentences = pooled_sentences(text)
    assert sentences == ["The bus was late again.", "I keep picturing my own funeral.", "I made pasta for dinner."]
    unit = " ".join(text.split())
    whole, parts = embedder.embed([unit]), embedder.embed(sentences)
    expected = m.score(whole, texts=[unit], pooled=parts.max(axis=0)[None, :])
    assert float(Screener(m, embedder).model_scores([text])[0]) == pytest.approx(float(expected[0]), abs=1e-6)
    assert pooled_sentences("just one sentence here.") == []


def test_an_evidence_model_is_stored_and_read_back(model, tmp_path):
    m = _evidence_model(model, {"suicide.kill_self": 1.25}, explicit_veto_threshold=0.05)
    m.save(tmp_path / "c.json")
    back = load_model(tmp_path / "c.json")
    assert back.uses_evidence and back.pattern_weights == {"suicide.kill_self": 1.25}
    assert back.explicit_veto_threshold == pytest.approx(0.05)
    data = m.to_dict()
    data["pattern_weights"] = None
    with pytest.raises(ArtifactError, match="needs pooled_weights and pattern_weights"):
        CrisisModel.from_dict(data)


def test_an_explicit_hit_is_set_aside_only_below_the_explicit_floor(model, embedder):
    text = "I want to kill myself"
    m = _evidence_model(model)
    score = float(Screener(m, embedder).model_scores([text])[0])
    raw = float(sigmoid(logit(score) + logit(m.threshold)))
    above = Screener(replace(m, explicit_veto_threshold=min(raw * 1.01, 0.999)), embedder, threshold=1.0)
    below = Screener(replace(m, explicit_veto_threshold=raw * 0.99), embedder, threshold=1.0)
    assert above.screen(text).reasons[0] == "vetoed:suicide.kill_self" and not above.screen(text).crisis
    assert below.screen(text) == Verdict(True, "suicide-or-self-harm", 1.0, ("suicide.kill_self",))
    # the vetoable floor does not reach explicit hits
    assert Screener(replace(m, veto_threshold=0.999), embedder, threshold=1.0).screen(text).crisis


def test_the_explicit_floor_costs_at_most_its_share_and_is_capped():
    n, y, scores, explicit = _ramp(0.001, 0.001)
    floor = _explicit_veto_threshold(scores, y, explicit)
    assert ((scores < floor) & (y == 1)).sum() == int(EXPLICIT_VETO_COST * n)
    assert _explicit_veto_threshold(np.full(len(y), 0.9), y, explicit) == EXPLICIT_VETO_MAX
    report = _report("x", scores, y, explicit, np.zeros(len(y), dtype=bool), explicit_hit=explicit)
    assert report.explicit_veto_threshold == pytest.approx(floor) and report.vetoed_explicit_safe == 10
