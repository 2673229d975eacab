"""User-facing errors.

A :class:`UserError` is a problem with what the user asked for (a config key, a value, an output
directory). The CLI prints its one-line message and exits with status 2; it never shows a
traceback. Code errors are ordinary exceptions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """A one-line, actionable error about user input (exit status 2 in the CLI)."""


class ConfigError(UserError):
    """An invalid experiment spec: unknown key, wrong type, impossible value."""


class OutputError(UserError):
    """The output directory cannot be used as asked (exists, unwritable, not a run)."""


class StoreError(UserError):
    """A result store that cannot be read (corrupt, partial in an unexpected way)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""
