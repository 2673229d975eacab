r"""Experiment specs: nested pydantic models, TOML files and ``--set`` overrides.

A spec is one composed object (``extra="forbid"`` everywhere, ``Literal`` for choices), so a typo
is an error naming the key and its nearest valid spelling, never a silently ignored field.
Every family of experiments has its own spec class, selected by the ``family`` field; the
shared fields (``experiment``, ``seed``, ``seeds``, ``grid``, ``record``) live in
:class:`BaseSpec`.

Resolution order: the registered default of ``experiment`` → a TOML file's values →
``--set dotted.key=value`` overrides → ``--seeds``.
"""

from __future__ import annotations

import tomllib
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError, did_you_mean


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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

    experiment: str = Field(description="experiment name (see `learndyn list`)")
    family: str
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


# ----------------------------------------------------------------------------- integrate family


class WhiteNoiseTask(Strict):
    """Target filter of white noise (science/integrate.md §2.2)."""

    kind: Literal["leaky", "oscillator", "multiscale"] = "leaky"
    c_star: float = Field(0.2, gt=0, description="decay rate c⋆ of leaky/oscillator targets")
    omega_star: float = Field(1.0, ge=0, description="angular frequency ω⋆ of the oscillator")
    timescales: list[float] = Field([10.0, 2.0], min_length=1, description="T_k (multiscale)")
    gains: list[float] = Field([1.0, 1.0], min_length=1, description="g_k (multiscale)")

    @field_validator("timescales")
    @classmethod
    def _positive_timescales(cls, v: list[float]) -> list[float]:
        if any(t <= 0 for t in v):
            raise ValueError("every timescale must be > 0")
        return v

    @model_validator(mode="after")
    def _same_lengths(self) -> WhiteNoiseTask:
        if len(self.timescales) != len(self.gains):
            raise ValueError(
                f"task.timescales ({len(self.timescales)}) and task.gains ({len(self.gains)}) "
                "must have the same length"
            )
        return self

    @property
    def decay_rates(self) -> list[float]:
        """Decay rates of the target's modes (``c⋆`` or ``1/T_k``)."""
        if self.kind == "multiscale":
            return [1.0 / t for t in self.timescales]
        return [self.c_star]

    @property
    def n_modes(self) -> int:
        """Number of learned eigenvalues at the fit: 1, 2 (a pair) or K."""
        return {"leaky": 1, "oscillator": 2}.get(self.kind, len(self.timescales))


class LinearRNNModel(Strict):
    """Continuous-time linear RNN with leak (science/integrate.md §1)."""

    n: int = Field(100, ge=1, le=20_000, description="number of neurons N")
    sigma: float = Field(0.2, ge=0, lt=1, description="bulk radius σ of W0 = σJ (must be < 1)")
    init_uv: Literal["gaussian", "orthonormal"] = "gaussian"
    antithetic: bool = Field(False, description="seed 2i+1 = seed 2i with v0 → −v0 (antithetic pairs: "
                                                "the O(N^-1/2) part of the initial output cancels in "
                                                "seed means); needs an even number of seeds")


class IntegrateTrain(Strict):
    """Gradient descent on W, u, v with the exact or the sampled engine."""

    method: Literal["exact", "sampled"] = "exact"
    optimizer: Literal["sgd"] = "sgd"
    lr: float | Literal["auto"] = Field(
        "auto", description="learning rate; 'auto' = 3 c_eff³ (bulk-aware, science §3.10)"
    )
    steps: int = Field(4000, ge=1, le=100_000_000)
    params: list[Literal["W", "u", "v"]] = Field(["W", "u", "v"], min_length=1)
    batch: int = Field(256, ge=2, description="noise realisations per step (sampled)")
    dt: float = Field(0.05, gt=0, le=1, description="Euler step (sampled)")
    horizon: float | Literal["auto"] = Field("auto", description="'auto' = 10/c_eff (sampled)")
    burn: float = Field(0.5, ge=0, lt=1, description="fraction of the horizon not in the loss")
    mc_groups: int = Field(32, ge=1, description="batch groups for the Monte-Carlo error")

    @field_validator("lr", "horizon")
    @classmethod
    def _positive(cls, v):
        if v != "auto" and v <= 0:
            raise ValueError("must be > 0 or 'auto'")
        return v

    @model_validator(mode="after")
    def _groups_divide_batch(self) -> IntegrateTrain:
        if self.batch % self.mc_groups:
            raise ValueError(
                f"train.batch ({self.batch}) must be a multiple of train.mc_groups ({self.mc_groups})"
            )
        return self


class IntegrateRecord(Record):
    """What an integrate run records (adds the per-record spectra switch)."""

    spectra: bool = Field(True, description="eigenvalues, residues and ΔW singular values at every "
                                             "record (O(N³) each; off for large-N loss-curve runs)")


class IntegrateSpec(BaseSpec):
    """Learning to integrate white noise (science/integrate.md; a reconstruction)."""

    family: Literal["integrate"] = "integrate"
    task: WhiteNoiseTask = Field(default_factory=WhiteNoiseTask)
    model: LinearRNNModel = Field(default_factory=LinearRNNModel)
    train: IntegrateTrain = Field(default_factory=IntegrateTrain)
    record: IntegrateRecord = Field(default_factory=IntegrateRecord)

    @model_validator(mode="after")
    def _check(self) -> IntegrateSpec:
        if self.model.antithetic and self.seeds % 2:
            raise ValueError(f"model.antithetic needs an even number of seeds (got seeds = {self.seeds})")
        if self.task.kind == "multiscale" and self.model.n < len(self.task.timescales):
            raise ValueError(
                f"model.n ({self.model.n}) must be ≥ the number of timescales "
                f"({len(self.task.timescales)})"
            )
        return self


# ----------------------------------------------------------------------------- closed-loop family


class PlantConfig(Strict):
    """The plant (science/closed_loop.md §1)."""

    kind: Literal["integrator", "tracking"] = "integrator"
    order: int = Field(2, ge=1, le=10, description="k of the k-integrator (2 = double integrator)")
    dt: float = Field(1.0, gt=0, description="plant time step")
    noise: float = Field(0.0, ge=0, description="process-noise scale σ_w (drawn only if > 0)")
    init_range: float = Field(1.0, gt=0, description="initial states i.i.d. U(-a, a) (integrator)")
    bound: float = Field(10.0, gt=0, description="state clamp (tracking)")
    freqs_x: list[float] = Field([0.1, 0.3], description="reference frequencies on x (Hz)")
    freqs_y: list[float] = Field([0.2, 0.4], description="reference frequencies on y (Hz)")
    amplitude: float = Field(2.31, gt=0, description="amplitude a of each reference component")
    ramp: float = Field(1.0, ge=0, description="reference ramp-in time (s)")


class ControllerModel(Strict):
    """The recurrent controller (science/closed_loop.md §2)."""

    kind: Literal["leaky", "rank1"] = "leaky"
    n: int = Field(100, ge=1, le=20_000, description="number of units N")
    activation: Literal["tanh", "linear"] = "tanh"
    dt: float = Field(1.0, gt=0, description="controller dt (a = dt/tau)")
    tau: float = Field(1.0, gt=0, description="controller time constant")
    g: float = Field(0.1, ge=0, description="W0 = g·J (leaky) or random part g·J (rank1)")
    in_init: Literal["normal", "uniform"] = "normal"
    in_scale: float = Field(0.01, ge=0, description="input weights N(0, s²) or U(-s, s)")
    out_init: Literal["normal", "uniform"] = "normal"
    out_scale: float = Field(0.01, ge=0, description="readout weights N(0, s²) or U(-s, s)")
    zm_start: float | Literal["random"] = Field(
        "random", description="rank1: controlled start σ_zm = s (Fig. 3d/e), or 'random'")

    @model_validator(mode="after")
    def _alpha(self) -> ControllerModel:
        if self.dt > self.tau:
            raise ValueError(f"model.dt ({self.dt}) must be ≤ model.tau ({self.tau}): a = dt/τ ≤ 1")
        return self


class ClosedLoopTrain(Strict):
    """Closed-loop (BPTT through the plant) and open-loop teacher–student training (§3)."""

    mode: Literal["closed", "closed_vs_open"] = "closed"
    open_input: Literal["white_noise", "teacher_forcing"] = Field(
        "white_noise", description="open-loop student inputs (§3)")
    method: Literal["sampled", "exact"] = Field(
        "sampled", description="'exact': GD on the expected loss by covariance propagation (linear)")
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: float = Field(1e-2, gt=0)
    clip: float = Field(1.0, ge=0, description="global-norm gradient clipping (0 = none)")
    steps: int = Field(1000, ge=1, le=10_000_000, description="epochs (one step on a fresh batch each)")
    batch: int = Field(100, ge=1)
    horizon: int = Field(50, ge=1, description="episode length T (steps in the loss)")
    beta: float = Field(0.0, ge=0, description="control cost β")
    control_cost_convention: Literal["per_sample", "reference"] = "per_sample"
    state_reduction: Literal["sum", "mean"] = Field(
        "mean", description="'sum': Σ_t dt·mean_b ½‖x‖² (non-linear); 'mean': (1/T)Σ_t (rank-1)")
    train_input: bool | Literal["open"] = Field(
        False, description="train the input weights too: true (both loops), 'open' (only the open-loop "
        "student, as the reference's tracking run)")
    restart_step: int = Field(0, ge=0, description="pre-train with the registered settings to this "
                              "step, then apply the grid (Figs. 4e, 5d)")
    test_batch: int = Field(100, ge=1, description="fixed test batch size")
    test_range: float = Field(2.0, gt=0, description="test initial states U(-a, a)")
    test_reduction: Literal["sum", "mean"] = "mean"
    gain_episodes: int = Field(10, ge=1, description="episodes for the effective-gain fit")
    precision: Literal["float64", "float32"] = Field(
        "float64", description="dtype of the networks and rollouts (theory is always float64)")

    @model_validator(mode="after")
    def _horizon(self) -> ClosedLoopTrain:
        if self.restart_step >= self.steps:
            raise ValueError(f"train.restart_step ({self.restart_step}) must be < train.steps ({self.steps})")
        return self


class ClosedLoopSpec(BaseSpec):
    """Closed-loop vs open-loop learning of an RNN controller (science/closed_loop.md)."""

    family: Literal["closed-loop"] = "closed-loop"
    plant: PlantConfig = Field(default_factory=PlantConfig)
    model: ControllerModel = Field(default_factory=ControllerModel)
    train: ClosedLoopTrain = Field(default_factory=ClosedLoopTrain)

    @model_validator(mode="after")
    def _check(self) -> ClosedLoopSpec:
        if self.train.method == "exact" and (self.model.activation != "linear" or self.plant.kind != "integrator"):
            raise ValueError("train.method='exact' needs a linear controller (model.activation='linear') "
                             "and the integrator plant")
        if self.model.kind == "rank1" and (self.model.activation != "linear" or self.plant.kind != "integrator"):
            raise ValueError("model.kind='rank1' is the linear rank-1 controller of the integrator plant: "
                             "set model.activation='linear' and plant.kind='integrator'")
        if self.model.zm_start != "random" and self.model.kind != "rank1":
            raise ValueError("model.zm_start applies to model.kind='rank1' only")
        if self.train.mode == "closed_vs_open" and self.train.open_input == "teacher_forcing" \
                and self.plant.kind != "tracking":
            raise ValueError("train.open_input='teacher_forcing' is implemented for plant.kind='tracking'")
        return self


class SurrogateTheory(Strict):
    """Surrogate L_α on the four overlaps (science/closed_loop.md §4.5)."""

    alpha: float = Field(0.5, ge=0, le=1, description="weight of the long-horizon term")
    exponent: int = Field(10, ge=1, description="T of (|λ1|²)^T (10 in Fig. 4d, 20 in the notebook)")
    lambda1_re: float = 0.999671
    lambda1_im: float = 0.163956
    lambda3: float = -0.069754
    s_zu: float = Field(0.058, description="σ_zu of the start (the spectrum fixes σ_vm·σ_zu only)")


class SurrogateTrain(Strict):
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: float = Field(1e-3, gt=0)
    clip: float = Field(1.0, ge=0)
    steps: int = Field(300, ge=1, le=10_000_000)


class SurrogateSpec(BaseSpec):
    """Gradient descent on the surrogate L_α (science/closed_loop.md §4.5, Fig. 4d)."""

    family: Literal["closed-loop-surrogate"] = "closed-loop-surrogate"
    theory: SurrogateTheory = Field(default_factory=SurrogateTheory)
    train: SurrogateTrain = Field(default_factory=SurrogateTrain)


# ----------------------------------------------------------------------------- linear-RNN family

_DYN = Literal["constant", "inverse_exponential", "exponential", "dirac"]


class LRNNTask(Strict):
    """Task of a discrete linear RNN (science/lrnn.md §2): correlation-defined or sensory."""

    kind: Literal["correlation", "sensory"] = "correlation"
    n: int = Field(4, ge=1, le=256, description="N_x = N_y = number of modes (sensory: 4)")
    length: int = Field(5, ge=1, le=2000, description="T, input steps per sequence")
    dynamics: _DYN | list[_DYN] = Field("inverse_exponential", description="task dynamics per mode (§2.2)")
    delta: float | list[float] = Field(1.0, description="scale δ per mode")
    lam: float | list[float] = Field(0.9, description="temporal parameter λ per mode")
    kappa: float | list[float] | None = Field(None, description="overwrite s_T (modified tasks, Eq. 10)")
    beta: float | list[float] = Field(1.0, description="s_1 of the dirac task")
    samples: int = Field(400, ge=2, le=1_000_000, description="P, training sequences")
    target: Literal["sum", "mean", "late", "early"] = Field("sum", description="sensory target")
    test_lengths: list[int] = Field(default_factory=list, description="extrapolation lengths T'")
    test_samples: int = Field(2000, ge=1, description="fresh sensory trials per test length")

    def per_mode(self, name: str) -> list:
        """``name`` broadcast to one value per mode."""
        v = getattr(self, name)
        return list(v) if isinstance(v, list) else [v] * self.n

    @model_validator(mode="after")
    def _check(self) -> LRNNTask:
        for name in ("dynamics", "delta", "lam", "kappa", "beta"):
            v = getattr(self, name)
            if isinstance(v, list) and len(v) != self.n:
                raise ValueError(f"task.{name} has {len(v)} values but task.n = {self.n} modes")
        if self.kind == "correlation" and self.samples <= self.length * self.n:
            raise ValueError(
                f"task.samples ({self.samples}) must exceed task.length·task.n = {self.length * self.n} "
                "to whiten inputs jointly over time (science/lrnn.md §2.3)"
            )
        if self.kind == "sensory" and self.n != 4:
            raise ValueError("task.n must be 4 for the sensory task (two channels per modality)")
        if any(t < 1 for t in self.test_lengths):
            raise ValueError("task.test_lengths must be ≥ 1")
        return self


class LRNNModel(Strict):
    """Discrete linear RNN ``h_{t+1} = W_h h_t + W_x x_t``, ``ŷ = W_y h_{T+1}`` (science/lrnn.md §1)."""

    n_hidden: int | None = Field(None, ge=1, le=4096, description="N_h (default: task.n)")
    init: Literal["aligned", "gaussian"] = "aligned"
    init_scale: float = Field(0.1, description="aligned: a = c; gaussian: std of W_x, W_y entries ×√N_in")
    init_b: float | None = Field(None, description="recurrent scale (aligned b, gaussian W_h); default init_scale")

    @property
    def recurrent_scale(self) -> float:
        return self.init_scale if self.init_b is None else self.init_b


class LRNNTrain(Strict):
    """Full-batch gradient descent on the network (or directly on the modes)."""

    level: Literal["network", "modes"] = Field(
        "network", description="'network': W_x, W_h, W_y; 'modes': GD on (a, b, c) of §3.2 (aligned only)")
    lr: float | Literal["ntk"] = Field(1e-3, description="GD step; 'ntk' = 0.1/Σ_{k<T}(1+k²) (§4.5)")
    steps: int = Field(12000, ge=1, le=100_000_000)
    loss: Literal["half_sum", "mean"] = "half_sum"
    params: list[Literal["W_x", "W_h", "W_y"]] = Field(["W_x", "W_h", "W_y"], min_length=1)
    stop_loss: float = Field(0.0, ge=0, description="freeze a network once its loss is below this")

    @field_validator("lr")
    @classmethod
    def _positive(cls, v):
        if v != "ntk" and v <= 0:
            raise ValueError("must be > 0 or 'ntk'")
        return v


class LRNNTheory(Strict):
    """Theory computed beside the simulation."""

    ntk: bool = Field(False, description="kernel distance D between initial and final NTK (§3.10)")
    critical_lengths: list[int] = Field(default_factory=list, description="T values for the Dirac β_c scan")
    b_max: float = Field(3.0, gt=0, description="|b| bound of the β_c scan (§5 checks 6-7)")


class LRNNSpec(BaseSpec):
    """Learning dynamics of linear RNNs (science/lrnn.md; Proca et al., ICML 2025)."""

    family: Literal["lrnn"] = "lrnn"
    task: LRNNTask = Field(default_factory=LRNNTask)
    model: LRNNModel = Field(default_factory=LRNNModel)
    train: LRNNTrain = Field(default_factory=LRNNTrain)
    theory: LRNNTheory = Field(default_factory=LRNNTheory)

    @model_validator(mode="after")
    def _check(self) -> LRNNSpec:
        n_hidden = self.model.n_hidden or self.task.n
        if self.model.init == "aligned":
            if self.task.kind != "correlation":
                raise ValueError("model.init = 'aligned' needs task.kind = 'correlation' (its U, V)")
            if n_hidden != self.task.n:
                raise ValueError(f"model.init = 'aligned' needs model.n_hidden = task.n = {self.task.n}")
        if self.train.level == "modes" and (self.model.init != "aligned" or self.train.loss != "half_sum"):
            raise ValueError("train.level = 'modes' needs model.init = 'aligned' and train.loss = 'half_sum'")
        if self.task.kind == "sensory" and self.train.level == "modes":
            raise ValueError("train.level = 'modes' needs a correlation task")
        return self


# ----------------------------------------------------------------------------- grokking family


class GroupTask(Strict):
    """Group arithmetic ``(h1, h2) ↦ h1·h2`` (science/grokking.md §1.1)."""

    group: Literal["cyclic", "product", "dihedral"] = "cyclic"
    modulus: int = Field(71, ge=2, le=1000, description="M of Z_M, or m of D_m (order 2m)")
    moduli: list[int] = Field(default_factory=lambda: [4, 7], description="factors of a product group")
    train_fraction: float = Field(0.4, gt=0, lt=1, description="p; n = M² − ceil((1−p)M²)")

    @property
    def order(self) -> int:
        import math

        if self.group == "cyclic":
            return self.modulus
        if self.group == "dihedral":
            return 2 * self.modulus
        return math.prod(self.moduli)

    @model_validator(mode="after")
    def _check(self) -> GroupTask:
        if self.group == "dihedral" and self.modulus < 3:
            raise ValueError("task.modulus must be ≥ 3 for a dihedral group")
        if self.group == "product" and (len(self.moduli) < 1 or any(m < 2 for m in self.moduli)):
            raise ValueError("task.moduli must list factors ≥ 2")
        n = self.order**2 - __import__("math").ceil(round((1 - self.train_fraction) * self.order**2, 9))
        if n < 2:
            raise ValueError(f"task.train_fraction = {self.train_fraction} leaves {n} training pairs")
        return self


class TwoLayerModel(Strict):
    """``Ŷ = β σ(XW)V`` without biases (science/grokking.md §1.2)."""

    width: int = Field(2048, ge=1, le=65536, description="hidden width K")
    activation: Literal["sq", "relu", "silu"] = "sq"
    top_init_scale: float = Field(1.0, ge=0, description="V init multiplier (0 = zero-init V)")
    output_scale: float = Field(1.0, gt=0, description="β")


class GrokkingTrain(Strict):
    """Full-batch training; one epoch = one optimiser step (science/grokking.md §1.4)."""

    loss: Literal["mse_class", "mse_sample", "ce"] = "mse_class"
    optimizer: Literal["adam", "adamw", "sgd", "muon"] = "adam"
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(2e-4, ge=0, description="coupled L2 (adam, sgd), decoupled (adamw, Muon's W)")
    steps: int = Field(1000, ge=1, le=10_000_000, description="epochs (full-batch steps)")
    diagnostics_every: int = Field(100, ge=1, description="epochs between Fourier diagnostics")
    precision: Literal["float64", "float32"] = Field(
        "float64", description="training arithmetic (Fourier diagnostics are always float64)")


class GrokkingSpec(BaseSpec):
    """Grokking in two-layer networks: the Li2 framework (science/grokking.md)."""

    family: Literal["grokking"] = "grokking"
    task: GroupTask = Field(default_factory=GroupTask)
    model: TwoLayerModel = Field(default_factory=TwoLayerModel)
    train: GrokkingTrain = Field(default_factory=GrokkingTrain)


class EnergyTrain(Strict):
    """Projected gradient ascent on E(w) at ‖w‖ = 1 (science/grokking.md §2.3)."""

    lr: float | Literal["auto"] = Field("auto", description="γ; 'auto' = 2/M")
    steps: int = Field(4000, ge=1, le=10_000_000)


class EnergySpec(BaseSpec):
    """Maxima of the Li2 energy (Theorem 2, Cor. 2): each seed is one Gaussian start."""

    family: Literal["grokking-energy"] = "grokking-energy"
    task: GroupTask = Field(default_factory=lambda: GroupTask(modulus=23), description="train_fraction used only without full_table")
    activation: Literal["sq", "relu", "silu"] = "sq"
    full_table: bool = Field(True, description="E on every pair (else on the training split)")
    train: EnergyTrain = Field(default_factory=EnergyTrain)


# ----------------------------------------------------------------------------- task-trained RNN family


class CognitiveTask(Strict):
    """A cognitive task (docs/tasks.md): periods in ms, converted to steps with ``dt``."""

    kind: Literal["accumulate", "delay_match", "context_integrate", "multisensory", "flip_flop"] = "accumulate"
    dt: float = Field(20.0, gt=0, description="ms per time step")
    batch: int = Field(64, ge=1, le=65536, description="fresh trials per training step")
    fixation: float = Field(100.0, ge=0, description="fixation period (ms)")
    stimulus: float = Field(800.0, gt=0, description="stimulus period (ms; sample and test for delay_match)")
    delay: float = Field(0.0, ge=0, description="delay period (ms)")
    decision: float = Field(200.0, gt=0, description="decision period (ms)")
    decision_weight: float = Field(5.0, gt=0, description="loss weight of the decision period (1 before it)")
    coherences: list[float] = Field([0.1, 0.2, 0.4, 0.8], min_length=1, description="|c| values (signed at random)")
    noise: float = Field(1.0, ge=0, description="stimulus noise σ per time step")
    report: Literal["choice", "sum"] = Field("choice", description="accumulate: sign of c, or running mean")
    n_stimuli: int = Field(2, ge=2, le=64, description="delay_match: number of stimuli")
    bits: int = Field(3, ge=1, le=16, description="flip_flop: channels")
    duration: float = Field(1000.0, gt=0, description="flip_flop: trial length (ms)")
    pulse_probability: float = Field(0.05, ge=0, le=1, description="flip_flop: pulse probability per step")
    settle: int = Field(3, ge=0, description="flip_flop: steps after a pulse not scored")

    @model_validator(mode="after")
    def _check(self) -> CognitiveTask:
        if self.kind != "flip_flop" and round(self.stimulus / self.dt) < 1:
            raise ValueError(f"task.stimulus ({self.stimulus} ms) is shorter than one step of dt = {self.dt} ms")
        if self.kind != "flip_flop" and round(self.decision / self.dt) < 1:
            raise ValueError(f"task.decision ({self.decision} ms) is shorter than one step of dt = {self.dt} ms")
        if self.kind == "flip_flop" and round(self.duration / self.dt) < 2:
            raise ValueError(f"task.duration ({self.duration} ms) gives fewer than 2 steps of dt = {self.dt} ms")
        return self


class TaskRNNModel(Strict):
    """Recurrent network trained on a task (models/_task_rnn.py)."""

    kind: Literal["leaky", "low_rank", "gru", "lstm"] = "leaky"
    n: int = Field(64, ge=1, le=8192, description="units N")
    activation: Literal["tanh", "relu", "linear"] = Field("tanh", description="φ (leaky, low_rank)")
    tau: float = Field(100.0, gt=0, description="time constant τ (ms); α = dt/τ ≤ 1")
    g: float = Field(0.9, ge=0, description="initial recurrent gain (random part of low_rank)")
    rank: int = Field(1, ge=1, description="rank R of M Nᵀ/N (low_rank)")
    recurrent_noise: float = Field(0.05, ge=0, description="σ_rec")
    input_noise: float = Field(0.0, ge=0, description="σ_in")


class TaskRNNTrain(Strict):
    """Adam (default) or SGD on fresh batches of trials, masked MSE."""

    optimizer: Literal["adam", "sgd"] = "adam"
    lr: float = Field(3e-3, gt=0)
    steps: int = Field(1500, ge=1, le=100_000_000)
    clip: float | None = Field(1.0, gt=0, description="global-norm gradient clipping (None: off)")
    test_batch: int = Field(256, ge=1, description="fixed test trials for accuracy")
    precision: Literal["float32", "float64"] = Field(
        "float32", description="training arithmetic (the analysis after training is always float64)")


class FixedPointAnalysis(Strict):
    """Fixed/slow-point search after training (analysis/_fixed_points.py)."""

    enabled: bool = True
    inits: int = Field(256, ge=1, description="initial states sampled from test trajectories")
    jitter: float = Field(0.05, ge=0, description="Gaussian jitter added to each initial state")
    steps: int = Field(2000, ge=0, description="Adam steps of the slow-point stage")
    lr: float = Field(1e-2, gt=0)
    fixed_tol: float = Field(1e-20, gt=0, description="q below which a point is fixed")
    slow_fraction: float = Field(1e-3, gt=0, description="slow point: q below this fraction of the median "
                                                          "q of the starting states")
    max_points: int = Field(64, ge=1, description="points kept per condition (best q first)")


class TaskRNNSpec(BaseSpec):
    """A recurrent network trained on a cognitive task, then analysed (fixed points, PCA, spectra)."""

    family: Literal["task-rnn"] = "task-rnn"
    task: CognitiveTask = Field(default_factory=CognitiveTask)
    model: TaskRNNModel = Field(default_factory=TaskRNNModel)
    train: TaskRNNTrain = Field(default_factory=TaskRNNTrain)
    fixed_points: FixedPointAnalysis = Field(default_factory=FixedPointAnalysis)

    @model_validator(mode="after")
    def _check(self) -> TaskRNNSpec:
        if self.model.kind in ("leaky", "low_rank") and self.task.dt > self.model.tau:
            raise ValueError(f"α = task.dt/model.tau = {self.task.dt / self.model.tau:g} > 1 is unstable "
                             "(Euler step of the leaky dynamics); lower task.dt or raise model.tau")
        for key in self.grid:
            if key.startswith(("task.", "fixed_points.")):
                raise ValueError(f"grid: '{key}' is generated once for the whole run and cannot be a "
                                 "coordinate (run the values separately)")
        return self


# ----------------------------------------------------------------------------- DMFT family


class RandomNetworkModel(Strict):
    """``ẋ = −x + (g J + m nᵀ/N) tanh(x)``, ``J_ij ~ N(0, 1/N)`` (issue "Large-N theory", parts 1
    and 2; ``overlap = 0``: no structure)."""

    n: int = Field(2000, ge=2, le=20_000, description="units N")
    g: float = Field(1.5, ge=0, description="coupling gain g")
    overlap: float = Field(0.0, ge=0, description="σ_mn = m·n/N of the rank-one part (0: none); "
                                                  "m·m/N = 1; seeds alternate starting near +m and −m")


class DMFTSimulation(Strict):
    """Euler simulation of the random network, recorded after a transient."""

    dt: float = Field(0.05, gt=0, le=0.5, description="Euler step (units of τ)")
    steps: int = Field(12000, ge=2, le=10_000_000, description="Euler steps in all")
    burn: int = Field(2000, ge=0, description="steps discarded as transient")
    units: int = Field(200, ge=1, description="units per network recorded for Δ(τ)")
    max_lag: float = Field(20.0, gt=0, description="largest lag τ of Δ(τ) (units of τ)")
    precision: Literal["float32", "float64"] = "float32"

    @model_validator(mode="after")
    def _check(self) -> DMFTSimulation:
        if self.burn >= self.steps - 1:
            raise ValueError(f"train.burn ({self.burn}) must be below train.steps − 1 ({self.steps - 1})")
        if self.max_lag / self.dt >= self.steps - self.burn:
            raise ValueError(f"train.max_lag ({self.max_lag}) is longer than the recorded window "
                             f"({(self.steps - self.burn) * self.dt:g})")
        return self


class DMFTSpec(BaseSpec):
    """Random rate network against its dynamical mean-field theory (Sompolinsky et al. 1988)."""

    family: Literal["dmft-random"] = "dmft-random"
    model: RandomNetworkModel = Field(default_factory=RandomNetworkModel)
    train: DMFTSimulation = Field(default_factory=DMFTSimulation)


SPEC_TYPES: dict[str, type[BaseSpec]] = {
    "integrate": IntegrateSpec, "closed-loop": ClosedLoopSpec, "closed-loop-surrogate": SurrogateSpec,
    "lrnn": LRNNSpec, "grokking": GrokkingSpec, "grokking-energy": EnergySpec, "task-rnn": TaskRNNSpec,
    "dmft-random": DMFTSpec,
}

# Grid keys that change array shapes or program structure cannot be vmapped together.
STRUCTURAL_KEYS = {"model.n", "task.kind", "train.method", "train.steps", "train.batch",
                   "train.mc_groups", "model.init_uv", "model.antithetic", "train.params", "train.optimizer", "train.dt",
                   "train.clip", "train.mode", "train.open_input", "model.kind", "model.activation",
                   "model.dt", "model.tau", "plant.kind", "plant.order", "plant.dt", "plant.freqs_x",
                   "plant.freqs_y", "train.test_batch", "train.restart_step", "train.train_input",
                   "train.state_reduction", "train.control_cost_convention", "theory.exponent",
                   "train.gain_episodes", "train.test_reduction", "train.precision", "plant.noise", "plant.ramp",
                   "task.n", "task.samples", "task.test_samples", "model.n_hidden", "model.init",
                   "train.level", "train.loss", "task.test_lengths", "task.target",
                   "task.modulus", "task.group", "task.moduli", "model.width", "model.activation",
                   "train.diagnostics_every", "activation", "full_table", "model.rank", "train.test_batch",
                   "record.snapshots", "record.spectra", "train.units", "train.max_lag", "train.burn", "vector_width"}


# ----------------------------------------------------------------------------- helpers


def _format_validation_error(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown key '{loc}'" + did_you_mean(loc, _KNOWN_KEYS)
    value = first.get("input")
    msg = first["msg"]
    if first["type"] == "literal_error":
        return f"{loc}: {value!r} is not one of {msg.split('Input should be ')[-1]}" + (
            did_you_mean(str(value), _literal_choices(msg)) if isinstance(value, str) else ""
        )
    if not loc:
        return msg.removeprefix("Value error, ")
    return f"{loc}: {msg.removeprefix('Value error, ')} (got {value!r})"


def _literal_choices(msg: str) -> list[str]:
    return [c.strip(" '") for c in msg.split("Input should be ")[-1].replace(" or ", ",").split(",")]


_KNOWN_KEYS: set[str] = set()


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


def validate_spec(data: dict[str, Any]) -> BaseSpec:
    """Validate a plain dict into the spec class named by its ``family``.

    Raises:
        ConfigError: one line naming the key, the value and the allowed values.
    """
    family = data.get("family")
    if family not in SPEC_TYPES:
        raise ConfigError(
            f"family: {family!r} is not one of {sorted(SPEC_TYPES)}"
            + did_you_mean(str(family), SPEC_TYPES)
        )
    spec_type = SPEC_TYPES[family]
    _KNOWN_KEYS.clear()
    _KNOWN_KEYS.update(known_keys(spec_type))
    try:
        spec = spec_type.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_validation_error(err)) from None
    for key in spec.grid:
        if key not in _KNOWN_KEYS or key.startswith(("grid", "record", "experiment", "family")):
            raise ConfigError(f"grid: unknown key '{key}'" + did_you_mean(key, _KNOWN_KEYS))
        if key in STRUCTURAL_KEYS:
            raise ConfigError(
                f"grid: '{key}' changes array shapes or the program; it cannot be a coordinate "
                "of one run (run the values separately)"
            )
        if not spec.grid[key]:
            raise ConfigError(f"grid: '{key}' has no values")
        for value in spec.grid[key]:  # every grid point must itself be a valid spec
            point = set_dotted(spec.model_dump(), key, value)
            point["grid"] = {}
            try:
                spec_type.model_validate(point)
            except ValidationError as err:
                raise ConfigError(f"grid: {_format_validation_error(err)}") from None
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
