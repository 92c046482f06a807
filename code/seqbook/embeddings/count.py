"""基于计数的词向量：共现矩阵、PPMI，以及对它做截断奇异值分解（SVD）。"""

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
    """每个词在另一个词左右 ``window`` 个词以内出现的次数，作为稀疏、对称的 (V, V) 矩阵：
    (w, c) 项数的是同一文档中距离为 1 到 ``window`` 的词对（两个方向都算）。``harmonic=True``
    时距离为 d 的词对计 1/d（GloVe 的加权，Pennington 等人 2014）。"""
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
    """（词 × 上下文）计数矩阵的正点互信息（PPMI）。

    PPMI(w, c) = max(0, log P(w, c) / (P(w) P_alpha(c)))，其中 P_alpha(c) 正比于 count(c) ** alpha：
    ``alpha=0.75``（上下文分布平滑）压低罕见上下文的 PMI，``alpha=1`` 即普通的 PPMI。计数为 0 的
    格子为 0。稀疏矩阵给出稀疏结果，稠密矩阵给出稠密结果。
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
    top = eigenvalues.flip(0)[:dim].clamp(min=0)  # 最大的 dim 个特征值，从大到小
    return (basis @ eigenvectors.flip(1)[:, :dim]).float(), top.sqrt().float()  # U 与 S


def _check_svd_arguments(matrix, dim, n_iter, oversample, seed) -> None:
    check_tensor("matrix", matrix, dim=2)
    check_positive_int("dim", dim)
    check_int_at_least("n_iter", n_iter, 0, "n_iter 是幂迭代的轮数，默认 4。")
    check_int_at_least("oversample", oversample, 0, "oversample 是多取的列数，默认 64。")
    check_int_at_least("seed", seed, 0, "随机种子是非负整数，例如 seed=0。")
    if dim > min(matrix.shape):
        raise ValueError(f"dim={dim} 超过了矩阵的行数和列数中较小的 {min(matrix.shape)}；请调小 dim。")


def _orthonormal(block: torch.Tensor) -> torch.Tensor:
    """``block`` 各列的一组标准正交基：做两次 Cholesky QR，只需矩阵乘法（LAPACK 的 QR 在
    繁忙的多核 CPU 上很慢）；各列线性相关时退回普通的 QR。"""
    for _ in range(2):
        factor, info = torch.linalg.cholesky_ex(block.t() @ block)
        if info.item() != 0:
            return torch.linalg.qr(block).Q
        block = torch.linalg.solve_triangular(factor, block.t(), upper=False).t()
    return block


def ppmi_svd(
    corpus: WordCorpus, window: int = 4, dim: int = 128, power: float = 0.5, alpha: float = 0.75
) -> torch.Tensor:
    """对语料的 PPMI 矩阵做截断 SVD，得到词向量 U * S**power：``power=1`` 即普通的 SVD 投影，
    0.5 和 0 让最大的几个维度的权重小一些。"""
    check_number("power", power, hint="常用 0.5；1 即普通的 SVD 投影。")
    u, s = truncated_svd(ppmi(cooccurrence(corpus, window), alpha), dim)
    return u * s**power
