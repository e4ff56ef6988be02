"""Fit the effort model's three parameters to public porting pull requests and hold each one out.

    PYTHONPATH=src python scripts/fit_effort.py            # fit, print in-sample and leave-one-out per case
    PYTHONPATH=src python scripts/fit_effort.py --write    # ... and store the fitted parameters in the data file
    PYTHONPATH=src python scripts/fit_effort.py --features TREE TARGET   # a case's features, as YAML to paste

The cases, their sizes and features are in ``src/chipshift/scan/data/effort_calibration.yaml``. A port's size is
its changed lines (added + deleted) without tests, docs and examples; ``--features`` scans a pre-port tree with the
same paths left out (:data:`chipshift.scan.calibration.OUT_OF_SCOPE`). The fit minimises the squared log ratio of
predicted to actual size (scipy ``least_squares`` over the logs of the parameters, so they stay positive).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from chipshift.scan.calibration import (
    CALIBRATION_FILE,
    fit_parameters,
    in_scope,
    leave_one_out,
    load_cases,
    predict,
    write_parameters,
)
from chipshift.scan.effort import effort_features
from chipshift.scan.engine import scan_paths


def _features(tree: Path, target: str) -> str:
    result = scan_paths([tree], [target], use_cache=False)
    root = tree.as_posix()
    findings = [f for f in result.findings if in_scope(f.path, root, f.category)]
    features = effort_features(findings, target)
    data = {
        "families": {name: [use.support.value, use.sites] for name, use in sorted(features.families.items())},
        "kernels": [
            [k.path.removeprefix(root + "/"), k.kernels, k.support.value, list(k.features)] for k in features.kernels
        ],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def _report(write: bool) -> int:
    cases = load_cases()
    params = fit_parameters(cases)
    held_out = leave_one_out(cases)
    print(f"fitted on {len(cases)} cases: family_lines {params.family_lines:.2f}, site_lines "
          f"{params.site_lines:.2f}, kernel_lines {params.kernel_lines:.2f}")  # fmt: skip
    print(f"{'case':<24} {'target':<10} {'actual':>7} {'fit':>7} {'ratio':>6} {'LOO':>7} {'ratio':>6}")
    worst = 1.0
    for case, loo in zip(cases, held_out, strict=True):
        fit = predict(case, params)
        ratio, loo_ratio = fit / case.lines, loo / case.lines
        worst = max(worst, loo_ratio, 1 / loo_ratio)
        print(f"{case.project:<24} {case.target:<10} {case.lines:>7} {fit:>7.0f} {ratio:>6.2f} {loo:>7.0f} "
              f"{loo_ratio:>6.2f}")  # fmt: skip
    print(f"worst leave-one-out factor: {worst:.2f} (done when ≤ 2)")
    if write:
        write_parameters(params)
        print(f"parameters written to {CALIBRATION_FILE}")
    return 0 if worst <= 2.0 else 1


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the fitted parameters in the data file")
    parser.add_argument("--features", nargs=2, metavar=("TREE", "TARGET"), help="print a pre-port tree's features")
    args = parser.parse_args(argv)
    if args.features:
        print(_features(Path(args.features[0]), args.features[1]), end="")
        return 0
    return _report(args.write)


if __name__ == "__main__":
    sys.exit(main())
