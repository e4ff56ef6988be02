"""Fit the effort model's three parameters to public porting pull requests and hold each one out.

    PYTHONPATH=src python scripts/fit_effort.py            # fit, print in-sample and leave-one-out per case
    PYTHONPATH=src python scripts/fit_effort.py --write    # ... and store the fitted parameters in the data file
    PYTHONPATH=src python scripts/fit_effort.py --features TREE TARGET   # a case's features, as YAML to paste
    PYTHONPATH=src python scripts/fit_effort.py --refresh-features [--trees DIR] [--write]

``--refresh-features`` rescans every case's pre-port tree (``DIR/<project>-pre``, by default
``/work/corpus/effort14``) with the rules as they are now and rewrites the cases' features in the data file; with
``--write`` the parameters are refitted to them in the same run. To recreate a tree: ``fetch`` the repository and
``git archive PRE_PORT | tar -x -C DIR/<project>-pre`` (``pre_port`` is in the data file).

The cases, their sizes and features are in ``src/chipshift/scan/data/effort_calibration.yaml``. A port's size is
its changed lines (added + deleted) without tests, docs and examples; ``--features`` scans a pre-port tree with the
same paths left out (:data:`chipshift.scan.calibration.OUT_OF_SCOPE`). The fit minimises the squared log ratio of
predicted to actual size (scipy ``least_squares`` over the logs of the parameters, so they stay positive).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from chipshift.scan.calibration import (
    CALIBRATION_FILE,
    fit_parameters,
    in_scope,
    leave_one_out,
    load_cases,
    predict,
    raw_cases,
    write_cases,
    write_parameters,
)
from chipshift.scan.effort import effort_features
from chipshift.scan.engine import scan_paths

DEFAULT_TREES = Path("/work/corpus/effort14")


def _feature_data(tree: Path, target: str) -> dict[str, Any]:
    result = scan_paths([tree], [target], use_cache=False)
    root = tree.as_posix()
    findings = [f for f in result.findings if in_scope(f.path, root, f.category)]
    features = effort_features(findings, target)
    return {
        "families": {name: [use.support.value, use.sites] for name, use in sorted(features.families.items())},
        "kernels": [
            [k.path.removeprefix(root + "/"), k.kernels, k.support.value, list(k.features)] for k in features.kernels
        ],
    }


def _features(tree: Path, target: str) -> str:
    return yaml.safe_dump(_feature_data(tree, target), sort_keys=False, allow_unicode=True, width=120)


def _refresh(trees: Path) -> int:
    """Rescan every case's pre-port tree and store its features; 2 when a tree is missing (nothing written)."""
    cases = raw_cases()
    missing = [str(trees / f"{c['project']}-pre") for c in cases if not (trees / f"{c['project']}-pre").is_dir()]
    if missing:
        print(f"fit_effort: no pre-port tree at {', '.join(missing)} (see --help to recreate it)", file=sys.stderr)
        return 2
    for case in cases:
        case.update(_feature_data(trees / f"{case['project']}-pre", case["target"]))
        print(f"{case['project']}: {len(case['families'])} families, {len(case['kernels'])} kernel files")
    write_cases(cases)
    print(f"features written to {CALIBRATION_FILE}")
    return 0


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
    parser.add_argument("--refresh-features", action="store_true", help="rescan every case's pre-port tree")
    parser.add_argument("--trees", type=Path, default=DEFAULT_TREES, help="folder of the <project>-pre trees")
    args = parser.parse_args(argv)
    if args.refresh_features and (status := _refresh(args.trees)):
        return status
    if args.features:
        print(_features(Path(args.features[0]), args.features[1]), end="")
        return 0
    return _report(args.write)


if __name__ == "__main__":
    sys.exit(main())
