"""Config of the grokking family (group task, two-layer network) and of the energy ascent."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from learndyn.config import applies_when, BaseSpec, Record, Strict


class GroupTask(Strict):
    """Group arithmetic ``(h1, h2) ↦ h1·h2`` (Tian 2025; docs/grokking.md)."""

    group: Literal["cyclic", "product", "dihedral"] = "cyclic"
    modulus: int = Field(71, ge=2, le=1000, description="M of Z_M, or m of D_m (order 2m)",
                         json_schema_extra=applies_when(group=("cyclic", "dihedral")))
    moduli: list[int] = Field(default_factory=lambda: [4, 7], description="factors of a product group",
                              json_schema_extra=applies_when(group=("product",)))
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
    """``Ŷ = β σ(XW)V`` without biases (Tian 2025; docs/grokking.md)."""

    width: int = Field(2048, ge=1, le=65536, description="hidden width K")
    activation: Literal["sq", "relu", "silu"] = "sq"
    top_init_scale: float = Field(1.0, ge=0, description="V init multiplier (0 = zero-init V)")
    output_scale: float = Field(1.0, gt=0, description="β")


class GrokkingTrain(Strict):
    """Full-batch training; one epoch = one optimiser step (Tian 2025; docs/grokking.md)."""

    loss: Literal["mse_class", "mse_sample", "ce"] = "mse_class"
    optimizer: Literal["adam", "adamw", "sgd", "muon"] = "adam"
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(2e-4, ge=0, description="coupled L2 (adam, sgd), decoupled (adamw, Muon's W)")
    steps: int = Field(1000, ge=1, le=10_000_000, description="epochs (full-batch steps)")
    diagnostics_every: int = Field(100, ge=1, description="epochs between Fourier diagnostics")
    precision: Literal["float64", "float32"] = Field(
        "float64", description="training arithmetic (Fourier diagnostics are always float64)")


class GrokkingSpec(BaseSpec):
    """Grokking in two-layer networks: the Li2 framework (Tian 2025; docs/grokking.md)."""

    family: str = "grokking"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "model.activation", "model.width", "task.group", "task.moduli", "task.modulus", "train.diagnostics_every", "train.loss", "train.optimizer", "train.precision"}
    task: GroupTask = Field(default_factory=GroupTask)
    model: TwoLayerModel = Field(default_factory=TwoLayerModel)
    train: GrokkingTrain = Field(default_factory=GrokkingTrain)


class EnergyTrain(Strict):
    """Projected gradient ascent on E(w) at ‖w‖ = 1 (Tian 2025; docs/grokking.md)."""

    lr: float | Literal["auto"] = Field("auto", description="γ; 'auto' = 2/M")
    steps: int = Field(4000, ge=1, le=10_000_000)


class EnergySpec(BaseSpec):
    """Maxima of the Li2 energy (Theorem 2, Cor. 2): each seed is one Gaussian start."""

    family: str = "grokking-energy"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "activation", "full_table", "task.group", "task.moduli", "task.modulus", "task.train_fraction"}
    task: GroupTask = Field(default_factory=lambda: GroupTask(modulus=23), description="train_fraction used only without full_table")
    activation: Literal["sq", "relu", "silu"] = "sq"
    full_table: bool = Field(True, description="E on every pair (else on the training split)")
    train: EnergyTrain = Field(default_factory=EnergyTrain)
