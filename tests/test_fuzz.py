"""Property-based fuzzing of the spec schema (hypothesis): random invalid mutations of every
registered experiment's valid config — wrong types, non-finite numbers, out-of-range and huge
values, unknown keys, bad choices, malformed TOML — each given to ``learndyn run`` aimed (with
``--force``) at an existing run directory. Every one must exit with status 2 and one line on
stderr, and leave that directory byte for byte as it was."""

from __future__ import annotations

import hashlib
import typing
from pathlib import Path

import annotated_types as at
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from typer.testing import CliRunner

from learndyn.cli import app
from learndyn.config import to_toml
from learndyn.errors import ConfigError
from learndyn.experiments import all_experiments, resolve_spec

EXPERIMENTS = sorted(all_experiments())
CASES = {"count": 0, "kinds": {}}


def _leaf_fields(model: type[BaseModel], prefix: str = ""):
    """``(dotted key, annotation, constraints)`` of every leaf field of a spec class."""
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _leaf_fields(ann, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", ann, field.metadata


def _sections(model: type[BaseModel], prefix: str = ""):
    yield prefix
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _sections(ann, f"{prefix}{name}.")


def _members(ann) -> set:
    args = typing.get_args(ann)
    return {ann} if not args else set().union(*(_members(a) for a in args)) | {typing.get_origin(ann)}


def _numeric(ann) -> bool:
    """A plain number field (``int``/``float``, optionally ``None``), no strings or choices."""
    members = _members(ann) - {type(None), typing.Union, None}
    import types

    members.discard(types.UnionType)
    return bool(members) and members <= {int, float}


def _invalid_values(ann, metadata) -> list[tuple[str, str]]:
    """``(kind, TOML text)`` of values this field must refuse."""
    out = []
    if _numeric(ann):
        out += [("wrong type: string", '"abc"'), ("wrong type: list", "[1, 2]"),
                ("wrong type: table", "{ a = 1 }"), ("bool as number", "true")]
        if float in _members(ann):
            out += [("non-finite", "nan"), ("non-finite", "inf"), ("non-finite", "-inf")]
        for c in metadata:
            if isinstance(c, (at.Ge, at.Gt)) and (getattr(c, "ge", None) or getattr(c, "gt", 0)) >= 0:
                out.append(("negative", "-7"))
            if isinstance(c, (at.Le, at.Lt)):
                bound = getattr(c, "le", None) if isinstance(c, at.Le) else c.lt
                out.append(("huge", str(int(bound) * 1000 + 1)))
    if typing.get_origin(ann) is typing.Literal and all(isinstance(a, str) for a in typing.get_args(ann)):
        out += [("bad choice", '"no-such-choice"'), ("wrong type: number", "3")]
    return out


def _mutations(name: str) -> list[tuple[str, list[str], str | None]]:
    """All ``(kind, --set overrides, TOML text or None)`` invalid mutations of one experiment."""
    spec = resolve_spec(name, [])
    model = type(spec)
    out: list[tuple[str, list[str], str | None]] = []
    for key, ann, metadata in _leaf_fields(model):
        if key in ("grid",):
            continue
        out += [(kind, [f"{key}={text}"], None) for kind, text in _invalid_values(ann, metadata)]
    known = {k for k, _, _ in _leaf_fields(model)}
    for section in _sections(model):
        key = f"{section}no_such_key"
        if key not in known:
            out.append(("unknown key", [f"{key}=1"], None))
    valid = to_toml(spec)
    out += [("malformed TOML", [], valid + "\n[train\nlr = 0.1\n"),
            ("malformed TOML", [], valid.replace("=", "==", 1)),
            ("malformed TOML", [], valid + '\nexperiment = "again"\n'),
            ("unknown key", [], valid + "\n[no_such_section]\nx = 1\n")]
    return out


MUTATIONS = [(name, *m) for name in EXPERIMENTS for m in _mutations(name)]
BY_KIND: dict[str, list] = {}
for _m in MUTATIONS:
    BY_KIND.setdefault(_m[1], []).append(_m)
# every kind equally likely (malformed TOML is 4 cases per experiment, wrong types are hundreds)
CASE = st.sampled_from(sorted(BY_KIND)).flatmap(lambda kind: st.sampled_from(BY_KIND[kind]))


def _digest(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def existing_run(tmp_path_factory) -> Path:
    """A directory that looks like a learndyn run to ``--force`` (marker, store, figures)."""
    out = tmp_path_factory.mktemp("fuzz") / "precious"
    (out / "results.zarr").mkdir(parents=True)
    (out / ".learndyn-run").write_text("learndyn run directory\n")
    (out / "results.zarr" / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    (out / "summary.json").write_text('{"complete": true}')
    return out


def test_mutation_table_covers_every_experiment_and_kind():
    assert {m[0] for m in MUTATIONS} == set(EXPERIMENTS)
    kinds = {m[1] for m in MUTATIONS}
    assert {"wrong type: string", "bool as number", "non-finite", "negative", "huge", "unknown key",
            "bad choice", "malformed TOML"} <= kinds


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=CASE)
def test_every_invalid_config_is_one_line_exit_2_and_touches_nothing(case, existing_run, tmp_path_factory,
                                                                     record_property):
    name, kind, overrides, toml_text = case
    target = name
    if toml_text is not None:
        target = tmp_path_factory.mktemp("spec") / "spec.toml"
        target.write_text(toml_text)
    before = _digest(existing_run)
    sets = sum((["--set", o] for o in overrides), [])
    if toml_text is None:  # a mutation that validated would train: fail fast instead
        with pytest.raises(ConfigError):
            resolve_spec(name, overrides)
    result = CliRunner().invoke(app, ["run", str(target), *sets, "--out", str(existing_run), "--force"])
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert result.exit_code == 2, (case, result.stderr, result.exception)
    assert len(lines) == 1 and lines[0].startswith("error: "), (case, result.stderr)
    assert _digest(existing_run) == before, case
    CASES["count"] += 1
    CASES["kinds"][kind] = CASES["kinds"].get(kind, 0) + 1
    record_property("fuzz_cases", dict(CASES))  # printed at the end of the run (tests/conftest.py)
