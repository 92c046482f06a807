"""seqbook.nn and seqbook.losses: encoder, decoders, masks, the masked loss."""

import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seqbook.nn
from seqbook.losses import sequence_cross_entropy
from seqbook.nn import AttentionDecoder, Decoder, Encoder, Seq2Seq
from seqbook.text import IGNORE_INDEX, PAD_ID, pad

SRC_VOCAB, TGT_VOCAB = 11, 9


def make_model(attention=True, rnn_cls=nn.GRU, seed=0):
    torch.manual_seed(seed)
    encoder = Encoder(SRC_VOCAB, 6, 5, rnn_cls=rnn_cls)
    if attention:
        decoder = AttentionDecoder(TGT_VOCAB, 4, 7, encoder.output_size, attention_size=3, rnn_cls=rnn_cls)
    else:
        decoder = Decoder(TGT_VOCAB, 4, 7, encoder.output_size, rnn_cls=rnn_cls)
    return Seq2Seq(encoder, decoder).eval()


def batch(seed=0):
    """Three source sentences of different lengths, padded, and teacher-forcing inputs."""
    g = torch.Generator().manual_seed(seed)
    sources = [torch.randint(2, SRC_VOCAB, (n,), generator=g).tolist() for n in (4, 7, 2)]
    tgt_in = torch.randint(2, TGT_VOCAB, (3, 5), generator=g)
    return sources, pad(sources), torch.tensor([4, 7, 2]), tgt_in


def test_encoder_output_of_a_padded_batch_equals_each_sentence_alone():
    model = make_model()
    sources, src, lengths, _ = batch()
    memory = model.encoder(src, lengths)
    assert memory.outputs.shape == (3, 7, 10) and memory.summary.shape == (3, 10)
    assert memory.mask.tolist()[2] == [True, True] + [False] * 5
    for i, ids in enumerate(sources):
        alone = model.encoder(torch.tensor([ids]), torch.tensor([len(ids)]))
        torch.testing.assert_close(memory.outputs[i, : len(ids)], alone.outputs[0])
        torch.testing.assert_close(memory.summary[i], alone.summary[0])
        assert torch.equal(memory.outputs[i, len(ids) :], torch.zeros(7 - len(ids), 10))
    # the summary holds the forward state at the last real token and the backward one at the first
    torch.testing.assert_close(memory.summary[0, :5], memory.outputs[0, 3, :5])
    torch.testing.assert_close(memory.summary[0, 5:], memory.outputs[0, 0, 5:])


@pytest.mark.parametrize("attention", [True, False])
def test_decoder_logits_of_a_padded_batch_equal_each_sentence_alone(attention):
    model = make_model(attention)
    sources, src, lengths, tgt_in = batch()
    logits = model(src, lengths, tgt_in)
    assert logits.shape == (3, 5, TGT_VOCAB)
    for i, ids in enumerate(sources):
        alone = model(torch.tensor([ids]), torch.tensor([len(ids)]), tgt_in[i : i + 1])
        torch.testing.assert_close(logits[i], alone[0])


def stepping_equals_teacher_forcing(model, src, lengths, tgt_in):
    """Decode one token at a time with ``step`` and compare with the teacher-forced pass."""
    logits, weights = model(src, lengths, tgt_in, return_attention=True)
    memory = model.encode(src, lengths)
    state = model.initial_state(memory)
    for t in range(tgt_in.size(1)):
        step_logits, state, w = model.step(tgt_in[:, t], state, memory)
        torch.testing.assert_close(step_logits, logits[:, t])
        if weights is not None:
            torch.testing.assert_close(w, weights[:, t])
    return logits, weights


@pytest.mark.parametrize("attention", [True, False])
def test_teacher_forcing_equals_stepping_one_token_at_a_time(attention):
    _, src, lengths, tgt_in = batch(1)
    _, weights = stepping_equals_teacher_forcing(make_model(attention), src, lengths, tgt_in)
    if attention:
        assert weights.shape == (3, 5, 7)
        assert torch.equal(weights[2, :, 2:], torch.zeros(5, 5))  # nothing on padding
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, 5))
    else:
        assert weights is None


def test_lstm_encoder_and_decoders_keep_h_and_c():
    _, src, lengths, tgt_in = batch()
    for attention, kwargs in ((True, {}), (False, {})):
        model = make_model(attention, rnn_cls=nn.LSTM, **kwargs)
        memory = model.encode(src, lengths)
        state = model.initial_state(memory)
        assert isinstance(state, tuple) and state[0].shape == (3, 7)
        logits, state, _ = model.step(tgt_in[:, 0], state, memory)
        torch.testing.assert_close(logits, model(src, lengths, tgt_in[:, :1])[:, 0])


def test_from_scratch_layers_load_the_weights_and_give_the_same_output():
    torch_model = make_model()
    scratch = make_model(rnn_cls=seqbook.nn.GRU, seed=5)
    scratch.load_state_dict(torch_model.state_dict())
    _, src, lengths, tgt_in = batch()
    torch.testing.assert_close(scratch(src, lengths, tgt_in), torch_model(src, lengths, tgt_in))


def test_decoder_explains_a_context_size_that_does_not_match_the_encoder():
    encoder = Encoder(SRC_VOCAB, 6, 5)
    decoder = AttentionDecoder(TGT_VOCAB, 4, 7, context_size=5)
    _, src, lengths, tgt_in = batch()
    with pytest.raises(ValueError, match="output_size"):
        Seq2Seq(encoder, decoder)(src, lengths, tgt_in)


def test_encoder_refuses_empty_sources_and_bad_shapes():
    encoder = Encoder(SRC_VOCAB, 6, 5)
    with pytest.raises(ValueError, match="至少为 1"):
        encoder(torch.tensor([[3, 4], [PAD_ID, PAD_ID]]), torch.tensor([2, 0]))
    with pytest.raises(ValueError, match="unsqueeze"):
        encoder(torch.tensor([3, 4]), torch.tensor([2]))


def test_sequence_cross_entropy_is_the_mean_over_real_tokens():
    torch.manual_seed(0)
    logits = torch.randn(3, 4, 6)
    targets = torch.tensor([[1, 2, 3, 4], [5, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX], [0, 1, IGNORE_INDEX, IGNORE_INDEX]])
    loss, count = sequence_cross_entropy(logits, targets)
    per_token = [
        -torch.log_softmax(logits[i, t], -1)[targets[i, t]]
        for i in range(3)
        for t in range(4)
        if targets[i, t] != IGNORE_INDEX
    ]
    assert count == len(per_token) == 7
    torch.testing.assert_close(loss, torch.stack(per_token).mean())
    # the mean of per-sentence means weighs the one-token sentence like the four-token one
    sentence_means = [
        F.cross_entropy(logits[i], targets[i], ignore_index=IGNORE_INDEX) for i in range(3)
    ]
    assert not torch.isclose(torch.stack(sentence_means).mean(), loss)
    # label smoothing is passed through
    smoothed, _ = sequence_cross_entropy(logits, targets, label_smoothing=0.1)
    expected = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), label_smoothing=0.1)
    torch.testing.assert_close(smoothed, expected)


def test_sequence_cross_entropy_explains_bad_input():
    with pytest.raises(ValueError, match="错开"):
        sequence_cross_entropy(torch.randn(2, 3, 5), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="没有真实"):
        sequence_cross_entropy(torch.randn(1, 2, 5), torch.full((1, 2), IGNORE_INDEX))


# ---- Luong's score functions in the attention decoder --------------------------------------


def luong_model(score, seed=0):
    """Encoder output 10 = decoder hidden 10, so that every score, dot included, applies."""
    torch.manual_seed(seed)
    encoder = Encoder(SRC_VOCAB, 6, 5)
    return Seq2Seq(encoder, AttentionDecoder(TGT_VOCAB, 4, 10, encoder.output_size, score=score)).eval()


@pytest.mark.parametrize("score", ["dot", "general", "concat"])
def test_luong_scores_decode_step_by_step_as_with_teacher_forcing(score):
    model = luong_model(score)
    assert isinstance(model.decoder.attention, seqbook.nn.LuongAttention)
    sources, src, lengths, tgt_in = batch(2)
    logits, weights = stepping_equals_teacher_forcing(model, src, lengths, tgt_in)
    assert torch.equal(weights[2, :, 2:], torch.zeros(5, 5))
    for i, ids in enumerate(sources):  # padding changes nothing
        alone = model(torch.tensor([ids]), torch.tensor([len(ids)]), tgt_in[i : i + 1])
        torch.testing.assert_close(logits[i], alone[0])


def test_the_default_score_is_the_additive_one_with_the_same_parameters_and_random_stream():
    torch.manual_seed(3)
    default = AttentionDecoder(TGT_VOCAB, 4, 7, 10)
    torch.manual_seed(3)
    additive = AttentionDecoder(TGT_VOCAB, 4, 7, 10, score="additive")
    assert isinstance(default.attention, seqbook.nn.AdditiveAttention)
    assert default.state_dict().keys() == additive.state_dict().keys()
    for name, tensor in default.state_dict().items():
        assert torch.equal(tensor, additive.state_dict()[name]), name
    assert "attention.key_proj.bias" in default.state_dict()
    sizes = {score: sum(p.numel() for p in luong_model(score).decoder.attention.parameters())
             for score in ("dot", "general", "concat")}
    assert sizes == {"dot": 0, "general": 100, "concat": 10 * 10 + 10 * 10 + 10}


BAD_ARGUMENTS = [
    (lambda: AttentionDecoder(TGT_VOCAB, 4, 7, 10, score="luong"), "score"),
    (lambda: AttentionDecoder(TGT_VOCAB, 4, 7, 10, score="dot"), "hidden_size"),
    (lambda: AttentionDecoder(TGT_VOCAB, 4, 10, 10, score="general", attention_size=3), "attention_size"),
    (lambda: seqbook.nn.LuongAttention(4, 4, score=None), "score"),
    (lambda: seqbook.nn.LuongAttention(4, 6, score="dot"), "key_size"),
    (lambda: seqbook.nn.LuongAttention(4, 4, score="dot", hidden_size=2), "hidden_size"),
    (lambda: seqbook.nn.LuongAttention(4, 4, score="concat", hidden_size=True), "hidden_size"),
    (lambda: seqbook.nn.LuongAttention(0, 4), "query_size"),
    (lambda: seqbook.nn.LuongAttention(4, "4"), "key_size"),
]


@pytest.mark.parametrize(("call", "parameter"), BAD_ARGUMENTS)
def test_luong_arguments_are_explained_in_chinese(call, parameter):
    with pytest.raises((TypeError, ValueError)) as error:
        call()
    message = str(error.value)
    assert parameter in message, message
    assert re.search(r"[\u4e00-\u9fff]", message), message
