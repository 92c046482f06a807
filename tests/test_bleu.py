"""seqbook.metrics.corpus_bleu, exact_match and paired_bootstrap; BLEU and its signature equal sacreBLEU's."""

import math
import random

import pytest
import sacrebleu

from seqbook.metrics import corpus_bleu, exact_match, paired_bootstrap, sacrebleu_13a

WORDS = ["the", "a", "cat", "dog", "sat", "on", "mat", "is", "big"]


def random_corpus(rng, size, max_refs):
    """Hypotheses and a variable number of references per hypothesis, as token lists."""
    hyps = [[rng.choice(WORDS) for _ in range(rng.randint(0, 12))] for _ in range(size)]
    refs = [
        [[rng.choice(WORDS) for _ in range(rng.randint(1, 12))] for _ in range(rng.randint(1, max_refs))]
        for _ in range(size)
    ]
    return hyps, refs


def as_sacrebleu_streams(refs, max_refs):
    """sacreBLEU wants one stream per reference slot, None where a sentence has fewer references."""
    return [[" ".join(r[j]) if j < len(r) else None for r in refs] for j in range(max_refs)]


@pytest.mark.parametrize("smooth", ["exp", "floor", "add-k", "none"])
@pytest.mark.parametrize("effective_order", [False, True])
def test_corpus_bleu_equals_sacrebleu_on_random_corpora(smooth, effective_order):
    rng = random.Random(0)
    for _ in range(60):
        max_refs = rng.randint(1, 3)
        hyps, refs = random_corpus(rng, rng.randint(1, 10), max_refs)
        ours = corpus_bleu(hyps, refs, smooth=smooth, effective_order=effective_order)
        theirs = sacrebleu.corpus_bleu(
            [" ".join(h) for h in hyps],
            as_sacrebleu_streams(refs, max_refs),
            tokenize="none",
            smooth_method=smooth,
            use_effective_order=effective_order,
        )
        assert ours.score == pytest.approx(theirs.score, abs=1e-9)
        assert (ours.hyp_len, ours.ref_len) == (theirs.sys_len, theirs.ref_len)
        assert ours.brevity_penalty == pytest.approx(theirs.bp)
        assert list(ours.precisions) == pytest.approx(list(theirs.precisions))


def test_corpus_bleu_by_hand():
    hyp = ["the", "cat", "sat", "on", "the", "mat"]
    ref = ["the", "cat", "is", "on", "the", "mat"]
    score = corpus_bleu([hyp], [[ref]])
    # 1-grams 5/6, 2-grams 3/5 (the cat, on the, the mat), 3-grams 1/4, 4-grams 0/3 -> exp smoothing 1/(2*3)
    expected = [5 / 6, 3 / 5, 1 / 4, 1 / 6]
    assert list(score.precisions) == pytest.approx([100 * p for p in expected])
    assert score.score == pytest.approx(100 * math.exp(sum(map(math.log, expected)) / 4))
    assert score.matches == (5, 3, 1, 0) and score.totals == (6, 5, 4, 3)
    assert corpus_bleu([hyp], [hyp]).score == pytest.approx(100)  # a bare token list is one reference
    short = corpus_bleu([hyp[:3]], [[hyp]])
    assert short.brevity_penalty == pytest.approx(math.exp(1 - 6 / 3))
    assert str(score).startswith("BLEU = ")


def test_clipping_and_the_closest_reference_length():
    score = corpus_bleu([["the"] * 4], [[["the", "cat"], ["the", "the", "mat", "x", "y"]]], max_order=1)
    assert score.matches == (2,)  # "the" counts at most twice: its largest count in one reference
    assert score.ref_len == 5  # |4-2| = 2 > |4-5| = 1
    tie = corpus_bleu([["a", "b", "c"]], [[["a", "b"], ["a", "b", "c", "d"]]])
    assert tie.ref_len == 2  # equally close: the shorter reference


def test_corpus_bleu_explains_bad_input():
    with pytest.raises(TypeError, match="分词"):
        corpus_bleu(["the cat"], [[["the", "cat"]]])
    with pytest.raises(TypeError, match="分词"):
        corpus_bleu([["the"]], [["the cat", "a cat"]])
    with pytest.raises(ValueError, match="参考译文"):
        corpus_bleu([["the"], ["a"]], [[["the"]]])
    with pytest.raises(ValueError, match="平滑"):
        corpus_bleu([["the"]], [[["the"]]], smooth="add-one")
    with pytest.raises(ValueError, match="至少要有一个"):
        corpus_bleu([["the"]], [[]])


def test_sacrebleu_13a_equals_sacrebleu_on_detokenized_text():
    rng = random.Random(1)
    pieces = ["Tom", "isn't", "here", ",", "is", "he", "?", "I", "paid", "$5", ".", "(really)", '"Hi!"']
    sentence = lambda: " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))  # noqa: E731
    hyps = [sentence().replace(" ,", ",").replace(" .", ".") for _ in range(40)]
    refs = [[sentence(), sentence()] for _ in range(40)]
    theirs = sacrebleu.corpus_bleu(hyps, [[r[0] for r in refs], [r[1] for r in refs]])
    assert sacrebleu_13a(hyps, refs).score == pytest.approx(theirs.score, abs=1e-9)


@pytest.mark.parametrize("max_refs", [1, 2, 3])
def test_the_signature_is_sacrebleus(max_refs):
    rng = random.Random(max_refs)
    hyps, refs = random_corpus(rng, 30, max_refs)
    texts = [" ".join(h) + "." for h in hyps]
    ref_texts = [[" ".join(r) + "." for r in sentence_refs] for sentence_refs in refs]
    bleu = sacrebleu.BLEU()
    bleu.corpus_score(texts, as_sacrebleu_streams([[r.split() for r in s] for s in ref_texts], max_refs))
    ours = sacrebleu_13a(texts, ref_texts)
    assert ours.signature == bleu.get_signature().format()
    assert ours.signature in str(ours)


def toy_systems(size=200, seed=0):
    """References, a system that copies the first reference of every other sentence, and a worse one."""
    rng = random.Random(seed)
    refs = [[" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10)))] for _ in range(size)]
    good = [r[0] if i % 2 else " ".join(rng.choice(WORDS) for _ in range(6)) for i, r in enumerate(refs)]
    bad = [" ".join(rng.choice(WORDS) for _ in range(6)) for _ in refs]
    return good, bad, refs


def test_paired_bootstrap_brackets_the_difference_of_corpus_bleu():
    good, bad, refs = toy_systems()
    result = paired_bootstrap(good, bad, refs, samples=500, seed=1)
    assert result.difference == pytest.approx(sacrebleu_13a(good, refs).score - sacrebleu_13a(bad, refs).score)
    assert 0 < result.low < result.difference < result.high and result.a_wins == 1.0
    assert paired_bootstrap(good, bad, refs, samples=500, seed=1) == result  # the seed fixes the draws
    swapped = paired_bootstrap(bad, good, refs, samples=500, seed=1)
    assert (swapped.low, swapped.high, swapped.a_wins) == pytest.approx((-result.high, -result.low, 0.0))


def test_paired_bootstrap_of_a_system_against_itself_is_zero():
    good, _, refs = toy_systems()
    result = paired_bootstrap(good, good, refs, samples=200)
    assert (result.difference, result.low, result.high, result.a_wins) == (0.0, 0.0, 0.0, 0.0)


def test_paired_bootstrap_explains_bad_input():
    good, bad, refs = toy_systems(size=5)
    with pytest.raises(ValueError, match="一样多"):
        paired_bootstrap(good, bad[:4], refs)
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap(good, bad, refs, confidence=1.0)


def test_exact_match_counts_whole_sequences():
    assert exact_match([["1", "0"], ["7"], []], [["1", "0"], ["7", "7"], []]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="一样多"):
        exact_match([["1"]], [])
