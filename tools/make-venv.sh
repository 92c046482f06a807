#!/usr/bin/env sh
# Create the virtual environment VENV with PYTHON (3.11 or newer), installing Debian's
# python3-venv first when it is missing and we are root. Usage: tools/make-venv.sh PYTHON VENV
set -e
PYTHON=$1
VENV=$2
[ -x "$VENV/bin/python" ] && exit 0
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "找不到 $PYTHON。请安装 Python 3.11（Debian/Ubuntu：sudo apt-get install python3），或用 make PYTHON=/path/to/python3 指定。"
    exit 1
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "$PYTHON 的版本是 $("$PYTHON" -V 2>&1)，本书需要 Python 3.11 或更新（Debian 12 自带的 3.11.2 即可）。"
    exit 1
}
if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "缺少 venv 模块，正在安装 python3-venv ..."
        apt-get install -y -qq python3-venv >/dev/null 2>&1 \
            || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
        "$PYTHON" -m venv "$VENV"
    else
        echo "无法创建虚拟环境：缺少 venv 模块。Debian/Ubuntu 请运行：sudo apt-get install python3-venv"
        exit 1
    fi
fi
echo "已创建虚拟环境 $VENV"
