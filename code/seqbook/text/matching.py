"""Dictionary-based segmentation by maximum matching: forward, backward and bidirectional.

Maximum matching needs nothing but a word list: at each position it takes the longest
dictionary word that starts (forward) or ends (backward) there, and falls back to a single
character when no word fits. It is the classic baseline that statistical segmenters beat.
"""

from collections.abc import Collection

from seqbook.checks import check_positive_int, check_string


def forward_max_match(text: str, words: Collection[str], max_len: int | None = None) -> list[str]:
    """Cut ``text`` from left to right, always taking the longest word of ``words``.

    ``max_len`` bounds the length of a match; ``None`` uses the longest word in ``words``
    (pass it explicitly when segmenting many sentences with a large dictionary, to avoid
    scanning the dictionary on every call). Characters not covered by any word become
    single-character words; whitespace is kept as ordinary characters.
    """
    max_len = _check(text, words, max_len)
    result, start = [], 0
    while start < len(text):
        for end in range(min(start + max_len, len(text)), start, -1):
            if end - start == 1 or text[start:end] in words:
                break
        result.append(text[start:end])
        start = end
    return result


def backward_max_match(text: str, words: Collection[str], max_len: int | None = None) -> list[str]:
    """Cut ``text`` from right to left, always taking the longest word of ``words`` that ends
    at the current position; otherwise like :func:`forward_max_match`."""
    max_len = _check(text, words, max_len)
    result, end = [], len(text)
    while end > 0:
        for start in range(max(end - max_len, 0), end):
            if end - start == 1 or text[start:end] in words:
                break
        result.append(text[start:end])
        end = start
    return result[::-1]


def bidirectional_max_match(
    text: str, words: Collection[str], max_len: int | None = None
) -> list[str]:
    """Run both directions and keep the better-looking result: fewer words first, then fewer
    single-character words; on a full tie the backward result (the usual convention)."""
    max_len = _check(text, words, max_len)
    forward = forward_max_match(text, words, max_len)
    backward = backward_max_match(text, words, max_len)

    def badness(segmentation: list[str]) -> tuple[int, int]:
        return len(segmentation), sum(len(word) == 1 for word in segmentation)

    return forward if badness(forward) < badness(backward) else backward


def _check(text: str, words: Collection[str], max_len: int | None) -> int:
    """Validate the arguments; return the maximum match length to use."""
    check_string("text", text, allow_empty=True)
    if isinstance(words, str) or not isinstance(words, Collection):
        raise TypeError(
            f"words 应是词的集合，例如 {{'结合', '分子'}}，收到的是 {type(words).__name__}；"
            "用 set(词表) 得到最快的查找。"
        )
    if max_len is None:
        return max((len(word) for word in words), default=1)
    check_positive_int("max_len", max_len, "例如 max_len=4；None 表示用词表中最长的词的长度。")
    return max_len
