"""Config of the random-network (DMFT) family."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from learndyn.config import BaseSpec, Record, Strict


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

    family: str = "dmft-random"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "model.n", "train.burn", "train.dt", "train.max_lag", "train.precision", "train.units"}
    model: RandomNetworkModel = Field(default_factory=RandomNetworkModel)
    train: DMFTSimulation = Field(default_factory=DMFTSimulation)
