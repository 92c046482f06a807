"""seqbook.tasks.translation (with the English tokenizers of seqbook.text and BLEU of seqbook.metrics): the Tatoeba split, batching, loss and translate."""

import pytest
import torch
from book import needs

from seqbook.decode import translate
from seqbook.losses import sequence_cross_entropy
from seqbook.metrics import bleu_by_length, sacrebleu_13a
from seqbook.nn import AttentionDecoder, Decoder, Encoder, Seq2Seq
from seqbook.tasks.translation import (
    TranslationData,
    build_vocab,
    encode_pairs,
    group_by_source,
    linked_groups,
    load_translation,
    normalize_chinese,
    normalize_english,
    prepare_translation,
    seq2seq_loader,
    seq2seq_loss,
    train_translation,
    translation_model,
)
from seqbook.text import (
    BOS,
    EOS,
    IGNORE_INDEX,
    PAD_ID,
    BucketSampler,
    english_detokenize,
    english_tokenize,
    seq2seq_collate,
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


def test_normalisation_ignores_script_case_and_punctuation():
    assert normalize_chinese("「你好！」 說。") == normalize_chinese("你好说") == "你好说"
    assert normalize_english("Don't go!") == normalize_english("don’t  go.") == "don't go"


def test_linked_groups_join_groups_through_shared_normalised_sentences():
    groups = [("你好。", ["Hi."]), ("您好！", ["hi"]), ("說吧。", ["Speak."]), ("说吧", ["Talk."]), ("跑", ["Run."])]
    clusters = sorted(sorted(chinese for chinese, _ in cluster) for cluster in linked_groups(groups))
    assert clusters == [["你好。", "您好！"], ["說吧。", "说吧"], ["跑"]]


@needs("tatoeba-cmn-eng")
@pytest.mark.parametrize(("val_size", "test_size", "seed"), [(500, 1000, 0), (1000, 2000, 0), (1000, 2000, 3)])
def test_load_translation_keeps_every_normalised_test_sentence_out_of_training(val_size, test_size, seed):
    data = load_translation(val_size=val_size, test_size=test_size, seed=seed)
    test_sources = [chinese for chinese, _ in data.test]
    assert len(test_sources) == len(set(test_sources)) == test_size and len(data.val) == val_size
    train_chinese = {normalize_chinese(chinese) for chinese, _ in data.train}
    train_english = {normalize_english(english) for _, english in data.train}
    for held_out in (data.val, data.test):
        assert not any(normalize_chinese(chinese) in train_chinese for chinese, _ in held_out)
        assert not any(normalize_english(ref) in train_english for _, refs in held_out for ref in refs)
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
    sampler = BucketSampler(lengths, 32, shuffle=True, seed=0, pool_batches=10)
    first = list(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    assert len(first) == len(sampler)
    assert sorted(i for b in first for i in b) == list(range(1000))
    assert first != second  # a new order every epoch
    assert first == list(BucketSampler(lengths, 32, shuffle=True, seed=0, pool_batches=10))  # reproducible
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in first) / len(first)
    assert spread < 3
    ordered = list(BucketSampler(lengths, 32, shuffle=False))
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


def test_seq2seq_loss_passes_label_smoothing_on():
    pairs = toy_pairs()
    src_vocab, tgt_vocab = build_vocab([s for s, _ in pairs]), build_vocab([t for _, t in pairs])
    torch.manual_seed(0)
    model = translation_model(len(src_vocab), len(tgt_vocab), embedding_dim=8, hidden_size=8, output_hidden=8)
    batch = next(iter(seq2seq_loader(encode_pairs(pairs, src_vocab, tgt_vocab), 3)))
    src, lengths, tgt_in, tgt_out = batch
    smoothed, count = seq2seq_loss(model, batch, label_smoothing=0.1)
    expected, _ = sequence_cross_entropy(model(src, lengths, tgt_in), tgt_out, label_smoothing=0.1)
    torch.testing.assert_close(smoothed, expected)
    assert count == 13 and smoothed > seq2seq_loss(model, batch)[0]  # smoothing adds the cost of confidence


def test_prepare_translation_tokenizes_and_builds_vocabularies_from_training_pairs_only():
    data = TranslationData(
        train=[("我爱你。", "I love you."), ("我爱他。", "I love him."), ("你好。", "Hello.")],
        val=[("他好。", ["He is well."])],
        test=[("谢谢你。", ["Thank you.", "Thanks."])],
    )
    prepared = prepare_translation(data, min_freq=2)
    assert prepared.train_pairs[0] == (["我", "爱", "你", "。"], ["I", "love", "you", "."])
    assert {"我", "爱", "你", "。"} <= set(prepared.src_vocab.tokens) and "谢" not in prepared.src_vocab
    assert "love" in prepared.tgt_vocab and "Hello" not in prepared.tgt_vocab  # seen once < min_freq
    assert BOS in prepared.tgt_vocab and EOS in prepared.tgt_vocab
    assert prepared.test_sources == [["谢", "谢", "你", "。"]]
    assert prepared.test_references == [["Thank you.", "Thanks."]]


@pytest.mark.parametrize("attention, decoder_cls", [(True, AttentionDecoder), (False, Decoder)])
def test_translation_model_builds_the_books_encoder_and_decoder(attention, decoder_cls):
    model = translation_model(30, 40, attention=attention, embedding_dim=6, hidden_size=5, output_hidden=7)
    assert type(model.decoder) is decoder_cls
    assert model.encoder.rnn.bidirectional and model.encoder.output_size == 10
    assert model.decoder.output.hidden.out_features == 7 and model.decoder.output.logits.out_features == 40
    src, lengths, tgt_in = torch.randint(1, 30, (2, 4)), torch.tensor([4, 2]), torch.randint(1, 40, (2, 3))
    assert model(src, lengths, tgt_in).shape == (2, 3, 40)


def copy_task(count=120, seed=0):
    """Pairs that copy three to five letters: a task a tiny model learns in a few epochs."""
    rng = torch.Generator().manual_seed(seed)
    letters = list("abcdef")
    pairs = []
    for _ in range(count):
        length = int(torch.randint(3, 6, (1,), generator=rng))
        word = [letters[int(i)] for i in torch.randint(0, 6, (length,), generator=rng)]
        pairs.append((word, [w.upper() for w in word]))
    return pairs


def test_train_translation_learns_and_repeats_exactly(monkeypatch):
    monkeypatch.setenv("SEQBOOK_DEVICE", "cpu")
    pairs = copy_task()
    src_vocab, tgt_vocab = build_vocab([s for s, _ in pairs]), build_vocab([t for _, t in pairs])
    encoded = encode_pairs(pairs, src_vocab, tgt_vocab)

    def run():
        torch.manual_seed(0)
        model = translation_model(len(src_vocab), len(tgt_vocab), embedding_dim=16, hidden_size=16, output_hidden=16)
        history = train_translation(model, encoded, epochs=20, batch_size=16, lr=1e-2, label_smoothing=0.0)
        return model, history["train_loss"]

    model, losses = run()
    assert losses == run()[1]  # the same seed gives the same training
    assert losses[-1] < losses[0] / 4, losses
    sources = [s for s, _ in pairs[:20]]
    outputs = translate(model, sources, src_vocab, tgt_vocab)
    # 16-20 of 20 over seeds 0-4 (after 12 epochs it was 6-17: too early to promise anything)
    assert sum(out == [w.upper() for w in src] for out, src in zip(outputs, sources, strict=True)) >= 15


def test_bleu_by_length_scores_each_group_on_its_own():
    hypotheses = ["I love you.", "Good.", "How are you today?", "He is here now, I think."]
    references = [["I love you."], ["Fine."], ["How are you?"], ["He is here, I think."]]
    groups = bleu_by_length(hypotheses, references, lengths=[3, 1, 6, 9], bounds=(2, 6))
    assert [(label, count) for label, count, _ in groups] == [("1-2", 1), ("3-6", 2), ("7+", 1)]
    assert groups[1][2] == sacrebleu_13a([hypotheses[0], hypotheses[2]], [references[0], references[2]])
    assert [label for label, _, _ in bleu_by_length(hypotheses, references, [3, 3, 3, 3], bounds=(2, 6))] == ["3-6"]
    with pytest.raises(ValueError, match="一样长"):
        bleu_by_length(hypotheses, references[:2], [3, 1, 6, 9], bounds=(2,))
    with pytest.raises(ValueError, match="递增"):
        bleu_by_length(hypotheses, references, [3, 1, 6, 9], bounds=(6, 2))
