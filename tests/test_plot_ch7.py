"""seqbook.plot.seq2seq: the encoder-decoder diagrams and the beam-search tree of chapter 7."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from seqbook import plot  # noqa: E402
from seqbook.decode import beam_search  # noqa: E402

TOKENS = ["<bos>", "<eos>", "thanks", "thank", "you"]
PROBS = {
    (): [0, 0.1, 0.5, 0.3, 0.1],
    (2,): [0, 0.5, 0.15, 0.15, 0.2],
    (3,): [0, 0.1, 0.05, 0.05, 0.8],
    (2, 4): [0, 0.6, 0.1, 0.1, 0.2],
    (3, 4): [0, 0.8, 0.05, 0.05, 0.1],
}


class Toy(nn.Module):
    """Next-token probabilities looked up by the prefix (the state holds the tokens read so far)."""

    def encode(self, src, src_lengths):
        return src

    def initial_state(self, memory):
        return torch.zeros(memory.size(0), 0, dtype=torch.long)

    def step(self, tokens, state, memory):
        state = torch.cat([state, tokens[:, None]], dim=1)
        probs = [PROBS.get(tuple(row[1:]), [0, 0.25, 0.25, 0.25, 0.25]) for row in state.tolist()]
        return torch.tensor(probs).log(), state, None


def visible_texts(ax):
    return [t for t in ax.texts if t.get_text()]


def assert_no_overlap(ax):
    assert plot.overlapping_texts(visible_texts(ax)) == []


@pytest.mark.parametrize("attention", [False, True])
def test_encoder_decoder_diagram_labels_every_state_without_overlap(attention):
    plot.use_chinese_font()
    weights = torch.softmax(torch.randn(6, 4, generator=torch.Generator().manual_seed(0)), -1) if attention else None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would fail here
        ax = plot.draw_encoder_decoder(list("一万零五"), list("10005"), attention=attention, weights=weights,
                                       highlight=2)
        assert_no_overlap(ax)
    texts = [t.get_text() for t in visible_texts(ax)]
    assert {"编码器", "解码器", "<bos>", "<eos>", "一", "五"} <= set(texts)
    assert sum(t.startswith("$h_") for t in texts) == 4 and sum(t.startswith("$s_") for t in texts) == 6
    contexts = [t for t in texts if t.startswith("$c")]
    assert contexts == ([f"$c_{{{t}}}$" for t in range(1, 7)] if attention else ["$c$"])
    if attention:  # the weights of the highlighted step are written on its lines
        assert [t for t in texts if t[0] == "0" and "." in t] == [f"{w:.2f}" for w in weights[2].tolist()]
    plt.close("all")


def test_encoder_decoder_diagram_explains_bad_arguments():
    with pytest.raises(ValueError, match="weights"):
        plot.draw_encoder_decoder(["一"], ["1"], weights=[[1.0], [1.0]])
    with pytest.raises(ValueError, match="weights"):
        plot.draw_encoder_decoder(["一"], ["1"], attention=True, weights=[[1.0]])
    with pytest.raises(ValueError, match="highlight"):
        plot.draw_encoder_decoder(["一"], ["1"], attention=True, highlight=2)
    plt.close("all")


def test_beam_tree_draws_every_expansion_and_the_winner_in_red():
    plot.use_chinese_font()
    trace = []
    src = torch.zeros(1, 1, dtype=torch.long)
    [best] = beam_search(Toy(), src, torch.tensor([1]), bos_id=0, eos_id=1, beam_size=2, max_len=4, trace=trace)
    assert best == [3, 4]  # "thank you": greedy search would take "thanks" first
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot.draw_beam_tree(trace, TOKENS, best=best)
        assert_no_overlap(ax)
    texts = [t.get_text() for t in visible_texts(ax)]
    finite = [e for e in trace if e["score"] != float("-inf")]  # <bos> is never written
    assert len(finite) == 4 + 8 + 8
    nodes = [t for t in texts if t.split()[0] in TOKENS and t != "<bos>"]
    assert len(nodes) == len(finite)
    assert "<eos>  −1.65（−0.55）" in texts  # "thank you <eos>": log(0.3 · 0.8 · 0.8), divided by 3
    red = [t for t in ax.texts if t.get_bbox_patch() is not None
           and t.get_bbox_patch().get_edgecolor()[:3] == matplotlib.colors.to_rgb(plot.seq2seq.COLORS["best"])]
    assert [t.get_text().split()[0] for t in red] == ["thank", "you", "<eos>"]
    assert {"第 1 步", "第 3 步", "剪掉", "胜出的译文"} <= set(texts)
    with pytest.raises(ValueError, match="best"):
        plot.draw_beam_tree(trace, TOKENS, best=[4, 4, 4])
    with pytest.raises(ValueError, match="trace"):
        plot.draw_beam_tree(trace, TOKENS, sequence=1)
    plt.close("all")
