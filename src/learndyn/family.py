r"""The family interface: what an experiment family gives learndyn, and what learndyn gives back.

A *family* is one kind of experiment — a task, a network, a training rule and (where one exists) a
reduced theory — with a spec class for its config. learndyn's runner, result store, sweeps,
report, ``show`` and ``analyze`` know nothing about any family's science: they call the methods
below. learndyn's own families (``integrate``, ``closed-loop``, ``lrnn``, ``grokking``,
``task-rnn``, ``dmft-random``) are written against exactly this interface and registered through
the same entry-point group a user's package uses, so a user's family is a first-class citizen of
every command.

A minimal family (see ``docs/extending.md`` for a complete, installable example)::

    class MyFamily(learndyn.Family):
        name = "my-family"
        spec_type = MySpec                          # a subclass of learndyn.config.BaseSpec
        experiments = (learndyn.Experiment("my-exp", "my-family", "what it shows", {...}),)

        def build(self, spec, *, record_steps=None, phase="main", previous=None):
            ...                                     # -> learndyn.Built (a training Problem)

        def to_dataset(self, phases):
            ...                                     # records -> xarray.Dataset (dims: *grid, seed, step)

The trainer is generic (:func:`learndyn.training.train`): ``build`` returns a
:class:`~learndyn.training.Problem` (stacked per-network parameters, data, learning rates, keys,
a per-network gradient engine) and an ``observe(state) -> {name: (net,) array}`` called at the
recorded steps. Everything else has a default.
"""

from __future__ import annotations

import abc
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np

from .config import BaseSpec, grid_dims
from .errors import first_line

if TYPE_CHECKING:  # JAX and xarray are imported where they are used: `learndyn list` needs neither
    import xarray as xr

    from .training import Problem


@dataclass(frozen=True)
class Experiment:
    """A named experiment: the ``family`` spec defaults overridden by ``defaults``."""

    name: str
    family: str
    description: str
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass
class Built:
    """One training phase of a family, ready for the trainer.

    Families subclass it to carry what their labelling and theory need (e.g. the test batch).
    The leading ``net`` axis of every per-network array is the grid points (C order, first grid
    key slowest) × seeds.
    """

    spec: BaseSpec
    phase: str
    problem: Problem
    record_steps: list[int]
    grid_dims: dict[str, str]  # dim name -> dotted grid key
    grid_values: dict[str, list[float]]  # dim name -> values
    warnings: list[str] = field(default_factory=list, kw_only=True)
    observe: Any = field(default=None, kw_only=True)  # observe(TrainState) -> {name: (net,) array}
    step_offset: int = field(default=0, kw_only=True)  # the phase's first step in the whole run

    def label(self, x, extra: tuple[str, ...] = ()) -> tuple[tuple[str, ...], np.ndarray]:
        """``(dims, array)`` of an xarray variable from a per-network array ``x`` (``(net, *rest)``)."""
        return label_networks(self.grid_dims, self.grid_values, self.spec.seeds, x, extra)

    def coords(self) -> dict[str, np.ndarray]:
        """The ``seed`` and grid coordinates of this phase's networks."""
        return {"seed": np.arange(self.spec.seeds),
                **{d: np.asarray(v, float) for d, v in self.grid_values.items()}}


_MISSING = object()

HOOKS = ("build", "to_dataset", "phases", "theory_dataset", "analysis_dataset", "recurrent_weights",
         "fixed_point_dataset", "low_rank_analysis", "summarize", "headline_rows", "notes", "figures")
"""The methods a family may implement."""
REQUIRED_HOOKS = ("build", "to_dataset")


class implemented_in:
    """A family method defined as a function in another module, imported on its first call, so
    that listing and validating experiments does not import the family's numerics (JAX, xarray)::

        class MyFamily(learndyn.Family):
            build = learndyn.implemented_in(".experiment:build")   # relative to the family's package
            figures = learndyn.implemented_in("my_pkg.plots:figures")

    The function is called like a ``staticmethod`` (without ``self``).
    """

    def __init__(self, target: str, *, optional: bool = False):
        self.target, self.optional = target, optional
        self.name: str | None = None
        self.owner: type | None = None
        self.function: Any = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.owner = name, owner

    def resolve(self) -> Any:
        """Import and return the function (once)."""
        if self.function is None:
            module, _, attr = self.target.partition(":")
            package = None
            if module.startswith("."):
                package = self.owner.__module__
                if not hasattr(importlib.import_module(package), "__path__"):  # a module, not a package
                    package = package.rpartition(".")[0]
            found = getattr(importlib.import_module(module, package), attr, None)
            if found is None and not self.optional:
                raise AttributeError(f"{self.target}: the module has no {attr!r}")
            self.function = found if found is not None else _MISSING
        return self.function

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            function = self.resolve()
            if function is _MISSING:  # optional: the next class's own method (the default hook)
                holder = next(c for c in (owner or type(instance)).__mro__ if c.__dict__.get(self.name) is self)
                return getattr(super(holder, instance), self.name)(*args, **kwargs)
            return function(*args, **kwargs)

        call.__name__ = self.name or "call"
        call.__doc__ = f"Defined in {self.target} (imported on first use)."
        return call


class IsolatedFailure(UserWarning):
    """A theory or analysis step that failed for some networks or grid points, whose values are
    NaN in the results (the run and the other values are kept). The runner passes its message
    on as a warning."""


def isolated(fn, *args, fill: Any = np.nan, what: str = "a theory step", **kwargs) -> Any:
    """``fn(*args, **kwargs)``, or ``fill`` (called if callable) with an
    :class:`IsolatedFailure` warning when it raises — so one unstable grid point (a solver that
    runs out of steps at a diverging learning rate) costs its own values, not the run."""
    import warnings

    try:
        return fn(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - isolate any failure of one point
        warnings.warn(f"{what} failed ({type(err).__name__}: {first_line(err, 160)}); "
                      "its values are NaN", IsolatedFailure, stacklevel=2)
        return fill() if callable(fill) else fill


def grid_labels(spec: BaseSpec, reserved: set[str] | frozenset[str] = frozenset()):
    """``(grid_dims, grid_values)`` of a spec: dim name per grid key (its last component unless
    taken or ``reserved``) and the values along it."""
    dims = grid_dims(spec, reserved)
    return dims, {d: list(spec.grid[k]) for d, k in dims.items()}


def label_networks(
    grid_dims: dict[str, str], grid_values: dict[str, list], seeds: int, x, extra: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray]:
    """``(dims, array)`` for an xarray variable: ``x`` of shape ``(net, *rest)`` reshaped to
    ``(*grid, seed, *rest)`` with dims ``(*grid_dims, "seed", *extra)``."""
    gshape = tuple(len(v) for v in grid_values.values())
    return tuple(grid_dims) + ("seed",) + extra, np.asarray(x).reshape(gshape + (seeds,) + np.shape(x)[1:])


def stack_networks(xs: list):
    """Stack per-network pytrees (arrays, NumPy arrays or scalars) along a new leading ``net`` axis."""
    import jax
    import jax.numpy as jnp

    return jax.tree.map(lambda *a: jnp.stack([jnp.asarray(x) for x in a]), *xs)


def per_network(ds: xr.Dataset, da: xr.DataArray) -> list:
    """``da`` as nested lists in ``summary.json`` order: grid dims (``grid_keys``), then ``seed``."""
    return da.transpose(*ds.attrs.get("grid_keys", {}), "seed", ...).values.tolist()


def network_rows(ds: xr.Dataset, columns: list[str], cells=None, *, at: xr.Dataset | None = None):
    """A headline table with one row per network: grid values, seed, status, then ``cells``
    (``cells=None``: the header only, e.g. before anything was recorded).

    Args:
        ds: the result set (with ``diverged`` over ``(*grid, seed)``).
        columns: the family's own column names.
        cells: ``cells(cell, ix) -> list[str]``: ``cell`` is ``at`` (default: the last recorded
            step, or ``ds`` without a ``step`` dim) at network ``ix`` (``{dim: index}``).

    Returns:
        ``(columns, rows)`` with ``[*grid dims, "seed", "status"]`` before the family's columns.
    """
    gdims = list(ds.attrs.get("grid_keys", {}))
    cols = gdims + ["seed", "status"] + list(columns)
    if cells is None:
        return cols, []
    if at is None:
        at = ds.isel(step=-1) if ds.sizes.get("step", 0) else ds
    rows = []
    for idx in np.ndindex(*ds["diverged"].shape):
        ix = dict(zip(gdims + ["seed"], idx, strict=True))
        cell = at.isel(ix)
        rows.append([f"{ds[d].values[ix[d]]:g}" for d in gdims]
                    + [str(ix["seed"]), "diverged" if bool(ds["diverged"].isel(ix)) else "ok", *cells(cell, ix)])
    return cols, rows


class Family(abc.ABC):
    """An experiment family: how to build, label, theorise, summarise and draw one kind of run.

    Subclass it, set the class attributes, implement :meth:`build` and :meth:`to_dataset`, and
    register it (``learndyn.register_family``, the ``learndyn.families`` entry-point group, or an
    import path ``family = "package.module:Class"`` in a spec). Every other method has a default.

    Class attributes:
        name: the family's registered name (the ``family`` key of its specs).
        citation: the work it follows; ``column_definitions``, ``figure_captions``: the report's
            definitions of the headline columns and captions of the figures.
        spec_type: its spec class, a subclass of :class:`learndyn.config.BaseSpec`.
        experiments: the named experiments it ships (``learndyn list``).
        reserved_dims: dimension names the family uses itself; a grid key whose last component is
            one of them is labelled by its full dotted key instead.
        label: one line saying what the family computes and from which work (stored in results).
    """

    def __init_subclass__(cls, implementation: str | None = None, **kwargs: Any) -> None:
        """``class MyFamily(learndyn.Family, implementation=".experiment")``: every hook of
        :data:`HOOKS` that the class body does not define is the module's function of the same
        name, imported on first call (the base class's default where the module has none)."""
        super().__init_subclass__(**kwargs)
        if implementation is None:
            return
        for hook in HOOKS:
            if hook not in cls.__dict__:  # the required hooks must be in the module; the others default
                deferred = implemented_in(f"{implementation}:{hook}", optional=hook not in REQUIRED_HOOKS)
                deferred.__set_name__(cls, hook)
                setattr(cls, hook, deferred)

    name: ClassVar[str]
    spec_type: ClassVar[type[BaseSpec]]
    experiments: ClassVar[tuple[Experiment, ...]] = ()
    reserved_dims: ClassVar[frozenset[str]] = frozenset({"seed", "step"})
    analysis_sections: ClassVar[tuple[str, ...]] = ()
    """Config sections read only by the analysis after training (e.g. ``fixed_points``):
    ``learndyn analyze DIR --set section.key=value`` may change them on a stored run."""
    label: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    """The work the family follows, as a reader should cite it (the report shows it)."""
    column_definitions: ClassVar[dict[str, str]] = {}
    """What each headline column means (the report defines every column it shows; the generic
    ones — seed, status, step, loss, grid keys — are defined by learndyn)."""
    figure_captions: ClassVar[dict[str, str]] = {
        "training": "every recorded per-network variable against the training step: one panel per variable, "
                    "one line per network, one colour per grid point"}
    """``{file stem: caption}``: what a figure shows and how to read it. A stem also matches its
    suffixed variants (``loss`` matches ``loss_open.png``). The report shows figures in this
    order first (the headline figures), then any others."""

    # ------------------------------------------------------------------ required

    @abc.abstractmethod
    def build(self, spec: BaseSpec, *, record_steps: list[int] | None = None, phase: str = "main",
              previous: Any = None) -> Built:
        """The training problem of one phase (``previous``: the last phase's ``PhaseResult``)."""

    @abc.abstractmethod
    def to_dataset(self, phases: list) -> xr.Dataset:
        """Label the records of the trained phases (``PhaseResult(built, records, state)``) as a
        Dataset with dims ``(*grid, seed, step, ...)``, a ``diverged`` variable over
        ``(*grid, seed)`` and ``attrs["grid_keys"] = built.grid_dims``."""

    # ------------------------------------------------------------------ optional hooks

    def phases(self, spec: BaseSpec) -> list[tuple[str, int]]:
        """``(name, steps)`` of each training phase; default: one phase of ``spec.train.steps``."""
        return [("main", spec.train.steps)]

    def theory_dataset(self, spec: BaseSpec, phases: list, sim: xr.Dataset) -> xr.Dataset:
        """The reduced theory on the simulation's coordinates (default: none)."""
        import xarray as xr

        return xr.Dataset()

    def analysis_dataset(self, spec: BaseSpec, phases: list, sim: xr.Dataset) -> xr.Dataset:
        """Post-training analysis run once at the end (default: none)."""
        import xarray as xr

        return xr.Dataset()

    def recurrent_weights(self, built: Built, params) -> np.ndarray | None:
        """``(net, n, n)`` recurrent matrices to snapshot for ``learndyn analyze`` (default: none)."""
        return None

    def fixed_point_dataset(self, ds: xr.Dataset) -> xr.Dataset | None:
        """``learndyn analyze --what fixed-points``: rebuild the stored networks and search their
        fixed points (default: ``None``, not supported)."""
        return None

    def low_rank_analysis(self, ds: xr.Dataset) -> tuple[xr.Dataset, Callable[[Path], list[Path]]] | None:
        """``learndyn analyze --what low-rank``: the mean-field reduction of the stored low-rank
        networks (fits, latent fixed points, resampled accuracy), and a function that draws its
        figures into a folder and returns their paths (default: ``None``, not supported)."""
        return None

    def summarize(self, ds: xr.Dataset) -> dict[str, Any]:
        """``{"status", "metrics", "theory"}`` of ``summary.json``. Default: per-network status and
        the last recorded value of every ``(*grid, seed, step)`` variable."""
        import xarray as xr

        status = per_network(ds, xr.where(ds["diverged"], "diverged", "ok"))
        metrics = {}
        if ds.sizes.get("step", 0):
            dims = set(ds["diverged"].dims) | {"step"}
            metrics = {f"final_{v}": per_network(ds, ds[v].isel(step=-1)) for v in ds.data_vars
                       if set(ds[v].dims) == dims and ds[v].dtype.kind == "f"}
        return {"status": status, "metrics": metrics, "theory": {}}

    def headline_rows(self, ds: xr.Dataset) -> tuple[list[str], list[list[str]]]:
        """Headline table ``(columns, rows)``; default: step and the last recorded ``loss``."""
        if not ds.sizes.get("step", 0) or "loss" not in ds:
            return network_rows(ds, ["step", "loss"])
        return network_rows(ds, ["step", "loss"],
                            lambda cell, ix: [str(int(cell["step"])), f"{float(cell['loss']):.4g}"])

    def notes(self, ds: xr.Dataset) -> list[str]:
        """Lines printed under the headline table (e.g. the theory's predictions); default: none."""
        return []

    def figures(self, ds: xr.Dataset, outdir: Path) -> list[Path]:
        """Draw the run's figures into ``outdir``; default: every recorded per-network variable
        against the step (one colour per grid point, labelled by its grid key)."""
        from .plots import metric_curves, save_figure

        if not ds.sizes.get("step", 0):
            return []
        dims = set(ds["diverged"].dims) | {"step"}
        names = [v for v in ds.data_vars if set(ds[v].dims) == dims and ds[v].dtype.kind == "f"][:4]
        if not names:
            return []
        return [save_figure(metric_curves(ds, names, title=ds.attrs.get("experiment", "")),
                            Path(outdir) / "training.png")]

    @classmethod
    def implements(cls, hook: str) -> bool:
        """Whether this family provides its own ``hook`` (not :class:`Family`'s default)."""
        for klass in cls.__mro__:
            if hook in klass.__dict__:
                if klass is Family:
                    return False
                value = klass.__dict__[hook]
                if isinstance(value, implemented_in) and value.resolve() is _MISSING:
                    continue  # an optional module hook the module does not define
                return True
        return False

    # ------------------------------------------------------------------ where it is found again

    @classmethod
    def reference(cls) -> str:
        """``module:QualName`` — how a fresh process (a Dask worker, ``learndyn show``) finds it."""
        return f"{cls.__module__}:{cls.__qualname__}"
