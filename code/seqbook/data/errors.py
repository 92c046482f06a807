"""The one exception that ``seqbook.data`` raises."""


class DataError(RuntimeError):
    """A corpus can't be found, downloaded, verified or loaded; the message says how to fix it."""
