"""seqbook.translation: English tokens, the Tatoeba split, batching, loss and translate."""

import pytest
import torch

from seqbook.nn.seq2seq import AttentionDecoder, Encoder, Seq2Seq
from seqbook.text import IGNORE_INDEX, PAD_ID
from seqbook.translation import (
    BOS,
    EOS,
    LengthBatchSampler,
    build_vocab,
    encode_pairs,
    english_detokenize,
    english_tokenize,
    group_by_source,
    load_translation,
    seq2seq_collate,
    seq2seq_loader,
    seq2seq_loss,
    translate,
)


def test_english_tokens_split_punctuation_and_clitics():
    assert english_tokenize("Tom's here, isn't he?") == ["Tom", "'s", "here", ",", "isn", "'t", "he", "?"]
    assert english_tokenize("At 6:30 p.m. a 13-year-old left.") == [
        "At", "6:30", "p.m", ".", "a", "13-year-old", "left", ".",
    ]
    with pytest.raises(TypeError):
        english_tokenize(["Tom"])


@pytest.mark.parametrize(
    "text",
    [
        "Tom's here, isn't he?",
        'He said "Hi!" (twice) and paid $5.',
        "I was born on October 10th, 1972.",
        "Is it 100% true...?",
    ],
)
def test_detokenize_undoes_tokenize(text):
    assert english_detokenize(english_tokenize(text)) == text


def test_group_by_source_collects_translations_and_drops_exact_duplicates():
    pairs = [("Hi.", "你好。"), ("Hello.", "你好。"), ("Hi.", "你好。"), ("Run.", "跑。")]
    assert group_by_source(pairs) == [("你好。", ["Hi.", "Hello."]), ("跑。", ["Run."])]


def test_load_translation_splits_by_source_sentence():
    data = load_translation(val_size=500, test_size=1000, seed=0)
    train_sources = {chinese for chinese, _ in data.train}
    test_sources = [chinese for chinese, _ in data.test]
    assert len(test_sources) == len(set(test_sources)) == 1000 and len(data.val) == 500
    assert not train_sources & set(test_sources)
    assert not train_sources & {chinese for chinese, _ in data.val}
    total = len(data.train) + sum(len(refs) for _, refs in data.val + data.test)
    assert total == 29155 - 100  # every pair once, the 100 exact duplicates once
    assert any(len(refs) > 1 for _, refs in data.test)


def toy_pairs():
    return [(list("我爱你"), ["I", "love", "you", "."]), (list("好"), ["Good", "."]), (list("你好吗"), ["How", "are", "you", "?"])]


def test_collate_shifts_the_target_and_pads_each_side_with_its_own_id():
    pairs = toy_pairs()
    src_vocab, tgt_vocab = build_vocab([s for s, _ in pairs]), build_vocab([t for _, t in pairs])
    encoded = encode_pairs(pairs, src_vocab, tgt_vocab)
    assert encoded[1][1] == [tgt_vocab[BOS], tgt_vocab["Good"], tgt_vocab["."], tgt_vocab[EOS]]
    src, lengths, tgt_in, tgt_out = seq2seq_collate(encoded)
    assert src.shape == (3, 3) and lengths.tolist() == [3, 1, 3]
    assert src[1, 1:].tolist() == [PAD_ID, PAD_ID]
    assert tgt_in.shape == tgt_out.shape == (3, 5)
    assert tgt_in[1].tolist() == [tgt_vocab[BOS], tgt_vocab["Good"], tgt_vocab["."], PAD_ID, PAD_ID]
    assert tgt_out[1].tolist() == [tgt_vocab["Good"], tgt_vocab["."], tgt_vocab[EOS], IGNORE_INDEX, IGNORE_INDEX]
    with pytest.raises(ValueError, match="空"):
        encode_pairs([([], ["a"])], src_vocab, tgt_vocab)


def test_length_batches_cover_every_example_once_and_group_similar_lengths():
    lengths = [i % 17 + 1 for i in range(1000)]
    sampler = LengthBatchSampler(lengths, 32, shuffle=True, seed=0, pool=10)
    first, second = list(sampler), list(sampler)
    assert len(first) == len(sampler)
    assert sorted(i for b in first for i in b) == list(range(1000))
    assert first != second  # a new order every epoch
    assert first == list(LengthBatchSampler(lengths, 32, shuffle=True, seed=0, pool=10))  # reproducible
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in first) / len(first)
    assert spread < 3
    ordered = list(LengthBatchSampler(lengths, 32, shuffle=False))
    assert len(ordered) == 32 and [lengths[i] for b in ordered for i in b] == sorted(lengths)


def test_loss_and_translate_on_a_tiny_model():
    pairs = toy_pairs()
    src_vocab, tgt_vocab = build_vocab([s for s, _ in pairs]), build_vocab([t for _, t in pairs])
    torch.manual_seed(0)
    encoder = Encoder(len(src_vocab), 8, 8)
    model = Seq2Seq(encoder, AttentionDecoder(len(tgt_vocab), 8, 16, encoder.output_size))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    batch = next(iter(seq2seq_loader(encode_pairs(pairs, src_vocab, tgt_vocab), 3)))
    for _ in range(60):
        loss, count = seq2seq_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert count == 13 and loss.item() < 0.05
    sources = [s for s, _ in pairs]
    assert translate(model, sources, src_vocab, tgt_vocab, batch_size=2) == [t for _, t in pairs]
    assert translate(model, sources, src_vocab, tgt_vocab, beam_size=3) == [t for _, t in pairs]
    outputs, weights = translate(model, sources[:1], src_vocab, tgt_vocab, return_attention=True)
    assert weights[0].shape == (5, 3)  # I love you . <eos>  x  我 爱 你
    with pytest.raises(TypeError, match="列表"):
        translate(model, ["我爱你"], src_vocab, tgt_vocab)
