"""The one exception type for bad input: the command line reports it as a single line that
names the setting or file and how to fix it, instead of a traceback."""


class SummitError(ValueError):
    """Bad input (config, dataset, model or layer names), found before heavy work starts."""


class DataError(SummitError):
    """A dataset setting or file is unusable; the message says which and how to fix it."""


class ModelError(SummitError):
    """The model setting or weights file is unusable; the message says how to fix it."""
