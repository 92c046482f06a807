"""Chapters 1 and 2's figures: jieba's word lattice (seqbook.text.lattice, seqbook.plot.lattice)
and labelled scatter plots whose labels do not overlap (seqbook.plot.scatter)."""

import math
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from seqbook import plot  # noqa: E402
from seqbook.text import jieba_tokenizer, word_tokenize  # noqa: E402
from seqbook.text.lattice import word_lattice  # noqa: E402


def segmentations(lattice, start=0):
    """Every path through the lattice from ``start`` to the end, as lists of arcs."""
    if start == len(lattice.text):
        yield []
        return
    for arc in lattice.arcs:
        if arc.start == start:
            for rest in segmentations(lattice, arc.end):
                yield [arc, *rest]


@pytest.mark.parametrize("text", ["结合成分子", "他从马上下来", "南京市长江大桥", "研究生命的起源"])
def test_lattice_path_is_jiebas_segmentation_and_the_most_probable_one(text):
    lattice = word_lattice(text)
    assert lattice.words == word_tokenize(text, hmm=False)
    assert math.isclose(lattice.best[0], sum(arc.log_prob for arc in lattice.path))
    best = max(sum(arc.log_prob for arc in path) for path in segmentations(lattice))
    assert math.isclose(best, lattice.best[0])
    assert lattice.best[-1] == 0.0 and len(lattice.best) == len(text) + 1


def test_lattice_of_the_overlapping_ambiguity_lists_every_candidate_word():
    tokenizer = jieba_tokenizer()
    lattice = word_lattice("结合成分子", tokenizer)
    assert [arc.word for arc in lattice.arcs] == ["结", "结合", "合", "合成", "成", "成分", "分", "分子", "子"]
    assert lattice.words == ["结合", "成", "分子"]
    for arc in lattice.arcs:
        assert arc.freq == tokenizer.FREQ[arc.word]
        assert math.isclose(arc.log_prob, math.log(arc.freq / tokenizer.total))


def test_lattice_counts_an_unknown_character_once_and_checks_its_arguments():
    lattice = word_lattice("㐀")  # not in jieba's dictionary
    assert [(arc.word, arc.freq) for arc in lattice.arcs] == [("㐀", 1)]
    with pytest.raises(ValueError, match="text"):
        word_lattice("")
    with pytest.raises(TypeError, match="tokenizer"):
        word_lattice("结合", tokenizer="jieba")


@pytest.mark.parametrize("text", ["结合成分子", "南京市长江大桥"])
def test_lattice_figure_labels_every_word_without_overlap(text):
    plot.use_chinese_font()
    lattice = word_lattice(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph or font weight would fail here
        ax = plot.draw_word_lattice(lattice, title=f"“{text}”的词图")
        overlaps = plot.overlapping_texts(ax.texts)
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    assert all(any(label.startswith(arc.word + "\n") for label in labels) for arc in lattice.arcs)
    assert overlaps == []
    red = [t.get_text().split("\n")[0] for t in ax.texts if t.get_text() and t.get_color() == "#c0392b"]
    assert red == sorted(lattice.words, key=lambda w: [a.word for a in lattice.arcs].index(w))
    assert ax.get_title() == f"“{text}”的词图"
    plt.close("all")


def test_labelled_points_do_not_overlap_even_when_the_points_crowd():
    plot.use_chinese_font()
    generator = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [0.6, 0.2], [-0.5, 0.4]])
    points = torch.cat([c + 0.08 * torch.randn(14, 2, generator=generator) for c in centres])
    kinds = ["人名"] * 14 + ["州名"] * 14 + ["势力"] * 14
    labels = [f"词{i}号" for i in range(len(points))]
    fig, ax = plt.subplots(figsize=(5, 4))
    fig.tight_layout()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        texts = plot.plot_labelled_points(ax, points, labels, kinds, {"人名": "#4c72b0"})
    assert [t.get_text() for t in texts] == labels
    assert plot.overlapping_texts(texts) == []
    assert [h.get_label() for h in ax.get_legend_handles_labels()[0]] == ["人名", "州名", "势力"]
    plt.close("all")


def test_overlapping_texts_finds_labels_on_top_of_each_other():
    fig, ax = plt.subplots()
    texts = [ax.text(0.5, 0.5, "玄德"), ax.text(0.5, 0.5, "孔明"), ax.text(0.1, 0.1, "曹操")]
    assert plot.overlapping_texts(texts) == [("玄德", "孔明")]
    plt.close("all")


def test_labelled_points_check_their_arguments():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="points"):
        plot.plot_labelled_points(ax, torch.zeros(3, 3), ["a", "b", "c"], ["x", "x", "x"])
    with pytest.raises(ValueError, match="个数"):
        plot.plot_labelled_points(ax, torch.zeros(3, 2), ["a", "b"], ["x", "x", "x"])
    plt.close("all")
