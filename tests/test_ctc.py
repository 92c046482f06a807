"""seqbook.ctc: the from-scratch CTC loss equals torch.nn.functional.ctc_loss (values and
gradients, float64, 1e-6); greedy decoding and prefix beam search against brute force."""

import itertools
import math
import re

import pytest
import torch
import torch.nn.functional as F

from seqbook.ctc import (
    collapse,
    ctc_alpha,
    ctc_alpha_step,
    ctc_loss,
    extend_prefix,
    extend_with_blanks,
    greedy_decode,
    prefix_beam_search,
    skip_allowed,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"must be|should be|expected|but got|Invalid|not supported|out of range")  # torch's own messages
TOL = {"rtol": 1e-6, "atol": 1e-6}


# ---- collapse ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "blank", "labels"),
    [
        ([], 0, []),
        ([0, 0, 0], 0, []),
        ([1, 1, 0, 1, 2, 2], 0, [1, 1, 2]),  # a blank separates two 1s
        ([1, 1, 1, 2, 2], 0, [1, 2]),  # without a blank, repeats merge
        ([0, 1, 0, 0, 1, 0], 0, [1, 1]),
        ([3, 0, 3, 3, 0], 0, [3, 3]),
        ([2, 2, 0, 2, 1], 2, [0, 1]),  # blank is class 2: class 0 is an ordinary label
        (torch.tensor([1, 0, 0, 2, 2, 0]), 0, [1, 2]),
        ((1, 2, 1), 0, [1, 2, 1]),
    ],
)
def test_collapse(path, blank, labels):
    assert collapse(path, blank) == labels


# ---- the loss against torch ----------------------------------------------------------------


def random_case(seed, T, N, C, max_label_length, blank, *, concatenated, feasible_only=False):
    """Random logits and targets; label sequences often repeat a label (e.g. "aa" needs a blank)."""
    g = torch.Generator().manual_seed(seed)
    labels = [c for c in range(C) if c != blank]
    targets, target_lengths, input_lengths = [], [], []
    for _ in range(N):
        length = int(torch.randint(0, max_label_length + 1, (1,), generator=g))
        seq = [labels[int(i)] for i in torch.randint(len(labels), (length,), generator=g)]
        if length >= 2 and torch.rand(1, generator=g) < 0.5:
            seq[1] = seq[0]  # a repeated label
        needed = len(seq) + sum(a == b for a, b in itertools.pairwise(seq))
        low = min(needed, T) if feasible_only else max(0, min(needed, T) - 1)
        input_lengths.append(int(torch.randint(low, T + 1, (1,), generator=g)))
        targets.append(seq)
        target_lengths.append(length)
    logits = torch.randn(T, N, C, generator=g, dtype=torch.float64)
    if concatenated:
        flat = torch.tensor([c for seq in targets for c in seq], dtype=torch.long)
    else:
        width = max(target_lengths + [1])
        # the padding holds arbitrary labels: they must be ignored
        flat = torch.tensor([seq + [labels[0]] * (width - len(seq)) for seq in targets], dtype=torch.long)
    return logits, flat, tuple(input_lengths), tuple(target_lengths)


def both_losses(logits, targets, input_lengths, target_lengths, **kwargs):
    """(ours, torch's) losses and their gradients w.r.t. the logits (through log_softmax)."""
    results = []
    for fn in (ctc_loss, F.ctc_loss):
        x = logits.clone().requires_grad_()
        loss = fn(x.log_softmax(-1), targets, input_lengths, target_lengths, **kwargs)
        finite = torch.isfinite(loss).all()
        grad = torch.autograd.grad(loss.sum(), x)[0] if finite else None
        results.append((loss.detach(), grad))
    return results


CASES = [
    # T, N, C, longest target, blank
    (1, 2, 2, 1, 0),
    (4, 3, 3, 2, 0),
    (6, 4, 5, 3, 0),
    (10, 5, 4, 5, 0),
    (15, 3, 6, 6, 2),
    (20, 6, 10, 8, 9),
    (30, 2, 37, 6, 0),
]


@pytest.mark.parametrize("case", CASES, ids=[f"T{c[0]}-N{c[1]}-C{c[2]}-S{c[3]}-blank{c[4]}" for c in CASES])
@pytest.mark.parametrize("concatenated", [False, True], ids=["padded", "concatenated"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_loss_and_gradient_equal_torch(case, concatenated, reduction, zero_infinity):
    T, N, C, S, blank = case
    for seed in range(3):
        args = random_case(seed, T, N, C, S, blank, concatenated=concatenated)
        (ours, our_grad), (theirs, their_grad) = both_losses(
            *args, blank=blank, reduction=reduction, zero_infinity=zero_infinity
        )
        torch.testing.assert_close(ours, theirs, **TOL)
        assert (our_grad is None) == (their_grad is None)
        if our_grad is not None:
            torch.testing.assert_close(our_grad, their_grad, **TOL)


def test_the_random_cases_cover_repeats_empty_and_infeasible_targets():
    seen = {"repeat": 0, "empty": 0, "infeasible": 0}
    for case in CASES:
        T, N, C, S, blank = case
        for seed in range(3):
            logits, targets, input_lengths, target_lengths = random_case(seed, T, N, C, S, blank, concatenated=False)
            losses = ctc_loss(logits.log_softmax(-1), targets, input_lengths, target_lengths, blank, "none")
            seen["infeasible"] += int(torch.isinf(losses).sum())
            seen["empty"] += sum(length == 0 for length in target_lengths)
            seen["repeat"] += sum(
                any(a == b for a, b in itertools.pairwise(row[:length].tolist()))
                for row, length in zip(targets, target_lengths, strict=True)
            )
    assert min(seen.values()) >= 5, seen


@pytest.mark.parametrize("seed", range(4))
def test_gradient_wrt_log_probs_differs_from_torch_by_exactly_softmax(seed):
    """PyTorch's kernel returns the gradient w.r.t. log_probs as if they went through
    log_softmax (pytorch/pytorch#52241): torch = ours + exp(log_probs) * weight, on the frames
    each sequence reads. Ours is the true gradient: per frame, it sums to -weight."""
    logits, targets, input_lengths, target_lengths = random_case(seed, 8, 4, 5, 3, 0, concatenated=False,
                                                                 feasible_only=True)
    log_probs = logits.log_softmax(-1)
    weights = torch.rand(4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) + 0.5
    grads = []
    for fn in (ctc_loss, F.ctc_loss):
        x = log_probs.clone().requires_grad_()
        loss = fn(x, targets, input_lengths, target_lengths, reduction="none")
        grads.append(torch.autograd.grad((loss * weights).sum(), x)[0])
    ours, theirs = grads
    reading = (torch.arange(8)[:, None] < torch.tensor(input_lengths)).to(torch.float64)  # (T, N)
    torch.testing.assert_close(theirs, ours + log_probs.exp() * (weights * reading)[..., None], **TOL)
    torch.testing.assert_close(ours.sum(-1), -weights * reading, **TOL)


def test_gradient_is_finite_in_float64_gradcheck():
    logits, targets, input_lengths, target_lengths = random_case(0, 5, 2, 3, 2, 0, concatenated=False,
                                                                 feasible_only=True)
    log_probs = logits.log_softmax(-1).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: ctc_loss(x, targets, input_lengths, target_lengths), (log_probs,))


def test_float32_close_to_torch():
    logits, targets, input_lengths, target_lengths = random_case(1, 12, 4, 6, 4, 0, concatenated=False)
    (ours, our_grad), (theirs, their_grad) = both_losses(logits.float(), targets, input_lengths, target_lengths,
                                                         zero_infinity=True)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(our_grad, their_grad, rtol=1e-5, atol=1e-5)


def test_lengths_as_tensors_tuples_or_lists_agree():
    logits, targets, input_lengths, target_lengths = random_case(2, 7, 3, 4, 3, 0, concatenated=False)
    log_probs = logits.log_softmax(-1)
    reference = F.ctc_loss(log_probs, targets, torch.tensor(input_lengths), torch.tensor(target_lengths),
                           reduction="none")
    for lengths in (torch.tensor, tuple, list):
        got = ctc_loss(log_probs, targets, lengths(input_lengths), lengths(target_lengths), reduction="none")
        torch.testing.assert_close(got, reference, **TOL)
    mixed = ctc_loss(log_probs, targets, torch.tensor(input_lengths), target_lengths, reduction="none")
    torch.testing.assert_close(mixed, reference, **TOL)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_unbatched_input(reduction):
    g = torch.Generator().manual_seed(0)
    log_probs = torch.randn(6, 4, generator=g, dtype=torch.float64).log_softmax(-1)
    target = torch.tensor([1, 1, 3])
    for lengths in ((torch.tensor(6), torch.tensor(3)), ((6,), (3,))):
        expected = F.ctc_loss(log_probs, target, *lengths, reduction=reduction)
        got = ctc_loss(log_probs, target, *lengths, reduction=reduction)
        assert got.shape == expected.shape == ()
        torch.testing.assert_close(got, expected, **TOL)
    torch.testing.assert_close(ctc_loss(log_probs, target, 6, 3, reduction=reduction), expected, **TOL)


def test_aa_needs_a_blank_between():
    """"aa" needs at least 3 frames (a, blank, a); with exactly 3 its only path is a - a."""
    log_probs = torch.tensor([[0.5, 0.3, 0.2]], dtype=torch.float64).log().expand(3, 3)
    a = torch.tensor([[1, 1]])
    two = ctc_loss(log_probs[:2, None], a, (2,), (2,), reduction="none")
    three = ctc_loss(log_probs[:, None], a, (3,), (2,), reduction="none")
    assert torch.isinf(two).all()
    torch.testing.assert_close(three, -torch.tensor([0.3 * 0.5 * 0.3], dtype=torch.float64).log())
    ab = ctc_loss(log_probs[:2, None], torch.tensor([[1, 2]]), (2,), (2,), reduction="none")
    torch.testing.assert_close(ab, -torch.tensor([0.3 * 0.2], dtype=torch.float64).log())


def test_zero_frames_and_empty_target_cost_nothing():
    log_probs = torch.randn(4, 2, 3, dtype=torch.float64).log_softmax(-1)
    got = ctc_loss(log_probs, torch.tensor([[1], [2]]), (0, 0), (0, 1), reduction="none")
    expected = F.ctc_loss(log_probs, torch.tensor([[1], [2]]), (0, 0), (0, 1), reduction="none")
    assert got[0] == 0 and torch.isinf(got[1])
    torch.testing.assert_close(got, expected)


def test_zero_infinity_gives_zero_loss_and_zero_gradient():
    logits = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    loss = ctc_loss(logits.log_softmax(-1), torch.tensor([[1, 1], [1, 2]]), (2, 2), (2, 2), reduction="none",
                    zero_infinity=True)
    assert loss[0] == 0 and torch.isfinite(loss[1]) and loss[1] > 0
    (grad,) = torch.autograd.grad(loss[0], logits, retain_graph=True)
    assert (grad == 0).all()
    (grad,) = torch.autograd.grad(loss.sum(), logits)
    assert torch.isfinite(grad).all() and (grad[:, 0] == 0).all() and (grad[:, 1] != 0).any()


# ---- the alpha recursion -------------------------------------------------------------------


def test_extended_sequence_and_skips():
    extended = extend_with_blanks(torch.tensor([[1, 1, 2]]))
    assert extended.tolist() == [[0, 1, 0, 1, 0, 2, 0]]
    # skipping is allowed into a label that differs from the label two places back
    assert skip_allowed(extended).tolist() == [[False, False, False, False, False, True, False]]
    assert extend_with_blanks(torch.tensor([[0, 1]]), blank=3).tolist() == [[3, 0, 3, 1, 3]]


def test_one_alpha_step_by_hand():
    y = torch.tensor([[0.5, 0.3, 0.2]], dtype=torch.float64)  # one frame: blank, a, b
    extended = extend_with_blanks(torch.tensor([[1, 2]]))  # - a - b -
    alpha = torch.tensor([[0.1, 0.2, 0.3, 0.4, 0.05]], dtype=torch.float64)
    new = ctc_alpha_step(alpha.log(), y.log(), extended, skip_allowed(extended)).exp()
    expected = [0.1 * 0.5, (0.2 + 0.1) * 0.3, (0.3 + 0.2) * 0.5, (0.4 + 0.3 + 0.2) * 0.2, (0.05 + 0.4) * 0.5]
    torch.testing.assert_close(new, torch.tensor([expected], dtype=torch.float64))


def test_alpha_table_first_frame_and_total_probability():
    g = torch.Generator().manual_seed(0)
    log_probs = torch.randn(5, 1, 3, generator=g, dtype=torch.float64).log_softmax(-1)
    table = ctc_alpha(log_probs, torch.tensor([[1, 2]]), (5,), (2,))
    assert table.shape == (6, 1, 5)
    assert table[0, 0].tolist() == [0.0] + [-math.inf] * 4
    torch.testing.assert_close(table[1, 0, :2], log_probs[0, 0, :2])  # alpha_0(0) = y(blank), alpha_0(1) = y(a)
    assert torch.isneginf(table[1, 0, 2:]).all()
    total = torch.logsumexp(table[-1, 0, -2:], 0)
    assert math.isclose(-total, F.ctc_loss(log_probs, torch.tensor([[1, 2]]), (5,), (2,), reduction="sum"),
                        rel_tol=1e-9)


# ---- decoding ------------------------------------------------------------------------------


def brute_force(log_probs, blank=0):
    """{labelling: probability} summed over every path of a tiny (T, C) problem."""
    T, C = log_probs.shape
    totals = {}
    for path in itertools.product(range(C), repeat=T):
        labels = tuple(collapse(list(path), blank))
        totals[labels] = totals.get(labels, 0.0) + math.exp(sum(log_probs[t, c].item() for t, c in enumerate(path)))
    return totals


def test_greedy_decode_is_collapsed_argmax_with_lengths():
    g = torch.Generator().manual_seed(0)
    log_probs = torch.randn(7, 3, 4, generator=g).log_softmax(-1)
    got = greedy_decode(log_probs, (7, 3, 0))
    best = log_probs.argmax(-1)
    assert got == [collapse(best[:7, 0]), collapse(best[:3, 1]), []]
    assert greedy_decode(log_probs) == [collapse(best[:, n]) for n in range(3)]


@pytest.mark.parametrize("seed", range(12))
def test_prefix_beam_search_finds_the_most_probable_labelling(seed):
    g = torch.Generator().manual_seed(seed)
    T, C = 2 + seed % 4, 2 + seed % 3
    blank = seed % C
    log_probs = (torch.randn(T, C, generator=g, dtype=torch.float64) * 1.5).log_softmax(-1)
    truth = brute_force(log_probs, blank)
    beam = prefix_beam_search(log_probs, beam_width=C**T, blank=blank, return_beam=True)
    # a wide beam holds every possible labelling with its exact probability
    assert {tuple(labels): math.exp(score) for labels, score in beam}.keys() == truth.keys()
    for labels, score in beam:
        assert math.isclose(math.exp(score), truth[tuple(labels)], rel_tol=1e-9)
    best = prefix_beam_search(log_probs, beam_width=C**T, blank=blank)
    assert math.isclose(truth[tuple(best)], max(truth.values()), rel_tol=1e-12)


def test_greedy_misses_the_most_probable_labelling_and_beam_search_finds_it():
    """Two frames, P(blank) = 0.6, P(a) = 0.4: the best path is "- -" (0.36) and collapses to
    the empty labelling, but "a" has probability 0.4*0.4 + 0.4*0.6 + 0.6*0.4 = 0.64."""
    log_probs = torch.tensor([[0.6, 0.4], [0.6, 0.4]], dtype=torch.float64).log()
    assert greedy_decode(log_probs[:, None]) == [[]]
    beam = prefix_beam_search(log_probs, beam_width=4, return_beam=True)
    assert [labels for labels, _ in beam] == [[1], []]
    assert math.isclose(math.exp(beam[0][1]), 0.64) and math.isclose(math.exp(beam[1][1]), 0.36)
    assert brute_force(log_probs) == pytest.approx({(): 0.36, (1,): 0.64})


def test_extend_prefix_repeated_character_rule():
    log_y = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64).log()
    p_b, p_nb = math.log(0.1), math.log(0.2)
    out = {k: [math.exp(b), math.exp(nb)] for k, b, nb in extend_prefix((1,), p_b, p_nb, log_y)}
    assert out.keys() == {(1,), (1, 1), (1, 2)}
    assert out[(1,)] == pytest.approx([0.3 * 0.5, 0.2 * 0.3])  # blank: both endings; a again: merged repeat
    assert out[(1, 1)] == pytest.approx([0.0, 0.1 * 0.3])  # a second "a" only after a blank
    assert out[(1, 2)] == pytest.approx([0.0, 0.3 * 0.2])
    empty = extend_prefix((), 0.0, -math.inf, log_y)
    assert [k for k, _, _ in empty] == [(), (1,), (2,)]  # sorted by prefix
    assert {k: math.exp(b) + math.exp(nb) for k, b, nb in empty} == pytest.approx(
        {(): 0.5, (1,): 0.3, (2,): 0.2})


def test_pruning_keeps_the_answer_on_a_peaked_distribution():
    g = torch.Generator().manual_seed(5)
    log_probs = (torch.randn(25, 37, generator=g, dtype=torch.float64) * 4).log_softmax(-1)
    exact = prefix_beam_search(log_probs, beam_width=10, return_beam=True)
    pruned = prefix_beam_search(log_probs, beam_width=10, return_beam=True, prune=1e-3)
    assert pruned[0][0] == exact[0][0]
    assert math.isclose(pruned[0][1], exact[0][1], rel_tol=1e-3)
    assert prefix_beam_search(log_probs, beam_width=10, prune=0.0) == exact[0][0]


def test_narrow_beam_is_still_a_labelling():
    g = torch.Generator().manual_seed(3)
    log_probs = torch.randn(12, 5, generator=g).log_softmax(-1)
    for width in (1, 2, 5):
        beam = prefix_beam_search(log_probs, beam_width=width, return_beam=True)
        assert 1 <= len(beam) <= width
        assert all(0 not in labels for labels, _ in beam)
        assert [s for _, s in beam] == sorted((s for _, s in beam), reverse=True)


# ---- errors --------------------------------------------------------------------------------

LP = torch.randn(5, 2, 4).log_softmax(-1)
TG = torch.tensor([[1, 2], [3, 3]])

ERRORS = [
    ("log_probs.dim", lambda: ctc_loss(LP[0, 0], TG, (5, 5), (2, 2)), "log_probs"),
    ("log_probs.int", lambda: ctc_loss(LP.long(), TG, (5, 5), (2, 2)), "log_probs"),
    ("log_probs.one_class", lambda: ctc_loss(LP[..., :1], TG, (5, 5), (2, 2)), "log_probs"),
    ("blank.range", lambda: ctc_loss(LP, TG, (5, 5), (2, 2), blank=4), "blank"),
    ("blank.bool", lambda: ctc_loss(LP, TG, (5, 5), (2, 2), blank=True), "blank"),
    ("input_lengths.too_long", lambda: ctc_loss(LP, TG, (6, 5), (2, 2)), "input_lengths"),
    ("input_lengths.count", lambda: ctc_loss(LP, TG, (5,), (2, 2)), "input_lengths"),
    ("input_lengths.float", lambda: ctc_loss(LP, TG, torch.tensor([5.0, 5.0]), (2, 2)), "input_lengths"),
    ("input_lengths.negative", lambda: ctc_loss(LP, TG, (5, -1), (2, 2)), "input_lengths"),
    ("target_lengths.wider", lambda: ctc_loss(LP, TG, (5, 5), (3, 2)), "target_lengths"),
    ("target_lengths.concatenated", lambda: ctc_loss(LP, TG.flatten(), (5, 5), (2, 1)), "target_lengths"),
    ("targets.float", lambda: ctc_loss(LP, TG.float(), (5, 5), (2, 2)), "targets"),
    ("targets.rows", lambda: ctc_loss(LP, TG[:1], (5, 5), (2, 2)), "targets"),
    ("targets.blank", lambda: ctc_loss(LP, torch.tensor([[1, 0], [3, 3]]), (5, 5), (2, 2)), "targets"),
    ("targets.class", lambda: ctc_loss(LP, torch.tensor([[1, 4], [3, 3]]), (5, 5), (2, 2)), "targets"),
    ("reduction", lambda: ctc_loss(LP, TG, (5, 5), (2, 2), reduction="avg"), "reduction"),
    ("zero_infinity", lambda: ctc_loss(LP, TG, (5, 5), (2, 2), zero_infinity=1), "zero_infinity"),
    ("collapse.path", lambda: collapse("abc"), "path"),
    ("collapse.blank", lambda: collapse([1, 2], blank=None), "blank"),
    ("greedy.dim", lambda: greedy_decode(LP[:, 0]), "log_probs"),
    ("greedy.lengths", lambda: greedy_decode(LP, (6, 1)), "input_lengths"),
    ("beam.dim", lambda: prefix_beam_search(LP), "log_probs"),
    ("beam.width", lambda: prefix_beam_search(LP[:, 0], beam_width=0), "beam_width"),
    ("beam.blank", lambda: prefix_beam_search(LP[:, 0], blank=-1), "blank"),
    ("beam.prune", lambda: prefix_beam_search(LP[:, 0], prune=1.0), "prune"),
    ("extend_prefix.dim", lambda: extend_prefix((), 0.0, -math.inf, LP[0]), "log_probs_t"),
    ("extend_prefix.prefix", lambda: extend_prefix("ab", 0.0, -math.inf, LP[0, 0]), "prefix"),
    ("extend_prefix.log_p", lambda: extend_prefix((), None, -math.inf, LP[0, 0]), "log_p_blank"),
    ("alpha_step.dim", lambda: ctc_alpha_step(torch.zeros(5), LP[0], torch.zeros(2, 5, dtype=torch.long),
                                              torch.zeros(2, 5, dtype=torch.bool)), "alpha"),
    ("alpha_step.shape", lambda: ctc_alpha_step(torch.zeros(2, 5), LP[0], torch.zeros(2, 3, dtype=torch.long),
                                                torch.zeros(2, 3, dtype=torch.bool)), "extended"),
    ("extend_with_blanks.dim", lambda: extend_with_blanks(torch.tensor([1, 2])), "targets"),
    ("skip_allowed.dim", lambda: skip_allowed(torch.tensor([0, 1, 0])), "extended"),
    ("ctc_alpha.too_long", lambda: ctc_alpha(LP, TG, (9, 5), (2, 2)), "input_lengths"),
]


@pytest.mark.parametrize(("call", "parameter"), [pytest.param(c, p, id=i) for i, c, p in ERRORS])
def test_a_bad_argument_is_explained_in_chinese(call, parameter):
    with pytest.raises((TypeError, ValueError)) as error:
        call()
    message = str(error.value)
    assert parameter in message, message
    assert CJK.search(message), message
    assert not ENGLISH.search(message), message


# ---- the figure ----------------------------------------------------------------------------


def test_plot_ctc_alpha_labels_and_no_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from seqbook.plot import overlapping_texts, use_chinese_font
    from seqbook.plot.ctc import plot_ctc_alpha

    use_chinese_font()
    y = torch.tensor([[0.2, 0.7, 0.1], [0.4, 0.5, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]], dtype=torch.float64)
    table = ctc_alpha(y.log()[:, None], torch.tensor([[1, 2]]), (4,), (2,))
    ax = plot_ctc_alpha(table[1:, 0], ["-", "a", "-", "b", "-"], title="α 表")
    assert ax.get_xlabel() == "帧 t" and ax.get_ylabel() == "扩展标签序列的位置 s" and ax.get_title() == "α 表"
    reachable = int(torch.isfinite(table[1:, 0]).sum())
    assert len(ax.texts) == reachable  # one number per reachable cell, none in the grey ones
    ax.figure.canvas.draw()
    labels = [t for t in [*ax.texts, *ax.get_xticklabels(), *ax.get_yticklabels(), ax.title] if t.get_text() and t.get_visible()]
    assert not overlapping_texts(labels)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="states"):
        plot_ctc_alpha(table[1:, 0], ["-", "a"])
