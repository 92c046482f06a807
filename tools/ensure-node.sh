#!/usr/bin/env sh
# The search test of the HTML book runs the page's search script with node. Install nodejs
# with apt when we are root; otherwise say what to install. Never fails: without node that
# test is skipped (and fails under SEQBOOK_STRICT=1, as in CI).
command -v node >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "没有找到 node，正在用 apt-get 安装 nodejs（只有测试书中的搜索需要它）..."
    apt-get install -y -qq nodejs >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq nodejs >/dev/null; }
    command -v node >/dev/null 2>&1 && exit 0
fi
echo "没有找到 node：测试书中搜索的那项测试会被跳过。需要时请安装 Node.js，例如 sudo apt-get install nodejs。"
exit 0
