"""选择性复制（selective copying）任务：从噪声中挑出数据词元，按原顺序复述（Gu 与 Dao 2023，Mamba）。

一条输入序列的前 length 个位置大多是空白词元 0，其中 num_tokens 个随机位置放着数据词元
（1..vocab-1 中均匀抽取）；之后是 num_tokens 个标记词元 vocab，模型在这些位置上要依次输出那些
数据词元。数据词元的位置每条序列都不同，所以模型必须按内容（是不是空白）决定记住什么：
衰减与输入无关的线性时不变递推做不到这一点，门依赖输入的 minGRU、GRU 可以。
"""

import torch
from torch import Tensor

from seqbook.checks import check_instance, check_int_at_least, check_positive_int

BLANK = 0  # 空白（噪声）词元的 id


def selective_copying_batch(
    batch_size: int, *, length: int, num_tokens: int, vocab: int, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """生成一批选择性复制的样本，返回 (inputs, targets)。

    - inputs：LongTensor (batch_size, length + num_tokens)。前 length 个位置是空白 0，其中
      num_tokens 个随机（互不相同的）位置放数据词元，取值 1..vocab-1；后 num_tokens 个位置都是
      标记词元 vocab。所以输入的词表大小是 vocab + 1。
    - targets：LongTensor (batch_size, num_tokens)，数据词元按它们在输入中出现的顺序排列；
      第 j 个标记位置（输入的 length + j 处）应输出 targets[:, j]。

    结果只由 generator 的状态决定：同一种子的 generator 给出同样的一批，例如
    generator=torch.Generator().manual_seed(0)。
    """
    check_positive_int("batch_size", batch_size)
    check_positive_int("length", length, "length 是标记之前的序列长度（含空白与数据词元）。")
    check_positive_int("num_tokens", num_tokens, "num_tokens 是要复制的数据词元个数。")
    if num_tokens > length:
        raise ValueError(
            f"num_tokens={num_tokens} 不能大于 length={length}：数据词元要放在前 length 个位置里。"
            "请减小 num_tokens 或增大 length。"
        )
    check_int_at_least("vocab", vocab, 2, "数据词元取 1..vocab-1，0 是空白，vocab 是标记，所以 vocab 至少为 2。")
    check_instance(
        "generator", generator, torch.Generator, "请传入随机数生成器，例如 torch.Generator().manual_seed(0)。"
    )
    # 每条序列随机挑 num_tokens 个互不相同的位置，再从小到大排好
    order = torch.rand(batch_size, length, generator=generator).argsort(dim=1)
    positions = order[:, :num_tokens].sort(dim=1).values
    targets = torch.randint(1, vocab, (batch_size, num_tokens), generator=generator)
    inputs = torch.full((batch_size, length + num_tokens), BLANK, dtype=torch.long)
    inputs.scatter_(1, positions, targets)
    inputs[:, length:] = vocab  # 标记：从这里开始依次输出数据词元
    return inputs, targets
