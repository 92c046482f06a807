"""seqbook: the shared code of the course book 《序列模型：从分词到注意力》.

The package is built in floors; a module imports only from floors below it (see
``code/README.md``):

- ``checks`` (argument checks with Chinese messages) and ``runtime`` (seeds, device);
- ``data`` (corpora, synthetic data), ``text`` (tokenizers, Vocab, batching), ``plot``
  (every figure; the only user of matplotlib), ``check`` (exercise self-checks);
- ``nn`` (layers from scratch), ``losses``, ``metrics``, ``train`` (the training loop);
- ``stats``, ``decode``, ``embeddings``;
- ``tasks``: one recipe per task of the book, which nothing else imports.
"""

from seqbook.runtime import device, set_seed

__version__ = "0.1.0"
__all__ = ["device", "set_seed", "__version__"]
