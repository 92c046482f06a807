"""seqbook.text: tokenizers, Vocab, padding and collate."""

import json
import logging

import jieba
import jieba.posseg
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.data import DataLoader

from seqbook.text import (
    IGNORE_INDEX,
    Vocab,
    char_tokenize,
    collate,
    glued_name_entries,
    jieba_tokenizer,
    names_tokenizer,
    ngrams,
    pad,
    word_tokenize,
)


def test_char_tokenize_drops_whitespace():
    assert char_tokenize("我爱 北京\n") == ["我", "爱", "北", "京"]


@pytest.mark.parametrize("tokenize", [char_tokenize, word_tokenize])
def test_tokenizers_reject_empty_and_non_text(tokenize):
    with pytest.raises(ValueError, match="空字符串"):
        tokenize("")
    with pytest.raises(TypeError, match="list"):
        tokenize(["我", "爱"])


def test_word_tokenize_uses_jieba():
    assert word_tokenize("我爱北京天安门") == ["我", "爱", "北京", "天安门"]
    assert word_tokenize("我爱 北京") == ["我", "爱", "北京"]


def test_hmm_guesses_words_missing_from_the_dictionary():
    assert word_tokenize("习彦威说") == ["习彦威", "说"]
    assert word_tokenize("习彦威说", hmm=False) == ["习", "彦", "威", "说"]


def test_user_dictionary_as_words_leaves_jieba_global_state_alone():
    text = "习彦威说凿齿很好"
    assert word_tokenize(text, user_dict=["凿齿"]) == ["习彦威", "说", "凿齿", "很", "好"]
    assert word_tokenize(text) == ["习彦威", "说", "凿", "齿", "很", "好"]
    assert "凿齿" not in jieba.dt.FREQ


def test_user_dictionary_as_a_file(tmp_path):
    path = tmp_path / "三国.txt"
    path.write_text("凿齿 10 nr\n", encoding="utf-8")
    assert "凿齿" in word_tokenize("说凿齿很好", user_dict=path)
    with pytest.raises(ValueError, match="不存在"):
        word_tokenize("说凿齿很好", user_dict=tmp_path / "missing.txt")


def test_a_new_tokenizer_logs_nothing(capfd):
    jieba_tokenizer(["一个只在这个测试里用的词"])
    assert capfd.readouterr().err == ""
    assert logging.getLogger("jieba").getEffectiveLevel() >= logging.WARNING


def test_ngrams():
    assert ngrams(["我", "爱", "你"], 2) == [("我", "爱"), ("爱", "你")]
    assert ngrams("春眠", 1) == [("春",), ("眠",)]
    assert ngrams(["我"], 3) == []
    with pytest.raises(ValueError, match="n 应为正整数.*实际为 0"):
        ngrams(["我"], 0)


TOKENS = ["b", "a", "a", "c", "c", "d"]


def test_vocab_ids_are_deterministic():
    vocab = Vocab(TOKENS)
    assert vocab.tokens == ("<pad>", "<unk>", "a", "c", "b", "d")  # by count, then by string
    assert (vocab["<pad>"], vocab["<unk>"], vocab["a"], vocab["never seen"]) == (0, 1, 2, 1)
    assert len(vocab) == 6 and "a" in vocab and "z" not in vocab


def test_vocab_accepts_tokens_sentences_or_counts():
    sentences = [["b", "a"], ["a", "c"], ["c", "d"]]
    counts = {"a": 2, "b": 1, "c": 2, "d": 1}
    assert Vocab(TOKENS).tokens == Vocab(sentences).tokens == Vocab(counts).tokens
    assert Vocab(iter(TOKENS)).tokens == Vocab(TOKENS).tokens


def test_min_freq_and_reserved_tokens():
    vocab = Vocab(TOKENS, min_freq=2, reserved_tokens=["<bos>", "<eos>", "<pad>"])
    assert vocab.tokens == ("<pad>", "<unk>", "<bos>", "<eos>", "a", "c")
    assert vocab.token_freqs == [("a", 2), ("c", 2), ("b", 1), ("d", 1)]  # below min_freq too
    assert vocab["b"] == vocab.unk_id


def test_encode_and_decode():
    vocab = Vocab(TOKENS, reserved_tokens=["<bos>", "<eos>"])
    ids = vocab.encode(["<bos>", "a", "x", "<eos>", "<pad>"])
    assert ids == [2, 4, 1, 3, 0]
    assert vocab.decode(ids) == ["<bos>", "a", "<unk>", "<eos>", "<pad>"]
    assert vocab.decode(torch.tensor(ids), skip_special=True) == ["a", "<unk>"]


def test_decode_names_an_unknown_id():
    vocab = Vocab(TOKENS)
    with pytest.raises(ValueError, match="id 6 .*词表大小为 6"):
        vocab.decode([2, 6])
    with pytest.raises(ValueError, match="一维"):
        vocab.decode(torch.zeros(2, 2, dtype=torch.long))


def test_save_and_load_give_the_same_ids(tmp_path):
    vocab = Vocab(list("春眠不觉晓处处闻啼鸟") + ["春"], min_freq=1, reserved_tokens=["<bos>"])
    path = tmp_path / "vocab.json"
    vocab.save(path)
    assert "春" in path.read_text(encoding="utf-8")  # readable, not \u escapes
    loaded = Vocab.load(path)
    assert loaded.tokens == vocab.tokens and loaded.token_freqs == vocab.token_freqs
    assert loaded.reserved_tokens == ("<pad>", "<unk>", "<bos>")


@pytest.mark.parametrize("content", ["not json at all", json.dumps({"tokens": ["a"]}), "[1, 2]"])
def test_load_rejects_other_files(tmp_path, content):
    path = tmp_path / "other.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="不是用 Vocab.save 保存的"):
        Vocab.load(path)


def test_vocab_rejects_bad_input():
    with pytest.raises(ValueError, match="min_freq"):
        Vocab(TOKENS, min_freq=0)
    with pytest.raises(TypeError, match="char_tokenize"):
        Vocab("一整段文本")
    with pytest.raises(TypeError, match="int 3"):
        Vocab([["a", 3]])
    with pytest.raises(TypeError, match="int 1"):
        Vocab([1, 2])
    with pytest.raises(TypeError, match="char_tokenize"):
        Vocab(TOKENS).encode("abc")


def test_pad_and_truncate():
    sequences = [[1, 2, 3], [4], torch.tensor([5, 6])]
    assert pad(sequences).tolist() == [[1, 2, 3], [4, 0, 0], [5, 6, 0]]
    assert pad(sequences, max_len=2, pad_id=9).tolist() == [[1, 2], [4, 9], [5, 6]]
    assert pad(sequences, max_len=2, truncate="left").tolist() == [[2, 3], [4, 0], [5, 6]]
    assert pad(sequences).dtype == torch.long
    with pytest.raises(ValueError, match="'middle'"):
        pad(sequences, truncate="middle")
    with pytest.raises(ValueError, match="空"):
        pad([])


def test_collate_with_class_labels_in_a_dataloader():
    dataset = [([1, 2, 3], 1), ([4], 0), ([5, 6], 1)]
    ids, lengths, labels = next(iter(DataLoader(dataset, batch_size=3, collate_fn=collate)))
    assert ids.tolist() == [[1, 2, 3], [4, 0, 0], [5, 6, 0]]
    assert lengths.tolist() == [3, 1, 2] and labels.tolist() == [1, 0, 1]
    packed = pack_padded_sequence(
        ids.unsqueeze(-1).float(), lengths, batch_first=True, enforce_sorted=False
    )
    assert packed.data.shape == (6, 1)


def test_collate_pads_labels_per_token_with_the_ignore_index():
    ids, lengths, tags = collate([([1, 2, 3], [0, 1, 2]), ([4], [3])])
    assert tags.tolist() == [[0, 1, 2], [3, IGNORE_INDEX, IGNORE_INDEX]]
    loss = torch.nn.functional.cross_entropy(torch.zeros(2, 3, 4).transpose(1, 2), tags)
    assert loss.item() == pytest.approx(torch.log(torch.tensor(4.0)).item())


def test_collate_without_labels_and_with_max_len():
    ids, lengths = collate([[1, 2, 3], [4]], max_len=2)
    assert ids.tolist() == [[1, 2], [4, 0]] and lengths.tolist() == [2, 1]


def test_glued_name_entries_are_jieba_person_entries_of_a_name_plus_one_character():
    glued = glued_name_entries(["玄德", "孔明"])
    assert "玄德曰" in glued and "孔明笑" in glued
    assert all(len(word) == 3 and word[:2] in {"玄德", "孔明"} for word in glued)
    assert "玄德曰" not in glued_name_entries(["玄德", "孔明", "玄德曰"])  # a name itself stays


def test_names_tokenizer_deletes_glued_entries_and_tags_names():
    assert jieba_tokenizer().lcut("玄德曰") == ["玄德曰"]  # an entry of jieba's own dictionary
    assert names_tokenizer(["玄德", "孔明"]).lcut("玄德曰") == ["玄德", "曰"]
    assert names_tokenizer(["玄德"]) is not names_tokenizer(["玄德"])  # never shared
    assert jieba_tokenizer().lcut("玄德曰") == ["玄德曰"]  # the shared tokenizer is untouched
    tagger = jieba.posseg.POSTokenizer(names_tokenizer({"玄德": "nr", "荆州": "ns"}))
    assert [(p.word, p.flag) for p in tagger.lcut("玄德取荆州")][::2] == [("玄德", "nr"), ("荆州", "ns")]


@pytest.mark.parametrize("names, message", [("玄德", "列表"), (["玄德", " "], "非空字符串")])
def test_names_tokenizer_rejects_bad_names(names, message):
    with pytest.raises(TypeError, match=message):
        names_tokenizer(names)
