"""seqbook.text.subwords: BPE by hand, and BPE / unigram tokenizers trained with SentencePiece."""

import re

import pytest
import torch

from seqbook.text.subwords import (
    SubwordTokenizer,
    bpe_merge_step,
    merge_pair,
    pair_counts,
    train_subword_tokenizer,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
TEXTS = ["我爱北京天安门", "北京欢迎你", "我爱你中国", "中国人民爱北京", "人民日报", "哈哈哈哈"] * 3


@pytest.fixture(scope="module")
def bpe() -> SubwordTokenizer:
    return train_subword_tokenizer(TEXTS, 30)


# ---- BPE by hand ---------------------------------------------------------------------------


def test_pair_counts_counts_adjacent_pairs_within_sequences():
    counts = pair_counts([["人", "民", "日", "报"], ["人", "民"], ["哈", "哈", "哈"]])
    assert counts[("人", "民")] == 2 and counts[("民", "日")] == 1
    assert counts[("哈", "哈")] == 2  # overlapping pairs all count
    assert ("报", "人") not in counts  # never across two sequences


def test_merge_pair_merges_left_to_right():
    assert merge_pair([["哈", "哈", "哈"]], ("哈", "哈")) == [["哈哈", "哈"]]
    assert merge_pair([["人", "民", "人", "民"], ["民"]], ("人", "民")) == [["人民", "人民"], ["民"]]


def test_bpe_merge_step_takes_the_most_frequent_pair_ties_in_string_order():
    sequences = [list("人民日报"), list("人民"), list("日报")]
    merged, pair = bpe_merge_step(sequences)
    assert pair == ("人", "民")  # 人民 and 日报 both occur twice; 人民 sorts first
    assert merged == [["人民", "日", "报"], ["人民"], ["日", "报"]]
    merged, pair = bpe_merge_step(merged)
    assert pair == ("日", "报") and merged == [["人民", "日报"], ["人民"], ["日报"]]
    assert sequences == [list("人民日报"), list("人民"), list("日报")]  # the input is not changed


def test_bpe_merge_step_with_nothing_to_merge():
    assert bpe_merge_step([["人民"], []]) == ([["人民"], []], None)


@pytest.mark.parametrize("bad", ["人民", [["人", 1]], ["人民"], None])
def test_bpe_by_hand_rejects_what_is_not_lists_of_symbols(bad):
    with pytest.raises(TypeError, match="sequences"):
        pair_counts(bad)
    with pytest.raises(TypeError, match="sequences"):
        bpe_merge_step(bad)


def test_merge_pair_rejects_a_bad_pair():
    with pytest.raises(TypeError, match="pair"):
        merge_pair([["人", "民"]], "人民")


# ---- trained tokenizers --------------------------------------------------------------------


def test_ids_and_special_pieces_follow_vocab(bpe):
    assert bpe.pieces[:4] == ("<pad>", "<unk>", "<bos>", "<eos>")
    assert (bpe.pad_id, bpe.unk_id) == (0, 1)
    assert len(bpe) == 30 and len(set(bpe.pieces)) == 30
    assert "北京" in bpe and "上海" not in bpe
    assert repr(bpe) == "SubwordTokenizer(vocab_size=30, byte_fallback=False)"


def test_every_training_character_is_a_piece(bpe):
    assert set("".join(TEXTS)) <= set(bpe.pieces)


def test_frequent_pairs_become_pieces(bpe):
    assert {"北京", "我爱", "中国", "人民"} <= set(bpe.pieces)
    assert bpe.encode("我爱北京") == ["我爱", "北京"]


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
def test_encode_then_decode_gives_back_the_text(model_type):
    tokenizer = train_subword_tokenizer(TEXTS, 26, model_type)
    for text in ["我爱北京天安门", "人民日报欢迎你", "１９９８年", ""]:
        pieces = tokenizer.encode(text)
        ids = tokenizer.encode_ids(text)
        assert [tokenizer.pieces[i] for i in ids] == pieces
        if set(text) <= set("".join(TEXTS)):
            assert "".join(pieces) == text
            assert tokenizer.decode(pieces) == tokenizer.decode(ids) == text


def test_unknown_characters_become_one_unk(bpe):
    assert bpe.encode("我爱上海") == ["我爱", "<unk>"]  # 上海: two unseen characters, one <unk>
    assert bpe.encode_ids("我爱上海")[-1] == bpe.unk_id
    assert bpe.decode(bpe.encode("我爱上海")) == "我爱<unk>"
    assert bpe.decode([0, 2, bpe.encode_ids("北京")[0], 3]) == "北京"  # <pad> <bos> <eos> dropped
    assert bpe.decode(torch.tensor(bpe.encode_ids("我爱北京"))) == "我爱北京"


def test_byte_fallback_spells_unknown_characters_in_utf8():
    tokenizer = train_subword_tokenizer(TEXTS, 300, byte_fallback=True)
    assert tokenizer.byte_fallback
    pieces = tokenizer.encode("我爱上海")
    assert pieces[0] == "我爱" and pieces[1:] == [f"<0x{b:02X}>" for b in "上海".encode()]
    assert tokenizer.decode(pieces) == "我爱上海"
    assert tokenizer.unk_id not in tokenizer.encode_ids("我爱上海")


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
def test_training_is_deterministic(model_type):
    first = train_subword_tokenizer(TEXTS, 26, model_type)
    second = train_subword_tokenizer(list(TEXTS), 26, model_type)
    assert first.model == second.model and first.pieces == second.pieces


def test_save_and_load(bpe, tmp_path):
    path = tmp_path / "zh.model"
    bpe.save(path)
    loaded = SubwordTokenizer.load(path)
    assert loaded.pieces == bpe.pieces and loaded.encode("我爱北京") == bpe.encode("我爱北京")


def test_texts_may_be_a_generator_and_empty_lines_are_skipped():
    tokenizer = train_subword_tokenizer((t for t in ["", *TEXTS, "  "]), 30)
    assert tokenizer.pieces == train_subword_tokenizer(TEXTS, 30).pieces


# ---- bad input: Chinese errors that name the parameter -------------------------------------


def raises(error, parameter, call):
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    assert parameter in message and CJK.search(message), message
    return message


def test_training_rejects_bad_texts():
    raises(TypeError, "texts", lambda: train_subword_tokenizer("我爱北京", 30))
    raises(TypeError, "texts", lambda: train_subword_tokenizer([["我", "爱"]], 30))
    raises(TypeError, "texts", lambda: train_subword_tokenizer(None, 30))
    raises(ValueError, "texts", lambda: train_subword_tokenizer([], 30))
    raises(ValueError, "texts", lambda: train_subword_tokenizer(["", " \n"], 30))


def test_training_rejects_a_bad_vocab_size():
    message = raises(ValueError, "vocab_size", lambda: train_subword_tokenizer(TEXTS, 10))
    assert "至少为 21" in message  # 17 characters + 4 special pieces
    message = raises(ValueError, "vocab_size", lambda: train_subword_tokenizer(TEXTS, 100, byte_fallback=True))
    assert "至少为 277" in message  # and 256 bytes
    raises(ValueError, "vocab_size", lambda: train_subword_tokenizer(TEXTS, 0))
    raises(TypeError, "vocab_size", lambda: train_subword_tokenizer(TEXTS, 30.0))
    raises(TypeError, "vocab_size", lambda: train_subword_tokenizer(TEXTS, True))


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
def test_training_rejects_a_vocab_size_the_texts_cannot_fill(model_type):
    raises(ValueError, "vocab_size", lambda: train_subword_tokenizer(TEXTS, 500, model_type))


def test_training_rejects_bad_options():
    raises(ValueError, "model_type", lambda: train_subword_tokenizer(TEXTS, 30, "wordpiece"))
    raises(ValueError, "model_type", lambda: train_subword_tokenizer(TEXTS, 30, "BPE"))
    raises(TypeError, "byte_fallback", lambda: train_subword_tokenizer(TEXTS, 300, byte_fallback=1))


def test_encode_and_decode_reject_bad_input(bpe):
    raises(TypeError, "text", lambda: bpe.encode(["我", "爱"]))
    raises(TypeError, "text", lambda: bpe.encode_ids(None))
    raises(TypeError, "pieces_or_ids", lambda: bpe.decode("我爱"))
    raises(ValueError, "pieces_or_ids", lambda: bpe.decode(["不存在的词元"]))
    raises(ValueError, "pieces_or_ids", lambda: bpe.decode([len(bpe)]))
    raises(ValueError, "pieces_or_ids", lambda: bpe.decode([-1]))
    raises(TypeError, "pieces_or_ids", lambda: bpe.decode([1.5]))
    raises(TypeError, "pieces_or_ids", lambda: bpe.decode(torch.ones(2, 2, dtype=torch.long)))


def test_a_tokenizer_needs_a_model_of_its_own_kind(tmp_path):
    raises(TypeError, "model", lambda: SubwordTokenizer("zh.model"))
    raises(ValueError, "model", lambda: SubwordTokenizer(b"not a model"))
    raises(FileNotFoundError, "zh.model", lambda: SubwordTokenizer.load(tmp_path / "zh.model"))
