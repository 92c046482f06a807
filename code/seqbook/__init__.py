"""seqbook: the shared code of the course book 《序列模型：从分词到注意力》.

Modules, from data to models: ``data`` (corpora), ``text`` (tokenizers, Vocab),
``nn`` (recurrent layers from scratch), ``train`` (seeds, device, training loop),
``metrics``, ``plot`` and ``check`` (self-checks for exercises).
"""

from seqbook.train import device, set_seed

__version__ = "0.1.0"
__all__ = ["device", "set_seed", "__version__"]
