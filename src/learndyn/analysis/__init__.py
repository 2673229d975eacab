"""Analysis of recorded networks: spectra, outliers, fixed points, PCA, weight changes, tangent kernels."""

from ._acquisition import acquisition_epochs as acquisition_epochs
from ._acquisition import frequency_mismatch as frequency_mismatch
from ._acquisition import mismatch_at_acquisition as mismatch_at_acquisition
from ._acquisition import nearest_frequency as nearest_frequency
from ._acquisition import pair_around_acquisition as pair_around_acquisition
from ._boundary import boundary_estimate as boundary_estimate
from ._fixed_points import (
    FixedPoints as FixedPoints,
    classify as classify,
    deduplicate as deduplicate,
    find_fixed_points as find_fixed_points,
    minimise_speed as minimise_speed,
    newton_polish as newton_polish,
    sample_states as sample_states,
)
from ._pca import (
    PCA as PCA,
    learned_rank as learned_rank,
    participation_ratio as participation_ratio,
    pca as pca,
    weight_trajectory as weight_trajectory,
)
from ._kernel import kernel_distance as kernel_distance, neural_tangent_kernel as neural_tangent_kernel
from ._spectra import (
    bulk_radius as bulk_radius,
    outlier_tracks as outlier_tracks,
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
