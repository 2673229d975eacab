"""Matrix equations used by the exact engines (jit/vmap-able, float64), and spectrum ordering."""

from ._lyapunov import (
    lyapunov_pair as lyapunov_pair,
    solve_lyapunov as solve_lyapunov,
    solve_stein as solve_stein,
)
from ._ordering import sort_eigenvalues as sort_eigenvalues
