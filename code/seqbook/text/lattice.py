"""jieba 精确模式的词图（word lattice）：句子中每个候选词是一条弧，jieba 在弧上找对数概率最大的路径。

``word_lattice`` 不自己实现 jieba 的算法，而是调用 jieba 分词器自己的 ``get_DAG``（列出候选词）和
``calc``（从句尾往前的动态规划），所以图上画出的正是 jieba 实际做的事。
"""

import math
from dataclasses import dataclass

import jieba

from seqbook.checks import check_instance, check_string
from seqbook.text.tokenizers import jieba_tokenizer


@dataclass(frozen=True)
class Arc:
    """词图中的一条弧：原文 ``text[start:end]`` 这个候选词，``freq`` 是它在 jieba 词典中的频数
    （不在词典中的单字按 1 计），``log_prob`` = log(freq / 总频数)。"""

    start: int
    end: int
    word: str
    freq: int
    log_prob: float


@dataclass(frozen=True)
class WordLattice:
    """一句话的词图：``arcs`` 是全部候选词（按起点、终点排序），``path`` 是 jieba 选出的最大概率路径上的弧，
    ``best`` 是位置 i（字与字之间的第 i 个位置）到句尾的最大对数概率，``best[0]`` 就是整条路径的对数概率。"""

    text: str
    arcs: tuple[Arc, ...]
    path: tuple[Arc, ...]
    best: tuple[float, ...]

    @property
    def words(self) -> list[str]:
        """最大概率路径上的词，即 jieba 关闭 HMM 时精确模式的切分（不含 jieba 对连续英文字母的合并）。"""
        return [arc.word for arc in self.path]


def word_lattice(text: str, tokenizer: jieba.Tokenizer | None = None) -> WordLattice:
    """用 jieba 自己的 ``get_DAG`` 和 ``calc`` 建出 ``text`` 的词图和最大概率路径。

    ``tokenizer`` 默认是 ``jieba_tokenizer()``（jieba 的默认词典）。
    """
    check_string("text", text, hint="text 是要切分的一句话，例如 '结合成分子'。")
    if tokenizer is None:
        tokenizer = jieba_tokenizer()
    check_instance("tokenizer", tokenizer, jieba.Tokenizer, "例如 seqbook.text.jieba_tokenizer() 返回的分词器。")
    dag = tokenizer.get_DAG(text)  # 位置 i -> 从 i 开始的每个候选词的最后一个字的位置
    route = {}
    tokenizer.calc(text, dag, route)  # route[i] = (i 到句尾的最大对数概率, 第一个词的最后一个字的位置)
    log_total = math.log(tokenizer.total)
    arcs = []
    for start in sorted(dag):
        for last in sorted(dag[start]):
            word = text[start:last + 1]
            freq = tokenizer.FREQ.get(word) or 1  # jieba 对不在词典中的单字按频数 1 计
            arcs.append(Arc(start, last + 1, word, freq, math.log(freq) - log_total))
    by_span = {(arc.start, arc.end): arc for arc in arcs}
    path, start = [], 0
    while start < len(text):
        end = route[start][1] + 1
        path.append(by_span[start, end])
        start = end
    best = tuple(float(route[i][0]) for i in range(len(text) + 1))
    return WordLattice(text, tuple(arcs), tuple(path), best)
