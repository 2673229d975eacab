"""The interval-timing experiment's config: validated, documented keys (pydantic, no JAX)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from learndyn.config import BaseSpec, Strict

LABEL = "interval timing (user example: ready-set-go after Jazayeri & Shadlen 2010, MGU network)"
RESERVED = frozenset({"seed", "step", "condition", "fp", "unit"})
"""Dimension names the family uses itself (a grid key with one of these names keeps its full key)."""


class TimingTask(Strict):
    dt: float = Field(20.0, gt=0, description="ms per step")
    intervals: list[float] = Field([480.0, 640.0, 800.0], min_length=1, description="sample intervals t_s (ms)")
    ready_max: float = Field(200.0, ge=0, description="ready pulse time ~ U(0, ready_max) (ms)")
    batch: int = Field(32, ge=1, description="fresh trials per training step")


class TimingModel(Strict):
    n: int = Field(32, ge=1, le=4096, description="MGU units")
    g: float = Field(1.0, ge=0, description="recurrent init scale: U ~ N(0, g²/n)")


class TimingTrain(Strict):
    optimizer: str = Field("adam", description="a learndyn optimiser name, or 'module:factory'")
    lr: float = Field(3e-3, gt=0)
    steps: int = Field(300, ge=1)
    clip: float = Field(1.0, ge=0, description="global-norm clipping (0: none)")
    test_batch: int = Field(64, ge=1)


class TimingSpec(BaseSpec):
    """Ready-set-go interval timing learned by a minimal gated unit."""

    family: str = "interval-timing"
    structural_keys: ClassVar[frozenset[str]] = BaseSpec.structural_keys | {
        "model.n", "task.dt", "task.intervals", "task.ready_max", "task.batch", "train.optimizer",
        "train.clip", "train.test_batch"}
    task: TimingTask = Field(default_factory=TimingTask)
    model: TimingModel = Field(default_factory=TimingModel)
    train: TimingTrain = Field(default_factory=TimingTrain)
