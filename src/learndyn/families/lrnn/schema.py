"""Config of the linear-RNN family: correlation or sensory task, discrete linear RNN, GD."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from learndyn.config import applies_when, BaseSpec, Record, Strict


_DYN = Literal["constant", "inverse_exponential", "exponential", "dirac"]


class LRNNTask(Strict):
    """Task of a discrete linear RNN (Proca et al. 2025; docs/lrnn.md): correlation-defined or sensory."""

    kind: Literal["correlation", "sensory"] = "correlation"
    n: int = Field(4, ge=1, le=256, description="N_x = N_y = number of modes (sensory: 4)")
    length: int = Field(5, ge=1, le=2000, description="T, input steps per sequence")
    dynamics: _DYN | list[_DYN] = Field("inverse_exponential", description="task dynamics per mode (§2.2)")
    delta: float | list[float] = Field(1.0, description="scale δ per mode")
    lam: float | list[float] = Field(0.9, description="temporal parameter λ per mode")
    kappa: float | list[float] | None = Field(None, description="overwrite s_T (modified tasks, Eq. 10)")
    beta: float | list[float] = Field(1.0, description="s_1 of the dirac task")
    samples: int = Field(400, ge=2, le=1_000_000, description="P, training sequences")
    target: Literal["sum", "mean", "late", "early"] = Field("sum", description="sensory target",
        json_schema_extra=applies_when(kind=("sensory",)))
    test_lengths: list[int] = Field(default_factory=list, description="extrapolation lengths T'")
    test_samples: int = Field(2000, ge=1, description="fresh sensory trials per test length",
        json_schema_extra=applies_when(kind=("sensory",)))

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
                "to whiten inputs jointly over time (Proca et al. 2025; docs/lrnn.md)"
            )
        if self.kind == "sensory" and self.n != 4:
            raise ValueError("task.n must be 4 for the sensory task (two channels per modality)")
        if any(t < 1 for t in self.test_lengths):
            raise ValueError("task.test_lengths must be ≥ 1")
        return self


class LRNNModel(Strict):
    """Discrete linear RNN ``h_{t+1} = W_h h_t + W_x x_t``, ``ŷ = W_y h_{T+1}`` (Proca et al. 2025; docs/lrnn.md)."""

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
    """Learning dynamics of linear RNNs (Proca et al. 2025; docs/lrnn.md; Proca et al., ICML 2025)."""

    family: str = "lrnn"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "model.init", "model.n_hidden", "task.kind", "task.n", "task.samples", "task.target", "task.test_lengths", "task.test_samples", "train.level", "train.loss", "train.params"}
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
