"""One recipe per task of the book: prepare -> model -> loss -> train -> predict/evaluate.

``classification`` (sentiment, chapters 4-5), ``segmentation`` (b/m/e/s tagging, chapter 6),
``language_model`` (Tang poems, chapter 3), ``memory`` (how far back a network remembers,
chapters 4-5) and ``translation`` (numerals and Tatoeba, chapter 7). The notebooks import
them; no module of seqbook outside ``tasks`` does.
"""
