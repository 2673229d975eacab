r"""The run directory and its result store.

Layout of a run directory::

    DIR/results.zarr      xarray Dataset (dims seed, step, ...; resolved config + versions in attrs)
    DIR/checkpoint.npz    training state at the last write (removed when the run completes)
    DIR/figures/*.png     figures
    DIR/report.html       one static page: config, headline table, figures
    DIR/summary.json      headline numbers per seed

Writes are atomic: a new ``results.zarr`` is written beside the old one and swapped in, and the
checkpoint is replaced with ``os.replace``; a kill at any moment leaves a readable store whose
``checkpoint_step`` attribute is ≥ the checkpoint's step. Nothing outside the run directory is
touched, and ``--force`` only deletes directories that are learndyn runs.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import OutputError, StoreError

MARKER = ".learndyn-run"
LOCK = ".learndyn-lock"
RESULTS = "results.zarr"
CHECKPOINT = "checkpoint.npz"
SUMMARY = "summary.json"


def package_versions() -> dict[str, str]:
    """Versions of learndyn and the packages that determine its numbers."""
    out = {}
    for name in ("learndyn", "jax", "jaxlib", "equinox", "optax", "diffrax", "numpy", "scipy",
                 "xarray", "zarr", "pydantic"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    import platform

    out["python"] = platform.python_version()
    out["machine"] = platform.machine()
    return out


class RunDir:
    """A run directory: creation rules, atomic writes, checkpoint and resume."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    # ------------------------------------------------------------------ creation
    def check(self, *, resume: bool, force: bool) -> None:
        """The checks of :meth:`prepare` that need no write (run them before slow work).

        Raises:
            OutputError: exists without ``--resume``/``--force``, not a learndyn run.
        """
        p = self.path
        if resume and force:
            raise OutputError("--resume and --force exclude each other")
        if p.exists() and not p.is_dir():
            raise OutputError(f"--out {p}: exists and is not a directory")
        is_run = (p / MARKER).exists()
        non_empty = p.is_dir() and any(c.name != LOCK for c in p.iterdir())
        if non_empty and not is_run:
            raise OutputError(
                f"--out {p}: directory exists and is not a learndyn run; choose another --out"
            )
        if is_run and not (resume or force):
            raise OutputError(
                f"--out {p}: a run exists there; pass --resume to continue it or --force to replace it"
            )

    def prepare(self, *, resume: bool, force: bool) -> bool:
        """Make the directory usable and lock it; return ``True`` if there is something to resume.

        The lock (an exclusive ``flock`` on ``DIR/.learndyn-lock``, held until :meth:`release` or
        the process ends — a killed process never leaves it stuck) refuses a second process on
        the same directory, whatever its flags. ``force`` empties the directory (following a
        symbolic link to it) but keeps the lock file, so the lock holds throughout.

        Raises:
            OutputError: exists without ``--resume``/``--force``, not a learndyn run, unwritable,
                or locked by another process.
        """
        self.check(resume=resume, force=force)
        p = self.path
        is_run = (p / MARKER).exists()
        try:
            p.mkdir(parents=True, exist_ok=True)
            self.lock()
            if is_run and force:
                self._check_writable(p)
                for child in p.iterdir():
                    if child.name == LOCK:
                        continue
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
            probe = p / ".write-test"
            probe.write_text("ok")
            probe.unlink()
            (p / MARKER).write_text("learndyn run directory\n")
        except OSError as err:
            self.release()
            raise OutputError(f"--out {p}: not writable ({err.strerror})") from None
        return resume and is_run and ((p / CHECKPOINT).exists() or self.complete())

    def lock(self) -> None:
        """Take the directory's lock (see :meth:`prepare`).

        Raises:
            OutputError: another live process holds it.
        """
        import fcntl

        if getattr(self, "_lock_fd", None) is not None:
            return
        fd = os.open(self.path / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise OutputError(f"--out {self.path}: another learndyn process (pid {holder}) is writing "
                              "there; wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd

    def release(self) -> None:
        """Release the directory's lock (idempotent)."""
        fd = getattr(self, "_lock_fd", None)
        if fd is not None:
            os.close(fd)
            self._lock_fd = None

    @staticmethod
    def _check_writable(p: Path) -> None:
        if not os.access(p, os.W_OK):
            raise OutputError(f"--out {p}: not writable")

    # ------------------------------------------------------------------ dataset
    def write_dataset(self, ds: xr.Dataset) -> None:
        """Atomically replace ``results.zarr`` with ``ds``."""
        final = self.path / RESULTS
        tmp = self.path / (RESULTS + ".tmp")
        old = self.path / (RESULTS + ".old")
        if tmp.exists():
            shutil.rmtree(tmp)
        write_zarr(ds, tmp)
        if final.exists():
            if old.exists():
                shutil.rmtree(old)
            final.rename(old)
        tmp.rename(final)
        if old.exists():
            shutil.rmtree(old)

    def read_dataset(self) -> xr.Dataset:
        """Open ``results.zarr`` (recovering from a kill during the swap)."""
        return open_results(self._results_path())

    def _results_path(self) -> Path:
        """``results.zarr``, restored from ``results.zarr.old`` if a kill hit the swap."""
        final = self.path / RESULTS
        if not final.exists() and (self.path / (RESULTS + ".old")).exists():
            (self.path / (RESULTS + ".old")).rename(final)
        return final

    # ------------------------------------------------------------------ checkpoint
    def write_checkpoint(self, arrays: dict[str, np.ndarray]) -> None:
        tmp = self.path / (CHECKPOINT + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, self.path / CHECKPOINT)

    def has_results(self) -> bool:
        return self._results_path().exists()

    def read_checkpoint(self) -> dict[str, np.ndarray]:
        """The arrays of ``checkpoint.npz`` (pickled objects are refused).

        Raises:
            StoreError: truncated, corrupt or unreadable.
        """
        try:
            with np.load(self.path / CHECKPOINT, allow_pickle=False) as f:
                return {k: f[k] for k in f.files}
        except Exception as err:  # noqa: BLE001 - zipfile, zlib, numpy and OS errors alike
            raise StoreError(f"{self.path / CHECKPOINT}: unreadable checkpoint ({type(err).__name__}: "
                             f"{str(err).splitlines()[0] if str(err) else ''}); use --force to start "
                             "over") from None

    def remove_checkpoint(self) -> None:
        (self.path / CHECKPOINT).unlink(missing_ok=True)

    def complete(self) -> bool:
        """Whether ``results.zarr`` holds a finished run (reads its attributes, not its arrays)."""
        try:
            with xr.open_zarr(self._results_path(), consolidated=False) as ds:
                return bool(ds.attrs.get("complete", False))
        except Exception:
            return False

    # ------------------------------------------------------------------ summary
    def write_json(self, name: str, data: dict[str, Any]) -> Path:
        path = self.path / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(json_value(data), indent=1))
        os.replace(tmp, path)
        return path


def open_results(path: str | os.PathLike) -> xr.Dataset:
    """Load a ``results.zarr`` (or the one inside a run directory) into memory.

    Raises:
        StoreError: if the store is missing or unreadable (corrupt).
    """
    path = Path(path)
    if (path / "results.zarr").is_dir():
        path = path / "results.zarr"
    if not path.exists():
        raise StoreError(f"{path}: no result store here")
    try:
        with xr.open_zarr(path, consolidated=False) as ds:
            ds = _decode(ds.load())
    except Exception as err:  # zarr raises many types for corrupt stores
        raise StoreError(f"{path}: corrupt or unreadable result store ({type(err).__name__})") from None
    damaged = damaged_arrays(ds)
    if damaged:
        shown = ", ".join(damaged[:5]) + (f" and {len(damaged) - 5} more" if len(damaged) > 5 else "")
        raise StoreError(f"{path}: damaged result store: {shown} differ from what was written "
                         "(a missing or altered chunk)")
    return ds


CHECKSUMS = "checksums"
"""Attribute of a written store: ``{array name: digest}`` of every variable and coordinate."""


def array_digest(values: np.ndarray) -> str:
    """A digest of an array's values that survives the store's round trip (numbers as float64
    or complex128 bytes, anything else as its JSON text)."""
    import hashlib

    values = np.asarray(values)
    h = hashlib.blake2b(digest_size=16)
    h.update(str(values.shape).encode())
    if values.dtype.kind in "biuf":
        h.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
    elif values.dtype.kind == "c":
        h.update(np.ascontiguousarray(values, dtype="<c16").tobytes())
    else:
        h.update(json.dumps([str(v) for v in values.ravel().tolist()]).encode())
    return h.hexdigest()


def dataset_digests(ds: xr.Dataset) -> dict[str, str]:
    """:func:`array_digest` of every data variable and coordinate of ``ds``."""
    return {str(name): array_digest(ds[name].values) for name in [*ds.data_vars, *ds.coords]}


def damaged_arrays(ds: xr.Dataset) -> list[str]:
    """Names of the arrays whose values differ from the digests recorded when ``ds`` was written
    (none for a store written before digests were recorded)."""
    recorded = ds.attrs.get(CHECKSUMS)
    if not isinstance(recorded, dict):
        return []
    now = dataset_digests(ds)
    return sorted(name for name, digest in recorded.items() if now.get(name) != digest)


def write_zarr(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write ``ds`` to a zarr store at ``path`` (attrs JSON-encoded; zarr's warning about string
    coordinates, which have no Zarr v3 spec yet, silenced: learndyn reads them back itself)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have a Zarr V3 specification.*")
        _encode(ds).to_zarr(path, mode="w", consolidated=False)


def _encode(ds: xr.Dataset) -> xr.Dataset:
    ds = ds.copy()
    attrs = {k: v for k, v in ds.attrs.items() if k != CHECKSUMS}
    attrs[CHECKSUMS] = dataset_digests(ds)
    ds.attrs = {k: (json.dumps(json_value(v)) if isinstance(v, (dict, list)) else v)
                for k, v in attrs.items()}
    return ds


def _decode(ds: xr.Dataset) -> xr.Dataset:
    for k, v in list(ds.attrs.items()):
        if isinstance(v, str) and v[:1] in "{[":
            try:
                ds.attrs[k] = json.loads(v)
            except json.JSONDecodeError:
                pass
    return ds


def json_value(x: Any) -> Any:
    """Make ``x`` JSON-ready: complex → ``[re, im]``, NaN/inf → ``None``, arrays → lists."""
    if isinstance(x, dict):
        return {str(k): json_value(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_value(v) for v in x]
    if isinstance(x, np.ndarray):
        return json_value(x.tolist())
    if isinstance(x, (complex, np.complexfloating)):
        return [json_value(float(x.real)), json_value(float(x.imag))]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x
