#!/usr/bin/env sh
# What `make pdf` needs besides Python: XeLaTeX with the Chinese packages (xeCJK), latexmk,
# the Noto CJK fonts, the LaTeX packages Sphinx uses, and poppler-utils (tests/test_pdf.py). Installed with apt when we are root;
# otherwise this says exactly what to install and fails.
PACKAGES="texlive-xetex texlive-lang-chinese texlive-latex-extra texlive-fonts-recommended latexmk fonts-noto-cjk poppler-utils"
ready() {
    command -v xelatex >/dev/null 2>&1 && command -v latexmk >/dev/null 2>&1 \
        && kpsewhich xeCJK.sty >/dev/null 2>&1 && kpsewhich fncychap.sty >/dev/null 2>&1 \
        && fc-list 2>/dev/null | grep -q "Noto Serif CJK SC" && command -v pdftotext >/dev/null 2>&1
}
ready && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "正在用 apt-get 安装生成 PDF 所需的 TeX Live（XeLaTeX 与中文支持）、latexmk 和 Noto CJK 字体（约 200 MB）..."
    apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null; }
    ready && exit 0
fi
echo "生成 PDF 需要 XeLaTeX、xeCJK、latexmk 和 Noto CJK 字体。请安装："
echo "  Debian/Ubuntu:  sudo apt-get install --no-install-recommends $PACKAGES"
echo "  macOS:          安装 MacTeX（含 xelatex、latexmk 和 xeCJK），再安装 Noto Serif CJK SC 与 Noto Sans CJK SC 字体"
echo "  Windows:        安装 TeX Live 或 MiKTeX，再安装 Noto Serif CJK SC 与 Noto Sans CJK SC 字体"
exit 1
