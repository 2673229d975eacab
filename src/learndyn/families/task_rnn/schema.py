"""Config of the task-trained RNN family: cognitive task, network, training, fixed points."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from learndyn.config import IMPORT_PATH, applies_when, BaseSpec, Record, Strict
from learndyn.imports import choice_or_import_path

TASKS = ("accumulate", "delay_match", "context_integrate", "multisensory", "flip_flop")
NETWORKS = ("leaky", "low_rank", "gru", "lstm")
# which keys apply to which kinds (`learndyn config` prints only those)
_TIMED_TASKS = applies_when(kind=tuple(k for k in TASKS if k != "flip_flop"))  # tasks built from periods
_FLIP_FLOP = applies_when(kind=("flip_flop",))
_RATE_NETWORKS = applies_when(kind=("leaky", "low_rank"))
_LOW_RANK = applies_when(**{"model.kind": ("low_rank",)})


class CognitiveTask(Strict):
    """A cognitive task (docs/tasks.md): periods in ms, converted to steps with ``dt``."""

    kind: str = Field("accumulate", description="one of learndyn's tasks, or an import path 'package.module:Class' "
                                               "to your own (docs/extending.md: n_in, n_out, sample(key, batch))")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments of your own task class "
                                                                     "(with dt), e.g. {intervals = [480, 800]}",
        json_schema_extra=applies_when(kind=(IMPORT_PATH,)))
    dt: float = Field(20.0, gt=0, description="ms per time step")
    batch: int = Field(64, ge=1, le=65536, description="fresh trials per training step")
    fixation: float = Field(100.0, ge=0, description="fixation period (ms)",
        json_schema_extra=_TIMED_TASKS)
    stimulus: float = Field(800.0, gt=0, description="stimulus period (ms; sample and test for delay_match)",
        json_schema_extra=_TIMED_TASKS)
    delay: float = Field(0.0, ge=0, description="delay period (ms)",
        json_schema_extra=_TIMED_TASKS)
    decision: float = Field(200.0, gt=0, description="decision period (ms)",
        json_schema_extra=_TIMED_TASKS)
    decision_weight: float = Field(5.0, gt=0, description="loss weight of the decision period (1 before it)",
        json_schema_extra=_TIMED_TASKS)
    coherences: list[float] = Field([0.1, 0.2, 0.4, 0.8], min_length=1, description="|c| values (signed at random)",
        json_schema_extra=applies_when(kind=("accumulate", "context_integrate", "multisensory")))
    noise: float = Field(1.0, ge=0, description="stimulus noise σ per time step")
    report: Literal["choice", "sum"] = Field("choice", description="accumulate: sign of c, or running mean",
        json_schema_extra=applies_when(kind=("accumulate",)))
    n_stimuli: int = Field(2, ge=2, le=64, description="delay_match: number of stimuli",
        json_schema_extra=applies_when(kind=("delay_match",)))
    bits: int = Field(3, ge=1, le=16, description="flip_flop: channels",
        json_schema_extra=_FLIP_FLOP)
    duration: float = Field(1000.0, gt=0, description="flip_flop: trial length (ms)",
        json_schema_extra=_FLIP_FLOP)
    pulse_probability: float = Field(0.05, ge=0, le=1, description="flip_flop: pulse probability per step",
        json_schema_extra=_FLIP_FLOP)
    settle: int = Field(3, ge=0, description="flip_flop: steps after a pulse not scored",
        json_schema_extra=_FLIP_FLOP)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v):
        return choice_or_import_path(v, TASKS, "task.kind", ("sample",))

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

    kind: str = Field("leaky", description="'leaky', 'low_rank', 'gru', 'lstm', or an import path "
                                          "'package.module:Class' to your own network (docs/extending.md)")
    n: int = Field(64, ge=1, le=8192, description="units N")
    activation: Literal["tanh", "relu", "linear"] = Field("tanh", description="φ (leaky, low_rank)",
        json_schema_extra=_RATE_NETWORKS)
    tau: float = Field(100.0, gt=0, description="time constant τ (ms); α = dt/τ ≤ 1",
        json_schema_extra=_RATE_NETWORKS)
    g: float = Field(0.9, ge=0, description="initial recurrent gain (random part of low_rank)",
        json_schema_extra=_RATE_NETWORKS)
    rank: int = Field(1, ge=1, description="rank R of M Nᵀ/N (low_rank)",
        json_schema_extra=applies_when(kind=("low_rank",)))
    recurrent_noise: float = Field(0.05, ge=0, description="σ_rec")
    input_noise: float = Field(0.0, ge=0, description="σ_in")

    @field_validator("kind")
    @classmethod
    def _kind(cls, v):
        return choice_or_import_path(v, NETWORKS, "model.kind", ("hidden_size", "step", "readout", "recurrent_matrix"))


class TaskRNNTrain(Strict):
    """Adam (default) or SGD on fresh batches of trials, masked MSE."""

    optimizer: str = Field("adam", description="'adam', 'sgd', or an import path 'module:factory' to an optax "
                                              "factory f(learning_rate) or GradientTransformation")
    lr: float = Field(3e-3, gt=0)
    steps: int = Field(1500, ge=1, le=100_000_000)
    clip: float | None = Field(1.0, gt=0, description="global-norm gradient clipping (None: off)")
    test_batch: int = Field(256, ge=1, description="fixed test trials for accuracy")
    precision: Literal["float32", "float64"] = Field(
        "float32", description="training arithmetic (the analysis after training is always float64)")

    @field_validator("optimizer")
    @classmethod
    def _optimizer(cls, v):
        return choice_or_import_path(v, ("adam", "sgd"), "train.optimizer")


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


class LowRankMeanField(Strict):
    """Mean-field reduction of low-rank networks after training (model.kind = 'low_rank';
    learndyn.theory.low_rank): a single Gaussian and a Gaussian mixture fitted to the loadings."""

    enabled: bool = Field(True, json_schema_extra=_LOW_RANK)
    populations: int = Field(2, ge=2, le=16, description="Gaussian-mixture populations (the single Gaussian is "
                                                         "always fitted beside it)", json_schema_extra=_LOW_RANK)
    draws: int = Field(10, ge=1, le=1000, description="networks resampled from each fit",
                       json_schema_extra=_LOW_RANK)
    size_factor: float = Field(2.0, gt=0, le=64, description="units of a resampled network / units trained",
                               json_schema_extra=_LOW_RANK)
    bootstraps: int = Field(10, ge=0, le=1000, description="networks of the trained N units drawn with replacement: "
                            "the resampling spread of the fixed-point comparison (0: off)", json_schema_extra=_LOW_RANK)
    starts_per_axis: int = Field(9, ge=2, le=40, description="Newton starts per latent axis for the mean-field fixed "
                                 "points", json_schema_extra=_LOW_RANK)
    max_points: int = Field(16, ge=1, description="mean-field fixed points kept per condition",
                            json_schema_extra=_LOW_RANK)


class TaskRNNSpec(BaseSpec):
    """A recurrent network trained on a cognitive task, then analysed (fixed points, PCA, spectra)."""

    family: str = "task-rnn"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "model.activation", "model.kind", "model.n", "model.rank", "model.tau", "task.kind", "task.options", "train.clip", "train.optimizer", "train.precision", "train.test_batch"}
    task: CognitiveTask = Field(default_factory=CognitiveTask)
    model: TaskRNNModel = Field(default_factory=TaskRNNModel)
    train: TaskRNNTrain = Field(default_factory=TaskRNNTrain)
    fixed_points: FixedPointAnalysis = Field(default_factory=FixedPointAnalysis)
    low_rank: LowRankMeanField = Field(default_factory=LowRankMeanField)

    @model_validator(mode="after")
    def _check(self) -> TaskRNNSpec:
        if self.model.kind in ("leaky", "low_rank") and self.task.dt > self.model.tau:
            raise ValueError(f"α = task.dt/model.tau = {self.task.dt / self.model.tau:g} > 1 is unstable "
                             "(Euler step of the leaky dynamics); lower task.dt or raise model.tau")
        for key in self.grid:
            if key.startswith(("task.", "fixed_points.", "low_rank.")):
                raise ValueError(f"grid: '{key}' is generated once for the whole run and cannot be a "
                                 "coordinate (run the values separately)")
        return self
