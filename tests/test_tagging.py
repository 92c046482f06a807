import pytest
import torch
from torch import nn

import seqbook.nn
from seqbook import set_seed
from seqbook.tasks.segmentation import (
    TAG_IDS,
    TAGS,
    MajorityTagger,
    SequenceTagger,
    encode_tagged,
    matched_hidden_size,
    predict_tags,
    segment,
    segmentation_scores,
    tagged_windows,
    tagging_loss,
    tags_to_words,
    words_to_tags,
)
from seqbook.text import Vocab, collate

SENTENCES = [
    ["中国", "人民", "站", "起来", "了"],
    ["我们", "是", "中国", "人"],
    ["一九九八年", "新年", "讲话"],
]


def vocab():
    return Vocab([char for words in SENTENCES for word in words for char in word])


# ---- tags ----


def test_words_to_tags():
    assert words_to_tags(["中国", "人", "一九九八年"]) == ["b", "e", "s", "b", "m", "m", "m", "e"]
    assert words_to_tags([]) == []


def test_words_and_tags_round_trip():
    for words in SENTENCES:
        assert tags_to_words("".join(words), words_to_tags(words)) == words


def test_tags_to_words_accepts_any_tag_sequence():
    # a word starts at b or s and after e or s; a leading m or e starts the first word
    assert tags_to_words("中国人", ["m", "e", "s"]) == ["中国", "人"]
    assert tags_to_words("中国人", ["b", "b", "e"]) == ["中", "国人"]
    assert tags_to_words("中国人", ["s", "m", "m"]) == ["中", "国人"]
    assert tags_to_words(list("中国"), ["e", "e"]) == ["中", "国"]


def test_tag_errors_are_explained():
    with pytest.raises(TypeError, match="词的列表"):
        words_to_tags("中国")
    with pytest.raises(ValueError, match="非空"):
        words_to_tags(["中国", ""])
    with pytest.raises(ValueError, match="字符数 2 与标签数 1"):
        tags_to_words("中国", ["s"])
    with pytest.raises(ValueError, match="未知的标签 'x'"):
        tags_to_words("中国", ["b", "x"])


def test_majority_tagger():
    tagger = MajorityTagger([["中国"], ["中", "国"], ["中国", "人"]])
    assert tagger.table == {"中": "b", "国": "e", "人": "s"}
    assert tagger.default == "s"  # s 3 times, b and e twice
    assert tagger.segment(["中国 人", "外"]) == [["中国", "人"], ["外"]]


def test_encode_and_windows():
    v = vocab()
    (ids, tags), *_ = encode_tagged(SENTENCES, v)
    assert v.decode(ids) == list("中国人民站起来了")
    assert tags == [TAG_IDS[t] for t in "bebesbes"]
    windows = tagged_windows(SENTENCES, v, 5)
    total = sum(len("".join(words)) for words in SENTENCES)
    assert [len(w) for w, _ in windows] == [5] * (total // 5) + ([total % 5] if total % 5 else [])
    assert sum((w for w, _ in windows), []) == sum((i for i, _ in encode_tagged(SENTENCES, v)), [])
    with pytest.raises(ValueError, match="length"):
        tagged_windows(SENTENCES, v, 0)


# ---- the tagger ----


def batch():
    ids, lengths, tags = collate(encode_tagged(SENTENCES, vocab()))
    return ids, lengths, tags


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rnn_cls": None},
        {"rnn_cls": None, "window": 2, "num_layers": 2},
        {"rnn_cls": nn.RNN, "delay": 2},
        {"rnn_cls": nn.LSTM, "bidirectional": True, "num_layers": 2},
        {"rnn_cls": nn.GRU, "window": 1},
    ],
)
def test_tagger_shapes_and_loss(kwargs):
    set_seed(0)
    ids, lengths, tags = batch()
    model = SequenceTagger(len(vocab()), embedding_dim=8, hidden_size=6, **kwargs)
    assert model(ids, lengths).shape == (*ids.shape, len(TAGS))
    loss, count = tagging_loss(model, (ids, lengths, tags))
    assert count == int(lengths.sum()) and loss.dim() == 0
    loss.backward()


def test_packing_makes_each_sentence_independent_of_its_batch():
    """With lengths, a bidirectional tagger gives a sentence the same scores as alone."""
    set_seed(0)
    ids, lengths, _ = batch()
    model = SequenceTagger(len(vocab()), embedding_dim=8, hidden_size=6, bidirectional=True).eval()
    together = model(ids, lengths)
    for i, n in enumerate(lengths.tolist()):
        alone = model(ids[i : i + 1, :n])
        torch.testing.assert_close(together[i, :n], alone[0])
    # without lengths the backward direction of a short sentence starts on padding
    short = int(lengths.argmin())
    n = int(lengths[short])
    assert not torch.allclose(model(ids)[short, :n], model(ids[short : short + 1, :n])[0])


def test_delay_reads_d_more_characters():
    """With delay d the score of step t depends on characters up to t + d, not beyond."""
    set_seed(0)
    model = SequenceTagger(20, embedding_dim=8, hidden_size=6, rnn_cls=nn.RNN, delay=2).eval()
    ids = torch.randint(2, 20, (1, 8))
    changed = ids.clone()
    changed[0, 5] = 1  # change character 5
    diff = (model(ids) - model(changed)).abs().sum(-1)[0]
    assert (diff[:3] == 0).all() and (diff[3:] > 0).all()  # steps 3.. see character 5
    # in a batch, a delayed tagger with lengths gives the same scores as alone
    ids2, lengths, _ = batch()
    together = model(ids2.clamp(max=19), lengths)
    n = int(lengths[1])
    torch.testing.assert_close(together[1, :n], model(ids2[1:2, :n].clamp(max=19))[0])


def test_reverse_reads_each_sentence_backwards():
    """reverse=True: step t sees characters t .. T; a sentence gets the scores a forward
    tagger with the same weights gives to the reversed sentence, in its own batch or alone."""
    set_seed(0)
    model = SequenceTagger(20, embedding_dim=8, hidden_size=6, rnn_cls=nn.LSTM, reverse=True).eval()
    forward = SequenceTagger(20, embedding_dim=8, hidden_size=6, rnn_cls=nn.LSTM).eval()
    forward.load_state_dict(model.state_dict())
    ids = torch.randint(2, 20, (1, 8))
    torch.testing.assert_close(model(ids), forward(ids.flip(1)).flip(1))
    changed = ids.clone()
    changed[0, 5] = 1  # change character 5: only steps 0 .. 5 have read it
    diff = (model(ids) - model(changed)).abs().sum(-1)[0]
    assert (diff[:6] > 0).all() and (diff[6:] == 0).all()
    # in a padded batch with lengths, every sentence is reversed within its own length
    ids2, lengths, _ = batch()
    ids2 = ids2.clamp(max=19)
    together = model(ids2, lengths)
    for i, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(together[i, :n], forward(ids2[i : i + 1, :n].flip(1))[0].flip(0))
    # with a delay, the reversed tagger waits for d characters to the left
    delayed = SequenceTagger(20, embedding_dim=8, hidden_size=6, rnn_cls=nn.RNN, reverse=True, delay=2).eval()
    early = ids.clone()
    early[0, 2] = 1  # change character 2: steps 0 .. 4 have read it
    diff = (delayed(ids) - delayed(early)).abs().sum(-1)[0]
    assert (diff[:5] > 0).all() and (diff[5:] == 0).all()
    torch.testing.assert_close(delayed(ids2, lengths)[0, : lengths[0]], delayed(ids2[:1, : lengths[0]])[0])


def test_window_sees_neighbours_only():
    set_seed(0)
    model = SequenceTagger(20, embedding_dim=4, hidden_size=5, rnn_cls=None, window=1).eval()
    ids = torch.randint(2, 20, (1, 7))
    changed = ids.clone()
    changed[0, 3] = 1
    diff = (model(ids) - model(changed)).abs().sum(-1)[0]
    assert (diff[2:5] > 0).all() and (diff[:2] == 0).all() and (diff[5:] == 0).all()


def test_seqbook_layers_load_torch_weights_and_tag_the_same():
    set_seed(0)
    ids, lengths, _ = batch()
    for bidirectional in (False, True):
        theirs = SequenceTagger(
            len(vocab()), embedding_dim=8, hidden_size=6, bidirectional=bidirectional
        ).eval()
        ours = SequenceTagger(
            len(vocab()),
            embedding_dim=8,
            hidden_size=6,
            bidirectional=bidirectional,
            rnn_cls=seqbook.nn.LSTM,
        ).eval()
        ours.load_state_dict(theirs.state_dict())
        torch.testing.assert_close(ours(ids, lengths), theirs(ids, lengths))


def test_num_parameters_and_matched_hidden_size():
    model = SequenceTagger(100, rnn_cls=nn.RNN, embedding_dim=10, hidden_size=7)
    # RNN: 7 * (10 + 7) + 2 * 7, output: 7 * 4 + 4
    assert model.num_parameters() == 7 * 17 + 14 + 32
    assert model.num_parameters(embedding=True) == model.num_parameters() + 1000

    def build(h):
        return SequenceTagger(100, rnn_cls=nn.RNN, embedding_dim=10, hidden_size=h)

    h = matched_hidden_size(build, 2000, SequenceTagger.num_parameters)
    counts = {k: build(k).num_parameters() for k in (h - 1, h, h + 1)}
    assert min(counts, key=lambda k: abs(counts[k] - 2000)) == h


def test_tagger_errors_are_explained():
    with pytest.raises(ValueError, match="delay"):
        SequenceTagger(10, bidirectional=True, delay=1)
    with pytest.raises(ValueError, match="MLP"):
        SequenceTagger(10, rnn_cls=None, bidirectional=True)
    with pytest.raises(TypeError, match="传类本身"):
        SequenceTagger(10, rnn_cls=nn.LSTM(4, 4))
    with pytest.raises(ValueError, match="window"):
        SequenceTagger(10, window=-1)
    with pytest.raises(ValueError, match="bidirectional=False"):
        SequenceTagger(10, bidirectional=True, reverse=True)
    with pytest.raises(ValueError, match="MLP 没有读的方向"):
        SequenceTagger(10, rnn_cls=None, reverse=True)
    with pytest.raises(TypeError, match="reverse"):
        SequenceTagger(10, reverse=1)
    model = SequenceTagger(10)
    with pytest.raises(ValueError, match="二维"):
        model(torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="lengths"):
        model(torch.ones(2, 3, dtype=torch.long), torch.tensor([3, 4]))


def test_a_trained_tagger_segments_text():
    set_seed(0)
    v = vocab()
    model = SequenceTagger(len(v), embedding_dim=16, hidden_size=16, bidirectional=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    train = collate(encode_tagged(SENTENCES, v))
    for _ in range(60):
        loss, _ = tagging_loss(model, train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert segment(model, v, ["".join(words) for words in SENTENCES]) == SENTENCES
    assert segmentation_scores(model, v, SENTENCES) == (1.0, 1.0, 1.0)
    assert model.training  # prediction restores the mode
    tags = predict_tags(model, [v.encode(list("中国人"))])
    assert [TAGS[t] for t in tags[0]] == ["b", "e", "s"]
    with pytest.raises(TypeError, match="文本的列表"):
        segment(model, v, "中国人")


# ---- constrained Viterbi decoding ----


def brute_force_best(log_probs):
    """The best valid tag sequence by trying every one of the 4**T sequences."""
    import itertools

    from seqbook.tasks.segmentation import is_valid_tags

    best, best_score = None, float("-inf")
    for ids in itertools.product(range(len(TAGS)), repeat=log_probs.size(0)):
        if not is_valid_tags([TAGS[i] for i in ids]):
            continue
        score = sum(log_probs[t, i].item() for t, i in enumerate(ids))
        if score > best_score:
            best, best_score = list(ids), score
    return best


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 6])
def test_constrained_viterbi_matches_brute_force(steps):
    from seqbook.tasks.segmentation import constrained_viterbi, is_valid_tags

    generator = torch.Generator().manual_seed(steps)
    for _ in range(20):
        log_probs = torch.randn(steps, 4, generator=generator).mul(3).log_softmax(-1)
        path = constrained_viterbi(log_probs)
        assert path == brute_force_best(log_probs)
        assert is_valid_tags([TAGS[i] for i in path])


def test_constrained_viterbi_keeps_a_valid_argmax_and_fixes_an_invalid_one():
    from seqbook.tasks.segmentation import constrained_viterbi

    valid = torch.tensor([[0.0, -9, -9, -9], [-9, -9, 0.0, -9], [-9, -9, -9, 0.0]])  # b e s
    assert constrained_viterbi(valid) == [0, 2, 3]
    one = torch.tensor([[-9, -9, -9, 0.0]])
    assert constrained_viterbi(one) == [3]
    # argmax is b b (invalid): the best valid sequence
    invalid = torch.tensor([[0.0, -5, -5, -1], [0.0, -5, -1.5, -1]]).log_softmax(-1)
    assert constrained_viterbi(invalid) == brute_force_best(invalid)
    assert constrained_viterbi(invalid) == [0, 2]  # b e, not the greedy b b


def test_is_valid_tags():
    from seqbook.tasks.segmentation import is_valid_tags

    assert is_valid_tags(list("bmesbe"))
    assert is_valid_tags([])
    assert not is_valid_tags(list("bb"))
    assert not is_valid_tags(list("me"))  # starts inside a word
    assert not is_valid_tags(list("bm"))  # ends inside a word
    assert not is_valid_tags(list("sm"))
    with pytest.raises(ValueError, match="未知的标签"):
        is_valid_tags(["x"])


def test_constrained_viterbi_checks_its_argument():
    from seqbook.tasks.segmentation import constrained_viterbi

    with pytest.raises(TypeError, match="log_probs"):
        constrained_viterbi([[0.0] * 4])
    with pytest.raises(ValueError, match="log_probs"):
        constrained_viterbi(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="log_probs"):
        constrained_viterbi(torch.zeros(0, 4))
    with pytest.raises(ValueError, match="log_probs"):
        constrained_viterbi(torch.zeros(4))
    with pytest.raises(TypeError, match="log_probs"):
        constrained_viterbi(torch.zeros(3, 4, dtype=torch.long))
