"""Analysis of recorded networks: spectra, outliers, residues, weight changes, tangent kernels."""

from ._acquisition import acquisition_epochs as acquisition_epochs
from ._boundary import boundary_estimate as boundary_estimate
from ._kernel import kernel_distance as kernel_distance, neural_tangent_kernel as neural_tangent_kernel
from ._spectra import (
    count_outliers as count_outliers,
    escape_step as escape_step,
    learned_modes as learned_modes,
    outlier_eigenvalues as outlier_eigenvalues,
    residues as residues,
    sort_eigenvalues as sort_eigenvalues,
    spectrum_and_residues as spectrum_and_residues,
    top_modes as top_modes,
    track_backward as track_backward,
)
from ._weights import (
    conserved_matrix as conserved_matrix,
    weight_change as weight_change,
)
