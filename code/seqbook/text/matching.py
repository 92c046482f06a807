"""基于词典的最大匹配分词：正向、逆向与双向。

最大匹配只需要一份词表：在每个位置取从这里开始（正向）或在这里结束（逆向）的最长的词，
没有词可取时退回单个字。它是统计分词方法要超过的经典基线。
"""

from collections.abc import Collection

from seqbook.checks import check_positive_int, check_string


def forward_max_match(text: str, words: Collection[str], max_len: int | None = None) -> list[str]:
    """正向最大匹配：从左往右切分 ``text``，每次取 ``words`` 中最长的词。

    ``max_len`` 是一次匹配的最大长度；``None`` 表示用词表中最长的词的长度（词表很大、句子很多时
    请显式传入，免得每次调用都扫一遍词表）。没有词覆盖的字单独成词；空白按普通字符处理。
    """
    max_len = _check(text, words, max_len)
    result, start = [], 0
    while start < len(text):
        for end in range(min(start + max_len, len(text)), start, -1):  # 从最长的候选开始试
            if end - start == 1 or text[start:end] in words:  # 是词表中的词，或只剩一个字
                break
        result.append(text[start:end])
        start = end  # 从切下的词之后继续
    return result


def backward_max_match(text: str, words: Collection[str], max_len: int | None = None) -> list[str]:
    """逆向最大匹配：从右往左切分 ``text``，每次取以当前位置结尾的最长的词；
    其余与 :func:`forward_max_match` 相同。"""
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
    """双向最大匹配：两个方向各切一次，取看起来更好的结果——先比词数（少者好），再比单字词
    的个数（少者好）；完全相同时按惯例取逆向的结果。"""
    max_len = _check(text, words, max_len)
    forward = forward_max_match(text, words, max_len)
    backward = backward_max_match(text, words, max_len)

    def badness(segmentation: list[str]) -> tuple[int, int]:
        return len(segmentation), sum(len(word) == 1 for word in segmentation)

    return forward if badness(forward) < badness(backward) else backward


def _check(text: str, words: Collection[str], max_len: int | None) -> int:
    """检查参数；返回要用的最大匹配长度。"""
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
