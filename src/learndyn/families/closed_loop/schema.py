"""Config of the closed-loop family (plant, controller, training) and of the surrogate L_α."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from learndyn.config import applies_when, BaseSpec, Record, Strict

_TRACKING = applies_when(kind=("tracking",))  # keys of the tracking plant only


class PlantConfig(Strict):
    """The plant (Ger & Barak 2025; docs/closed_loop.md)."""

    kind: Literal["integrator", "tracking"] = "integrator"
    order: int = Field(2, ge=1, le=10, description="k of the k-integrator (2 = double integrator)")
    dt: float = Field(1.0, gt=0, description="plant time step")
    noise: float = Field(0.0, ge=0, description="process-noise scale σ_w (drawn only if > 0)")
    init_range: float = Field(1.0, gt=0, description="initial states i.i.d. U(-a, a) (integrator)",
        json_schema_extra=applies_when(kind=("integrator",)))
    bound: float = Field(10.0, gt=0, description="state clamp (tracking)",
        json_schema_extra=_TRACKING)
    freqs_x: list[float] = Field([0.1, 0.3], description="reference frequencies on x (Hz)",
        json_schema_extra=_TRACKING)
    freqs_y: list[float] = Field([0.2, 0.4], description="reference frequencies on y (Hz)",
        json_schema_extra=_TRACKING)
    amplitude: float = Field(2.31, gt=0, description="amplitude a of each reference component",
        json_schema_extra=_TRACKING)
    ramp: float = Field(1.0, ge=0, description="reference ramp-in time (s)",
        json_schema_extra=_TRACKING)


class ControllerModel(Strict):
    """The recurrent controller (Ger & Barak 2025; docs/closed_loop.md)."""

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
        "random", description="rank1: controlled start σ_zm = s (Fig. 3d/e), or 'random'",
        json_schema_extra=applies_when(kind=("rank1",)))

    @model_validator(mode="after")
    def _alpha(self) -> ControllerModel:
        if self.dt > self.tau:
            raise ValueError(f"model.dt ({self.dt}) must be ≤ model.tau ({self.tau}): a = dt/τ ≤ 1")
        return self


class ClosedLoopTrain(Strict):
    """Closed-loop (BPTT through the plant) and open-loop teacher–student training (§3)."""

    mode: Literal["closed", "closed_vs_open"] = "closed"
    open_input: Literal["white_noise", "teacher_forcing"] = Field(
        "white_noise", description="open-loop student inputs (§3)",
        json_schema_extra=applies_when(mode=("closed_vs_open",)))
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
    """Closed-loop vs open-loop learning of an RNN controller (Ger & Barak 2025; docs/closed_loop.md)."""

    family: str = "closed-loop"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "model.activation", "model.dt", "model.kind", "model.n", "model.tau", "plant.dt", "plant.freqs_x", "plant.freqs_y", "plant.kind", "plant.noise", "plant.order", "plant.ramp", "train.batch", "train.clip", "train.control_cost_convention", "train.gain_episodes", "train.method", "train.mode", "train.open_input", "train.optimizer", "train.precision", "train.restart_step", "train.state_reduction", "train.test_batch", "train.test_reduction", "train.train_input"}
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
    """Surrogate L_α on the four overlaps (Ger & Barak 2025; docs/closed_loop.md)."""

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
    """Gradient descent on the surrogate L_α (Ger & Barak 2025; docs/closed_loop.md, Fig. 4d)."""

    family: str = "closed-loop-surrogate"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "theory.exponent", "train.clip", "train.optimizer"}
    theory: SurrogateTheory = Field(default_factory=SurrogateTheory)
    train: SurrogateTrain = Field(default_factory=SurrogateTrain)
