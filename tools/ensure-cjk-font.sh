#!/usr/bin/env sh
# Make sure matplotlib can draw Chinese: install a CJK font with apt when we are root,
# otherwise say exactly what to install. Usage: tools/ensure-cjk-font.sh PYTHON
PYTHON=${1:-python3}
has_font() { "$PYTHON" -c "import sys; from seqbook.plot import find_chinese_font; sys.exit(find_chinese_font() is None)"; }
has_font && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "没有找到中文字体，正在用 apt-get 安装 fonts-wqy-microhei ..."
    apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; }
    has_font && exit 0
fi
echo "没有找到中文字体：图中的中文会显示成方框，测试也会失败。请安装一个中文字体，例如："
echo "  Debian/Ubuntu:  sudo apt-get install fonts-wqy-microhei"
echo "  Fedora:         sudo dnf install google-noto-sans-cjk-fonts"
echo "  macOS/Windows:  系统自带（苹方 / 微软雅黑），无需安装"
echo "或者把环境变量 SEQBOOK_FONT 设为一个中文字体文件（.ttf/.otf/.ttc）的路径。"
exit 1
