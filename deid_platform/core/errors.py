"""The errors a user can fix: bad input files, options, output folders or model directories."""


class UserError(ValueError):
    """Reported by the command line as one line, without a traceback. The message names files,
    lines, ids, counts and label names only, never document text."""
