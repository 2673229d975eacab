"""One registry of families and named experiments, listable like neurogym's ``all_envs``.

Families come from three places, all equal:

* the ``learndyn.families`` entry-point group of every installed package (learndyn's own
  families are registered this way, in its ``pyproject.toml``);
* :func:`register_family` at run time (a notebook, a test);
* an import path ``"package.module:Class"`` given as a spec's ``family`` — for a module on the
  Python path that is not installed. The run stores the path, so ``show``, ``analyze``,
  ``--resume`` and Dask workers in fresh processes find the family again.

A name collision is an error, never a silent overwrite.
"""

from __future__ import annotations

import inspect
import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..config import BaseSpec, deep_merge, load_toml, parse_override, set_dotted, validate_as
from ..errors import ConfigError, did_you_mean
from ..family import Experiment, Family
from ..imports import load_object

ENTRY_POINT_GROUP = "learndyn.families"

_FAMILIES: dict[str, Family] = {}
_EXPERIMENTS: dict[str, Experiment] = {}
_ENTRY_POINTS: dict[str, Any] = {}  # family name -> entry point not loaded yet (or its load error)
_scanned = False


def _check_family(family: Any, where: str) -> Family:
    """An instance of a complete :class:`Family` subclass, or a one-line ``ConfigError``."""
    cls = family if inspect.isclass(family) else type(family)
    if not (inspect.isclass(cls) and issubclass(cls, Family)):
        raise ConfigError(f"{where}: {family!r} is not a learndyn.Family subclass")
    missing = sorted(getattr(cls, "__abstractmethods__", ()))
    if missing:
        raise ConfigError(f"{where}: family {cls.__qualname__} does not implement {', '.join(missing)}")
    for attr in ("name", "spec_type"):
        if not hasattr(cls, attr):
            raise ConfigError(f"{where}: family {cls.__qualname__} has no class attribute '{attr}'")
    if not isinstance(cls.name, str) or not cls.name:
        raise ConfigError(f"{where}: family {cls.__qualname__}.name must be a non-empty string")
    if not (inspect.isclass(cls.spec_type) and issubclass(cls.spec_type, BaseSpec)):
        raise ConfigError(f"{where}: {cls.__qualname__}.spec_type must be a subclass of learndyn.config.BaseSpec")
    return family if not inspect.isclass(family) else cls()


def register_family(family: type[Family] | Family) -> Family:
    """Register a family (class or instance) and its named experiments; returns the instance.

    Registering the same class again is a no-op.

    Raises:
        ConfigError: not a complete ``Family``, or its name (or one of its experiments' names) is
            taken by another family.
    """
    _scan_entry_points()
    fam = _check_family(family, "register_family")
    known = _FAMILIES.get(fam.name)
    if known is not None:
        if type(known) is type(fam):
            return known
        raise ConfigError(f"family '{fam.name}' is already registered by {type(known).reference()}; "
                          f"{type(fam).reference()} cannot take its name")
    if fam.name in _ENTRY_POINTS and _ENTRY_POINTS[fam.name].value != type(fam).reference():
        raise ConfigError(f"family '{fam.name}' is already registered by the entry point "
                          f"{_ENTRY_POINTS[fam.name].value}; {type(fam).reference()} cannot take its name")
    for exp in fam.experiments:
        _check_experiment(exp)
    _FAMILIES[fam.name] = fam
    _ENTRY_POINTS.pop(fam.name, None)
    for exp in fam.experiments:
        _EXPERIMENTS[exp.name] = exp
    return fam


def _check_experiment(exp: Experiment) -> None:
    if not isinstance(exp, Experiment):
        raise ConfigError(f"register_experiment: {exp!r} is not a learndyn.Experiment")
    if exp.name in _EXPERIMENTS and _EXPERIMENTS[exp.name] != exp:
        raise ConfigError(f"experiment '{exp.name}' is already registered (family "
                          f"'{_EXPERIMENTS[exp.name].family}'); choose another name")


def register_experiment(exp: Experiment) -> Experiment:
    """Register a named experiment of a registered (or importable) family.

    Raises:
        ConfigError: the name is taken by a different experiment, or the family is unknown.
    """
    _check_experiment(exp)
    get_family(exp.family)
    _EXPERIMENTS[exp.name] = exp
    return exp


def _scan_entry_points() -> None:
    """Note every ``learndyn.families`` entry point once (loaded when first asked for), except
    those named in ``LEARNDYN_DISABLE_ENTRY_POINTS`` (comma-separated: e.g. a broken plugin)."""
    global _scanned
    if _scanned:
        return
    _scanned = True
    skip = {n.strip() for n in os.environ.get("LEARNDYN_DISABLE_ENTRY_POINTS", "").split(",") if n.strip()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in skip:
            _ENTRY_POINTS.setdefault(ep.name, ep)


def _load_entry_point(name: str) -> Family:
    ep = _ENTRY_POINTS[name]
    try:
        obj = ep.load()
    except Exception as err:  # noqa: BLE001 - an installed package's entry point is broken
        raise ConfigError(f"entry point '{name}' = '{ep.value}' (group {ENTRY_POINT_GROUP}) failed to load: "
                          f"{type(err).__name__}: {err}") from None
    fam = _check_family(obj, f"entry point '{name}' = '{ep.value}'")
    if fam.name != name:
        raise ConfigError(f"entry point '{name}' = '{ep.value}': the family calls itself '{fam.name}'; "
                          "the entry-point name must be the family's name")
    _ENTRY_POINTS.pop(name)
    return register_family(fam)


def get_family(name: str) -> Family:
    """The family called ``name`` (registered, installed, or an import path ``module:Class``).

    Raises:
        ConfigError: unknown name, or a path / entry point that does not give a complete family.
    """
    _scan_entry_points()
    if name in _FAMILIES:
        return _FAMILIES[name]
    if name in _ENTRY_POINTS:
        return _load_entry_point(name)
    if isinstance(name, str) and ":" in name:
        fam = _check_family(load_object(name, "family"), f"family {name!r}")
        for other in _FAMILIES.values():
            if type(other) is type(fam):
                return other
        return register_family(fam)
    known = sorted({*_FAMILIES, *_ENTRY_POINTS})
    raise ConfigError(f"family: {name!r} is not one of {known}" + did_you_mean(str(name), known)
                      + " (or give an import path 'package.module:Class')")


def family_of(ds_or_attrs) -> Family:
    """The family of a stored result set: by its name, else by the import path the run recorded."""
    attrs = getattr(ds_or_attrs, "attrs", ds_or_attrs)
    name, ref = attrs.get("family"), attrs.get("family_ref")
    if name is None:
        raise ConfigError("the result set names no family (attrs['family'] is missing): not a learndyn run?")
    try:
        return get_family(name)
    except ConfigError:
        if not ref:
            raise
        try:
            return get_family(ref)
        except ConfigError as err:
            raise ConfigError(f"the run's family '{name}' is not registered here and its recorded import "
                              f"path failed: {err}") from None


def all_families() -> dict[str, Family]:
    """Every family: registered, and installed by entry point (loaded now)."""
    _scan_entry_points()
    for name in list(_ENTRY_POINTS):
        _load_entry_point(name)
    return dict(_FAMILIES)


def all_experiments(*, errors: list[str] | None = None) -> dict[str, Experiment]:
    """Every named experiment of every family. With ``errors`` given, a broken entry point is
    reported there (one line) instead of raised, and the others are still listed."""
    _scan_entry_points()
    for name in list(_ENTRY_POINTS):
        try:
            _load_entry_point(name)
        except ConfigError as err:
            if errors is None:
                raise
            errors.append(str(err))
            _ENTRY_POINTS.pop(name, None)
    return dict(_EXPERIMENTS)


def default_data(name: str) -> dict[str, Any]:
    """The registered defaults of experiment ``name`` as a plain dict (before validation)."""
    known = all_experiments()
    if name not in known:
        raise ConfigError(
            f"unknown experiment '{name}'" + did_you_mean(name, known)
            + f" (see `learndyn list`; known: {', '.join(sorted(known))})"
        )
    exp = known[name]
    return deep_merge({"experiment": exp.name, "family": exp.family, "description": exp.description},
                      exp.defaults)


def validate_spec(data: dict[str, Any]) -> BaseSpec:
    """Validate a plain dict into the spec class of the family its ``family`` key names.

    Raises:
        ConfigError: one line naming the key, the value and the allowed values.
    """
    family = data.get("family")
    if not isinstance(family, str):
        raise ConfigError(f"family: {family!r} is not a family name or import path")
    return validate_as(get_family(family).spec_type, data)


def resolve_spec(
    name_or_path: str, overrides: list[str] | None = None, *, seeds: int | None = None
) -> BaseSpec:
    """Resolve a spec: registered defaults → TOML file → ``--set`` overrides → ``--seeds``.

    ``name_or_path`` is an experiment name or a ``.toml`` file whose ``experiment`` key names the
    experiment it starts from (a file from ``learndyn config`` is complete on its own; a file with
    its own ``family`` — a name or an import path — needs no registered experiment).
    """
    if name_or_path.endswith(".toml") or Path(name_or_path).is_file():
        file_data = load_toml(name_or_path)
        base = file_data.get("experiment")
        if not isinstance(base, str):
            raise ConfigError(f"{name_or_path}: missing key 'experiment' (an experiment name)")
        if isinstance(file_data.get("family"), str):
            get_family(file_data["family"])  # registers a path-given family's own experiments
        registered = base in all_experiments()
        data = deep_merge(default_data(base) if registered else {}, file_data)
        if registered and "grid" in file_data:
            data["grid"] = file_data["grid"]
    else:
        data = default_data(name_or_path)
    for item in overrides or []:
        key, value = parse_override(item)
        if key == "grid" or key.startswith("grid."):
            raise ConfigError("--set grid...: give grids in a TOML spec file or with `learndyn sweep --grid`")
        data = set_dotted(data, key, value)
    if seeds is not None:
        data["seeds"] = seeds
    return validate_spec(data)


def default_spec(name: str) -> BaseSpec:
    """The fully resolved default spec of a registered experiment."""
    return resolve_spec(name)
