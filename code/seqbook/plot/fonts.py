"""Chinese fonts for matplotlib: find a font file with Chinese glyphs and register it."""

import glob
import os
import sys
from pathlib import Path

import matplotlib
from matplotlib import font_manager

# Font files with Simplified-Chinese glyphs, most preferred first. Patterns may use globs.
CJK_FONT_FILES = [
    # Linux (Debian/Ubuntu: fonts-wqy-microhei, fonts-noto-cjk; Fedora: google-noto-*-cjk)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/**/NotoSansCJK*.ttc",
    "/usr/share/fonts/**/NotoSansSC*.otf",
    # macOS
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    # Windows
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
]

INSTALL_HINT = {
    "linux": "Debian/Ubuntu：sudo apt-get install fonts-wqy-microhei（或 fonts-noto-cjk）；"
    "Fedora：sudo dnf install google-noto-sans-cjk-fonts",
    "darwin": "macOS 自带苹方（PingFang），请确认 /System/Library/Fonts/PingFang.ttc 存在",
    "win32": "Windows 自带微软雅黑，请确认 C:/Windows/Fonts/msyh.ttc 存在",
}


def find_chinese_font() -> Path | None:
    """The first font file with Chinese glyphs on this machine, or None.

    The environment variable ``SEQBOOK_FONT`` (a path to a .ttf/.otf/.ttc file) wins.
    """
    chosen = os.environ.get("SEQBOOK_FONT")
    if chosen:
        if not Path(chosen).is_file():
            raise FileNotFoundError(
                f"环境变量 SEQBOOK_FONT 指向的字体文件 {chosen!r} 不存在；"
                "请改成一个存在的 .ttf/.otf/.ttc 文件，或删除这个变量。"
            )
        return Path(chosen)
    for pattern in CJK_FONT_FILES:
        for path in sorted(glob.glob(pattern, recursive=True)):
            return Path(path)
    return None


def use_chinese_font() -> str:
    """Make matplotlib draw Chinese labels; returns the font family name in use.

    Registers the font file explicitly, because matplotlib's font cache does not see fonts
    installed after it was built.
    """
    path = find_chinese_font()
    if path is None:
        hint = INSTALL_HINT.get(sys.platform, INSTALL_HINT["linux"])
        raise RuntimeError(
            "没有找到含中文字形的字体，图中的中文会显示成方框。请安装一个中文字体："
            f"{hint}；或把环境变量 SEQBOOK_FONT 设为一个中文字体文件的路径。"
        )
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [name, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    return name
