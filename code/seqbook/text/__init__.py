"""Text to batches: tokenizers (characters, jieba words, n-grams, English, maximum
matching), ``Vocab`` with its special tokens, padding, collate functions, one
length-bucketing sampler and ``make_loader``."""

from seqbook.text.batching import (
    IGNORE_INDEX,
    BucketSampler,
    collate,
    lm_collate,
    make_loader,
    pad,
    seq2seq_collate,
)
from seqbook.text.matching import (
    backward_max_match,
    bidirectional_max_match,
    forward_max_match,
)
from seqbook.text.tokenizers import (
    char_tokenize,
    english_detokenize,
    english_tokenize,
    glued_name_entries,
    jieba_tokenizer,
    names_tokenizer,
    ngrams,
    word_tokenize,
)
from seqbook.text.vocab import BOS, EOS, PAD, PAD_ID, UNK, UNK_ID, Vocab

__all__ = [
    "BOS",
    "EOS",
    "IGNORE_INDEX",
    "PAD",
    "PAD_ID",
    "UNK",
    "UNK_ID",
    "BucketSampler",
    "Vocab",
    "backward_max_match",
    "bidirectional_max_match",
    "char_tokenize",
    "collate",
    "english_detokenize",
    "english_tokenize",
    "forward_max_match",
    "glued_name_entries",
    "jieba_tokenizer",
    "lm_collate",
    "make_loader",
    "names_tokenizer",
    "ngrams",
    "pad",
    "seq2seq_collate",
    "word_tokenize",
]
