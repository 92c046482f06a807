"""Text to ids: tokenizers (characters, jieba words, n-grams), ``Vocab``, padding and collate."""

from seqbook.text.batching import IGNORE_INDEX, collate, pad
from seqbook.text.tokenizers import char_tokenize, jieba_tokenizer, ngrams, word_tokenize
from seqbook.text.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab

__all__ = [
    "IGNORE_INDEX",
    "PAD",
    "PAD_ID",
    "UNK",
    "UNK_ID",
    "Vocab",
    "char_tokenize",
    "collate",
    "jieba_tokenizer",
    "ngrams",
    "pad",
    "word_tokenize",
]
