"""Config of the integrate family: white-noise target, linear RNN, gradient descent."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from learndyn.config import applies_when, BaseSpec, Record, Strict

_SAMPLED = applies_when(method=("sampled",))  # keys of the sampled engine only


class WhiteNoiseTask(Strict):
    """Target filter of white noise (Bordelon et al. 2025; docs/integrate.md)."""

    kind: Literal["leaky", "oscillator", "multiscale"] = "leaky"
    c_star: float = Field(0.2, gt=0, description="decay rate c⋆ of leaky/oscillator targets",
                          json_schema_extra=applies_when(kind=("leaky", "oscillator")))
    omega_star: float = Field(1.0, ge=0, description="angular frequency ω⋆ of the oscillator",
                              json_schema_extra=applies_when(kind=("oscillator",)))
    timescales: list[float] = Field([10.0, 2.0], min_length=1, description="T_k (multiscale)",
                                     json_schema_extra=applies_when(kind=("multiscale",)))
    gains: list[float] = Field([1.0, 1.0], min_length=1, description="g_k (multiscale)",
                                json_schema_extra=applies_when(kind=("multiscale",)))

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
    """Continuous-time linear RNN with leak (Bordelon et al. 2025; docs/integrate.md)."""

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
        "auto", description="learning rate; 'auto' = 3 c_eff³ (bulk-aware, docs/integrate.md)"
    )
    steps: int = Field(4000, ge=1, le=100_000_000)
    params: list[Literal["W", "u", "v"]] = Field(["W", "u", "v"], min_length=1)
    batch: int = Field(256, ge=2, description="noise realisations per step (sampled)",
        json_schema_extra=_SAMPLED)
    dt: float = Field(0.05, gt=0, le=1, description="Euler step (sampled)",
        json_schema_extra=_SAMPLED)
    horizon: float | Literal["auto"] = Field("auto", description="'auto' = 10/c_eff (sampled)",
        json_schema_extra=_SAMPLED)
    burn: float = Field(0.5, ge=0, lt=1, description="fraction of the horizon not in the loss",
        json_schema_extra=_SAMPLED)
    mc_groups: int = Field(32, ge=1, description="batch groups for the Monte-Carlo error",
        json_schema_extra=_SAMPLED)

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


class LargeNTheory(Strict):
    """The N → ∞ theory of the whole learning curve: the same gradient descent on the free
    Fock-space network (``learndyn.theory.free_limit``; learndyn derivation)."""

    words: int = Field(0, ge=0, le=12, description="longest word K of the truncated Fock space "
                                                   "(0: off; 8 is within ≈ 1e-3 of K = 10 for σ ≤ 0.6)")
    alternations: int = Field(2, ge=0, description="most letter changes d per word (2: within 1e-4 "
                                                   "of d = 3 at σ = 0.6; ≥ words − 1: no cap)")

    @model_validator(mode="after")
    def _size(self) -> LargeNTheory:
        from learndyn.theory.free_limit import fock_dimension

        d = 2 * fock_dimension(self.words, self.alternations)
        if self.words and d > 3000:
            raise ValueError(
                f"large_n.words = {self.words} with large_n.alternations = {self.alternations} gives "
                f"a {d}-unit limit network (at most 3000); lower one of them"
            )
        return self


class IntegrateSpec(BaseSpec):
    """Learning to integrate white noise (Bordelon et al. 2025; docs/integrate.md; a reconstruction)."""

    family: str = "integrate"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "large_n.alternations", "large_n.words", "model.antithetic", "model.init_uv", "model.n", "record.spectra", "task.kind", "train.batch", "train.burn", "train.dt", "train.mc_groups", "train.method", "train.optimizer", "train.params"}
    task: WhiteNoiseTask = Field(default_factory=WhiteNoiseTask)
    model: LinearRNNModel = Field(default_factory=LinearRNNModel)
    train: IntegrateTrain = Field(default_factory=IntegrateTrain)
    record: IntegrateRecord = Field(default_factory=IntegrateRecord)
    large_n: LargeNTheory = Field(default_factory=LargeNTheory)

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
