"""Import paths to a user's own objects (``"package.module:Name"``) and protocol checks.

Configs name a user's task, network, optimiser or family by import path; these helpers load the
object and check that it has what learndyn will call, with one-line errors that name the object
and what is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from .errors import ConfigError, did_you_mean


def is_import_path(text: Any) -> bool:
    """``"package.module:Name"`` (a module part and an attribute part around one colon)."""
    if not isinstance(text, str) or text.count(":") != 1:
        return False
    module, attr = text.split(":")
    return bool(module) and bool(attr) and all(p.isidentifier() for p in module.split(".") + attr.split("."))


def load_object(path: str, what: str) -> Any:
    """The object at ``"package.module:attr"`` (``attr`` may be dotted).

    Raises:
        ConfigError: one line naming ``what``, the path and what is missing.
    """
    if not is_import_path(path):
        raise ConfigError(f"{what}: {path!r} is not an import path 'package.module:Name'")
    module_name, attr = path.split(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as err:
        raise ConfigError(f"{what}: cannot import module '{module_name}' of {path!r} ({err})") from None
    except Exception as err:  # noqa: BLE001 - the user's module raised on import
        raise ConfigError(f"{what}: importing '{module_name}' of {path!r} raised "
                          f"{type(err).__name__}: {err}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise ConfigError(f"{what}: module '{module_name}' has no '{attr}'" + did_you_mean(part, names))
        obj = getattr(obj, part)
    return obj


def require(obj: Any, names: Iterable[str], what: str) -> Any:
    """``obj`` if it has every attribute in ``names``, else a ConfigError listing the missing ones."""
    missing = [n for n in names if not hasattr(obj, n)]
    if missing:
        name = obj.__qualname__ if isinstance(obj, type) else type(obj).__qualname__
        raise ConfigError(f"{what}: {name} does not satisfy the protocol: missing "
                          + ", ".join(f"'{n}'" for n in missing))
    return obj


def choice_or_import_path(value: Any, choices: tuple[str, ...], what: str, protocol: Iterable[str] = ()) -> str:
    """Validate a ``kind``-like field: one of ``choices`` or an import path (loaded now, and checked
    for the ``protocol`` attributes, so a bad path fails at config time, before anything runs)."""
    if value in choices:
        return value
    if isinstance(value, str) and ":" in value:
        require(load_object(value, what), protocol, f"{what} {value!r}")
        return value
    raise ConfigError(f"{what}: {value!r} is not one of {', '.join(repr(c) for c in choices)} or an import path "
                      "'package.module:Name'" + did_you_mean(str(value), choices))
