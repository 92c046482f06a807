"""Count-based word vectors: a co-occurrence matrix, PPMI, and a truncated SVD of it."""

import torch

from seqbook.checks import (
    check_bool,
    check_instance,
    check_int_at_least,
    check_number,
    check_positive_int,
    check_tensor,
)
from seqbook.embeddings.corpus import WordCorpus


def cooccurrence(corpus: WordCorpus, window: int, harmonic: bool = False) -> torch.Tensor:
    """How often each word occurs within ``window`` words of each other word, as a sparse
    symmetric (V, V) matrix: entry (w, c) counts the pairs at distance 1 to ``window``
    inside one document, in either direction. ``harmonic=True`` counts a pair at distance
    d as 1/d (GloVe's weighting, Pennington et al. 2014)."""
    check_instance("corpus", corpus, WordCorpus, "请用 prepare_corpus 或 WordCorpus.from_documents 建立语料。")
    check_positive_int("window", window, "例如 window=4 表示左右各看 4 个词。")
    check_bool("harmonic", harmonic)
    words, contexts, weights = [], [], []
    for distance in range(1, window + 1):
        same_doc = corpus.doc[:-distance] == corpus.doc[distance:]
        left, right = corpus.ids[:-distance][same_doc], corpus.ids[distance:][same_doc]
        words += [left, right]
        contexts += [right, left]
        weight = 1 / distance if harmonic else 1.0
        weights += [torch.full((2 * len(left),), weight, dtype=torch.float64)]
    indices = torch.stack([torch.cat(words), torch.cat(contexts)])
    size = (len(corpus.vocab), len(corpus.vocab))
    return torch.sparse_coo_tensor(indices, torch.cat(weights), size, check_invariants=False).coalesce()


def ppmi(counts: torch.Tensor, alpha: float = 0.75) -> torch.Tensor:
    """Positive pointwise mutual information of a (words x contexts) count matrix.

    PPMI(w, c) = max(0, log P(w, c) / (P(w) P_alpha(c))), where P_alpha(c) is proportional
    to count(c) ** alpha: ``alpha=0.75`` (context distribution smoothing) lowers the PMI of
    rare contexts, ``alpha=1`` gives plain PPMI. Cells with a zero count are 0. A sparse
    matrix gives a sparse result, a dense one a dense result.
    """
    check_tensor("counts", counts, dim=2, hint="counts 是二维的共现次数矩阵（词 × 上下文），例如 cooccurrence 的结果。")
    check_number("alpha", alpha, low=0, low_open=True, high=1, hint="常用 0.75，1 表示不平滑。")
    sparse = counts.layout == torch.sparse_coo
    matrix = (counts if sparse else counts.to_sparse()).coalesce()
    (w, c), n = matrix.indices(), matrix.values().double()
    if (n < 0).any() or not n.sum() > 0:
        raise ValueError("共现次数必须非负，且至少有一个大于 0。")
    word_total = torch.zeros(counts.shape[0], dtype=torch.float64).index_add_(0, w, n)
    context_total = torch.zeros(counts.shape[1], dtype=torch.float64).index_add_(0, c, n)
    smoothed = context_total**alpha
    # P(w, c) / (P(w) P_alpha(c)) = P(c | w) / P_alpha(c)
    pmi = torch.log(n / word_total[w]) - torch.log(smoothed[c] / smoothed.sum())
    positive = pmi > 0
    dtype = counts.dtype if counts.is_floating_point() else torch.get_default_dtype()
    result = torch.sparse_coo_tensor(
        matrix.indices()[:, positive], pmi[positive].to(dtype), counts.shape, check_invariants=False
    ).coalesce()
    return result if sparse else result.to_dense()


def truncated_svd(
    matrix: torch.Tensor, dim: int, n_iter: int = 4, oversample: int = 64, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """用随机化的子空间迭代（Halko 等人 2011）求 matrix 最大的 dim 个奇异值 S 和对应的左奇异向量 U（按列）。

    稀疏、稠密矩阵都可以；用 float64 计算，返回 float32。n_iter 轮幂迭代和多取的 oversample 列
    让 dim 个奇异值中最小的那几个也足够准；同一个 seed 每次的结果都相同。
    """
    _check_svd_arguments(matrix, dim, n_iter, oversample, seed)
    a, a_t = matrix.double(), matrix.double().t()
    if matrix.layout == torch.sparse_coo:
        a, a_t = a.coalesce(), a_t.coalesce()
    width = min(dim + oversample, *matrix.shape)
    generator = torch.Generator().manual_seed(seed)
    basis = torch.randn(matrix.shape[1], width, generator=generator, dtype=torch.float64)
    basis = _orthonormal(a @ basis)
    for _ in range(n_iter):  # 每一轮都让这组基更靠近最大的几个奇异向量
        basis = _orthonormal(a_t @ basis)
        basis = _orthonormal(a @ basis)
    # matrix ≈ basis @ small；small @ small^T 的特征向量是 small 的左奇异向量，
    # 特征值（从小到大）是奇异值的平方
    small = (a_t @ basis).t()
    eigenvalues, eigenvectors = torch.linalg.eigh(small @ small.t())
    top = eigenvalues.flip(0)[:dim].clamp(min=0)
    return (basis @ eigenvectors.flip(1)[:, :dim]).float(), top.sqrt().float()


def _check_svd_arguments(matrix, dim, n_iter, oversample, seed) -> None:
    check_tensor("matrix", matrix, dim=2)
    check_positive_int("dim", dim)
    check_int_at_least("n_iter", n_iter, 0, "n_iter 是幂迭代的轮数，默认 4。")
    check_int_at_least("oversample", oversample, 0, "oversample 是多取的列数，默认 64。")
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    if dim > min(matrix.shape):
        raise ValueError(f"dim={dim} 超过了矩阵的行数和列数中较小的 {min(matrix.shape)}；请调小 dim。")


def _orthonormal(block: torch.Tensor) -> torch.Tensor:
    """An orthonormal basis of the columns of ``block``: Cholesky QR done twice, which
    needs only matrix products (LAPACK's QR is slow on busy multi-core CPUs); plain QR
    when the columns are linearly dependent."""
    for _ in range(2):
        factor, info = torch.linalg.cholesky_ex(block.t() @ block)
        if info.item() != 0:
            return torch.linalg.qr(block).Q
        block = torch.linalg.solve_triangular(factor, block.t(), upper=False).t()
    return block


def ppmi_svd(
    corpus: WordCorpus, window: int = 4, dim: int = 128, power: float = 0.5, alpha: float = 0.75
) -> torch.Tensor:
    """Word vectors U * S**power from the truncated SVD of the corpus's PPMI matrix:
    ``power=1`` is the plain SVD projection, 0.5 and 0 weigh the top dimensions less."""
    check_number("power", power, hint="常用 0.5；1 即普通的 SVD 投影。")
    u, s = truncated_svd(ppmi(cooccurrence(corpus, window), alpha), dim)
    return u * s**power
