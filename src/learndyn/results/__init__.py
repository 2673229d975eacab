"""Result sets: labelled xarray Datasets in zarr, written incrementally, resumable."""

from ._store import (
    RunDir as RunDir,
    json_value as json_value,
    open_results as open_results,
    package_versions as package_versions,
    write_zarr as write_zarr,
)
