import pytest
import torch
from torch import nn

import seqbook.nn
from seqbook.nn import final_state
from seqbook.tasks.classification import (
    SequenceClassifier,
    classification_loss,
    predict,
    tune_bag_of_words,
)
from seqbook.text import PAD_ID, BucketSampler, make_loader


def padded_batch():
    """Three sequences of lengths 5, 2 and 3, padded to 5."""
    torch.manual_seed(0)
    lengths = torch.tensor([5, 2, 3])
    ids = torch.randint(2, 20, (3, 5))
    for row, n in enumerate(lengths.tolist()):
        ids[row, n:] = PAD_ID
    return ids, lengths


def test_final_state_takes_the_last_layer_and_both_directions():
    h_n = torch.arange(4 * 2 * 3, dtype=torch.float).reshape(4, 2, 3)  # 2 layers x 2 directions
    out = final_state(h_n, 2)
    assert out.shape == (2, 6)
    assert torch.equal(out, torch.cat([h_n[2], h_n[3]], dim=-1))
    assert torch.equal(final_state(h_n, 1), h_n[3])


def test_final_state_rejects_bad_shapes():
    with pytest.raises(ValueError, match="num_directions"):
        final_state(torch.zeros(2, 1, 3), 3)
    with pytest.raises(ValueError, match="形状"):
        final_state(torch.zeros(3, 1, 3), 2)


@pytest.mark.parametrize("rnn", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_classifier_reads_each_sequence_up_to_its_own_end(rnn, bidirectional):
    """The logits of a padded sequence equal those of the same sequence alone, unpadded."""
    torch.manual_seed(0)
    model = SequenceClassifier(20, 3, rnn_cls=rnn, embedding_dim=6, hidden_size=4,
                               bidirectional=bidirectional, num_layers=2).eval()
    ids, lengths = padded_batch()
    batch_logits = model(ids, lengths)
    assert batch_logits.shape == (3, 3)
    for row, n in enumerate(lengths.tolist()):
        alone = model(ids[row : row + 1, :n], torch.tensor([n]))
        torch.testing.assert_close(batch_logits[row : row + 1], alone)


def test_classifier_without_lengths_reads_the_whole_width():
    torch.manual_seed(0)
    model = SequenceClassifier(20, 2, embedding_dim=6, hidden_size=4).eval()
    ids = torch.randint(2, 20, (4, 7))
    torch.testing.assert_close(model(ids), model(ids, torch.full((4,), 7)))


def test_padding_changes_the_naive_last_output_but_not_the_classifier():
    torch.manual_seed(0)
    model = SequenceClassifier(20, 2, embedding_dim=6, hidden_size=4).eval()
    ids, lengths = padded_batch()
    more_padding = torch.cat([ids, torch.full((3, 4), PAD_ID)], dim=1)
    torch.testing.assert_close(model(ids, lengths), model(more_padding, lengths))
    # reading past the end (no lengths) sees the padding and gives other logits
    assert not torch.allclose(model(ids[1:2]), model(ids[1:2, :2]))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_from_scratch_lstm_loads_the_weights_and_agrees(bidirectional):
    torch.manual_seed(0)
    fast = SequenceClassifier(20, 2, embedding_dim=6, hidden_size=4, bidirectional=bidirectional).eval()
    ours = SequenceClassifier(20, 2, rnn_cls=seqbook.nn.LSTM, embedding_dim=6, hidden_size=4,
                              bidirectional=bidirectional).eval()
    ours.load_state_dict(fast.state_dict())
    ids, lengths = padded_batch()
    torch.testing.assert_close(ours(ids, lengths), fast(ids, lengths), rtol=1e-5, atol=1e-6)


def test_rnn_kwargs_reach_the_layer():
    model = SequenceClassifier(10, 2, rnn_cls=seqbook.nn.GRU, rnn_kwargs={"reset_after": False})
    assert model.rnn.reset_after is False


def test_parameter_count_of_the_classifier():
    model = SequenceClassifier(100, 2, embedding_dim=8, hidden_size=5, bidirectional=True)
    lstm = 2 * (4 * 5 * (8 + 5) + 2 * 4 * 5)
    assert sum(p.numel() for p in model.parameters()) == 100 * 8 + lstm + (2 * 5 * 2 + 2)


def test_classifier_rejects_bad_arguments():
    with pytest.raises(TypeError, match="传类本身"):
        SequenceClassifier(10, 2, rnn_cls=nn.LSTM(3, 4))
    with pytest.raises(ValueError, match="vocab_size"):
        SequenceClassifier(0, 2)
    model = SequenceClassifier(10, 2, embedding_dim=4, hidden_size=3)
    with pytest.raises(ValueError, match="lengths"):
        model(torch.ones(2, 3, dtype=torch.long), torch.tensor([3, 0]))
    with pytest.raises(ValueError, match="二维"):
        model(torch.ones(3, dtype=torch.long))


def test_bucket_sampler_covers_every_index_once_with_similar_lengths():
    lengths = [(i * 37) % 101 + 1 for i in range(1000)]
    sampler = BucketSampler(lengths, 16, pool_batches=10, seed=0)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 63
    flat = sorted(i for batch in batches for i in batch)
    assert flat == list(range(1000))
    # inside a batch the lengths are close: far closer than in a random batch
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 20


def test_bucket_sampler_is_repeatable_and_changes_between_epochs():
    lengths = list(range(1, 201))
    first, second = list(BucketSampler(lengths, 8, seed=1)), list(BucketSampler(lengths, 8, seed=1))
    assert first == second
    sampler = BucketSampler(lengths, 8, seed=1)
    assert list(sampler) == first  # iterating (e.g. peeking at a batch) changes nothing
    sampler.set_epoch(1)
    assert list(sampler) != first
    sampler.set_epoch(0)
    assert list(sampler) == first


@pytest.mark.parametrize("n, batch_size, pool_batches", [(1, 4, 2), (7, 4, 1), (8, 4, 2), (9, 4, 2), (33, 5, 3)])
def test_bucket_sampler_length(n, batch_size, pool_batches):
    sampler = BucketSampler([1] * n, batch_size, pool_batches=pool_batches)
    assert len(list(sampler)) == len(sampler)


def test_bucket_sampler_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        BucketSampler([1, 2], 0)
    with pytest.raises(ValueError, match="为空"):
        BucketSampler([], 4)


def test_make_loader_batches_and_predict_keeps_the_order():
    torch.manual_seed(0)
    examples = [([2 + i % 5] * (1 + i % 4), i % 2) for i in range(10)]
    loader = make_loader(examples, batch_size=4)
    ids, lengths, labels = next(iter(loader))
    assert ids.shape == (4, 4) and lengths.tolist() == [1, 2, 3, 4] and labels.tolist() == [0, 1, 0, 1]
    model = SequenceClassifier(10, 2, embedding_dim=4, hidden_size=3)
    preds, golds = predict(model, loader)
    assert golds.tolist() == [label for _, label in examples]
    assert preds.shape == (10,) and model.training  # predict restores training mode
    loss = classification_loss(model, next(iter(make_loader(examples, 4, bucket=True))))
    assert loss.dim() == 0 and loss.item() > 0


def test_make_loader_rejects_empty_sequences():
    with pytest.raises(ValueError, match="为空"):
        make_loader([([1, 2], 0), ([], 1)])


def test_bag_of_words_picks_C_on_dev_and_separates_simple_texts():
    train = [("很好很满意", 1), ("非常好", 1), ("满意，干净", 1), ("很差很失望", 0), ("非常差", 0), ("失望，脏", 0)] * 3
    dev = [("好，满意", 1), ("差，失望", 0)]
    model, scores = tune_bag_of_words(train, dev, Cs=(0.1, 10))
    assert set(scores) == {0.1, 10}
    assert scores[10] == 1.0
    assert model.predict(["非常满意", "很失望"]).tolist() == [1, 0]
    with pytest.raises(ValueError, match="Cs"):
        tune_bag_of_words(train, dev, Cs=())


def test_bag_of_words_reads_token_lists_as_word_ngrams():
    train = [(["很", "满意"], 1), (["非常", "满意"], 1), (["很", "失望"], 0), (["非常", "失望"], 0)] * 3
    dev = [(["满意"], 1), (["失望"], 0)]
    model, scores = tune_bag_of_words(train, dev, Cs=(10,), ngram_range=(1, 2))
    assert scores == {10: 1.0}
    vocabulary = model[0].vocabulary_
    assert "很 满意" in vocabulary and "满意" in vocabulary and "很" in vocabulary
    assert model.predict([["非常", "满意"]]).tolist() == [1]
    with pytest.raises(TypeError, match="词的列表"):
        model.predict(["非常满意"])
    with pytest.raises(ValueError, match="ngram_range"):
        tune_bag_of_words(train, dev, ngram_range=(0, 2))


@pytest.mark.parametrize("n, max_len, expected", [
    (5, 10, [0, 1, 2, 3, 4]),
    (10, 4, [0, 1, 8, 9]),
    (10, 5, [0, 1, 7, 8, 9]),
    (6, 6, [0, 1, 2, 3, 4, 5]),
])
def test_head_and_tail(n, max_len, expected):
    from seqbook.tasks.classification import head_and_tail

    assert head_and_tail(range(n), max_len) == expected
    with pytest.raises(ValueError, match="max_len"):
        head_and_tail([1, 2, 3], 1)


def test_train_classifier_learns_and_keeps_the_best_epoch():
    from seqbook.tasks.classification import train_classifier

    torch.manual_seed(0)
    # label 1 iff token 3 occurs; sequences of 2..8 tokens from ids 2..5
    examples = []
    for i in range(256):
        ids = torch.randint(2, 6, (2 + i % 7,)).tolist()
        ids = [t if t != 3 else 4 for t in ids]
        if i % 2:
            ids[i % len(ids)] = 3
        examples.append((ids, i % 2))
    model = SequenceClassifier(6, 2, embedding_dim=8, hidden_size=16, dropout=0.0)
    history = train_classifier(model, examples[:192], examples[192:], epochs=6, lr=1e-2, batch_size=16,
                               device="cpu", progress=False)
    assert len(history) == 6 and history.best_epoch == max(history.epochs, key=lambda e: history["dev_acc"][e - 1])
    assert max(history["dev_acc"]) > 0.9
    preds, golds = predict(model, make_loader(examples[192:], 64))
    assert (preds == golds).float().mean().item() == max(history["dev_acc"])  # best weights restored


def test_encode_splits_builds_the_vocab_from_train_and_truncates():
    from seqbook.tasks.classification import encode_splits
    from seqbook.text import UNK_ID, char_tokenize

    splits = {"train": [("好好好", 1), ("差差", 0), ("好差", 1)], "test": [("好坏好", 1), ("差差", 0)]}
    data = encode_splits(splits, char_tokenize, max_len=2, min_freq=2)
    assert data.vocab.tokens[2:] == ("好", "差")  # "坏" is not in train
    assert data.tokens["test"][0] == ["好", "坏", "好"]
    ids = data.examples["test"][0][0]
    assert len(ids) == 2 and ids == [data.vocab["好"], data.vocab["好"]]  # head_and_tail(…, 2)
    assert data.vocab["坏"] == UNK_ID
    assert data.labels["train"].tolist() == [1, 0, 1] and data.examples["train"][1][1] == 0
    assert data.unseen("test").tolist() == [True, False]
    with pytest.raises(KeyError, match="dev"):
        data.unseen("dev")
    with pytest.raises(ValueError, match="train"):
        encode_splits({"test": splits["test"]}, char_tokenize)
