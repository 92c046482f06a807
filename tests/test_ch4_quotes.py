"""Numbers one notebook quotes from another's run: sentiment-bilstm (and chapter 5's
comparison) quote the unidirectional LSTM of sentiment-lstm, its book run (the committed
outputs) and the range of its five runs (chapters/04-lstm/variability.json). The quoting
notebook cannot assert them (it does not train that model), so this test ties the quotes
to the source after every re-execution or re-measurement."""

import json
import re

from book import ROOT, read_notebook

CH4 = ROOT / "chapters" / "04-lstm"


def _outputs(path) -> str:
    return "\n".join(
        "".join(out.get("text", ""))
        for cell in read_notebook(path)["cells"] if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
    )


def _prose(path) -> str:
    return "\n".join("".join(c["source"]) for c in read_notebook(path)["cells"] if c["cell_type"] == "markdown")


def _lstm_run() -> tuple[str, str]:
    """sentiment-lstm's book run: test accuracy and accuracy on the 869 unseen reviews."""
    found = re.findall(r"测试集准确率 (\d\.\d{3})，其中没见过的 869 条 (\d\.\d{3})", _outputs(CH4 / "sentiment-lstm.ipynb"))
    assert len(found) == 1, "sentiment-lstm 的输出中应恰好有一行“测试集准确率 …，其中没见过的 869 条 …”"
    return found[0]


def _lstm_range() -> tuple[str, str]:
    table = json.loads((CH4 / "variability.json").read_text(encoding="utf-8"))["sentiment-lstm.ipynb"]
    q = table["quantities"]["LSTM 测试集准确率"]
    return f"{q['min']:.3f}", f"{q['max']:.3f}"


def test_sentiment_lstm_quotes_its_own_run_and_range():
    test, _ = _lstm_run()
    low, high = _lstm_range()
    prose = _prose(CH4 / "sentiment-lstm.ipynb")
    assert f"测试集上的准确率是 {test}" in prose
    assert prose.count(f"运行在 {low} 到 {high} 之间") == 2, "正文与小结都应给出 5 次运行的范围"


def test_sentiment_bilstm_quotes_sentiment_lstm_as_it_ran():
    test, unseen = _lstm_run()
    low, high = _lstm_range()
    prose = _prose(CH4 / "sentiment-bilstm.ipynb")
    assert f"这次是 {test}，5 次运行在 {low} 到 {high} 之间" in prose
    assert f"| LSTM（单向） | {test} | {unseen} |" in prose
    assert f"单向 LSTM（{test}，范围 {low} 到 {high}）" in prose


def test_sentiment_bilstm_pairs_the_runs_of_both_notebooks():
    """The prose compares the two models run by run (same seed offset, kernels, threads)."""
    tables = json.loads((CH4 / "variability.json").read_text(encoding="utf-8"))
    uni, bi = tables["sentiment-lstm.ipynb"], tables["sentiment-bilstm.ipynb"]
    settings = [[(r["seed_offset"], r["kernels"], r["threads"]) for r in t["runs"]] for t in (uni, bi)]
    assert settings[0] == settings[1], "两个笔记本的 5 次运行应在同样的设置下测量"
    gaps = [b - u for b, u in zip(bi["quantities"]["双向 LSTM 测试集准确率"]["values"],
                                  uni["quantities"]["LSTM 测试集准确率"]["values"], strict=True)]
    prose = _prose(CH4 / "sentiment-bilstm.ipynb")
    if all(gap > 0 for gap in gaps):
        assert f"5 次都是双向略高，但最少只高 {min(gaps):.3f}，最多 {max(gaps):.3f}" in prose
    else:
        assert "5 次都是双向略高" not in prose, "已不是每次都是双向更高：请改写正文"


def test_comparison_quotes_chapter_4_run_and_range():
    test, _ = _lstm_run()
    low, high = _lstm_range()
    prose = _prose(ROOT / "chapters" / "05-gru" / "comparison.ipynb")
    assert f"书中这次的测试集准确率是 {test}，第 4 章的 5 次运行在 {low} 到 {high} 之间" in prose
