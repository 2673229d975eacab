r"""``learndyn analyze DIR``: spectra, PCA and fixed points of a saved run, for every family.

Works on what the run stored: the recurrent-weight snapshots every family with a recurrent matrix
keeps (``weights`` / ``weights_<phase>``, see ``record.snapshots``), and for families that can
rebuild their networks (``family.fixed_point_dataset``) the fixed-point search. Writes
``DIR/analysis/analysis.zarr``, ``DIR/analysis/figures/*.png`` and ``DIR/analysis/summary.json``;
the run's own results are never modified (the analysis folder is replaced on each call).

* ``spectra`` — eigenvalues of ``W`` at every snapshot, the bulk radius of ``W0`` (circular law),
  the number of outliers ``|λ| > r + margin`` and the outliers of the last snapshot tracked back
  by continuity.
* ``pca`` — the learning trajectory (flattened ``W`` across snapshots projected on its top 3 PCs,
  explained variance) and the dimension of learned structure (singular values, numerical rank and
  participation ratio of ``ΔW = W_T − W_0``).
* ``fixed-points`` — re-run the family's fixed-point search on the stored final networks.
* ``low-rank`` — low-rank networks only: fit the loadings (one Gaussian, a Gaussian mixture), the
  mean-field latent dynamics, its fixed points against the network's, networks resampled from the
  fit; the latent phase portrait of the trained network beside the mean-field one.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..analysis import bulk_radius, count_outliers, learned_rank, outlier_tracks, sort_eigenvalues, weight_trajectory
from ..errors import OutputError, UserError, did_you_mean
from ..results import json_value, write_zarr
from ..numerics import float64
from ._registry import family_of
from ._runner import load_run

ANALYSES = ("spectra", "pca", "fixed-points", "low-rank")
_MAX_OUTLIERS = 8
_N_SV = 6


def _weight_vars(ds: xr.Dataset) -> list[str]:
    return [v for v in ds.data_vars if v == "weights" or v.startswith("weights_")]


def _snapshots(ds: xr.Dataset, var: str):
    """``(tag, snapshot dim, network dims, W (*net, snapshot, n, n) float64, coords)`` of ``ds[var]``."""
    tag = var[len("weights"):]
    snap = f"snapshot{tag}"
    ndims = [d for d in ds[var].dims if d not in (snap, "row", "col")]
    w = ds[var].transpose(*ndims, snap, "row", "col").values.astype(float)
    coords = {d: ds[d] for d in ndims if d in ds.coords}
    coords[f"snapshot_step{tag}"] = ds[f"snapshot_step{tag}"]
    return tag, snap, tuple(ndims), w, coords


def spectra_dataset(ds: xr.Dataset, var: str, margin: float = 0.1) -> xr.Dataset:
    """Spectra of the snapshots in ``ds[var]`` (dims ``(*net, snapshot, row, col)``)."""
    tag, snap, ndims, w, coords = _snapshots(ds, var)
    eigs = sort_eigenvalues(np.linalg.eigvals(w))
    radius = bulk_radius(w[..., 0, :, :])
    counts = count_outliers(eigs, radius[..., None, None], margin)
    tracks = np.full(w.shape[:-3] + (w.shape[-3], _MAX_OUTLIERS), np.nan + 0j)
    for idx in np.ndindex(*w.shape[:-3]):
        tracks[idx] = outlier_tracks(eigs[idx], radius[idx], margin, _MAX_OUTLIERS)
    out = xr.Dataset({
        f"eig{tag}": (ndims + (snap, f"eig_index{tag}"), eigs),
        f"bulk_radius{tag}": (ndims, radius),
        f"n_outliers{tag}": (ndims + (snap,), counts),
        f"outlier_track{tag}": (ndims + (snap, f"outlier{tag}"), tracks),
    }, coords=coords)
    out[f"eig{tag}"].attrs["long_name"] = "eigenvalues of W at each snapshot, by decreasing modulus"
    out[f"bulk_radius{tag}"].attrs["long_name"] = "√N·std(W0): circular-law radius of the initial bulk"
    out[f"n_outliers{tag}"].attrs["long_name"] = f"eigenvalues with |λ| > bulk radius + {margin}"
    out[f"outlier_track{tag}"].attrs["long_name"] = "final outliers followed back by continuity"
    return out


def pca_dataset(ds: xr.Dataset, var: str) -> xr.Dataset:
    """Learning trajectory and learned rank of the snapshots in ``ds[var]``."""
    tag, snap, ndims, w, coords = _snapshots(ds, var)
    batch = w.shape[:-3]
    proj = np.full(batch + (w.shape[-3], 3), np.nan)
    explained = np.full(batch + (3,), np.nan)
    for idx in np.ndindex(*batch):
        if np.all(np.isfinite(w[idx])):
            proj[idx], explained[idx] = weight_trajectory(w[idx], 3)
    lr = learned_rank(w[..., -1, :, :], w[..., 0, :, :])
    sv = lr["singular_values"][..., :_N_SV]
    out = xr.Dataset({
        f"weight_pc{tag}": (ndims + (snap, "pc"), proj),
        f"weight_pc_explained{tag}": (ndims + ("pc",), explained),
        f"dW_singular_values{tag}": (ndims + ("sv",), sv),
        f"dW_rank{tag}": (ndims, lr["rank"]),
        f"dW_participation_ratio{tag}": (ndims, lr["participation_ratio"]),
    }, coords=coords)
    out[f"weight_pc{tag}"].attrs["long_name"] = "flattened W across snapshots on its top 3 principal components"
    out[f"dW_rank{tag}"].attrs["long_name"] = "numerical rank of ΔW = W_T − W_0 (s_k > 0.01 s_1)"
    out[f"dW_participation_ratio{tag}"].attrs["long_name"] = "(Σs²)²/Σs⁴ of the singular values of ΔW"
    return out


def analyze(path: str | os.PathLike, what: list[str] | None = None,
            overrides: list[str] | None = None) -> tuple[xr.Dataset, list[Path], dict]:
    """Analyse the run in ``path``; returns the analysis dataset, its figures and its summary.

    ``overrides`` (``"section.key=value"``) change the settings of the analysis itself — only keys
    of the family's ``analysis_sections`` (task RNNs: ``fixed_points``, ``low_rank``), since the
    stored networks were trained with the rest. The analysis records the config it used; the run is
    untouched.

    Raises:
        UserError: unknown analysis, one the run cannot support, or an override outside the
            analysis sections (named, with the fix).
        OutputError: the run directory cannot be read or the analysis folder cannot be written.
    """
    with float64():
        return _analyze(path, what, overrides or [])


def with_analysis_settings(ds: xr.Dataset, family, overrides: list[str]) -> xr.Dataset:
    """``ds`` (a shallow copy) whose stored config has ``overrides`` applied, validated by the
    family's spec; only keys in ``family.analysis_sections`` may change."""
    import tomllib

    from ..config import parse_override, set_dotted, to_toml, validate_as

    if not overrides:
        return ds
    data = tomllib.loads(ds.attrs["config_toml"])
    for item in overrides:
        key, value = parse_override(item)
        if key.split(".", 1)[0] not in family.analysis_sections or "." not in key:
            allowed = ", ".join(family.analysis_sections) or "none for this family"
            raise UserError(f"analyze --set {key}: only the analysis settings can change after training "
                            f"(sections: {allowed}); for anything else re-run with `learndyn run … --set`")
        data = set_dotted(data, key, value)
    spec = validate_as(family.spec_type, data)
    out = ds.copy()
    out.attrs = {**ds.attrs, "config_toml": to_toml(spec), "analysis_overrides": list(overrides)}
    return out


def _analyze(path, what, overrides):
    ds = load_run(path)
    family = family_of(ds)
    ds = with_analysis_settings(ds, family, overrides)
    wvars = _weight_vars(ds)
    can_fp = family.implements("fixed_point_dataset")
    for w in what or []:
        if w not in ANALYSES:
            raise UserError(f"--what: '{w}' is not one of {list(ANALYSES)}" + did_you_mean(w, ANALYSES))
    can_lr = family.implements("low_rank_analysis") and ds.attrs.get("network") == "low_rank"
    chosen = list(what) if what else [a for a in ANALYSES if (a != "fixed-points" or can_fp)
                                      and (a != "low-rank" or can_lr)]
    if any(a in chosen for a in ("spectra", "pca")) and not wvars:
        raise UserError(f"{path}: the run kept no weight snapshots (record.snapshots = 0, a network larger "
                        "than record.snapshot_max_units, or a family without a recurrent matrix); re-run "
                        "with --set record.snapshots=20")
    if "fixed-points" in chosen and not can_fp:
        raise UserError(f"--what fixed-points: the {ds.attrs['family']} family does not rebuild its networks "
                        f"for a fixed-point search (available: {', '.join(a for a in ANALYSES if a != 'fixed-points')})")
    if "low-rank" in chosen and not family.implements("low_rank_analysis"):
        raise UserError(f"--what low-rank: the {ds.attrs['family']} family has no low-rank mean-field analysis")
    parts: list[xr.Dataset] = []
    for var in wvars:
        if "spectra" in chosen:
            parts.append(spectra_dataset(ds, var))
        if "pca" in chosen:
            parts.append(pca_dataset(ds, var))
    draw_low_rank = None
    if "low-rank" in chosen:  # it searches the fixed points too (fp_*), which it compares with the mean field
        lr_out, draw_low_rank = family.low_rank_analysis(ds)
        parts.append(lr_out)
    elif "fixed-points" in chosen:
        parts.append(family.fixed_point_dataset(ds))
    out = xr.merge(parts, combine_attrs="drop") if parts else xr.Dataset()
    out.attrs.update(experiment=ds.attrs.get("experiment", ""), family=ds.attrs.get("family", ""),
                     grid_keys=ds.attrs.get("grid_keys", {}), analyses=",".join(chosen), source="analysis",
                     config_toml=ds.attrs.get("config_toml", ""), analysis_overrides=list(overrides))
    folder = Path(path) / "analysis"
    try:
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "figures").mkdir(parents=True)
        write_zarr(out, folder / "analysis.zarr")
    except OSError as err:
        raise OutputError(f"cannot write {folder}: {err.strerror or err}") from None
    paths = analysis_figures(out, folder / "figures")
    if draw_low_rank is not None:
        paths += draw_low_rank(folder / "figures")
    summary = analysis_summary(out)
    (folder / "summary.json").write_text(json.dumps(json_value(summary), indent=1))
    return out, paths, summary


def _tags(out: xr.Dataset, prefix: str) -> list[str]:
    return [v[len(prefix):] for v in out.data_vars if v.startswith(prefix) and
            (v == prefix or v[len(prefix)] == "_")]


def analysis_summary(out: xr.Dataset) -> dict[str, Any]:
    """Per-network numbers of an analysis, nested like ``summary.json``."""
    s: dict[str, Any] = {"experiment": out.attrs.get("experiment"), "analyses": out.attrs.get("analyses")}
    for tag in _tags(out, "n_outliers"):
        s[f"final_outliers{tag}"] = out[f"n_outliers{tag}"].isel({f"snapshot{tag}": -1}).values.tolist()
        s[f"bulk_radius{tag}"] = out[f"bulk_radius{tag}"].values.tolist()
        s[f"spectral_radius_final{tag}"] = np.abs(out[f"eig{tag}"].isel({f"snapshot{tag}": -1})).max(
            f"eig_index{tag}").values.tolist()
    for tag in _tags(out, "dW_rank"):
        s[f"dW_rank{tag}"] = out[f"dW_rank{tag}"].values.tolist()
        s[f"dW_participation_ratio{tag}"] = out[f"dW_participation_ratio{tag}"].values.tolist()
        s[f"weight_pc1_explained{tag}"] = out[f"weight_pc_explained{tag}"].isel(pc=0).values.tolist()
    if "fp_fixed" in out:
        s["n_fixed_points"] = out["fp_fixed"].sum(("condition", "fp")).values.tolist()
        s["n_stable"] = (out["fp_fixed"] & out["fp_stable"]).sum(("condition", "fp")).values.tolist()
    if "participation_ratio" in out:
        s["participation_ratio"] = out["participation_ratio"].values.tolist()
    if "mf_position_error" in out:
        points = np.isfinite(out["fp_kappa"]).all("latent")  # the network's own fixed points
        for fit in out["fit"].values:
            sub = out.sel(fit=fit)
            s[f"mean_field_{fit}_worst_position_error"] = sub["mf_position_error"].where(points).max(
                ("condition", "fp")).values.tolist()
            s[f"mean_field_{fit}_same_stability"] = (sub["mf_same_stability"] | ~points).all(
                ("condition", "fp")).values.tolist()
            s[f"resampled_{fit}_accuracy"] = sub["resampled_accuracy"].mean("draw").values.tolist()
        if out.sizes.get("bootstrap", 0):  # the resampling spread: the network's own units resampled
            worst = out["bootstrap_position_error"].where(points).max(("condition", "fp"))
            same = (out["bootstrap_same_stability"] | ~points).all(("condition", "fp"))
            s["bootstrap_median_worst_position_error"] = worst.median("bootstrap").values.tolist()
            s["bootstrap_same_stability_share"] = same.mean("bootstrap").values.tolist()
        s["trained_accuracy"] = out["trained_accuracy"].values.tolist()
    return s


def analysis_figures(out: xr.Dataset, outdir: Path) -> list[Path]:
    from ..plots import analysis as plots
    from ..plots import save_figure

    title = out.attrs.get("experiment", "")
    paths = []
    for tag in _tags(out, "n_outliers"):
        paths.append(save_figure(plots.snapshot_spectra(out, tag, title=f"{title} {tag[1:]}".strip()),
                                 outdir / f"spectra{tag}.png"))
    for tag in _tags(out, "weight_pc_explained"):
        paths.append(save_figure(plots.learning_trajectory(out, tag, title=f"{title} {tag[1:]}".strip()),
                                 outdir / f"learning_trajectory{tag}.png"))
    if "fp_pc" in out and np.isfinite(out["fp_pc"].values).any():
        from ..plots import fixed_points_3d

        paths.append(save_figure(fixed_points_3d(out, title=title), outdir / "fixed_points.png"))
    return paths


def headline(summary: dict) -> tuple[list[str], list[list[str]]]:
    """A two-column table of the analysis summary."""
    rows = []
    for k, v in summary.items():
        if k in ("experiment", "analyses"):
            continue
        flat = np.asarray(v, dtype=float).ravel()
        rows.append([k, ", ".join(f"{x:.3g}" for x in flat[:8]) + (" …" if flat.size > 8 else "")])
    return ["quantity", "per network"], rows
