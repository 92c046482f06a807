"""按余弦相似度找近邻，以及用三国演义实体词典做的两把尺子：alias@k（同一人物的其他名字是否
出现在近邻中？）与类型一致率（人名的近邻是不是人名，州名的近邻是不是州名？）。"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import torch
import torch.nn.functional as F

from seqbook.checks import (
    check_choice,
    check_ids,
    check_instance,
    check_int_at_least,
    check_number,
    check_positive_int,
    check_string,
    check_strings,
    check_tensor,
)
from seqbook.data import EntityDict
from seqbook.text import Vocab


def cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a`` (n, D) 的各行与 ``b`` (m, D) 的各行之间的余弦相似度，(n, m) 矩阵。
    全零的行与任何行的余弦都是 0。"""
    check_tensor("a", a)
    check_tensor("b", b)
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a 和 b 应是列数相同的二维张量（每行一个向量），收到的形状是 {tuple(a.shape)} 和 {tuple(b.shape)}。"
        )
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T


def top_neighbours(vectors: torch.Tensor, vocab: Vocab, ids: Sequence[int], k: int) -> torch.Tensor:
    """``ids`` 中每个 id 按余弦最近的 ``k`` 个词的 id，最近的在前：(len(ids), k) 的张量。
    词本身和保留词元（<pad>、<unk> 等）不算近邻。"""
    _check_vectors(vectors, vocab)
    check_positive_int("k", k, "k 是要找的近邻个数，例如 k=10。")
    if k > len(vocab) - len(vocab.reserved_tokens) - 1:
        raise ValueError(f"k 必须是正整数，且小于词表中普通词的个数，收到的是 {k!r}。")
    check_ids("ids", ids)
    ids = torch.as_tensor(list(ids), dtype=torch.long)
    if len(ids) and int(ids.max()) >= len(vocab):
        raise ValueError(f"ids 里的 id {int(ids.max())} 超出了词表大小 {len(vocab)}；请用同一个词表的 id。")
    scores = cosine_similarity(vectors[ids], vectors)
    scores[:, : len(vocab.reserved_tokens)] = -torch.inf
    scores[torch.arange(len(ids)), ids] = -torch.inf
    return scores.topk(k, dim=1).indices


def nearest(vectors: torch.Tensor, vocab: Vocab, word: str, k: int = 10) -> list[tuple[str, float]]:
    """``word`` 最近的 ``k`` 个词及其余弦相似度，最近的在前。"""
    check_instance("vocab", vocab, Vocab)
    check_string("word", word)
    if word not in vocab:
        raise KeyError(f"词 {word!r} 不在词表中（可能太少见，低于 min_count）；请换一个词。")
    neighbours = top_neighbours(vectors, vocab, [vocab[word]], k)[0]
    cosines = cosine_similarity(vectors[[vocab[word]]], vectors[neighbours])[0]
    return [
        (vocab.tokens[i], round(float(c), 4))
        for i, c in zip(neighbours.tolist(), cosines, strict=True)
    ]


def persons_with_aliases(entities: EntityDict, vocab: Vocab) -> list[str]:
    """至少有两个名字在 ``vocab`` 中的人物实体（类型为人名），排好序。"""
    _check_entities(entities, vocab)
    return sorted(
        entity
        for entity, names in entities.aliases.items()
        if entities.types.get(entity) == "人名" and sum(name in vocab for name in set(names)) >= 2
    )


def split_persons(entities: EntityDict, vocab: Vocab) -> tuple[list[str], list[str]]:
    """把 :func:`persons_with_aliases` 分成验证、测试两半。

    按人物最常用的名字的出现次数排名，交替分配（第 1、3、5……名进验证集），两半的名人一样多。
    """
    count = dict(vocab.token_freqs)
    ranked = sorted(
        persons_with_aliases(entities, vocab),
        key=lambda entity: (-max(count.get(name, 0) for name in entities.aliases[entity]), entity),
    )
    return sorted(ranked[0::2]), sorted(ranked[1::2])


def alias_queries(
    entities: EntityDict, vocab: Vocab, persons: Iterable[str] | None = None
) -> dict[str, set[str]]:
    """给定人物（默认 :func:`persons_with_aliases`）在 ``vocab`` 中的每个名字，及同一人物在
    ``vocab`` 中的其他名字的集合。

    两个人物共用的名字（例如子远）得到两人的其他名字。
    """
    _check_entities(entities, vocab)
    if persons is not None:
        check_strings("persons", persons, "例如 ['诸葛亮', '刘备']；不传则用 persons_with_aliases 的结果。")
    persons = persons_with_aliases(entities, vocab) if persons is None else list(persons)
    queries: dict[str, set[str]] = {}
    for person in persons:
        if person not in entities.aliases:
            raise KeyError(f"实体词典里没有 {person!r}；请使用 entities.aliases 中的实体名。")
        names = {name for name in entities.aliases[person] if name in vocab}
        if len(names) < 2:
            continue
        for name in names:
            queries.setdefault(name, set()).update(names - {name})
    return dict(sorted(queries.items()))


def alias_hits(
    vectors: torch.Tensor, vocab: Vocab, queries: dict[str, set[str]], k: int = 10
) -> dict[str, bool]:
    """每个查询名字的 ``k`` 个最近邻中，是否有同一人物的另一个名字。"""
    if not queries:
        raise ValueError("queries 为空：没有可以评测的人名；请用 alias_queries 生成。")
    names = list(queries)
    neighbours = top_neighbours(vectors, vocab, [vocab[name] for name in names], k)
    return {
        name: any(vocab.tokens[i] in queries[name] for i in row)
        for name, row in zip(names, neighbours.tolist(), strict=True)
    }


def alias_at_k(
    vectors: torch.Tensor, vocab: Vocab, queries: dict[str, set[str]], k: int = 10
) -> float:
    """alias@k：``k`` 个最近邻中含有同一人物另一个名字的查询所占的比例（见 :func:`alias_queries`）。"""
    hits = alias_hits(vectors, vocab, queries, k)
    return sum(hits.values()) / len(hits)


def query_persons(
    entities: EntityDict, queries: Mapping[str, set[str]], persons: Iterable[str]
) -> dict[str, str]:
    """每个查询名字属于哪个人物，例如 {"孔明": "诸葛亮", ...}：按 ``persons`` 的顺序，第一个名字中
    含有它的人物。每个查询都必须属于某个人物。"""
    check_instance("entities", entities, EntityDict, "请用 seqbook.data.load_sanguo_entities() 载入实体词典。")
    check_instance("queries", queries, Mapping, "例如 alias_queries 的结果。")
    check_strings("persons", persons, "例如 split_persons 返回的测试集人物。")
    owner: dict[str, str] = {}
    for person in persons:
        for name in entities.aliases.get(person, []):
            if name in queries:
                owner.setdefault(name, person)
    missing = [name for name in queries if name not in owner]
    if missing:
        raise ValueError(f"queries 中的 {missing[:3]} 不属于 persons 中的任何人物；请传入生成这些查询的人物。")
    return {name: owner[name] for name in queries}


@dataclass(frozen=True)
class GroupBootstrap:
    """一个估计值（查询上的平均），以及按组重抽样得到的自助法区间。"""

    estimate: float  # 在整个测试集上
    low: float
    high: float
    standard_error: float  # 重抽样平均值的标准差
    above_zero: float  # 平均值 > 0 的重抽样所占比例（用于差值）
    groups: int
    samples: int
    confidence: float

    def __str__(self) -> str:
        return (f"{self.estimate:.3f}，{self.confidence:.0%} 区间 [{self.low:.3f}, {self.high:.3f}]，"
                f"标准误 {self.standard_error:.3f}（{self.groups} 组，{self.samples} 次重抽样）")


def bootstrap_by_group(
    scores: Mapping[str, float],
    groups: Mapping[str, str],
    samples: int = 10000,
    confidence: float = 0.95,
    seed: int = 0,
) -> GroupBootstrap:
    """按组重抽样的自助法：每次有放回地抽出与原来同样多的组（一组的查询一起进出），
    算抽中的查询上 scores 的平均值；区间取这些平均值中间的 confidence 部分。

    scores 是每个查询的得分（命中为 1、未命中为 0，或两个模型的命中之差），
    groups 给出每个查询属于哪一组（例如 query_persons 的结果；每个查询自成一组，就是按查询重抽样）。
    """
    names, people = _check_bootstrap(scores, groups, samples, confidence, seed)
    index = {person: i for i, person in enumerate(people)}
    totals = torch.zeros(len(people), dtype=torch.float64)  # 每组得分之和
    sizes = torch.zeros(len(people), dtype=torch.float64)  # 每组的查询数
    for name in names:
        totals[index[groups[name]]] += float(scores[name])
        sizes[index[groups[name]]] += 1
    generator = torch.Generator().manual_seed(seed)
    draws = torch.randint(len(people), (samples, len(people)), generator=generator)  # 有放回地抽组
    means = totals[draws].sum(dim=1) / sizes[draws].sum(dim=1)  # 每次重抽样的平均值
    tail = (1 - confidence) / 2
    low, high = torch.quantile(means, torch.tensor([tail, 1 - tail], dtype=torch.float64)).tolist()
    return GroupBootstrap(
        (totals.sum() / sizes.sum()).item(), low, high, means.std().item(),
        (means > 0).double().mean().item(), len(people), samples, confidence,
    )


def _check_bootstrap(scores, groups, samples, confidence, seed) -> tuple[list[str], list[str]]:
    check_instance("scores", scores, Mapping, "例如 {'孔明': 1.0, '卧龙': 0.0}，即 alias_hits 的结果。")
    check_instance("groups", groups, Mapping, "例如 query_persons 的结果 {'孔明': '诸葛亮', ...}。")
    if not scores:
        raise ValueError("scores 为空：至少要有一个查询的得分。")
    for name, value in scores.items():
        if not isinstance(value, Real):
            raise TypeError(f"scores[{name!r}] 应为数（命中可以写 True/1），实际为 {value!r}。")
    missing = [name for name in scores if name not in groups]
    if missing:
        raise ValueError(f"groups 里没有查询 {missing[:3]} 所属的组；scores 的每个查询都要在 groups 中。")
    check_positive_int("samples", samples, "例如 samples=10000。")
    check_number("confidence", confidence, low=0, high=1, low_open=True, high_open=True, hint="例如 confidence=0.95。")
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    names = sorted(scores)
    return names, sorted({groups[name] for name in names})


def names_of_type(entities: EntityDict, vocab: Vocab, entity_type: str) -> list[str]:
    """类型为 ``entity_type``（人名、州名或势力）的实体在 ``vocab`` 中的所有名字，排好序。"""
    _check_entities(entities, vocab)
    known = sorted(set(entities.types.values()))
    check_choice("entity_type", entity_type, known, "它是实体词典中的一种实体类型。")
    return sorted(
        {
            name
            for entity, names in entities.aliases.items()
            if entities.types.get(entity) == entity_type
            for name in names
            if name in vocab
        }
    )


def type_agreement(
    vectors: torch.Tensor,
    vocab: Vocab,
    entities: EntityDict,
    k: int = 10,
    types: Sequence[str] = ("人名", "州名"),
) -> dict[str, float]:
    """每种实体类型：在 ``vocab`` 中这一类型的所有名字上，``k`` 个最近邻中同类型名字所占比例的平均。"""
    check_strings("types", types, "例如 types=('人名', '州名')。")
    agreement = {}
    for entity_type in types:
        names = names_of_type(entities, vocab, entity_type)
        same_type = torch.zeros(len(vocab), dtype=torch.bool)
        same_type[[vocab[name] for name in names]] = True
        neighbours = top_neighbours(vectors, vocab, [vocab[name] for name in names], k)
        agreement[entity_type] = same_type[neighbours].double().mean().item()
    return agreement


def pca(vectors: torch.Tensor, dim: int = 2) -> torch.Tensor:
    """``vectors`` 各行在前 ``dim`` 个主成分上的坐标（先中心化，方差最大的在前）：
    画散点图用的 (n, dim) 张量。"""
    check_tensor("vectors", vectors, dim=2, hint="每行一个向量。")
    check_positive_int("dim", dim, "例如 dim=2 得到平面上的坐标。")
    if dim > min(vectors.shape):
        raise ValueError(
            f"dim={dim} 超过了 vectors 的行数和列数中较小的 {min(vectors.shape)}（形状 {tuple(vectors.shape)}）；请调小 dim。"
        )
    centred = vectors - vectors.mean(dim=0)
    u, s, _ = torch.linalg.svd(centred, full_matrices=False)
    return u[:, :dim] * s[:dim]


def _check_entities(entities, vocab) -> None:
    check_instance("entities", entities, EntityDict, "请用 seqbook.data.load_sanguo_entities() 载入实体词典。")
    check_instance("vocab", vocab, Vocab)


def _check_vectors(vectors: torch.Tensor, vocab: Vocab) -> None:
    check_instance("vocab", vocab, Vocab)
    hint = f"vectors 的形状应为 (词表大小 {len(vocab)}, 维度)，每个词 id 一行。"
    check_tensor("vectors", vectors, dim=2, hint=hint)
    if len(vectors) != len(vocab):
        raise ValueError(f"vectors 有 {len(vectors)} 行，与词表大小 {len(vocab)} 不符。{hint}")
