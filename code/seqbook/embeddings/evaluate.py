"""Nearest neighbours by cosine similarity, and two yardsticks built from the 三国演义
entity dictionary: alias@k (do the other names of a person come up?) and type agreement
(are the neighbours of a person people, of a province provinces?)."""

from collections.abc import Iterable, Sequence

import torch
import torch.nn.functional as F

from seqbook.checks import (
    check_choice,
    check_ids,
    check_instance,
    check_positive_int,
    check_string,
    check_strings,
    check_tensor,
)
from seqbook.data import EntityDict
from seqbook.text import Vocab


def cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The (n, m) matrix of cosines between the rows of ``a`` (n, D) and of ``b`` (m, D).
    A zero row has cosine 0 with everything."""
    check_tensor("a", a)
    check_tensor("b", b)
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a 和 b 应是列数相同的二维张量（每行一个向量），收到的形状是 {tuple(a.shape)} 和 {tuple(b.shape)}。"
        )
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T


def top_neighbours(vectors: torch.Tensor, vocab: Vocab, ids: Sequence[int], k: int) -> torch.Tensor:
    """For each id in ``ids``, the ids of its ``k`` nearest words by cosine, nearest first:
    a (len(ids), k) tensor. The word itself and the reserved tokens (<pad>, <unk>, ...)
    are never neighbours."""
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
    """The ``k`` nearest words of ``word`` with their cosine similarity, nearest first."""
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
    """The person entities (type 人名) with at least two of their names in ``vocab``, sorted."""
    _check_entities(entities, vocab)
    return sorted(
        entity
        for entity, names in entities.aliases.items()
        if entities.types.get(entity) == "人名" and sum(name in vocab for name in set(names)) >= 2
    )


def split_persons(entities: EntityDict, vocab: Vocab) -> tuple[list[str], list[str]]:
    """Split :func:`persons_with_aliases` into a validation half and a test half.

    Persons are ranked by the count of their most frequent name and dealt out alternately
    (ranks 1, 3, 5, ... to validation), so both halves hold as many famous people.
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
    """Each name in ``vocab`` of the given persons (default: :func:`persons_with_aliases`)
    with the set of the other names of the same person that are in ``vocab``.

    A name shared by two persons (e.g. 子远) gets the other names of both.
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
    """For each query name, whether another name of the same person is among its ``k``
    nearest neighbours."""
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
    """alias@k: the share of query names whose ``k`` nearest neighbours contain another name
    of the same person (see :func:`alias_queries`)."""
    hits = alias_hits(vectors, vocab, queries, k)
    return sum(hits.values()) / len(hits)


def names_of_type(entities: EntityDict, vocab: Vocab, entity_type: str) -> list[str]:
    """Every name in ``vocab`` of an entity of type ``entity_type`` (人名, 州名 or 势力), sorted."""
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
    """For each entity type: over all names of that type in ``vocab``, the mean share of
    their ``k`` nearest neighbours that are names of the same type."""
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
    """Coordinates of the rows of ``vectors`` on their ``dim`` principal components
    (centred, largest variance first): an (n, dim) tensor for a scatter plot."""
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
