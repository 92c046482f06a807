"""Text to ids: tokenizers (characters, jieba words, n-grams, maximum matching), ``Vocab``,
padding and collate."""

from seqbook.text.batching import IGNORE_INDEX, collate, pad
from seqbook.text.matching import (
    backward_max_match,
    bidirectional_max_match,
    forward_max_match,
)
from seqbook.text.tokenizers import (
    char_tokenize,
    glued_name_entries,
    jieba_tokenizer,
    names_tokenizer,
    ngrams,
    word_tokenize,
)
from seqbook.text.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab

__all__ = [
    "IGNORE_INDEX",
    "PAD",
    "PAD_ID",
    "UNK",
    "UNK_ID",
    "Vocab",
    "backward_max_match",
    "bidirectional_max_match",
    "char_tokenize",
    "collate",
    "forward_max_match",
    "glued_name_entries",
    "jieba_tokenizer",
    "names_tokenizer",
    "ngrams",
    "pad",
    "word_tokenize",
]
