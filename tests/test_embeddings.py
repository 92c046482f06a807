"""seqbook.embeddings: corpus preparation, PPMI + SVD, skip-gram, neighbours and evaluation."""

import math

import pytest
import torch

from seqbook.data import EntityDict
from seqbook.embeddings import (
    CBOW,
    GloVe,
    SkipGram,
    WordCorpus,
    alias_at_k,
    alias_hits,
    alias_queries,
    bootstrap_by_group,
    cbow_examples,
    context_mean,
    cooccurrence,
    cosine_similarity,
    glove_weight,
    is_word,
    keep_probabilities,
    names_of_type,
    nearest,
    negative_sampling_loss,
    pca,
    persons_with_aliases,
    ppmi,
    ppmi_svd,
    prepare_corpus,
    query_persons,
    skipgram_pairs,
    split_persons,
    top_neighbours,
    train_cbow,
    train_glove,
    train_skipgram,
    truncated_svd,
    type_agreement,
)
from seqbook.text import Vocab

NAMES = ["玄德", "孔明"]


def corpus_of(documents: list[list[str]], min_count: int = 1) -> WordCorpus:
    """A WordCorpus from already segmented documents (no jieba needed)."""
    return WordCorpus.from_documents(documents, min_count)


# ---------------------------------------------------------------- corpus


def test_is_word_rejects_punctuation_and_space():
    assert is_word("玄德") and is_word("A1") and is_word("三")
    assert not any(is_word(t) for t in ["，", "。", "“", "——", " ", "\u3000", "《", "?"])


def test_prepare_corpus_drops_punctuation_and_rare_words():
    texts = ["玄德曰：“孔明来。”", "孔明笑曰：“玄德！”"]
    corpus = prepare_corpus(texts, names=NAMES, min_count=2)
    words = [corpus.vocab.tokens[i] for i in corpus.ids.tolist()]
    assert words == ["玄德", "曰", "孔明", "孔明", "曰", "玄德"]  # 来 and 笑 occur once
    assert corpus.doc.tolist() == [0, 0, 0, 1, 1, 1]
    assert len(corpus) == 6
    assert dict(corpus.vocab.token_freqs)["笑"] == 1  # rare words are still counted
    assert corpus.counts()[corpus.vocab["孔明"]] == 2 and corpus.counts()[0] == 0


def test_prepare_corpus_errors_in_chinese():
    with pytest.raises(TypeError, match="列表"):
        prepare_corpus("玄德曰")
    with pytest.raises(TypeError, match="第 1 篇"):
        prepare_corpus(["玄德", 3], NAMES)
    with pytest.raises(ValueError, match="min_count"):
        prepare_corpus(["。，！"], NAMES, min_count=1)
    with pytest.raises(ValueError, match="min_count"):
        prepare_corpus(["玄德曰"], NAMES, min_count=2)


# ---------------------------------------------------------------- counts


def test_cooccurrence_counts_pairs_within_documents():
    corpus = corpus_of([["a", "b", "a"], ["b", "c"]])
    a, b, c = (corpus.vocab[w] for w in "abc")
    counts = cooccurrence(corpus, window=1).to_dense()
    assert counts[a, b] == counts[b, a] == 2
    assert counts[b, c] == counts[c, b] == 1
    assert counts[a, c] == 0 and counts[a, a] == 0
    counts2 = cooccurrence(corpus, window=2).to_dense()
    assert counts2[a, a] == 2  # a _ a, counted in both directions
    assert counts2.sum() == 2 * (2 + 1 + 1)  # no pair crosses from document 0 to document 1
    with pytest.raises(ValueError, match="window 应为正整数"):
        cooccurrence(corpus, window=0)


def test_ppmi_by_hand():
    counts = torch.tensor([[0.0, 2.0], [2.0, 0.0]])
    # P(w, c) = 1/2, P(w) = P(c) = 1/2: PMI = log 2 off the diagonal, 0 where the count is 0
    expected = torch.tensor([[0.0, math.log(2)], [math.log(2), 0.0]])
    torch.testing.assert_close(ppmi(counts, alpha=1.0), expected)


def test_ppmi_with_context_smoothing_matches_the_formula():
    counts = torch.tensor([[4.0, 1.0, 0.0], [1.0, 0.0, 3.0], [0.0, 2.0, 5.0]])
    alpha = 0.75
    total = counts.sum()
    context = counts.sum(0) ** alpha
    expected = torch.zeros(3, 3)
    for w in range(3):
        for c in range(3):
            if counts[w, c] > 0:
                pmi = math.log(
                    (counts[w, c] / total) / (counts[w].sum() / total * context[c] / context.sum())
                )
                expected[w, c] = max(pmi, 0.0)
    torch.testing.assert_close(ppmi(counts, alpha), expected)
    sparse = ppmi(counts.to_sparse(), alpha)
    assert sparse.layout == torch.sparse_coo
    torch.testing.assert_close(sparse.to_dense(), expected)
    assert ppmi(torch.tensor([[0, 2], [2, 0]])).dtype == torch.float32  # integer counts work


def test_ppmi_errors_in_chinese():
    with pytest.raises(ValueError, match="二维"):
        ppmi(torch.ones(3))
    with pytest.raises(ValueError, match="非负"):
        ppmi(torch.tensor([[1.0, -1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="alpha"):
        ppmi(torch.ones(2, 2), alpha=0)


def test_truncated_svd_matches_full_svd():
    generator = torch.Generator().manual_seed(0)
    matrix = torch.randn(60, 8, generator=generator) @ torch.randn(8, 40, generator=generator)
    matrix += 0.01 * torch.randn(60, 40, generator=generator)
    u, s = truncated_svd(matrix, 5, seed=1)
    u_full, s_full, _ = torch.linalg.svd(matrix.double())
    torch.testing.assert_close(s, s_full[:5].float(), rtol=1e-4, atol=1e-4)
    # columns agree up to sign
    torch.testing.assert_close(
        (u.double() * u_full[:, :5]).sum(0).abs(),
        torch.ones(5, dtype=torch.float64),
        atol=1e-4,
        rtol=0,
    )
    u_sparse, s_sparse = truncated_svd(matrix.to_sparse(), 5, seed=1)
    torch.testing.assert_close(s_sparse, s)
    assert torch.equal(truncated_svd(matrix, 5, seed=1)[0], u)  # reproducible
    with pytest.raises(ValueError, match="dim 应为正整数"):
        truncated_svd(matrix, 0)
    with pytest.raises(ValueError, match="调小 dim"):
        truncated_svd(matrix, 41)


def test_ppmi_svd_gives_one_vector_per_word():
    corpus = corpus_of([list("abcdabcdabce"), list("dcbadcba")])
    vectors = ppmi_svd(corpus, window=2, dim=3, power=0.5)
    assert vectors.shape == (len(corpus.vocab), 3)
    assert vectors[:2].abs().max() < 1e-5  # <pad> and <unk> never occur


# ---------------------------------------------------------------- skip-gram


def test_skipgram_loss_is_the_negative_sampling_objective():
    torch.manual_seed(0)
    model = SkipGram(10, 4)
    torch.nn.init.normal_(model.context.weight)
    centers, contexts = torch.tensor([1, 2]), torch.tensor([3, 4])
    negatives = torch.tensor([[5, 6], [7, 8]])
    v, u = model.center.weight, model.context.weight
    by_hand = 0.0
    for i in range(2):
        by_hand -= torch.log(torch.sigmoid(u[contexts[i]] @ v[centers[i]]))
        for n in negatives[i]:
            by_hand -= torch.log(torch.sigmoid(-u[n] @ v[centers[i]]))
    torch.testing.assert_close(model(centers, contexts, negatives), by_hand / 2)
    torch.testing.assert_close(model.vectors(add_context=True), v.detach() + u.detach())
    assert not model.vectors().requires_grad


def test_keep_probabilities():
    counts = torch.tensor([0, 1, 10, 1000])
    t = 1e-2
    keep = keep_probabilities(counts, t)
    f = 1000 / 1011
    assert keep[0] == keep[1] == keep[2] == 1.0
    assert keep[3] == pytest.approx(math.sqrt(t / f) + t / f)


def test_skipgram_pairs_without_subsampling_and_window_one():
    corpus = corpus_of([["a", "b", "c"], ["d", "e"]])
    centers, contexts = skipgram_pairs(corpus, 1, None, torch.Generator().manual_seed(0))
    pairs = sorted(zip(corpus.vocab.decode(centers), corpus.vocab.decode(contexts), strict=True))
    assert pairs == sorted(
        [("a", "b"), ("b", "a"), ("b", "c"), ("c", "b"), ("d", "e"), ("e", "d")]
    )  # no pair from c to d: they are in different documents
    with pytest.raises(ValueError, match="window 应为正整数"):
        skipgram_pairs(corpus, 0, None, torch.Generator())


def test_skipgram_pairs_respect_the_window():
    corpus = corpus_of([list("abcdefghij") * 3])
    position = {w: i for i, w in enumerate("abcdefghij")}
    centers, contexts = skipgram_pairs(corpus, 3, None, torch.Generator().manual_seed(0))
    distances = {
        (position[c] - position[o]) % 10
        for c, o in zip(corpus.vocab.decode(centers), corpus.vocab.decode(contexts), strict=True)
    }
    assert distances == {1, 2, 3, 7, 8, 9}  # up to 3 words to the left or to the right


def test_train_skipgram_lowers_the_loss_and_groups_words():
    # two "topics" that never mix: words of one topic should end up closer to each other
    documents = [list("abcd" * 30), list("wxyz" * 30)] * 2
    corpus = corpus_of([[c for c in d] for d in documents])
    seen = []
    model, losses = train_skipgram(
        corpus,
        dim=8,
        window=2,
        negatives=3,
        epochs=6,
        batch_size=64,
        lr=0.05,
        subsample=None,
        callback=lambda epoch, m: seen.append(epoch),
    )
    assert seen == [1, 2, 3, 4, 5, 6]
    assert losses[-1] < 0.8 * losses[0]
    vectors = model.vectors()
    ids = corpus.vocab.encode(list("abcdwxyz"))
    cos = cosine_similarity(vectors[ids], vectors[ids])
    within = (cos[:4, :4].sum() - 4 + cos[4:, 4:].sum() - 4) / 24
    across = cos[:4, 4:].mean()
    assert within > across + 0.3


def test_train_skipgram_errors_in_chinese():
    corpus = corpus_of([["a", "b"]])
    with pytest.raises(ValueError, match="dim 应为正整数"):
        train_skipgram(corpus, dim=0)
    with pytest.raises(ValueError, match="语料太小"):
        train_skipgram(corpus_of([["a"]]), subsample=None)


# ---------------------------------------------------------------- neighbours and evaluation


def toy_vocab() -> Vocab:
    return Vocab(["a1", "a2", "b1", "b2", "p1", "x"])


def toy_entities() -> EntityDict:
    return EntityDict(
        aliases={"A": ["a1", "a2"], "B": ["b1", "b2", "b3"], "C": ["c1"], "P": ["p1"]},
        types={"A": "人名", "B": "人名", "C": "人名", "P": "州名"},
    )


def toy_vectors(vocab: Vocab) -> torch.Tensor:
    """Unit vectors in a plane at these angles (degrees): no two neighbours tie."""
    angles = {"<pad>": 0, "<unk>": 1, "a1": 0, "a2": 10, "x": 50, "b1": 80, "p1": 120, "b2": 170}
    radians = torch.tensor([math.radians(angles[token]) for token in vocab.tokens])
    return torch.stack([radians.cos(), radians.sin()], dim=1)


def test_cosine_similarity():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    b = torch.tensor([[2.0, 0.0], [0.0, -3.0]])
    expected = torch.tensor([[1.0, 0.0], [1 / math.sqrt(2), -1 / math.sqrt(2)], [0.0, 0.0]])
    torch.testing.assert_close(cosine_similarity(a, b), expected)
    with pytest.raises(ValueError, match="列数相同"):
        cosine_similarity(torch.ones(2, 3), torch.ones(2, 4))


def test_neighbours_exclude_the_word_itself_and_reserved_tokens():
    vocab = toy_vocab()
    vectors = toy_vectors(vocab)
    neighbours = top_neighbours(vectors, vocab, [vocab["a1"]], k=2)[0].tolist()
    assert vocab.decode(neighbours) == ["a2", "x"]  # not a1 itself, not <unk> at 1 degree
    found = nearest(vectors, vocab, "b1", k=2)
    assert [word for word, _ in found] == ["x", "p1"]
    assert found[0][1] == pytest.approx(math.cos(math.radians(30)), abs=1e-4)
    with pytest.raises(KeyError, match="不在词表中"):
        nearest(vectors, vocab, "孔明")
    with pytest.raises(ValueError, match="词表大小"):
        top_neighbours(vectors[:3], vocab, [2], k=1)
    with pytest.raises(ValueError, match="k 必须是正整数"):
        top_neighbours(vectors, vocab, [2], k=6)


def test_alias_queries_and_alias_at_k_on_hand_made_vectors():
    vocab, entities = toy_vocab(), toy_entities()
    assert persons_with_aliases(entities, vocab) == ["A", "B"]  # C has one name, P is a place
    queries = alias_queries(entities, vocab)
    assert queries == {"a1": {"a2"}, "a2": {"a1"}, "b1": {"b2"}, "b2": {"b1"}}  # b3 is unknown
    vectors = toy_vectors(vocab)
    hits = alias_hits(vectors, vocab, queries, k=1)
    assert hits == {"a1": True, "a2": True, "b1": False, "b2": False}  # b1 -> x, b2 -> p1
    assert alias_at_k(vectors, vocab, queries, k=1) == 0.5
    assert alias_at_k(vectors, vocab, queries, k=2) == 0.75  # b2 -> p1, b1
    assert alias_at_k(vectors, vocab, queries, k=5) == 1.0
    assert alias_queries(entities, vocab, ["B"]) == {"b1": {"b2"}, "b2": {"b1"}}
    with pytest.raises(KeyError, match="实体词典里没有"):
        alias_queries(entities, vocab, ["Z"])
    with pytest.raises(ValueError, match="queries 为空"):
        alias_at_k(vectors, vocab, {})


def test_a_name_shared_by_two_people_counts_both():
    entities = EntityDict(
        aliases={"A": ["a1", "s"], "B": ["b1", "s"]}, types={"A": "人名", "B": "人名"}
    )
    vocab = Vocab(["a1", "b1", "s"])
    assert alias_queries(entities, vocab)["s"] == {"a1", "b1"}


def test_split_persons_deals_out_by_frequency():
    entities = EntityDict(
        aliases={p: [p + "1", p + "2"] for p in "ABCDE"}, types={p: "人名" for p in "ABCDE"}
    )
    counts = {"A1": 5, "B1": 50, "C2": 40, "D1": 30, "E1": 20}
    vocab = Vocab({**{p + s: 1 for p in "ABCDE" for s in "12"}, **counts})
    validation, test = split_persons(entities, vocab)
    # ranks: B (50), C (40), D (30), E (20), A (5): validation gets ranks 1, 3, 5
    assert (validation, test) == (["A", "B", "D"], ["C", "E"])


def test_type_agreement_on_hand_made_vectors():
    vocab, entities = toy_vocab(), toy_entities()
    assert names_of_type(entities, vocab, "人名") == ["a1", "a2", "b1", "b2"]
    vectors = toy_vectors(vocab)
    # top-1: a1 -> a2, a2 -> a1 (people), b1 -> x, b2 -> p1 (not people); p1 -> b1 (not a 州名)
    assert type_agreement(vectors, vocab, entities, k=1) == {"人名": 0.5, "州名": 0.0}
    # top-2: a1 -> a2, x; a2 -> a1, x; b1 -> x, p1; b2 -> p1, b1: 3 people out of 8
    assert type_agreement(vectors, vocab, entities, k=2, types=["人名"]) == {"人名": 3 / 8}
    with pytest.raises(ValueError, match="entity_type 只能是"):
        type_agreement(vectors, vocab, entities, types=["地名"])


def test_pca_finds_the_direction_of_largest_variance():
    t = torch.linspace(-1, 1, 9)
    points = torch.stack([3 * t, 3 * t, torch.zeros(9)], dim=1) + torch.tensor([1.0, 2.0, 3.0])
    points[::2, 2] += 0.01
    projected = pca(points, 2)
    assert projected.shape == (9, 2)
    torch.testing.assert_close(
        projected[:, 0].abs(), (3 * math.sqrt(2) * t).abs(), atol=1e-3, rtol=0
    )
    assert projected[:, 1].abs().max() < 0.01
    with pytest.raises(ValueError, match="二维"):
        pca(torch.ones(3), 2)


# ---------------------------------------------------------------- shared by skip-gram and CBOW


def two_topics() -> WordCorpus:
    """Two "topics" that never mix: a model should put the words of one topic closer together."""
    return corpus_of([list("abcd" * 30), list("wxyz" * 30)] * 2)


def topic_gap(vectors: torch.Tensor, corpus: WordCorpus) -> float:
    """Mean cosine within the topics minus the mean cosine across them."""
    ids = corpus.vocab.encode(list("abcdwxyz"))
    cos = cosine_similarity(vectors[ids], vectors[ids])
    within = (cos[:4, :4].sum() - 4 + cos[4:, 4:].sum() - 4) / 24
    return float(within - cos[:4, 4:].mean())


def test_skipgram_uses_the_shared_negative_sampling_loss():
    torch.manual_seed(0)
    model = SkipGram(10, 4)
    torch.nn.init.normal_(model.context.weight)
    centers, contexts, negatives = torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([[5, 6], [7, 8]])
    expected = negative_sampling_loss(model.center(centers), model.context, contexts, negatives)
    torch.testing.assert_close(model(centers, contexts, negatives), expected)


def test_train_skipgram_with_sgd_lowers_the_loss_and_groups_words():
    corpus = two_topics()
    model, losses = train_skipgram(corpus, dim=8, window=2, negatives=3, epochs=6, batch_size=16,
                                   lr=0.05, subsample=None, optimizer="sgd")
    assert losses[-1] < 0.8 * losses[0]
    assert topic_gap(model.vectors(), corpus) > 0.3
    with pytest.raises(ValueError, match="optimizer"):
        train_skipgram(corpus, optimizer="adagrad")


# ---------------------------------------------------------------- CBOW


def test_context_mean_by_hand_ignores_padding():
    weight = torch.arange(12.0).view(6, 2)  # row i is (2i, 2i + 1)
    contexts = torch.tensor([[1, 2, 3], [4, 0, 0], [0, 0, 0]])
    expected = torch.tensor([[4.0, 5.0], [8.0, 9.0], [0.0, 0.0]])  # mean of rows 1-3; row 4; nothing
    torch.testing.assert_close(context_mean(weight, contexts, pad_id=0), expected)
    torch.testing.assert_close(context_mean(weight, torch.tensor([[5, 5, 1]]), pad_id=0), (2 * weight[5] + weight[1])[None] / 3)
    with pytest.raises(ValueError, match="contexts 应为二维"):
        context_mean(weight, torch.tensor([1, 2]), 0)


def test_cbow_loss_is_negative_sampling_on_the_mean_context():
    torch.manual_seed(0)
    model = CBOW(12, 4, pad_id=0)
    torch.nn.init.normal_(model.center.weight)
    contexts, centers, negatives = torch.tensor([[2, 3, 0], [4, 5, 6]]), torch.tensor([7, 8]), torch.tensor([[9], [10]])
    v, u = model.context.weight, model.center.weight
    by_hand = 0.0
    for row, target, noise in zip(contexts, centers, negatives, strict=True):
        h = v[row[row != 0]].mean(dim=0)
        by_hand -= torch.log(torch.sigmoid(u[target] @ h)) + torch.log(torch.sigmoid(-u[noise[0]] @ h))
    torch.testing.assert_close(model(contexts, centers, negatives), by_hand / 2)
    torch.testing.assert_close(model.vectors(), v.detach())


def test_cbow_examples_window_one_without_subsampling():
    corpus = corpus_of([["a", "b", "c"], ["d"], ["e", "f"]])
    contexts, centers = cbow_examples(corpus, 1, None, torch.Generator().manual_seed(0))
    decode = corpus.vocab.tokens
    found = {decode[c]: [decode[i] for i in row] for c, row in zip(centers.tolist(), contexts.tolist(), strict=True)}
    # left neighbour in column 0, right neighbour in column 1; "d" has no context and is left out
    assert found == {"a": ["<pad>", "b"], "b": ["a", "c"], "c": ["b", "<pad>"], "e": ["<pad>", "f"], "f": ["e", "<pad>"]}


def test_cbow_examples_layout_for_a_wider_window():
    corpus = corpus_of([list("abcdefg")])
    contexts, centers = cbow_examples(corpus, 3, None, torch.Generator().manual_seed(1))
    tokens = corpus.vocab.tokens
    for center, row in zip(centers.tolist(), contexts.tolist(), strict=True):
        i = "abcdefg".index(tokens[center])
        for column, word in enumerate(row):
            if word == corpus.vocab.pad_id:
                continue
            offset = column - 3 if column < 3 else column - 2  # columns 0, 1, 2: -3, -2, -1; 3, 4, 5: +1, +2, +3
            assert "abcdefg"[i + offset] == tokens[word]
        # the dynamic window: the words kept on each side are the nearest ones
        left = [w != 0 for w in row[:3]][::-1]
        assert left == sorted(left, reverse=True) or i < 3


def test_train_cbow_lowers_the_loss_and_groups_words():
    corpus = two_topics()
    seen = []
    model, losses = train_cbow(corpus, dim=8, window=2, negatives=3, epochs=6, batch_size=16, lr=0.05,
                               subsample=None, callback=lambda epoch, m: seen.append(epoch))
    assert seen == [1, 2, 3, 4, 5, 6]
    assert losses[-1] < 0.8 * losses[0]
    assert topic_gap(model.vectors(), corpus) > 0.3
    with pytest.raises(ValueError, match="语料太小"):
        train_cbow(corpus_of([["a"]]), subsample=None)
    with pytest.raises(ValueError, match="window 应为正整数"):
        train_cbow(corpus, window=0)


# ---------------------------------------------------------------- GloVe


def test_cooccurrence_harmonic_counts_a_pair_at_distance_d_as_one_over_d():
    corpus = corpus_of([["a", "b", "a"]])
    a, b = corpus.vocab["a"], corpus.vocab["b"]
    counts = cooccurrence(corpus, window=2, harmonic=True).to_dense()
    assert counts[a, b] == counts[b, a] == 2  # two pairs at distance 1
    assert counts[a, a] == 1.0  # a _ a at distance 2, in both directions: 1/2 + 1/2
    with pytest.raises(TypeError, match="harmonic"):
        cooccurrence(corpus, 2, harmonic="yes")


def test_glove_weight_by_hand():
    x = torch.tensor([1.0, 50.0, 100.0, 400.0])
    expected = torch.tensor([0.01**0.75, 0.5**0.75, 1.0, 1.0])
    torch.testing.assert_close(glove_weight(x), expected)
    torch.testing.assert_close(glove_weight(torch.tensor([2.0, 5.0]), x_max=4, alpha=1.0), torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="x_max"):
        glove_weight(x, x_max=0)


def test_glove_loss_on_a_tiny_matrix_by_hand():
    model = GloVe(3, 2, x_max=4.0, alpha=0.5)
    with torch.no_grad():
        model.word.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        model.context.weight.copy_(torch.tensor([[0.5, 0.5], [1.0, -1.0], [0.0, 2.0]]))
        model.word_bias.weight.copy_(torch.tensor([[0.1], [0.2], [0.3]]))
        model.context_bias.weight.copy_(torch.tensor([[-0.1], [0.0], [0.1]]))
    words, contexts, counts = torch.tensor([0, 2]), torch.tensor([1, 2]), torch.tensor([1.0, 9.0])
    # pair (0, 1): w·w̃ = 1, b + b̃ = 0.1 + 0.0, f(1) = (1/4)^0.5 = 0.5, log 1 = 0
    # pair (2, 2): w·w̃ = 2, b + b̃ = 0.3 + 0.1, f(9) = 1, log 9
    expected = (0.5 * 1.1**2 + 1.0 * (2.4 - math.log(9)) ** 2) / 2
    assert model(words, contexts, counts).item() == pytest.approx(expected, rel=1e-6)
    torch.testing.assert_close(model.vectors(), (model.word.weight + model.context.weight).detach())


def test_train_glove_lowers_the_loss_and_groups_words():
    corpus = two_topics()
    seen = []
    model, losses = train_glove(corpus, dim=8, window=2, x_max=10, epochs=30, batch_size=8, lr=0.05,
                                callback=lambda epoch, m: seen.append(epoch))
    assert seen == list(range(1, 31))
    assert losses[-1] < 0.2 * losses[0]
    assert topic_gap(model.vectors(), corpus) > 0.3
    with pytest.raises(ValueError, match="alpha"):
        train_glove(corpus, alpha=0)


# ---------------------------------------------------------------- bootstrap over persons


def test_query_persons_gives_a_shared_name_to_the_first_person():
    entities = EntityDict(
        aliases={"A": ["a1", "s"], "B": ["b1", "s"], "C": ["c1", "c2"]},
        types={"A": "人名", "B": "人名", "C": "人名"},
    )
    queries = alias_queries(entities, Vocab(["a1", "b1", "s"]))
    assert query_persons(entities, queries, ["B", "A"]) == {"a1": "A", "b1": "B", "s": "B"}
    with pytest.raises(ValueError, match="persons"):
        query_persons(entities, queries, ["A"])


def test_bootstrap_by_group_resamples_whole_groups():
    # group A: both queries hit; group B: both miss. Resampling the 2 groups gives a mean of
    # 1 (AA, probability 1/4), 0.5 (AB or BA, 1/2) or 0 (BB, 1/4).
    scores = {"a1": True, "a2": True, "b1": False, "b2": False}
    groups = {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}
    result = bootstrap_by_group(scores, groups, samples=20000, seed=0)
    assert (result.estimate, result.low, result.high, result.groups) == (0.5, 0.0, 1.0, 2)
    assert result.standard_error == pytest.approx(0.125**0.5, abs=0.01)
    assert result.above_zero == pytest.approx(0.75, abs=0.01)
    # the same scores as 4 independent queries: the interval is narrower (means in steps of 1/4)
    alone = bootstrap_by_group(scores, {q: q for q in scores}, samples=20000, seed=0)
    assert alone.estimate == 0.5 and alone.standard_error == pytest.approx(0.0625**0.5, abs=0.01)
    assert alone.standard_error < result.standard_error
    assert bootstrap_by_group(scores, groups, samples=500, seed=3) == bootstrap_by_group(scores, groups, samples=500, seed=3)


def test_bootstrap_by_group_weights_groups_by_their_queries():
    # the estimate is the mean over queries (alias@k), not the mean of the group means
    scores = {"a1": 1, "a2": 1, "a3": 1, "b1": 0}
    groups = {"a1": "A", "a2": "A", "a3": "A", "b1": "B"}
    result = bootstrap_by_group(scores, groups, samples=2000)
    assert result.estimate == 0.75 and result.high == 1.0
    difference = bootstrap_by_group({"a1": 1, "a2": -1, "b1": 1}, {"a1": "A", "a2": "A", "b1": "B"}, samples=2000)
    assert difference.estimate == pytest.approx(1 / 3)
    assert "区间" in str(difference)


def test_bootstrap_by_group_errors_in_chinese():
    with pytest.raises(ValueError, match="scores 为空"):
        bootstrap_by_group({}, {})
    with pytest.raises(ValueError, match="groups"):
        bootstrap_by_group({"a": 1}, {"b": "B"})
    with pytest.raises(TypeError, match="scores"):
        bootstrap_by_group({"a": "yes"}, {"a": "A"})
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_by_group({"a": 1}, {"a": "A"}, confidence=1.0)
    with pytest.raises(ValueError, match="samples"):
        bootstrap_by_group({"a": 1}, {"a": "A"}, samples=0)


def test_new_model_errors_in_chinese():
    with pytest.raises(ValueError, match="dim"):
        CBOW(10, 0)
    with pytest.raises(TypeError, match="pad_id"):
        CBOW(10, 4, pad_id="0")
    with pytest.raises(ValueError, match="x_max"):
        GloVe(10, 4, x_max=-1)
    with pytest.raises(ValueError, match="batch_size"):
        train_glove(two_topics(), batch_size=0)
    with pytest.raises(ValueError, match="lr"):
        train_cbow(two_topics(), lr=0)
