"""seqbook: the shared code of the course book 《序列模型：从分词到注意力》.

Modules, from data to models: ``data`` (corpora), ``text`` (tokenizers, Vocab, maximum
matching), ``stats`` (token statistics), ``nn`` (recurrent layers from scratch), ``lm``
(character language models), ``train`` (seeds, device, the training loop), ``decode``
(sampling), ``metrics``, ``plot`` and ``diagrams`` (figures), ``check`` (self-checks).
"""

from seqbook.train import device, set_seed

__version__ = "0.1.0"
__all__ = ["device", "set_seed", "__version__"]
