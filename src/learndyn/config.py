r"""Experiment specs: nested pydantic models, TOML files and ``--set`` overrides.

A spec is one composed object (``extra="forbid"`` everywhere, ``Literal`` for choices), so a typo
is an error naming the key and its nearest valid spelling, never a silently ignored field.
Every family of experiments has its own spec class (a subclass of :class:`BaseSpec`, declared
by the family, see :class:`learndyn.Family`), selected by the ``family`` field; the shared
fields (``experiment``, ``seed``, ``seeds``, ``grid``, ``record``) live in :class:`BaseSpec`.
This module knows no family: it holds the base classes, validation, TOML and grid algebra.

Resolution order: the registered default of ``experiment`` → a TOML file's values →
``--set dotted.key=value`` overrides → ``--seeds``.
"""

from __future__ import annotations

import tomllib
from typing import Any, ClassVar, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError, did_you_mean


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, assignments are validated, numbers
    must be finite (no NaN or ±inf), and ``true``/``false`` are not numbers (a bool given where a
    field takes no bool is an error rather than 1 or 0)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_as_number(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                field = cls.model_fields.get(name)
                if field is not None and _holds_bool(value) and not _accepts_bool(field.annotation):
                    raise ValueError(f"{_FIELD_TAG}{name}: expected a number, not true/false (got {value!r})")
        return data


_FIELD_TAG = "field "  # marks a section-level error that names its own field


def _holds_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_bool(v) for v in value)
    return False


def _accepts_bool(annotation: Any) -> bool:
    """Whether a field admits a bool: anything but numbers (``int``, ``float``, their optional
    forms and lists of them), for which pydantic would silently read ``true`` as 1."""
    import typing

    if annotation in (int, float, type(None)):
        return False
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple) or (args and origin is not Literal and origin is not dict):
        return any(_accepts_bool(a) for a in args if a is not Ellipsis)
    return True


class Record(Strict):
    """What is recorded and how often results are written."""

    points: int = Field(100, ge=2, description="recorded steps (incl. 0 and last)")
    spacing: Literal["log", "linear"] = Field("log", description="spacing of the recorded steps")
    writes: int = Field(10, ge=1, description="minimum number of incremental writes per run")
    snapshots: int = Field(20, ge=0, description="recorded steps at which recurrent weights are kept "
                                                 "(for `learndyn analyze`; 0: none)")
    snapshot_max_units: int = Field(512, ge=1, description="no weight snapshots for networks larger than this")


class BaseSpec(Strict):
    """Fields every experiment spec has."""

    structural_keys: ClassVar[frozenset[str]] = frozenset({"train.steps", "record.snapshots", "vector_width"})
    """Keys that change array shapes or the compiled program: never coordinates of one run (a
    sweep runs their values as separate chunks). A family's spec class extends this set."""

    experiment: str = Field(description="experiment name (see `learndyn list`); also the default "
                                        "run directory runs/NAME, so a plain name",
                            pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$", max_length=100)
    family: str = Field(description="the family: a registered name or an import path 'module:Class'")
    description: str = ""
    seed: int = Field(0, ge=0, description="root seed; network i uses split(key(seed))[i]")
    seeds: int = Field(4, ge=1, le=100_000, description="independent networks per grid point")
    grid: dict[str, list[float]] = Field(
        default_factory=dict,
        description="sweep coordinates, e.g. {'model.sigma' = [0.0, 0.5]}; vmapped together",
    )
    record: Record = Field(default_factory=Record)
    vector_width: int | None = Field(
        None, ge=1, description="networks vmapped together in one training step; the rest are looped "
                                "inside the same compiled program (None: learndyn's default — all "
                                "vmapped on a GPU, looped one by one on a CPU when a step costs ≥ 1e6 FLOPs)")


# ----------------------------------------------------------------------------- helpers


def format_validation_error(err: ValidationError, known: list[str] | set[str] = ()) -> str:
    """One line for a pydantic error: the key, the value, the allowed values, a did-you-mean
    (among ``known`` dotted keys for an unknown key)."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"] if not _is_union_tag(p))
    text = first["msg"].removeprefix("Value error, ")
    if text.startswith(_FIELD_TAG):  # raised by a section for one of its fields: "section.field: …"
        return f"{loc}.{text[len(_FIELD_TAG):]}" if loc else text[len(_FIELD_TAG):]
    if first["type"] == "extra_forbidden":
        return f"unknown key '{loc}'" + did_you_mean(loc, known)
    value = first.get("input")
    msg = first["msg"]
    if first["type"] == "literal_error":
        return f"{loc}: {value!r} is not one of {msg.split('Input should be ')[-1]}" + (
            did_you_mean(str(value), _literal_choices(msg)) if isinstance(value, str) else ""
        )
    if not loc:
        return msg.removeprefix("Value error, ")
    return f"{loc}: {msg.removeprefix('Value error, ')} (got {value!r})"


def _is_union_tag(part: Any) -> bool:
    """pydantic's location entries naming the member of a union that failed (``float``,
    ``list[float]``, ``literal['a']``…), which are not keys."""
    import re

    return isinstance(part, str) and bool(re.fullmatch(r"(float|int|str|bool|none|list\[.*\]|dict\[.*\]|"
                                                        r"tuple\[.*\]|literal\[.*\]|function-.*)", part))


def _literal_choices(msg: str) -> list[str]:
    return [c.strip(" '") for c in msg.split("Input should be ")[-1].replace(" or ", ",").split(",")]


def known_keys(spec_type: type[BaseModel], prefix: str = "") -> list[str]:
    """All dotted keys of a spec class (for did-you-mean and docs)."""
    keys = []
    for name, field in spec_type.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys += known_keys(ann, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def validate_as(spec_type: type[BaseSpec], data: dict[str, Any]) -> BaseSpec:
    """Validate a plain dict into ``spec_type`` and check its grid.

    Raises:
        ConfigError: one line naming the key, the value and the allowed values.
    """
    known = known_keys(spec_type)
    try:
        spec = spec_type.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, known)) from None
    for key in spec.grid:
        if key not in known or key.startswith(("grid", "record", "experiment", "family")):
            raise ConfigError(f"grid: unknown key '{key}'" + did_you_mean(key, known))
        if key in spec_type.structural_keys:
            raise ConfigError(
                f"grid: '{key}' changes array shapes or the program; it cannot be a coordinate "
                "of one run (run the values separately, e.g. with `learndyn sweep`)"
            )
        if not spec.grid[key]:
            raise ConfigError(f"grid: '{key}' has no values")
        for value in spec.grid[key]:  # every grid point must itself be a valid spec
            point = set_dotted(spec.model_dump(), key, value)
            point["grid"] = {}
            try:
                spec_type.model_validate(point)
            except ValidationError as err:
                raise ConfigError(f"grid: {format_validation_error(err, known)}") from None
    return spec


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge ``update`` into a copy of ``base`` (dicts merge, other values replace)."""
    out = dict(base)
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "grid":
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def set_dotted(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """Return a copy of ``data`` with ``a.b.c = value`` set (intermediate dicts created)."""
    out = deep_merge(data, {})
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            if child is not None:
                raise ConfigError(f"--set {key}: '{part}' is not a section")
            child = {}
        node[part] = dict(child)
        node = node[part]
    node[parts[-1]] = value
    return out


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value as TOML (``0.1``, ``[1, 2]``, ``true``), else keep the string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_override(item: str) -> tuple[str, Any]:
    """Split ``dotted.key=value`` into ``(key, parsed value)``."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {item!r}: expected dotted.key=value")
    return key.strip(), parse_value(value.strip())


def load_toml(path) -> dict[str, Any]:
    """Read a TOML spec file (a one-line error if unreadable or invalid)."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as err:
        raise ConfigError(f"cannot read spec file {path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"spec file {path} is not valid TOML: {err}") from None


def to_toml(spec: BaseSpec) -> str:
    """The fully resolved spec as TOML text."""
    return tomli_w.dumps(spec.model_dump(mode="json", exclude_none=True))  # TOML has no null: unset = default


IMPORT_PATH = "<import path>"
"""A value for :func:`applies_when`: the condition holds when the field is an import path
``'package.module:Object'`` (a user's own task, network or optimiser)."""


def applies_when(**conditions: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
    """``json_schema_extra`` of a field that only applies for some values of other fields.

    ``Field(1.0, json_schema_extra=applies_when(kind=("oscillator",)))``: the field matters only
    when its section's ``kind`` is ``'oscillator'``. A condition key without a dot names a field of
    the same section; a dotted key (``'plant.kind'``) is read from the spec's root. The value
    :data:`IMPORT_PATH` stands for any import path. :func:`annotated_toml` leaves a field out when
    a condition fails and its value is the default; the conditions are also in the JSON schema
    (``applies_when``), for editors.
    """
    return {"applies_when": {key: list(values) for key, values in conditions.items()}}


def _applies(field, section: dict[str, Any], root: dict[str, Any]) -> bool:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    for key, allowed in extra.get("applies_when", {}).items():
        node: Any = root if "." in key else section
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        matches = node in allowed or (IMPORT_PATH in allowed and isinstance(node, str) and ":" in node)
        if not matches:
            return False
    return True


def _comment(text: str, width: int = 96) -> list[str]:
    import textwrap

    return [f"# {line}" for line in textwrap.wrap(" ".join(text.split()), width - 2)]


def annotated_toml(spec: BaseSpec) -> str:
    """The spec as TOML for a person: each key with its description as a comment, and only the
    keys that apply to this experiment (a key declared with :func:`applies_when` whose condition
    fails is left out when it holds its default — reading the text back gives the same spec)."""
    data = spec.model_dump(mode="json", exclude_none=True)
    lines: list[str] = []
    header = type(spec).__doc__
    if header:
        lines += _comment(header.strip().splitlines()[0]) + [""]
    _annotate(type(spec), spec, data, data, "", lines)
    return "\n".join(lines).rstrip() + "\n"


def _annotate(model_type: type[BaseModel], model: BaseModel, data: dict[str, Any], root: dict[str, Any],
              prefix: str, lines: list[str]) -> None:
    tables = []
    for name, field in model_type.model_fields.items():
        if name not in data:
            continue  # None: TOML has no null, unset means the default
        value = data[name]
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel) or name == "grid":
            tables.append((name, field))
            continue
        if not _applies(field, data, root) and getattr(model, name) == field.get_default(call_default_factory=True):
            continue
        if field.description:
            lines += _comment(field.description)
        lines.append(tomli_w.dumps({name: value}).rstrip())
    for name, field in tables:
        title = f"{prefix}{name}"
        head = ["", f"[{title}]"]
        doc = (field.annotation.__doc__ or "") if name != "grid" else (field.description or "")
        if doc and not doc.startswith(("A base class", "Usage docs")):
            head[-1:-1] = _comment(doc.strip().splitlines()[0])
        if name == "grid":
            lines += head + [tomli_w.dumps({key: values}).rstrip() for key, values in data[name].items()]
            continue
        body: list[str] = []
        _annotate(field.annotation, getattr(model, name), data[name], root, f"{title}.", body)
        if body:  # a section none of whose keys apply to this experiment is left out
            lines += head + body


def json_schema(spec_type: type[BaseSpec]) -> dict[str, Any]:
    """The JSON schema of a spec class (for editors: completion, descriptions, checking)."""
    schema = spec_type.model_json_schema(mode="validation")
    schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
    return schema


def grid_points(spec: BaseSpec) -> list[dict[str, float]]:
    """All points of ``spec.grid`` in C order (first key slowest); ``[{}]`` without a grid."""
    import itertools

    keys = list(spec.grid)
    return [dict(zip(keys, vals, strict=True)) for vals in itertools.product(*spec.grid.values())] or [{}]


def grid_dims(spec: BaseSpec, reserved: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Dimension name per grid key: the last component (``sigma``), or the full dotted key when
    that name is taken by another grid key or is one of the family's ``reserved`` dim names."""
    return dim_names(list(spec.grid), reserved)


def dim_names(keys: list[str], reserved: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """``{dim name: key}`` for grid keys in order: a key's last component (``sigma``), or the whole
    dotted key when that name is taken by an earlier key or is ``reserved``."""
    names: dict[str, str] = {}
    for key in keys:
        short = key.rsplit(".", 1)[-1]
        names[short if short not in names and short not in reserved else key] = key
    return names


def spec_at(spec: BaseSpec, point: dict[str, float]) -> BaseSpec:
    """The spec of one grid point (grid removed, point values set)."""
    data = spec.model_dump()
    for key, value in point.items():
        data = set_dotted(data, key, value)
    data["grid"] = {}
    return type(spec).model_validate(data)
