"""seqbook.metrics: accuracy, word-segmentation P/R/F1, perplexity."""

import math

import pytest
import torch

from seqbook.metrics import accuracy, perplexity, segmentation_prf, word_spans


def test_word_spans_are_character_offsets():
    assert word_spans(["中国", "人民", "好"]) == [(0, 2), (2, 4), (4, 5)]
    with pytest.raises(TypeError, match="词的列表"):
        word_spans("中国人民")


def test_segmentation_prf_counts_matching_spans():
    gold = [["中国", "人民"], ["很", "好"]]
    predicted = [["中国", "人", "民"], ["很", "好"]]
    precision, recall, f1 = segmentation_prf(gold, predicted)  # 3 of 5 predicted, 3 of 4 gold
    assert (precision, recall) == pytest.approx((3 / 5, 3 / 4))
    assert f1 == pytest.approx(2 * 0.6 * 0.75 / (0.6 + 0.75))
    assert segmentation_prf(gold, gold) == (1.0, 1.0, 1.0)


def test_a_shifted_boundary_makes_both_words_wrong():
    assert segmentation_prf([["研究", "生命"]], [["研究生", "命"]]) == (0.0, 0.0, 0.0)


def test_segmentation_prf_rejects_different_text():
    with pytest.raises(ValueError, match="第 1 句.*'很好'.*'很坏'"):
        segmentation_prf([["中国"], ["很", "好"]], [["中国"], ["很", "坏"]])
    with pytest.raises(ValueError, match="句数"):
        segmentation_prf([["中国"]], [])


def test_accuracy_of_labels_and_of_scores():
    assert accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    logits = torch.tensor([[0.1, 2.0], [3.0, 0.0], [0.0, 1.0]])
    assert accuracy(logits, torch.tensor([1, 0, 0])) == pytest.approx(2 / 3)


def test_accuracy_ignores_padding():
    pred = torch.tensor([[1, 2, 0], [3, 0, 0]])
    target = torch.tensor([[1, 2, -100], [0, -100, -100]])
    assert accuracy(pred, target, ignore_index=-100) == pytest.approx(2 / 3)


def test_accuracy_rejects_bad_shapes_and_empty_input():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        accuracy([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="没有可以计数"):
        accuracy([], [])


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    nll = torch.nn.functional.cross_entropy(torch.zeros(4, 50), torch.tensor([0, 7, 9, 49]))
    assert perplexity(nll) == pytest.approx(50)
    assert perplexity(0.0) == 1.0
    assert perplexity(1e6) == math.inf
    with pytest.raises(ValueError, match="-1.0"):
        perplexity(-1.0)
