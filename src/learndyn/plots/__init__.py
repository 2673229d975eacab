"""Figure functions, one per kind of picture. Each returns a matplotlib Figure."""

from ._style import save_figure as save_figure
from ._curves import loss_curves as loss_curves
from ._kernel import kernel_theory_overlay as kernel_theory_overlay
from ._spectrum import (
    outlier_trajectory as outlier_trajectory,
    residue_trajectory as residue_trajectory,
    spectrum_over_training as spectrum_over_training,
)
from ._sweep import rich_lazy_summary as rich_lazy_summary
