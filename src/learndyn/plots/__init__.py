"""Figure functions, one per kind of picture. Each returns a matplotlib Figure."""

from ._style import STYLE as STYLE, THEORY as THEORY, figure as figure, save_figure as save_figure, seed_colors as seed_colors
from ._style import figure_texts as figure_texts, grid_caption as grid_caption, grid_slices as grid_slices, names_grid_key as names_grid_key
from .analysis import fixed_points_3d as fixed_points_3d
from ._curves import loss_curves as loss_curves, metric_curves as metric_curves
from ._kernel import kernel_theory_overlay as kernel_theory_overlay
from ._large_n import large_n_theory_overlay as large_n_theory_overlay
from ._spectrum import (
    outlier_trajectory as outlier_trajectory,
    residue_trajectory as residue_trajectory,
    spectrum_over_training as spectrum_over_training,
)
from ._sweep import rich_lazy_summary as rich_lazy_summary
