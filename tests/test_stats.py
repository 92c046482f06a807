"""seqbook.stats: rank-frequency, coverage, OOV rate and segmentation disagreements."""

from collections import Counter

import numpy as np
import pytest

from seqbook.stats import (
    coverage_curve,
    iv_oov_recall,
    oov_rate,
    rank_frequency,
    segmentation_errors,
    types_for_coverage,
    zipf_slope,
)
from seqbook.text import Vocab

COUNTS = Counter({"的": 6, "了": 3, "是": 2, "我": 1})


def test_rank_frequency_sorts_counts_from_the_top():
    ranks, frequencies = rank_frequency(COUNTS)
    assert ranks.tolist() == [1, 2, 3, 4]
    assert frequencies.tolist() == [6, 3, 2, 1]


def test_zipf_slope_recovers_an_exact_power_law():
    counts = {f"w{r}": round(1_000_000 / r**1.2) for r in range(1, 2001)}
    assert zipf_slope(counts) == pytest.approx(-1.2, abs=1e-3)
    assert zipf_slope(counts, min_rank=10, max_rank=100) == pytest.approx(-1.2, abs=1e-3)
    with pytest.raises(ValueError, match="秩的范围"):
        zipf_slope(counts, min_rank=5, max_rank=5)
    with pytest.raises(ValueError, match="秩的范围"):
        zipf_slope(counts, max_rank=5000)


def test_coverage_curve_is_the_cumulative_share_of_tokens():
    np.testing.assert_allclose(coverage_curve(COUNTS), [0.5, 0.75, 11 / 12, 1.0])


def test_types_for_coverage_is_the_smallest_k_reaching_the_share():
    assert types_for_coverage(COUNTS, 0.5) == 1
    assert types_for_coverage(COUNTS, 0.51) == 2
    assert types_for_coverage(COUNTS, 0.75) == 2
    assert types_for_coverage(COUNTS, 1.0) == 4
    with pytest.raises(ValueError, match="share"):
        types_for_coverage(COUNTS, 0)


def test_counts_must_be_a_non_empty_mapping():
    with pytest.raises(TypeError, match="Counter"):
        rank_frequency(["的", "了"])
    with pytest.raises(ValueError, match="计数为空"):
        coverage_curve(Counter())


def test_oov_rate_by_token_and_by_type():
    known = {"我", "爱"}
    tokens = ["我", "爱", "北京", "我", "北京", "天安门"]
    assert oov_rate(known, tokens) == pytest.approx(3 / 6)
    assert oov_rate(known, tokens, unit="type") == pytest.approx(2 / 4)


def test_oov_rate_with_a_vocab_and_min_freq():
    vocab = Vocab(["我", "我", "爱"], min_freq=2)
    assert oov_rate(vocab, ["我", "爱", "我", "你"]) == pytest.approx(2 / 4)
    with pytest.raises(TypeError, match="字符串"):
        oov_rate(vocab, "我爱你")
    with pytest.raises(ValueError, match="unit"):
        oov_rate(vocab, ["我"], unit="word")


def test_segmentation_errors_sorts_disagreements_into_kinds():
    gold = [["江", "泽民", "在", "１９９８年", "发表", "讲话"], ["结合", "成", "分子"]]
    predicted = [["江泽民", "在", "１", "９", "９", "８", "年", "发表", "讲话"], ["结", "合成", "分子"]]
    errors = segmentation_errors(gold, predicted)
    assert errors["under_split"] == Counter({(("江", "泽民"), ("江泽民",)): 1})
    assert errors["over_split"] == Counter({(("１９９８年",), ("１", "９", "９", "８", "年")): 1})
    assert errors["mixed"] == Counter({(("结合", "成"), ("结", "合成")): 1})


def test_segmentation_errors_is_empty_when_the_segmentations_agree():
    gold = [["我", "爱", "北京"]] * 3
    assert all(not c for c in segmentation_errors(gold, gold).values())


def test_segmentation_errors_counts_repeats_and_checks_inputs():
    gold, predicted = [["李", "鹏"], ["李", "鹏", "说"]], [["李鹏"], ["李鹏", "说"]]
    assert segmentation_errors(gold, predicted)["under_split"][("李", "鹏"), ("李鹏",)] == 2
    with pytest.raises(ValueError, match="句数"):
        segmentation_errors(gold, predicted[:1])
    with pytest.raises(ValueError, match="字符不同"):
        segmentation_errors([["李", "鹏"]], [["李鹏", "说"]])


def test_iv_oov_recall_splits_recall_by_the_training_vocabulary():
    gold = [["江", "泽民", "在", "北京"], ["林", "华卿", "说"]]
    predicted = [["江泽民", "在", "北京"], ["林", "华卿", "说"]]
    known = {"江", "在", "北京", "说"}
    # IV: 江 (missed), 在, 北京, 说 -> 3 of 4; OOV: 泽民 (missed), 林, 华卿 -> 2 of 3
    assert iv_oov_recall(gold, predicted, known) == pytest.approx((3 / 4, 2 / 3))
    r_iv, r_oov = iv_oov_recall([["北京"]], [["北京"]], known)
    assert r_iv == 1.0 and np.isnan(r_oov)
    with pytest.raises(ValueError, match="字符不同"):
        iv_oov_recall([["北京"]], [["南京"]], known)
