"""seqbook.lm: five-character poems, the recurrent language model, the add-k bigram, acrostics."""

import math

import pytest
import torch
from book import needs
from torch import nn

import seqbook.nn
from seqbook import set_seed
from seqbook.decode import generate
from seqbook.tasks.language_model import (
    AddKBigram,
    CharLM,
    acrostic_constraint,
    encode_poem,
    five_char_lines,
    five_char_poems,
    lm_loss,
    load_poems,
    poem_loader,
)
from seqbook.text import BOS, EOS, IGNORE_INDEX, PAD_ID, Vocab, lm_collate

JUEJU = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"


def test_five_char_lines_accepts_only_four_or_eight_lines_of_five():
    assert five_char_lines(JUEJU) == ["白日依山尽，", "黄河入海流。", "欲穷千里目，", "更上一层楼。"]
    assert five_char_lines(JUEJU * 2) is not None
    assert five_char_lines(JUEJU[:12]) is None  # two lines
    assert five_char_lines(JUEJU[:12], num_lines=(2,)) == ["白日依山尽，", "黄河入海流。"]
    assert five_char_lines("床前明月光，疑是地上霜。举头望明月，低头思故乡") is None  # no final mark
    assert five_char_lines("白日依山尽黄，河入海流。欲穷千里目，更上一层楼。") is None
    assert five_char_lines("白日依□尽，黄河入海流。欲穷千里目，更上一层楼。") is None  # a lost character


def test_five_char_poems_filters_and_drops_duplicates():
    poems = [{"paragraphs": ["白日依山尽，黄河入海流。", "欲穷千里目，更上一层楼。"]},
             {"paragraphs": ["床前明月光，疑是地上霜。"]},
             {"paragraphs": [JUEJU]}]
    assert five_char_poems(poems) == [JUEJU]


def small_vocab():
    return Vocab([list(JUEJU)], reserved_tokens=[BOS, EOS])


def test_encode_and_collate_make_shifted_inputs_and_targets():
    vocab = small_vocab()
    a, b = encode_poem(JUEJU, vocab), encode_poem("白日", vocab)
    assert a[0] == vocab[BOS] and a[-1] == vocab[EOS] and len(a) == len(JUEJU) + 2
    inputs, targets = lm_collate([a, b])
    assert inputs.shape == targets.shape == (2, len(a) - 1)
    assert inputs[0].tolist() == a[:-1] and targets[0].tolist() == a[1:]
    assert inputs[1, 3:].eq(PAD_ID).all() and targets[1, 3:].eq(IGNORE_INDEX).all()
    with pytest.raises(ValueError, match="2 个词元"):
        lm_collate([[1]])
    with pytest.raises(ValueError, match="<bos>"):
        encode_poem(JUEJU, Vocab(list(JUEJU)))
    batches = list(poem_loader([JUEJU, "白日"], vocab, batch_size=1))
    assert len(batches) == 2 and batches[1][0].tolist() == [b[:-1]]


@pytest.mark.parametrize("rnn_cls", [nn.LSTM, nn.GRU, seqbook.nn.LSTM, seqbook.nn.RNN])
def test_char_lm_shapes_and_continuing_with_the_state(rnn_cls):
    set_seed(0)
    model = CharLM(11, embedding_dim=4, hidden_size=6, rnn_cls=rnn_cls)
    ids = torch.randint(0, 11, (2, 7))
    logits, _ = model(ids)
    assert logits.shape == (2, 7, 11)
    first, state = model(ids[:, :3])
    rest, _ = model(ids[:, 3:], state)
    torch.testing.assert_close(torch.cat([first, rest], dim=1), logits)


def test_char_lm_gives_the_same_logits_with_seqbook_and_torch_layers():
    set_seed(0)
    theirs = CharLM(11, 4, 6, num_layers=2, rnn_cls=nn.LSTM)
    ours = CharLM(11, 4, 6, num_layers=2, rnn_cls=seqbook.nn.LSTM)
    ours.load_state_dict(theirs.state_dict())
    ids = torch.randint(0, 11, (3, 5))
    torch.testing.assert_close(ours(ids)[0], theirs(ids)[0])


def test_lm_loss_is_the_mean_over_real_targets():
    set_seed(0)
    model = CharLM(5, 3, 4)
    inputs = torch.tensor([[2, 3, 4], [2, 3, PAD_ID]])
    targets = torch.tensor([[3, 4, 1], [3, 1, IGNORE_INDEX]])
    loss, count = lm_loss(model, (inputs, targets))
    logits, _ = model(inputs)
    nll = -torch.log_softmax(logits, -1).gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    assert count == 5
    torch.testing.assert_close(loss, nll[targets != IGNORE_INDEX].mean())


def test_add_k_bigram_matches_the_formula_and_sums_to_one():
    sequences = [[0, 1, 2], [0, 1, 1]]  # pairs: 01 12 01 11
    model = AddKBigram(sequences, vocab_size=3)
    k = 0.5
    p = (1 + k) / (2 + 3 * k)  # P(2 | 1): count(1, 2) = 1; 1 is a context twice
    assert model.mean_nll([[1, 2]], k) == pytest.approx(-math.log(p))
    total = sum(math.exp(-model.mean_nll([[1, b]], k)) for b in range(3))
    assert total == pytest.approx(1.0)
    assert model.token_nlls([0, 1, 2], k) == pytest.approx(
        [model.mean_nll([[0, 1]], k), model.mean_nll([[1, 2]], k)]
    )
    # the mean is per predicted token over all sequences
    both = model.mean_nll([[0, 1], [1, 2]], k)
    assert both == pytest.approx((model.mean_nll([[0, 1]], k) + model.mean_nll([[1, 2]], k)) / 2)


def test_tune_k_picks_the_lowest_validation_nll():
    model = AddKBigram([[0, 1, 2, 0, 1, 2]], vocab_size=4)
    best, scores = model.tune_k([[0, 1, 2, 3]], [0.01, 0.1, 1.0, 10.0])
    assert scores[best] == min(scores.values()) and set(scores) == {0.01, 0.1, 1.0, 10.0}
    with pytest.raises(ValueError, match=r"k 应在 \(0, ∞\] 之内"):
        model.mean_nll([[0, 1]], 0)
    with pytest.raises(ValueError, match="ks 为空"):
        model.tune_k([[0, 1]], [])
    with pytest.raises(ValueError, match="超出了词表"):
        model.mean_nll([[0, 9]], 1.0)


def test_acrostic_constraint_forces_heads_line_form_and_end():
    vocab = small_vocab()
    set_seed(0)
    model = CharLM(len(vocab), 4, 8)  # untrained: the constraint alone gives the form
    allowed = acrostic_constraint("白黄欲更", vocab)
    new = generate(model, [vocab[BOS]], 100, allowed=allowed, stop_ids=[vocab[EOS]])
    text = "".join(vocab.decode(new))
    lines = five_char_lines(text)
    assert lines is not None and [line[0] for line in lines] == list("白黄欲更")
    assert [line[-1] for line in lines] == ["，", "。", "，", "。"]
    assert len(new) == 24  # stopped at <eos>
    with pytest.raises(ValueError, match="4 个"):
        acrostic_constraint("白黄", vocab)
    with pytest.raises(ValueError, match="不在词表"):
        acrostic_constraint("白黄欲龙", vocab)


@needs("chinese-poetry")
def test_load_poems_splits_the_five_character_poems_by_poem():
    data = load_poems()
    assert (len(data.train), len(data.val), len(data.test)) == (3210, 401, 401)
    assert all(five_char_lines(t) for t in data.train[:50])
    assert not set(data.train) & set(data.test)
    assert data.vocab.tokens[:4] == ("<pad>", "<unk>", BOS, EOS) and len(data.vocab) == 3050
    assert data.train[0] == "仙娥今下嫁，骄子自同和。劒戟归田尽，牛羊绕塞多。"  # the same split everywhere
