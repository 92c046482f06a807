"""Chinese search that finds unspaced multi-word queries.

Sphinx indexes Chinese pages with jieba, but the browser splits a query only at spaces and
punctuation, so "长短期记忆" is looked up as one term and finds nothing. This extension keeps
Sphinx's Chinese indexer and gives the page a ``splitQuery`` that cuts each run of Han
characters by forward maximum matching against the terms of the loaded search index.
"""

import logging

import jieba
from sphinx.search.zh import SearchChinese

SPLIT_QUERY_JS = r"""
var splitQuery = (query) => {
  const pieces = query
    .split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)
    .filter((piece) => piece);
  const index = (typeof Search !== "undefined" && Search._index) || {};
  const known = (term) =>
    (index.terms !== undefined && term in index.terms) ||
    (index.titleterms !== undefined && term in index.titleterms);
  const longest = 10;  // longer than any word jieba puts in the index
  const terms = [];
  for (const piece of pieces) {
    for (const run of piece.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu)) {
      if (!/\p{Script=Han}/u.test(run) || known(run)) {
        terms.push(run);
        continue;
      }
      // forward maximum matching: take the longest indexed term starting at i
      for (let i = 0; i < run.length; ) {
        let j = Math.min(run.length, i + longest);
        while (j > i + 1 && !known(run.slice(i, j))) j--;
        if (j > i + 1 || known(run[i])) terms.push(run.slice(i, j));
        i = j;
      }
    }
  }
  return terms.length ? terms : pieces;
};
"""


class SearchChineseMaxMatch(SearchChinese):
    """Sphinx's Chinese search with a query splitter that segments unspaced Chinese."""

    js_splitter_code = SPLIT_QUERY_JS


def setup(app):
    jieba.setLogLevel(logging.WARNING)  # keep jieba's start-up chatter out of the build log
    app.add_search_language(SearchChineseMaxMatch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
