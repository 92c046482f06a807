"""seqbook.numerals: Chinese numeral pairs from cn2an, split by number."""

import random

import cn2an
import pytest

from seqbook.data.synthetic import (
    load_numerals,
    numeral_pairs,
    random_number,
    random_numbers,
    to_chinese,
)


def test_to_chinese_in_three_styles():
    assert to_chinese(1024) == "一千零二十四"
    assert to_chinese(1024, "up") == "壹仟零贰拾肆"
    assert to_chinese(1024, "direct") == "一零二四"
    assert to_chinese(10005) == "一万零五"
    assert to_chinese(100000) == "十万"
    with pytest.raises(ValueError, match="写法"):
        to_chinese(5, "rmb")
    with pytest.raises(ValueError, match="非负整数"):
        to_chinese(-3)


def test_every_style_reads_back_to_the_number():
    rng = random.Random(0)
    for _ in range(200):
        n = random_number(rng, max_digits=8)
        for style in ("low", "up"):
            assert cn2an.cn2an(to_chinese(n, style), "strict") == n
        assert int("".join(str("零一二三四五六七八九".index(c)) for c in to_chinese(n, "direct"))) == n


def test_random_numbers_are_distinct_reproducible_and_within_range():
    numbers = random_numbers(500, max_digits=5, seed=1)
    assert len(set(numbers)) == 500 and numbers == random_numbers(500, max_digits=5, seed=1)
    assert all(0 <= n < 10**5 for n in numbers)
    assert numbers != random_numbers(500, max_digits=5, seed=2)
    with pytest.raises(ValueError, match="count"):
        random_numbers(10**4, max_digits=4)
    with pytest.raises(ValueError, match="zero_prob"):
        random_numbers(5, zero_prob=1.0)


def test_zero_prob_controls_how_often_zeros_appear():
    rng = random.Random(0)
    digits = "".join(str(random_number(rng, 8, zero_prob=0.5))[1:] for _ in range(2000))
    assert 0.45 < digits.count("0") / len(digits) < 0.55


def test_pairs_in_both_directions():
    assert numeral_pairs([1024], ("low", "direct")) == [
        (list("一千零二十四"), list("1024")),
        (list("一零二四"), list("1024")),
    ]
    assert numeral_pairs([20], direction="to_chinese") == [(list("20"), list("二十"))]
    with pytest.raises(ValueError, match="direction"):
        numeral_pairs([1], direction="both")
    with pytest.raises(TypeError, match="styles"):
        numeral_pairs([1], styles="low")


def test_load_numerals_keeps_test_numbers_out_of_training():
    data = load_numerals((300, 50, 100), seed=3)
    train, val, test = set(data.train_numbers), set(data.val_numbers), set(data.test_numbers)
    assert (len(train), len(val), len(test)) == (300, 50, 100)
    assert not train & test and not train & val and not val & test
    assert len(data.train) == 3 * 300  # three styles per number
    train_targets = {"".join(t) for _, t in data.train}
    assert not train_targets & {str(n) for n in test}
    assert load_numerals((300, 50, 100), seed=3).test == data.test
    with pytest.raises(ValueError, match="sizes"):
        load_numerals((10, 0, 5))
