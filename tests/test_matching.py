"""seqbook.text.matching: forward, backward and bidirectional maximum matching."""

import pytest

from seqbook.text import backward_max_match, bidirectional_max_match, forward_max_match

WORDS = {"结合", "合成", "成分", "分子", "研究", "研究生", "生命", "起源"}


def test_forward_takes_the_longest_word_from_the_left():
    assert forward_max_match("结合成分子", WORDS) == ["结合", "成分", "子"]
    assert forward_max_match("研究生命的起源", WORDS) == ["研究生", "命", "的", "起源"]


def test_backward_takes_the_longest_word_from_the_right():
    assert backward_max_match("结合成分子", WORDS) == ["结", "合成", "分子"]
    assert backward_max_match("研究生命的起源", WORDS) == ["研究", "生命", "的", "起源"]


def test_bidirectional_prefers_fewer_words_then_fewer_single_characters():
    # forward: 4 words with 2 single characters; backward: 4 words with 1
    assert bidirectional_max_match("研究生命的起源", WORDS) == ["研究", "生命", "的", "起源"]
    # forward has fewer words here
    words = {"研究生", "生命"}
    assert forward_max_match("研究生命", words) == ["研究生", "命"]
    assert backward_max_match("研究生命", words) == ["研", "究", "生命"]
    assert bidirectional_max_match("研究生命", words) == ["研究生", "命"]


def test_full_tie_goes_to_backward():
    # both give 3 words with one single character
    assert bidirectional_max_match("结合成分子", WORDS) == ["结", "合成", "分子"]


def test_unknown_characters_and_whitespace_become_single_words():
    assert forward_max_match("甲 分子乙", WORDS) == ["甲", " ", "分子", "乙"]
    assert backward_max_match("甲 分子乙", WORDS) == ["甲", " ", "分子", "乙"]
    assert forward_max_match("", WORDS) == []
    assert forward_max_match("分子", set()) == ["分", "子"]


def test_max_len_bounds_the_match():
    assert forward_max_match("研究生命", WORDS, max_len=2) == ["研究", "生命"]
    assert backward_max_match("研究生", WORDS, max_len=1) == ["研", "究", "生"]


@pytest.mark.parametrize("match", [forward_max_match, backward_max_match, bidirectional_max_match])
def test_segmentation_keeps_every_character(match):
    text = "研究结合成分子的起源和生命"
    assert "".join(match(text, WORDS)) == text


@pytest.mark.parametrize("match", [forward_max_match, backward_max_match, bidirectional_max_match])
def test_bad_arguments_are_explained(match):
    with pytest.raises(TypeError, match="字符串"):
        match(["结合"], WORDS)
    with pytest.raises(TypeError, match="词的集合"):
        match("结合", "结合 分子")
    with pytest.raises(ValueError, match="max_len"):
        match("结合", WORDS, max_len=0)
