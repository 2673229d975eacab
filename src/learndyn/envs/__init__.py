"""Plants for closed-loop control: pure, differentiable step functions (Ger & Barak 2025; docs/closed_loop.md)."""

from ._plants import (
    LinearPlant as LinearPlant,
    k_integrator as k_integrator,
    plant_step as plant_step,
    tracking_plant as tracking_plant,
)
from ._reference import (
    TrackingReference as TrackingReference,
    probe_reference as probe_reference,
    reference_basis as reference_basis,
    reference_coefficients as reference_coefficients,
    tracking_reference as tracking_reference,
)
