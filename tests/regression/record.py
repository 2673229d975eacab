"""Rewrite ``summaries.json`` from the current code: ``python tests/regression/record.py``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cases import CASES, fingerprint, run_case  # noqa: E402


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    out = {}
    for name in CASES:
        ds = run_case(name)
        out[name] = fingerprint(ds)
        print(name, len(out[name]), "variables", flush=True)
    path = Path(__file__).with_name("summaries.json")
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
