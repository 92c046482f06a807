"""The error contract of seqbook: a bad argument raises a TypeError or a ValueError (a
DataError where that is the module's contract) whose message is Chinese, names the
parameter and is not one of torch's English messages passed through. Every ``raise`` in the
package with a literal message is Chinese, too."""

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
import torch
from torch import nn

from seqbook import checks, set_seed
from seqbook.check import check, check_layer, expect
from seqbook.data import (
    DataError,
    EntityDict,
    fetch,
    load_chnsenticorp,
    load_numerals,
    load_peoples_daily,
    load_tang_poems,
    memory_task,
    split_dataset,
    to_chinese,
)
from seqbook.data.synthetic import numeral_pairs, random_numbers
from seqbook.decode import beam_search, generate, greedy_search, sample, translate
from seqbook.embeddings import (
    SkipGram,
    WordCorpus,
    cooccurrence,
    cosine_similarity,
    keep_probabilities,
    names_of_type,
    nearest,
    pca,
    persons_with_aliases,
    ppmi,
    skipgram_pairs,
    top_neighbours,
    train_skipgram,
    truncated_svd,
)
from seqbook.losses import sequence_cross_entropy
from seqbook.metrics import (
    accuracy,
    bleu_by_length,
    corpus_bleu,
    perplexity,
    sacrebleu_13a,
    segmentation_prf,
    word_spans,
)
from seqbook.nn import (
    AdditiveAttention,
    AttentionDecoder,
    Decoder,
    Encoder,
    Seq2Seq,
    dot_product_attention,
    gate_blocks,
    length_mask,
    recurrent_cell,
    recurrent_layer,
    set_forget_bias,
    set_gate_bias,
)
from seqbook.plot import draw_gru_cell, draw_unrolled, plot_history
from seqbook.runtime import offset_seed
from seqbook.stats import (
    oov_rate,
    rank_frequency,
    segmentation_errors,
    types_for_coverage,
    zipf_slope,
)
from seqbook.tasks.classification import (
    SequenceClassifier,
    encode_splits,
    head_and_tail,
    tune_bag_of_words,
)
from seqbook.tasks.language_model import (
    AddKBigram,
    CharLM,
    acrostic_constraint,
    five_char_lines,
    load_poems,
    poem_loader,
)
from seqbook.tasks.memory import memory_experiment
from seqbook.tasks.segmentation import (
    MajorityTagger,
    SequenceTagger,
    matched_hidden_size,
    predict_tags,
    segment,
    tagged_windows,
    words_to_tags,
)
from seqbook.tasks.translation import (
    encode_pairs,
    load_translation,
    train_translation,
    translation_model,
)
from seqbook.text import (
    BOS,
    EOS,
    BucketSampler,
    Vocab,
    char_tokenize,
    collate,
    english_detokenize,
    english_tokenize,
    forward_max_match,
    jieba_tokenizer,
    make_loader,
    names_tokenizer,
    ngrams,
    pad,
    word_tokenize,
)
from seqbook.train import History, evaluate, evaluating, fit

CJK = re.compile(r"[\u4e00-\u9fff]")
# Phrases of torch's, Python's and scikit-learn's own messages: none may reach the reader.
ENGLISH = re.compile(
    r"must be|should be|expected|but got|Invalid|not supported|has no attribute|is not iterable|"
    r"object is not|unhashable|out of range|has to be|takes \d+ positional"
)


# ---- small objects the calls need (built inside the test, so no random stream moves) ----


def vocab() -> Vocab:
    return Vocab(list("ab中国人"), reserved_tokens=[BOS, EOS])


def seq2seq() -> Seq2Seq:
    size = len(vocab())
    encoder = Encoder(size, 4, 4)
    return Seq2Seq(encoder, AttentionDecoder(size, 4, 4, encoder.output_size))


def search(**kwargs):
    model, src, lengths = seq2seq(), torch.tensor([[2, 3]]), torch.tensor([2])
    return beam_search(model, src, lengths, **({"bos_id": 2, "eos_id": 3} | kwargs))


def corpus() -> WordCorpus:
    return WordCorpus.from_documents([["a", "b", "a", "c"]])


def vectors() -> torch.Tensor:
    return torch.eye(len(vocab()))


def regression(**kwargs):
    model = nn.Linear(1, 1)
    data = [(torch.ones(2, 1), torch.ones(2, 1))]

    def loss(model, batch):
        return nn.functional.mse_loss(model(batch[0]), batch[1])

    arguments = {
        "model": model, "train_loader": data, "loss_fn": loss,
        "optimizer": torch.optim.SGD(model.parameters(), lr=0.1), "epochs": 1, "progress": False,
    }
    return fit(**(arguments | kwargs))


def step(ids, state):
    return torch.zeros(1, ids.size(1), 5), state


LOGITS, TARGETS = torch.zeros(1, 2, 5), torch.tensor([[1, 2]])
COUNTS = Counter({"的": 5, "了": 3, "我": 2})
ENTITIES = EntityDict(aliases={"A": ["a", "b"]}, types={"A": "人名"})
PAIRS = [("很好", 1), ("很坏", 0)]

CASES = [
    # checks
    ("checks.positive_int", lambda: checks.check_positive_int("n", True), "n"),
    ("checks.number", lambda: checks.check_number("x", "1"), "x"),
    ("checks.choice", lambda: checks.check_choice("mode", "mid", ("min", "max")), "mode"),
    ("checks.strings", lambda: checks.check_strings("tokens", "abc"), "tokens"),
    ("checks.token_lists", lambda: checks.check_token_lists("sentences", ["中国人"]), "sentences"),
    ("checks.not_empty", lambda: checks.check_not_empty("items", 5), "items"),
    # runtime
    ("set_seed.negative", lambda: set_seed(-1), "seed"),
    ("set_seed.threads", lambda: set_seed(0, threads=0), "threads"),
    ("offset_seed.bool", lambda: offset_seed(True), "seed"),
    # train
    ("fit.epochs_bool", lambda: regression(epochs=True), "epochs"),
    ("fit.mode", lambda: regression(mode="best"), "mode"),
    ("fit.restore_best", lambda: regression(restore_best="yes"), "restore_best"),
    ("fit.model_class", lambda: regression(model=nn.Linear), "model"),
    ("fit.loss_fn", lambda: regression(loss_fn="mse"), "loss_fn"),
    ("fit.optimizer", lambda: regression(optimizer=None), "optimizer"),
    ("fit.clip_grad_norm", lambda: regression(clip_grad_norm=0), "clip_grad_norm"),
    ("fit.progress", lambda: regression(progress="yes"), "progress"),
    ("fit.monitor", lambda: regression(monitor=1), "monitor"),
    ("evaluating.class", lambda: evaluating(nn.Linear).__enter__(), "model"),
    ("evaluate.loss_fn", lambda: evaluate(nn.Linear(1, 1), [], 5), "loss_fn"),
    # losses
    ("cross_entropy.label_smoothing", lambda: sequence_cross_entropy(LOGITS, TARGETS, label_smoothing=2.0),
     "label_smoothing"),
    ("cross_entropy.logits_list", lambda: sequence_cross_entropy([[0.0]], TARGETS), "logits"),
    ("cross_entropy.float_targets", lambda: sequence_cross_entropy(LOGITS, TARGETS.float()), "targets"),
    ("cross_entropy.ignore_index", lambda: sequence_cross_entropy(LOGITS, TARGETS, ignore_index=True),
     "ignore_index"),
    # metrics
    ("accuracy.ignore_index", lambda: accuracy([1], [1], ignore_index=True), "ignore_index"),
    ("perplexity.bool", lambda: perplexity(True), "mean_nll"),
    ("perplexity.string", lambda: perplexity("1.0"), "mean_nll"),
    ("bleu.max_order", lambda: corpus_bleu([["a"]], [[["a"]]], max_order=0), "max_order"),
    ("bleu.smooth", lambda: corpus_bleu([["a"]], [[["a"]]], smooth="add-one"), "smooth"),
    ("bleu.effective_order", lambda: corpus_bleu([["a"]], [[["a"]]], effective_order="yes"), "effective_order"),
    ("bleu.smooth_value", lambda: corpus_bleu([["a"]], [[["a"]]], smooth_value=-1), "smooth_value"),
    ("segmentation_prf.strings", lambda: segmentation_prf(["中国人"], ["中国人"]), "gold_sentences"),
    ("word_spans.not_str", lambda: word_spans(["中", 1]), "words"),
    ("sacrebleu.hypotheses", lambda: sacrebleu_13a(["a", 1], [["a"], ["b"]]), "hypotheses"),
    ("bleu_by_length.bounds", lambda: bleu_by_length(["a"], [["a"]], [1], bounds=(True,)), "bounds"),
    # stats
    ("coverage.share_bool", lambda: types_for_coverage(COUNTS, True), "share"),
    ("zipf.min_rank", lambda: zipf_slope(COUNTS, min_rank=True), "min_rank"),
    ("oov_rate.unit", lambda: oov_rate(set(), ["a"], unit="word"), "unit"),
    ("segmentation_errors.strings", lambda: segmentation_errors("中国", "中国"), "gold_sentences"),
    ("rank_frequency.list", lambda: rank_frequency(["的", "了"]), "counts"),
    # decode
    ("sample.temperature_bool", lambda: sample(torch.zeros(3), temperature=True), "temperature"),
    ("sample.top_k", lambda: sample(torch.zeros(3), top_k=0), "top_k"),
    ("sample.logits_list", lambda: sample([0.1, 0.2]), "logits"),
    ("sample.generator", lambda: sample(torch.zeros(3), generator=0), "generator"),
    ("generate.prefix_string", lambda: generate(step, "ab", 3), "prefix"),
    ("generate.max_new_tokens", lambda: generate(step, [1], True), "max_new_tokens"),
    ("generate.stop_ids", lambda: generate(step, [1], 3, stop_ids=2), "stop_ids"),
    ("generate.step", lambda: generate("step", [1], 3), "step"),
    ("generate.temperature", lambda: generate(step, [1], 0, temperature=-1), "temperature"),
    ("beam_search.bos_id", lambda: search(bos_id=True), "bos_id"),
    ("beam_search.beam_size", lambda: search(beam_size=0), "beam_size"),
    ("beam_search.return_scores", lambda: search(return_scores="yes"), "return_scores"),
    ("greedy_search.return_attention",
     lambda: greedy_search(seq2seq(), torch.tensor([[2]]), [1], bos_id=2, eos_id=3, return_attention="yes"),
     "return_attention"),
    ("translate.batch_size", lambda: translate(seq2seq(), [["a"]], vocab(), vocab(), batch_size=0), "batch_size"),
    ("translate.max_len", lambda: translate(seq2seq(), [["a"]], vocab(), vocab(), max_len=0), "max_len"),
    ("translate.tgt_vocab", lambda: translate(seq2seq(), [["a"]], vocab(), Vocab(list("ab中国人"))), "tgt_vocab"),
    # check
    ("expect.name", lambda: expect("", 1.0, 0, 1), "name"),
    ("expect.low", lambda: expect("x", 0.5, low="0"), "low"),
    ("check.rtol", lambda: check(abs, abs, [1], rtol=-1), "rtol"),
    ("check.candidate", lambda: check("abs", abs, [1]), "candidate"),
    ("check_layer.instance", lambda: check_layer(nn.RNNCell(2, 3), nn.RNNCell, [{}], tuple), "candidate_cls"),
    # text
    ("ngrams.bool", lambda: ngrams(["a"], True), "n"),
    ("vocab.min_freq_bool", lambda: Vocab(min_freq=True), "min_freq"),
    ("vocab.reserved_tokens", lambda: Vocab(["a"], reserved_tokens=[1]), "reserved_tokens"),
    ("vocab.skip_special", lambda: Vocab(["a"]).decode([1], skip_special="no"), "skip_special"),
    ("char_tokenize.int", lambda: char_tokenize(5), "text"),
    ("english_tokenize.none", lambda: english_tokenize(None), "text"),
    ("english_detokenize.string", lambda: english_detokenize("Hi"), "tokens"),
    ("max_match.max_len_bool", lambda: forward_max_match("结合", {"结合"}, max_len=True), "max_len"),
    ("pad.max_len", lambda: pad([[1]], max_len=0), "max_len"),
    ("pad.truncate", lambda: pad([[1]], truncate="middle"), "truncate"),
    ("pad.pad_id", lambda: pad([[1]], pad_id=True), "pad_id"),
    ("collate.label_pad_id", lambda: collate([([1], [0])], label_pad_id=1.5), "label_pad_id"),
    ("make_loader.bucket", lambda: make_loader([([1], 0)], bucket="yes"), "bucket"),
    ("make_loader.batch_size", lambda: make_loader([([1], 0)], batch_size=0), "batch_size"),
    ("bucket_sampler.shuffle", lambda: BucketSampler([1, 2], 2, shuffle=1), "shuffle"),
    ("word_tokenize.hmm", lambda: word_tokenize("你好", hmm="no"), "hmm"),
    ("jieba_tokenizer.user_dict", lambda: jieba_tokenizer(5), "user_dict"),
    ("names_tokenizer.string", lambda: names_tokenizer("玄德"), "names"),
    # data (no corpus file is read before these checks)
    ("load_peoples_daily.split", lambda: load_peoples_daily("valid"), "split"),
    ("load_chnsenticorp.split", lambda: load_chnsenticorp("valid"), "split"),
    ("load_tang_poems.simplified", lambda: load_tang_poems(simplified="yes"), "simplified"),
    ("split_dataset.fractions_bool", lambda: split_dataset([1, 2], (True, False)), "fractions"),
    ("split_dataset.seed", lambda: split_dataset([1, 2], (0.5, 0.5), seed="a"), "seed"),
    ("fetch.name_list", lambda: fetch(["sanguo"]), "name"),
    ("to_chinese.style", lambda: to_chinese(5, "rmb"), "style"),
    ("to_chinese.bool", lambda: to_chinese(True), "number"),
    ("random_numbers.zero_prob_bool", lambda: random_numbers(5, zero_prob=True), "zero_prob"),
    ("random_numbers.max_digits", lambda: random_numbers(5, max_digits=0), "max_digits"),
    ("numeral_pairs.styles", lambda: numeral_pairs([1], styles=["low", "mid"]), "styles"),
    ("load_numerals.sizes", lambda: load_numerals((10, True, 5)), "sizes"),
    ("memory_task.seed", lambda: memory_task(10, 3, seed="a"), "seed"),
    ("memory_task.num_sequences", lambda: memory_task(True, 3), "num_sequences"),
    # embeddings
    ("from_documents.strings", lambda: WordCorpus.from_documents(["玄德曰"]), "documents"),
    ("from_documents.min_count", lambda: WordCorpus.from_documents([["a"]], min_count=0), "min_count"),
    ("cooccurrence.corpus", lambda: cooccurrence(vocab(), 2), "corpus"),
    ("ppmi.alpha_bool", lambda: ppmi(torch.ones(2, 2), alpha=True), "alpha"),
    ("ppmi.counts_list", lambda: ppmi([[1.0]]), "counts"),
    ("truncated_svd.n_iter", lambda: truncated_svd(torch.ones(4, 4), 2, n_iter=-1), "n_iter"),
    ("skipgram.dim", lambda: SkipGram(10, 0), "dim"),
    ("train_skipgram.lr", lambda: train_skipgram(corpus(), lr=0), "lr"),
    ("skipgram_pairs.subsample", lambda: skipgram_pairs(corpus(), 2, 0.0, torch.Generator()), "subsample"),
    ("keep_probabilities.threshold", lambda: keep_probabilities(torch.ones(3), -1), "threshold"),
    ("top_neighbours.k_bool", lambda: top_neighbours(vectors(), vocab(), [2], k=True), "k"),
    ("pca.dim_bool", lambda: pca(torch.ones(3, 3), dim=True), "dim"),
    ("nearest.word", lambda: nearest(vectors(), vocab(), 5), "word"),
    ("names_of_type.entity_type", lambda: names_of_type(ENTITIES, vocab(), "地名"), "entity_type"),
    ("cosine_similarity.list", lambda: cosine_similarity([1.0], torch.ones(1, 1)), "a"),
    ("persons_with_aliases.entities", lambda: persons_with_aliases({}, vocab()), "entities"),
    # nn
    ("encoder.dropout", lambda: Encoder(10, 4, 4, dropout=2.0), "dropout"),
    ("encoder.bidirectional", lambda: Encoder(10, 4, 4, bidirectional="yes"), "bidirectional"),
    ("encoder.pad_id", lambda: Encoder(10, 4, 4, pad_id=10), "pad_id"),
    ("encoder.rnn_instance", lambda: Encoder(10, 4, 4, rnn_cls=nn.GRU(4, 4)), "rnn_cls"),
    ("attention_decoder.attention_size", lambda: AttentionDecoder(10, 4, 4, 8, attention_size=0), "attention_size"),
    ("decoder.output_hidden", lambda: Decoder(10, 4, 4, 8, output_hidden=0), "output_hidden"),
    ("seq2seq.encoder_class", lambda: Seq2Seq(Encoder, Decoder(10, 4, 4, 8)), "encoder"),
    ("length_mask.max_len", lambda: length_mask(torch.tensor([1, 2]), max_len=True), "max_len"),
    ("dot_product_attention.scale", lambda: dot_product_attention(torch.ones(1, 2), torch.ones(1, 3, 2), scale="no"),
     "scale"),
    ("dot_product_attention.query", lambda: dot_product_attention([1.0], torch.ones(1, 3, 2)), "query"),
    ("additive_attention.query_size", lambda: AdditiveAttention(0, 3, 3), "query_size"),
    ("gate_blocks.tensor", lambda: gate_blocks([1, 2], "lstm"), "tensor"),
    ("set_gate_bias.gate", lambda: set_gate_bias(nn.LSTM(2, 3), "lstm", "x", 1.0), "gate"),
    ("set_forget_bias.value", lambda: set_forget_bias(nn.LSTM(2, 3), True), "value"),
    ("recurrent_layer.hidden_size", lambda: recurrent_layer(nn.GRU, 3, 0), "hidden_size"),
    ("recurrent_layer.dropout", lambda: recurrent_layer(nn.GRU, 3, 4, dropout=2.0), "dropout"),
    ("recurrent_cell.input_size", lambda: recurrent_cell(nn.GRU, 0, 4), "input_size"),
    # plot
    ("draw_unrolled.steps", lambda: draw_unrolled(None, 0, [], []), "steps"),
    ("draw_gru_cell.reset_after", lambda: draw_gru_cell(reset_after="yes"), "reset_after"),
    ("plot_history.list", lambda: plot_history([]), "history"),
    ("plot_history.names", lambda: plot_history(History([{"epoch": 1, "train_loss": 1.0}]), names="train_loss"),
     "names"),
    # tasks
    ("charlm.vocab_size", lambda: CharLM(0), "vocab_size"),
    ("charlm.dropout", lambda: CharLM(10, dropout=2.0), "dropout"),
    ("add_k.vocab_size", lambda: AddKBigram([[1, 2]], True), "vocab_size"),
    ("add_k.ids", lambda: AddKBigram([["a", "b"]], 5), "seq"),
    ("acrostic.heads", lambda: acrostic_constraint(5, vocab()), "heads"),
    ("poem_loader.batch_size", lambda: poem_loader(["白日依山尽，"], vocab(), batch_size=0), "batch_size"),
    ("load_poems.min_freq", lambda: load_poems(min_freq=0), "min_freq"),
    ("load_poems.fractions", lambda: load_poems(fractions=(0.5, 0.6)), "fractions"),
    ("five_char_lines.num_lines", lambda: five_char_lines("白日依山尽，", num_lines=4), "num_lines"),
    ("classifier.num_classes", lambda: SequenceClassifier(10, 1), "num_classes"),
    ("classifier.pad_id", lambda: SequenceClassifier(10, 2, pad_id=10), "pad_id"),
    ("head_and_tail.bool", lambda: head_and_tail([1, 2, 3], True), "max_len"),
    ("encode_splits.train", lambda: encode_splits({"dev": PAIRS}, list), "splits"),
    ("encode_splits.tokenize", lambda: encode_splits({"train": PAIRS}, "char"), "tokenize"),
    ("bag_of_words.Cs", lambda: tune_bag_of_words(PAIRS, PAIRS, Cs=(0,)), "Cs"),
    ("bag_of_words.ngram_range", lambda: tune_bag_of_words(PAIRS, PAIRS, ngram_range=(True, 2)), "ngram_range"),
    ("tagger.window", lambda: SequenceTagger(10, window=-1), "window"),
    ("tagger.mlp_bidirectional", lambda: SequenceTagger(10, rnn_cls=None, bidirectional=True), "bidirectional"),
    ("words_to_tags.not_str", lambda: words_to_tags(["中", 1]), "words"),
    ("majority_tagger.string", lambda: MajorityTagger("中国"), "sentences"),
    ("tagged_windows.length", lambda: tagged_windows([["中国"]], vocab(), 0), "length"),
    ("predict_tags.batch_size", lambda: predict_tags(SequenceTagger(10), [[1]], batch_size=0), "batch_size"),
    ("segment.string", lambda: segment(SequenceTagger(10), vocab(), "中国"), "texts"),
    ("matched_hidden_size.target", lambda: matched_hidden_size(lambda h: nn.Linear(h, h), 0, len), "target"),
    ("memory_experiment.batch_size", lambda: memory_experiment(nn.LSTM, 3, batch_size=0), "batch_size"),
    ("memory_experiment.lr", lambda: memory_experiment(nn.LSTM, 3, lr=-1), "lr"),
    ("load_translation.val_size", lambda: load_translation(val_size=0), "val_size"),
    ("load_translation.seed", lambda: load_translation(seed=-1), "seed"),
    ("encode_pairs.tgt_vocab", lambda: encode_pairs([], vocab(), "tgt"), "tgt_vocab"),
    ("translation_model.attention", lambda: translation_model(10, 10, attention="yes"), "attention"),
    ("train_translation.epochs", lambda: train_translation(seq2seq(), [([2], [2, 3, 3])], epochs=True), "epochs"),
]


@pytest.mark.parametrize(("call", "parameter"), [pytest.param(c, p, id=i) for i, c, p in CASES])
def test_a_bad_argument_is_explained_in_chinese(call, parameter):
    with torch.random.fork_rng(devices=[]), pytest.raises((TypeError, ValueError, DataError)) as error:
        call()
    message = str(error.value)
    assert parameter in message, f"报错没有写出参数名 {parameter}：{message}"
    assert CJK.search(message), f"报错不是中文：{message}"
    assert not ENGLISH.search(message), f"报错里有英文的原始报错：{message}"


def test_the_table_covers_every_part_of_the_package():
    assert len(CASES) >= 60
    assert len({name for name, _, _ in CASES}) == len(CASES)


# ---- every literal message of a raise is Chinese --------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "code" / "seqbook"
# (file, start of the message): why its message may be English.
ALLOWED = {
    ("data/download.py", "HTTP "): "_AttemptFailed 的原因，只出现在中文的 DataError 里（HTTP 状态码）",
    ("data/download.py", ": "): "_AttemptFailed 的原因：Python 的异常名和原因，同样包在中文的 DataError 里",
}


def _literal(node) -> str | None:
    """The literal text of a message: a string, an f-string or a sum of them; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None


def _raised_messages():
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                text = _literal(node.exc.args[0])
                if text is not None:
                    yield path.relative_to(PACKAGE).as_posix(), node.lineno, text


def test_every_literal_raise_message_is_chinese():
    messages = list(_raised_messages())
    assert len(messages) > 100  # the walk really finds the package's raises
    english = [
        f"{file}:{line}: {text!r}"
        for file, line, text in messages
        if not CJK.search(text) and not any(file == f and text.startswith(s) for f, s in ALLOWED)
    ]
    assert not english, "这些报错不是中文：\n" + "\n".join(english)
