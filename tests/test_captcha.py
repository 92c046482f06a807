"""Chapter 8's CAPTCHAs: data (seqbook.data.captcha), the readers (seqbook.tasks.captcha), figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from seqbook.data.captcha import (  # noqa: E402
    CAPTCHA_ALPHABET,
    captcha_image,
    captcha_strings,
    load_captchas,
    split_of,
)
from seqbook.plot import use_chinese_font  # noqa: E402
from seqbook.plot.captcha import plot_captchas, plot_ctc_frames  # noqa: E402
from seqbook.plot.scatter import overlapping_texts  # noqa: E402
from seqbook.tasks.captcha import (  # noqa: E402
    CTCReader,
    HeadsReader,
    decode_labels,
    edit_distance,
    encode_labels,
    evaluate_reader,
    predict,
    score_strings,
    train_reader,
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQBOOK_CACHE", str(tmp_path))
    return tmp_path


# ---- data -----------------------------------------------------------------------------------


def test_alphabet_has_36_classes():
    assert CAPTCHA_ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_image_is_deterministic_grayscale_uint8():
    a = captcha_image("A3k9", key="7", height=32, width=80)
    assert a.dtype == np.uint8 and a.shape == (32, 80)
    assert np.array_equal(a, captcha_image("A3k9", key="7", height=32, width=80))
    assert not np.array_equal(a, captcha_image("A3k9", key="8", height=32, width=80))
    assert a.min() < 128 < a.max()  # ink and background


def test_label_case_does_not_matter_for_the_image():
    assert np.array_equal(captcha_image("abc1", key="3"), captcha_image("ABC1", key="3"))


def test_split_is_a_function_of_the_string_only():
    assert split_of("AB12") == split_of("ab12")
    counts = {s: 0 for s in ("train", "val", "test")}
    for text in captcha_strings((900, 50, 50), seed=1)["train"]:
        counts[split_of(text)] += 1
    assert counts == {"train": 900, "val": 0, "test": 0}


@pytest.mark.parametrize("lengths", [(4, 4), (4, 6)])
def test_strings_are_distinct_disjoint_and_of_the_right_lengths(lengths):
    parts = captcha_strings((500, 60, 60), lengths=lengths, seed=0)
    assert [len(parts[s]) for s in ("train", "val", "test")] == [500, 60, 60]
    every = parts["train"] + parts["val"] + parts["test"]
    assert len(set(every)) == len(every)
    assert all(lengths[0] <= len(t) <= lengths[1] and set(t) <= set(CAPTCHA_ALPHABET) for t in every)
    if lengths == (4, 6):
        assert {len(t) for t in every} == {4, 5, 6}
    assert captcha_strings((500, 60, 60), lengths=lengths, seed=0) == parts
    assert captcha_strings((500, 60, 60), lengths=lengths, seed=1) != parts


def test_load_captchas_caches_and_can_regenerate_one_image(cache, monkeypatch):
    data = load_captchas((12, 3, 4), lengths=(4, 6), height=32, width=80, seed=2)
    assert data.train_images.shape == (12, 1, 32, 80) and data.train_images.dtype == torch.uint8
    assert len(data.test_labels) == 4 and data.test_images.shape[0] == 4
    files = list((cache / "captcha").glob("*.npz"))
    assert len(files) == 1 and "len4-6" in files[0].name and "seed2" in files[0].name
    assert not list((cache / "captcha").glob("*.part"))
    image = captcha_image(data.val_labels[1], key="2-val-1", height=32, width=80)
    assert np.array_equal(data.val_images[1, 0].numpy(), image)

    import seqbook.data.captcha as module

    def fail(*args, **kwargs):
        raise AssertionError("the cached file should have been read")

    monkeypatch.setattr(module, "captcha_image", fail)
    again = load_captchas((12, 3, 4), lengths=(4, 6), height=32, width=80, seed=2)
    assert torch.equal(again.train_images, data.train_images) and again.train_labels == data.train_labels
    images, labels = again.part("val")
    assert labels == data.val_labels and torch.equal(images, data.val_images)


def test_drawing_in_several_processes_gives_the_same_images():
    from seqbook.data.captcha import _draw_all

    texts, keys = ["A3K9", "7QZ2", "K0O1", "XYZW", "1234"], ["0-train-0", "a", "b", "c", "d"]
    together = _draw_all(texts, keys, 32, 80, chunk=2)  # three chunks: a process pool
    assert together.shape == (5, 1, 32, 80) and together.dtype == np.uint8
    for image, text, key in zip(together, texts, keys, strict=True):
        assert np.array_equal(image[0], captcha_image(text, key=key, height=32, width=80))


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"sizes": (10, 2)}, ValueError, "sizes"),
        ({"sizes": (10, 0, 2)}, ValueError, "sizes[1]"),
        ({"lengths": (5, 4)}, ValueError, "lengths[1]"),
        ({"lengths": 4}, ValueError, "lengths"),
        ({"height": 8}, ValueError, "height"),
        ({"width": 32.0}, TypeError, "width"),
        ({"seed": -1}, ValueError, "seed"),
        ({"cache": 1}, TypeError, "cache"),
        ({"sizes": (10**6, 10**5, 10**5), "lengths": (2, 2)}, ValueError, "sizes"),
    ],
)
def test_load_captchas_rejects_bad_arguments_in_chinese(cache, kwargs, error, words):
    with pytest.raises(error, match="应|太多") as info:
        load_captchas(**({"sizes": (4, 2, 2)} | kwargs))
    assert words in str(info.value)


def test_captcha_image_rejects_bad_text():
    with pytest.raises(ValueError, match="字母表以外"):
        captcha_image("AB-1")
    with pytest.raises(ValueError, match="空字符串"):
        captcha_image("")
    with pytest.raises(ValueError, match="part|split"):
        load_captchas((2, 1, 1), cache=False).part("dev")


# ---- models ---------------------------------------------------------------------------------


def test_labels_round_trip():
    assert encode_labels(["A1", "z0"]) == [[10, 1], [35, 0]]
    assert decode_labels(encode_labels(["K9Q2"])) == ["K9Q2"]
    with pytest.raises(ValueError, match="字母以外"):
        encode_labels(["A_1"])


def test_shapes_of_the_two_readers():
    images = torch.randint(0, 256, (3, 1, 32, 80), dtype=torch.uint8)
    assert HeadsReader(32)(images).shape == (3, 4, 36)
    assert HeadsReader(32, num_positions=6)(images).shape == (3, 6, 36)
    log_probs = CTCReader(32)(images)
    assert log_probs.shape == (20, 3, 37)
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(20, 3), atol=1e-5)
    assert CTCReader(48)(torch.zeros(2, 1, 48, 120, dtype=torch.uint8)).shape == (30, 2, 37)
    with pytest.raises(ValueError, match="16"):
        CTCReader(30)


def test_edit_distance_and_scores():
    assert edit_distance("ABCD", "ABCD") == 0
    assert edit_distance("ABCD", "ABXD") == 1
    assert edit_distance("ABCD", "ABD") == 1
    assert edit_distance("", "AB") == 2
    scores = score_strings(["ABCD", "AB0D", "ABC", "ABCDE"], ["ABCD", "ABOD", "ABCD", "abcd"])
    assert scores.string_accuracy == 0.25
    assert scores.char_accuracy == pytest.approx(1 - 3 / 16)
    assert scores.confusions == {("O", "0"): 1}
    assert scores.length_errors == 2
    assert score_strings(["ZZZZZZZZZZ"], ["AB"]).char_accuracy == 0.0
    with pytest.raises(ValueError, match="一样多"):
        score_strings(["A"], ["A", "B"])


def test_heads_reader_refuses_other_lengths():
    images = torch.zeros(2, 1, 32, 80, dtype=torch.uint8)
    with pytest.raises(ValueError, match="4 个头"):
        train_reader(HeadsReader(32), images, ["ABCD", "ABCDE"], epochs=1)
    with pytest.raises(ValueError, match="一一对应"):
        train_reader(CTCReader(32), images, ["ABCD"], epochs=1)
    with pytest.raises(ValueError, match="images"):
        train_reader(CTCReader(32), images[:, 0], ["ABCD", "ABCD"], epochs=1)


@pytest.mark.parametrize("reader", [HeadsReader, CTCReader])
def test_a_reader_learns_a_tiny_set(cache, reader):
    data = load_captchas((64, 2, 2), lengths=(4, 4), seed=5)
    torch.manual_seed(0)
    model = reader(32, hidden_size=32, channels=(8, 16, 16, 16))
    history = train_reader(model, data.train_images[:16], data.train_labels[:16], epochs=30, batch_size=16, lr=1e-2)
    assert [r["epoch"] for r in history] == list(range(1, 31))
    assert history[-1]["train_loss"] < history[0]["train_loss"] / 2
    assert model.training
    read = predict(model, data.train_images[:16])
    assert len(read) == 16 and all(set(s) <= set(CAPTCHA_ALPHABET) for s in read)
    scores = evaluate_reader(model, data.train_images[:16], data.train_labels[:16])
    assert 0 <= scores.string_accuracy <= 1 and 0 <= scores.char_accuracy <= 1


# ---- figures --------------------------------------------------------------------------------


def _texts(fig):
    fig.canvas.draw()
    return [t for ax in fig.axes for t in ax.texts + [ax.title] if t.get_text()]


def test_plot_captchas():
    use_chinese_font()
    images = torch.stack([torch.from_numpy(captcha_image(t, key=t))[None] for t in ("AB12", "CD34", "EF56")])
    fig = plot_captchas(images, ["AB12", "CD34", "EF56"], predictions=["AB12", "CD3", "EF56"], columns=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["AB12 → AB12", "CD34 → CD3", "EF56 → EF56"]
    assert overlapping_texts(_texts(fig)) == []
    plt.close(fig)
    with pytest.raises(ValueError, match="一样多"):
        plot_captchas(images, ["AB12"])


def test_plot_ctc_frames():
    use_chinese_font()
    image = captcha_image("AB12", key="1")
    log_probs = torch.randn(20, 37).log_softmax(-1)
    fig = plot_ctc_frames(image, log_probs, CAPTCHA_ALPHABET, label="AB12")
    texts = _texts(fig)
    assert len([t for t in texts if len(t.get_text()) == 1]) == 20
    assert any("空白符" in t.get_text() for t in texts)
    assert fig.axes[1].get_ylabel() == "概率"
    assert overlapping_texts(texts) == []
    plt.close(fig)
    with pytest.raises(ValueError, match="log_probs"):
        plot_ctc_frames(image, torch.zeros(20, 2, 37), CAPTCHA_ALPHABET)
