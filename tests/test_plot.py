import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from seqbook import plot  # noqa: E402


def test_chinese_labels_draw_without_missing_glyphs(tmp_path):
    name = plot.use_chinese_font()
    assert matplotlib.rcParams["font.sans-serif"][0] == name
    fig, ax = plt.subplots()
    ax.set_title("隐藏状态的范数")
    ax.plot([1, 2, 3], [-1, 0, 1], label="长短期记忆网络")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" is a UserWarning
        fig.savefig(tmp_path / "plot.png")
    plt.close(fig)


def test_missing_font_says_what_to_install(monkeypatch):
    monkeypatch.delenv("SEQBOOK_FONT", raising=False)
    monkeypatch.setattr(plot.fonts, "CJK_FONT_FILES", ["/nonexistent/*.ttc"])
    with pytest.raises(RuntimeError, match="fonts-wqy-microhei|PingFang|msyh"):
        plot.use_chinese_font()


def test_font_path_from_environment_must_exist(monkeypatch):
    monkeypatch.setenv("SEQBOOK_FONT", "/nonexistent/font.ttf")
    with pytest.raises(FileNotFoundError, match="/nonexistent/font.ttf"):
        plot.use_chinese_font()
