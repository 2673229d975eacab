"""Planning a sweep: which grid points share one compiled program, and how they are chunked.

A sweep grid is a Cartesian product of ``key = [values]``. Keys that leave array shapes and the
program unchanged (numeric values of a key outside the spec class's ``structural_keys``) become coordinates of one
vmapped run; every other key (``model.n``, ``train.steps``, strings, ...) splits the sweep into
separate runs. A run with more networks than ``max_networks`` is halved along its longest
vmapped key until it fits, so every chunk is itself a Cartesian grid and a valid spec.
"""

from __future__ import annotations

import math

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from ..config import BaseSpec, ConfigError, parse_value, set_dotted
from ..experiments import validate_spec


@dataclass(frozen=True)
class Chunk:
    """One unit of work: a structural point (``fixed``) with a vmapped sub-grid (``grid``)."""

    fixed: tuple[tuple[str, Any], ...]
    grid: tuple[tuple[str, tuple[float, ...]], ...]

    @property
    def id(self) -> str:
        """Stable name (from the content): the same chunk keeps its directory across resumes."""
        text = json.dumps([list(self.fixed), [[k, list(v)] for k, v in self.grid]], sort_keys=True)
        return "c" + hashlib.sha1(text.encode()).hexdigest()[:10]

    def points(self) -> int:
        n = 1
        for _, values in self.grid:
            n *= len(values)
        return n

    def spec_data(self, base: dict[str, Any]) -> dict[str, Any]:
        """The plain spec dict of this chunk (structural values set, sub-grid as ``grid``)."""
        data = dict(base)
        for key, value in self.fixed:
            data = set_dotted(data, key, value)
        data["grid"] = {k: list(v) for k, v in self.grid}
        return data


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    """``["train.lr=0.01,0.02", "model.n=50,100"]`` → ``{"train.lr": [0.01, 0.02], ...}``.

    Values are parsed as TOML scalars (numbers, booleans, quoted strings; bare words stay
    strings). ``key=[...]`` with a TOML list is accepted too.

    Raises:
        ConfigError: a malformed item, an empty list or a repeated key.
    """
    grids: dict[str, list[Any]] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key or not text:
            raise ConfigError(f"--grid {item!r}: expected key=v1,v2,...")
        if text.startswith("["):
            values = parse_value(text)
            if not isinstance(values, list):
                raise ConfigError(f"--grid {item!r}: not a TOML list")
        else:
            values = [parse_value(v.strip()) for v in text.split(",") if v.strip()]
        if not values:
            raise ConfigError(f"--grid {key}: no values")
        if key in grids:
            raise ConfigError(f"--grid {key}: given twice")
        bad = [v for v in values if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise ConfigError(f"--grid {key}: {bad[0]} is not a finite number")
        if len(set(map(repr, values))) != len(values):
            raise ConfigError(f"--grid {key}: repeated values {values}")
        grids[key] = values
    return grids


def _vmappable(spec: BaseSpec, key: str, values: list[Any]) -> bool:
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return numeric and key not in type(spec).structural_keys


@dataclass(frozen=True)
class Plan:
    """The sweep's axes (``keys`` in order, their ``values``; vmapped values as floats) and chunks."""

    keys: list[str]
    values: dict[str, list[Any]]
    chunks: list[Chunk]


def plan_sweep(spec: BaseSpec, grids: dict[str, list[Any]], max_networks: int) -> Plan:
    """Split ``spec`` (its own ``grid`` included) × ``grids`` into chunks.

    Every structural point and every chunk is validated as a spec before anything runs, so a bad
    value fails the whole sweep at once with the key named.

    Raises:
        ConfigError: an unknown key, an invalid value, or ``max_networks`` below ``spec.seeds``.
    """
    if max_networks < spec.seeds:
        raise ConfigError(f"--max-networks ({max_networks}) is below --seeds ({spec.seeds}): a chunk "
                          "holds at least one grid point with all its seeds")
    base = spec.model_dump(mode="json")
    overlap = set(grids) & set(spec.grid)
    vm = {k: [float(x) for x in v] for k, v in spec.grid.items() if k not in overlap}
    structural: dict[str, list[Any]] = {}
    for key, values in grids.items():
        (vm if _vmappable(spec, key, values) else structural)[key] = values
    # validate: every structural value on its own, the vmapped grid once (validate_spec checks
    # each grid value as a spec of its own)
    for key, values in structural.items():
        for value in values:
            data = set_dotted(base, key, value)
            data["grid"] = {}
            try:
                validate_spec(data)
            except ConfigError as err:
                raise ConfigError(f"--grid {key}={value!r}: {err}") from None
    data = dict(base)
    data["grid"] = vm
    validate_spec(data)

    chunks: list[Chunk] = []
    for combo in itertools.product(*structural.values()) if structural else [()]:
        fixed = tuple(zip(structural, combo, strict=True))
        chunks.extend(_split(fixed, tuple((k, tuple(v)) for k, v in vm.items()), spec.seeds, max_networks))
    values = {k: v for k, v in spec.grid.items() if k not in overlap} | {
        k: ([float(x) for x in v] if k in vm else list(v)) for k, v in grids.items()}
    return Plan(list(values), values, chunks)


def _split(fixed, grid, seeds: int, max_networks: int) -> list[Chunk]:
    chunk = Chunk(fixed, grid)
    if chunk.points() * seeds <= max_networks:
        return [chunk]
    i = max(range(len(grid)), key=lambda j: len(grid[j][1]))  # halve the longest key
    key, values = grid[i]
    half = len(values) // 2
    left = grid[:i] + ((key, values[:half]),) + grid[i + 1:]
    right = grid[:i] + ((key, values[half:]),) + grid[i + 1:]
    return _split(fixed, left, seeds, max_networks) + _split(fixed, right, seeds, max_networks)
