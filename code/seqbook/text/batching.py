"""From id sequences to tensors: padding and a collate function for DataLoader."""

from collections.abc import Sequence

import torch

from seqbook.text.vocab import PAD_ID

IGNORE_INDEX = -100  # the label that torch.nn.CrossEntropyLoss skips by default


def pad(
    sequences: Sequence, max_len: int | None = None, pad_id: int = PAD_ID, truncate: str = "right"
) -> torch.Tensor:
    """Stack id sequences into a LongTensor (batch, max_len), filling the end with ``pad_id``.

    ``max_len=None`` uses the longest sequence. A longer sequence is cut: ``truncate="right"``
    keeps its start, ``truncate="left"`` keeps its end.
    """
    if len(sequences) == 0:
        raise ValueError("pad 收到了空的序列列表；至少需要一个序列。")
    if max_len is not None and (not isinstance(max_len, int) or max_len < 1):
        raise ValueError(f"max_len 必须是正整数或 None，收到的是 {max_len!r}。")
    if truncate not in ("right", "left"):
        raise ValueError(
            f"truncate 只能是 'right'（保留开头）或 'left'（保留结尾），收到的是 {truncate!r}。"
        )
    width = max(len(seq) for seq in sequences) if max_len is None else max_len
    batch = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    for row, seq in enumerate(sequences):
        kept = seq[:width] if truncate == "right" else seq[max(len(seq) - width, 0) :]
        batch[row, : len(kept)] = torch.as_tensor(kept, dtype=torch.long)
    return batch


def collate(
    batch: Sequence,
    pad_id: int = PAD_ID,
    max_len: int | None = None,
    label_pad_id: int = IGNORE_INDEX,
) -> tuple:
    """Collate for ``DataLoader(collate_fn=collate)``; change a default with functools.partial.

    Items are id sequences, or ``(ids, label)`` pairs. Returns ``(ids, lengths)`` or
    ``(ids, lengths, labels)``: ``ids`` a padded LongTensor (batch, time), ``lengths`` a
    LongTensor (batch,) for ``pack_padded_sequence``. A label that is a number gives a tensor
    (batch,); a label per token (a sequence) is padded with ``label_pad_id``, which
    ``CrossEntropyLoss`` ignores.
    """
    if len(batch) == 0:
        raise ValueError("collate 收到了空的批次；请检查 Dataset 的长度。")
    has_labels = isinstance(batch[0], tuple) and len(batch[0]) == 2 and _is_sequence(batch[0][0])
    sequences, labels = zip(*batch, strict=True) if has_labels else (batch, None)
    ids = pad(sequences, max_len, pad_id)
    lengths = torch.tensor([min(len(seq), ids.shape[1]) for seq in sequences], dtype=torch.long)
    if labels is None:
        return ids, lengths
    if _is_sequence(labels[0]):
        return ids, lengths, pad(labels, ids.shape[1], label_pad_id)
    return ids, lengths, torch.stack([torch.as_tensor(label) for label in labels])


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple)) or (isinstance(x, torch.Tensor) and x.dim() == 1)
