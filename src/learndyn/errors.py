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


class ResourceError(UserError):
    """A run that cannot fit in this machine's memory (or the device's)."""


def first_line(err: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message (at most ``limit`` characters; ``""`` if none)."""
    lines = str(err).strip().splitlines()
    return lines[0][:limit] if lines else ""


def as_user_error(err: BaseException) -> UserError | None:
    """The :class:`UserError` an exception stands for, or ``None`` for a genuine code error:
    allocation failures (numpy's ``MemoryError``, XLA's ``RESOURCE_EXHAUSTED``) are the size the
    user asked for, not a bug."""
    if isinstance(err, UserError):
        return err
    text = str(err)
    if isinstance(err, MemoryError) or "RESOURCE_EXHAUSTED" in text or "Out of memory" in text:
        return ResourceError(f"out of memory ({first_line(err) or type(err).__name__}); use fewer seeds, smaller networks or fewer "
                             "recorded points (record.points), or a machine with more memory")
    return None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""
