"""Subword tokenizers: byte-pair encoding (BPE) and the unigram language model, trained
with SentencePiece; and the merge step of BPE in plain Python, for teaching.

SentencePiece is imported only when a tokenizer is trained or loaded, so importing this
module (or ``seqbook.text``) costs nothing for notebooks that never use it.
"""

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from seqbook.checks import (
    check_bool,
    check_choice,
    check_ids,
    check_instance,
    check_positive_int,
    check_string,
    check_strings,
    check_token_lists,
)
from seqbook.text.vocab import BOS, EOS, PAD, PAD_ID, UNK, UNK_ID

MODEL_TYPES = ("bpe", "unigram")
SPECIAL_PIECES = (PAD, UNK, BOS, EOS)  # ids 0, 1, 2, 3, as in Vocab
BYTE_PIECES = 256  # <0x00> ... <0xFF>, in the vocabulary when byte_fallback=True
_INSTALL = "请先安装：pip install sentencepiece（本书固定的版本见 requirements.txt）。"


# ---- BPE by hand ---------------------------------------------------------------------------


def pair_counts(sequences: Sequence[Sequence[str]]) -> Counter:
    """How often each pair of adjacent symbols occurs in ``sequences`` (lists of symbols,
    e.g. the characters of sentences). Overlapping pairs all count: 哈哈哈 has (哈, 哈) twice."""
    check_token_lists("sequences", sequences, "例如 [['中', '国', '人'], ['人', '民']]。")
    counts = Counter()
    for symbols in sequences:
        counts.update(zip(symbols, symbols[1:], strict=False))
    return counts


def merge_pair(sequences: Sequence[Sequence[str]], pair: tuple[str, str]) -> list[list[str]]:
    """``sequences`` with every occurrence of ``pair`` replaced by one symbol, left to right
    (哈哈哈 with (哈, 哈) becomes 哈哈 / 哈)."""
    check_token_lists("sequences", sequences, "例如 [['中', '国', '人'], ['人', '民']]。")
    if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) for s in pair)):
        raise TypeError(f"pair 应为两个字符串组成的元组，例如 ('人', '民')，实际为 {pair!r:.60}。")
    merged = []
    for symbols in sequences:
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                out.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        merged.append(out)
    return merged


def bpe_merge_step(sequences: Sequence[Sequence[str]]) -> tuple[list[list[str]], tuple[str, str] | None]:
    """One step of BPE training: find the most frequent pair of adjacent symbols (ties go to
    the smallest pair in string order) and merge it everywhere.

    Returns the new sequences and the merged pair; ``(sequences, None)`` when no sequence has
    two symbols left to merge.
    """
    counts = pair_counts(sequences)
    if not counts:
        return [list(symbols) for symbols in sequences], None
    best = min(counts, key=lambda pair: (-counts[pair], pair))
    return merge_pair(sequences, best), best


# ---- trained tokenizers (SentencePiece) --------------------------------------------------


def _sentencepiece():
    try:
        import sentencepiece
    except ImportError:  # pragma: no cover - the book's requirements install it
        raise ImportError(f"子词分词器需要 SentencePiece 库，但没有找到它。{_INSTALL}") from None
    return sentencepiece


class SubwordTokenizer:
    """A trained subword tokenizer: :meth:`encode` cuts a text into pieces, :meth:`decode`
    joins them back into the same text.

    It wraps a SentencePiece model (``model``: its serialized bytes). Ids follow ``Vocab``:
    ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3, then the pieces. Make one with
    :func:`train_subword_tokenizer`, or read one saved with :meth:`save` by :meth:`load`.
    """

    pad_id, unk_id = PAD_ID, UNK_ID

    def __init__(self, model: bytes):
        check_instance("model", model, bytes, "model 是 SentencePiece 模型的字节串；请用 train_subword_tokenizer 训练一个。")
        spm = _sentencepiece()
        processor = spm.SentencePieceProcessor()
        try:
            processor.LoadFromSerializedProto(model)
        except (RuntimeError, OSError):
            processor = None
        if processor is None or processor.piece_size() < len(SPECIAL_PIECES):
            raise ValueError("model 不是有效的 SentencePiece 模型；请用 train_subword_tokenizer 训练一个。")
        if tuple(processor.id_to_piece(i) for i in range(len(SPECIAL_PIECES))) != SPECIAL_PIECES:
            raise ValueError(
                f"model 的前 {len(SPECIAL_PIECES)} 个编号应是 {', '.join(SPECIAL_PIECES)}（与 Vocab 相同）；"
                "请用 train_subword_tokenizer 训练模型。"
            )
        self.model = model
        self._processor = processor
        self.pieces = tuple(processor.id_to_piece(i) for i in range(processor.piece_size()))
        self._ids = {piece: i for i, piece in enumerate(self.pieces)}
        self.byte_fallback = any(processor.is_byte(i) for i in range(len(self.pieces)))

    def __len__(self) -> int:
        return len(self.pieces)

    def __contains__(self, piece: str) -> bool:
        return piece in self._ids

    def __repr__(self) -> str:
        return f"SubwordTokenizer(vocab_size={len(self)}, byte_fallback={self.byte_fallback})"

    def encode(self, text: str) -> list[str]:
        """The pieces of ``text``; characters the tokenizer never saw become ``<unk>`` (a run
        of them one ``<unk>``), or with byte fallback their UTF-8 bytes such as ``<0xE4>``."""
        return [self.pieces[i] for i in self.encode_ids(text)]

    def encode_ids(self, text: str) -> list[int]:
        """The ids of the pieces of ``text``."""
        check_string("text", text, allow_empty=True, hint="encode_ids 一次切一句话（字符串）；多句请逐句调用。")
        return self._processor.encode(text, out_type=int)

    def decode(self, pieces_or_ids: Sequence[str] | Sequence[int]) -> str:
        """The text of a list of pieces or of ids (a list or a 1-D tensor): ``<pad>``, ``<bos>``
        and ``<eos>`` are dropped, ``<unk>`` stays visible."""
        hint = "decode 接受 encode 给出的词元列表，或 encode_ids 给出的编号列表。"
        if isinstance(pieces_or_ids, str):
            raise TypeError(f"pieces_or_ids 应为词元或编号的列表，实际为字符串 {pieces_or_ids!r:.40}。{hint}")
        if hasattr(pieces_or_ids, "tolist"):  # a tensor or an array of ids
            pieces_or_ids = pieces_or_ids.tolist()
        items = list(pieces_or_ids) if isinstance(pieces_or_ids, Iterable) else pieces_or_ids
        if isinstance(items, list) and items and all(isinstance(item, str) for item in items):
            unknown = next((piece for piece in items if piece not in self._ids), None)
            if unknown is not None:
                raise ValueError(f"pieces_or_ids 里的 {unknown!r} 不是这个分词器的词元。{hint}")
            return self._processor.decode([self._ids[piece] for piece in items])
        check_ids("pieces_or_ids", items, hint)
        too_big = next((i for i in items if i >= len(self)), None)
        if too_big is not None:
            raise ValueError(
                f"pieces_or_ids 里的编号 {too_big} 超出了词表：词表大小为 {len(self)}，合法的编号是 0 到 {len(self) - 1}。"
            )
        return self._processor.decode([int(i) for i in items])

    def save(self, path: str | Path) -> None:
        """Write the model (SentencePiece's own format: ``spm.SentencePieceProcessor(model_file=path)`` reads it)."""
        Path(path).write_bytes(self.model)

    @classmethod
    def load(cls, path: str | Path) -> "SubwordTokenizer":
        """A tokenizer saved by :meth:`save`."""
        if not Path(path).is_file():
            raise FileNotFoundError(f"模型文件 {str(path)!r} 不存在；请传入 tokenizer.save(path) 写出的文件的路径。")
        return cls(Path(path).read_bytes())


def train_subword_tokenizer(
    texts: Iterable[str], vocab_size: int, model_type: str = "bpe", *, byte_fallback: bool = False
) -> SubwordTokenizer:
    """Train a BPE (``model_type="bpe"``) or unigram-LM (``"unigram"``) tokenizer on ``texts``
    (raw sentences, not segmented) with SentencePiece; ``vocab_size`` counts every piece,
    the four special ones included.

    Every character of ``texts`` gets a piece (character coverage 1), so only characters never
    seen in training are unknown; ``byte_fallback=True`` spells those in UTF-8 bytes instead
    (256 more pieces). Texts are not normalized (full-width digits stay full-width) and no
    space is prepended, so the pieces of a text join up to exactly that text. Training runs on
    one thread and uses every sentence: the same texts give the same tokenizer.
    """
    hint = "texts 是原始句子（字符串）的列表，例如 ['我爱北京', '北京欢迎你']，不要先分词。"
    check_strings("texts", texts, hint)
    texts = list(texts)
    check_choice("model_type", model_type, MODEL_TYPES, "'bpe' 是字节对编码，'unigram' 是一元语言模型（SentencePiece 的默认）。")
    check_bool("byte_fallback", byte_fallback)
    check_positive_int("vocab_size", vocab_size, "vocab_size 是词表的总大小，含 4 个特殊词元，例如 8000。")
    texts = [text for text in texts if text.strip()]
    if not texts:
        raise ValueError(f"texts 里没有非空的句子，无法训练。{hint}")
    chars = {char for text in texts for char in text}
    least = len(SPECIAL_PIECES) + len(chars) + (BYTE_PIECES if byte_fallback else 0)
    if vocab_size < least:
        raise ValueError(
            f"vocab_size={vocab_size} 太小：训练文本有 {len(chars):,} 种不同的字符，每个字符都要占一个词元，"
            f"再加上 {len(SPECIAL_PIECES)} 个特殊词元{'和 256 个字节词元' if byte_fallback else ''}，"
            f"vocab_size 至少为 {least:,}。"
        )
    spm = _sentencepiece()
    model = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(texts),
            model_writer=model,
            model_type=model_type,
            vocab_size=vocab_size,
            character_coverage=1.0,
            byte_fallback=byte_fallback,
            normalization_rule_name="identity",
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            max_sentence_length=max(4192, max(len(text.encode("utf-8")) for text in texts) + 1),
            input_sentence_size=0,
            num_threads=1,
            pad_id=PAD_ID, unk_id=UNK_ID, bos_id=2, eos_id=3,
            pad_piece=PAD, unk_piece=UNK, bos_piece=BOS, eos_piece=EOS, unk_surface=UNK,
            minloglevel=2,
        )
    except RuntimeError as err:
        raise ValueError(_explain(str(err), vocab_size)) from None
    tokenizer = SubwordTokenizer(model.getvalue())
    if len(tokenizer) != vocab_size:  # BPE stops early when no pair is left to merge
        raise ValueError(
            f"vocab_size={vocab_size} 太大：这些文本最多只能学出 {len(tokenizer):,} 个词元；"
            f"请把 vocab_size 减小到 {len(tokenizer):,} 或更小，或者用更多的文本训练。"
        )
    return tokenizer


def _explain(message: str, vocab_size: int) -> str:
    """SentencePiece's error, in Chinese."""
    high = re.search(r"Vocabulary size too high \((\d+)\)\. Please set it to a value <= (\d+)", message)
    if high:
        return (
            f"vocab_size={vocab_size} 太大：这些文本最多只能学出 {int(high[2]):,} 个词元；"
            f"请把 vocab_size 减小到 {int(high[2]):,} 或更小，或者用更多的文本训练。"
        )
    return f"SentencePiece 训练失败（vocab_size={vocab_size}）：{message}"
