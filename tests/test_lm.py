"""seqbook.tasks.language_model: five-character poems, the recurrent language model, the add-k
bigram, acrostics; the long text as one stream, sequential and random partitioning, the
carried state of truncated BPTT."""

import math
import re

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
    StreamLMLoss,
    acrostic_constraint,
    clean_chapter,
    detach_state,
    encode_poem,
    five_char_lines,
    five_char_poems,
    lm_loss,
    load_poems,
    load_sanguo_streams,
    nll_by_position,
    poem_loader,
)
from seqbook.text import BOS, EOS, IGNORE_INDEX, PAD_ID, Vocab, lm_collate
from seqbook.text.batching import StreamSampler, stream_loader
from seqbook.train import evaluate

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


# ---- 长文本：顺序分区、随机分区与携带状态的损失 ----

STREAM = list(range(2, 103))  # 101 个词元，id 各不相同，便于核对位置


def test_sequential_batches_continue_every_row_exactly():
    batches = list(stream_loader(STREAM, batch_size=3, num_steps=4, shuffle=False))
    assert len(batches) == 8  # (101 - 1) // 3 = 33 个词元一段，每段 8 个窗口
    for before, after in zip(batches, batches[1:], strict=False):
        assert torch.equal(after.starts, before.starts + 4)
        assert torch.equal(after.inputs[:, 0], before.targets[:, -1])  # 接着上一批的最后一个目标
    for batch in batches:
        assert torch.equal(batch.targets[:, :-1], batch.inputs[:, 1:])
    rows = torch.cat([b.inputs for b in batches], dim=1)
    for row, start in zip(rows, batches[0].starts, strict=True):
        assert row.tolist() == STREAM[start : start + 32]  # 每一行是原文中连续的一段
    assert batches[0].starts.tolist() == [0, 33, 66]


def test_random_batches_are_disjoint_windows_that_never_continue():
    loader = stream_loader(STREAM, batch_size=3, num_steps=4, sequential=False, seed=0)
    sampler = loader.batch_sampler
    sampler.set_epoch(0)
    batches = list(loader)
    starts = sorted(s for b in batches for s in b.starts.tolist())
    offset = starts[0]
    assert 0 <= offset < 4 and starts == list(range(offset, offset + 4 * len(starts), 4))
    assert len(starts) == (101 - 1 - offset) // 4
    loss = StreamLMLoss()
    for before, after in zip(batches, batches[1:], strict=False):
        loss.next_starts = before.starts + 4
        assert not loss.continues(after.starts)
    for batch in batches:
        for row, start in zip(batch.inputs, batch.starts, strict=True):
            assert row.tolist() == STREAM[start : start + 4]


def test_stream_sampler_order_depends_on_seed_and_epoch_only():
    sampler = StreamSampler(1000, 4, 10, seed=3)
    sampler.set_epoch(2)
    first = sampler.batches()
    assert list(sampler) == first == sampler.batches()  # 窥看不改变顺序
    offsets = set()
    for epoch in range(8):
        sampler.set_epoch(epoch)
        offsets.add(sampler.batches()[0][0])
    assert len(offsets) > 1 and all(0 <= o < 10 for o in offsets)  # 每轮从不同的偏移切开
    assert StreamSampler(1000, 4, 10, shuffle=False).batches()[0] == [0, 249, 498, 747]
    assert len(sampler) == len(first)


@pytest.mark.parametrize("rnn_cls", [nn.RNN, nn.LSTM])
def test_carried_state_gives_the_logits_of_one_long_pass(rnn_cls):
    set_seed(0)
    model = CharLM(110, embedding_dim=5, hidden_size=7, rnn_cls=rnn_cls)
    batches = list(stream_loader(STREAM, batch_size=3, num_steps=4, shuffle=False))
    loss = StreamLMLoss()
    pieces = [loss.logits(model, b.inputs, b.starts) for b in batches]
    whole, _ = model(torch.cat([b.inputs for b in batches], dim=1))
    torch.testing.assert_close(torch.cat(pieces, dim=1), whole)
    state = loss.state if rnn_cls is nn.RNN else loss.state[0]
    assert not state.requires_grad  # 状态被 detach：梯度不会穿过批次的边界
    fresh = StreamLMLoss(carry=False)
    fresh.logits(model, batches[1].inputs, batches[1].starts)
    second = fresh.logits(model, batches[2].inputs, batches[2].starts)
    torch.testing.assert_close(second, model(batches[2].inputs)[0])  # 不携带：每批从零开始


def test_gradient_stops_at_the_batch_boundary():
    set_seed(0)
    model = CharLM(110, embedding_dim=5, hidden_size=7, rnn_cls=nn.RNN)
    batches = list(stream_loader(STREAM, batch_size=3, num_steps=4, shuffle=False))
    loss = StreamLMLoss()
    loss(model, batches[0])
    value, count = loss(model, batches[1])
    assert count == 12
    value.backward()
    only_first = set(batches[0].inputs.flatten().tolist()) - set(batches[1].inputs.flatten().tolist())
    grad = model.embedding.weight.grad
    assert all(grad[i].abs().sum() == 0 for i in only_first)  # 第一批的输入收不到第二批的梯度
    assert grad[batches[1].inputs[0, 0]].abs().sum() > 0


def test_nll_by_position_averages_to_the_evaluated_loss():
    set_seed(0)
    model = CharLM(110, embedding_dim=5, hidden_size=7, rnn_cls=nn.RNN)
    loader = stream_loader(STREAM, batch_size=3, num_steps=4, shuffle=False)
    for carry in (True, False):
        by_position = nll_by_position(model, loader, StreamLMLoss(carry=carry))
        assert by_position.shape == (4,)
        assert by_position.mean().item() == pytest.approx(evaluate(model, loader, StreamLMLoss(carry=carry)), rel=1e-5)
    fresh = nll_by_position(model, loader, StreamLMLoss(carry=False))
    carried = nll_by_position(model, loader, StreamLMLoss())
    assert fresh[0] != carried[0]


def test_detach_state_and_clean_chapter():
    h = torch.ones(2, requires_grad=True) * 2
    assert not detach_state(h).requires_grad and detach_state(None) is None
    assert all(not s.requires_grad for s in detach_state((h, h)))
    assert clean_chapter("第一回 宴桃园\u3000斩黄巾\n\n  \n\t滚滚长江，\n\t青山。\n") == "第一回宴桃园斩黄巾\n滚滚长江，\n青山。\n"


def test_stream_errors_are_chinese_and_name_the_parameter():
    cases = [
        (ValueError, "batch_size", lambda: StreamSampler(20, 4, 5)),
        (ValueError, "num_steps", lambda: StreamSampler(100, 2, 0)),
        (ValueError, "ids", lambda: stream_loader([[1, 2], [3, 4]], 1, 1)),
        (ValueError, "ids", lambda: stream_loader([], 1, 1)),
        (TypeError, "sequential", lambda: StreamSampler(100, 2, 5, sequential=1)),
        (TypeError, "carry", lambda: StreamLMLoss(carry=1)),
        (TypeError, "chapters", lambda: load_sanguo_streams(chapters=(20, 2))),
        (ValueError, "chapters", lambda: load_sanguo_streams(chapters=(100, 20, 2))),
        (TypeError, "state", lambda: detach_state([torch.zeros(1)])),
        (TypeError, "loss", lambda: nll_by_position(CharLM(5, 2, 2), [], lm_loss)),
    ]
    for error, parameter, call in cases:
        with pytest.raises(error) as raised:
            call()
        message = str(raised.value)
        assert parameter in message and re.search(r"[\u4e00-\u9fff]", message), message


@needs("sanguo")
def test_load_sanguo_streams_splits_the_novel_by_chapter():
    data = load_sanguo_streams()
    assert (len(data.train), len(data.val), len(data.test), len(data.vocab)) == (103289, 10245, 8474, 1928)
    assert "".join(data.vocab.decode(data.train[:6])) == "第一回宴桃园"


def test_poem_loader_with_buckets_pads_little_and_keeps_every_poem():
    vocab = small_vocab()
    texts = [JUEJU, JUEJU * 2, "白日依山尽，黄河入海流。" * 4, JUEJU * 2, "欲穷千里目，更上一层楼。" * 2, JUEJU * 2]
    loader = poem_loader(texts, vocab, batch_size=2, shuffle=True, bucket=True, seed=0)
    batches = list(loader)
    assert sum(len(inputs) for inputs, _ in batches) == len(texts)
    assert all(not inputs.eq(PAD_ID).any() for inputs, _ in batches)  # 同一批的诗一样长，不用填充
    loader.batch_sampler.set_epoch(1)
    again = list(loader)
    assert sorted(len(i[0]) for i, _ in again) == sorted(len(i[0]) for i, _ in batches)
    plain = list(poem_loader(texts, vocab, batch_size=2))  # 默认：按原来的顺序，不分桶
    assert plain[0][0][0, :25].tolist() == encode_poem(JUEJU, vocab)[:-1] and plain[0][0][0, 25:].eq(PAD_ID).all()
    with pytest.raises(TypeError, match="bucket"):
        poem_loader(texts, vocab, bucket=1)
