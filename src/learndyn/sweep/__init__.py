"""Sweeps: grids of runs, vmapped where shapes agree, distributed with dask.distributed."""

from ._plan import Chunk as Chunk, Plan as Plan, parse_grid as parse_grid, plan_sweep as plan_sweep
from ._sweep import load_sweep_state as load_sweep_state, sweep as sweep
from ._worker import run_chunk as run_chunk, use_device as use_device
