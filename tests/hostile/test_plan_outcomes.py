"""Plans that cannot be met say what binds and exit 1 (issue 17): never exit 0, never the wrong shortfall.

A 100% domestic target with only NVIDIA candidates was reported as a demand shortfall; an infeasible plan exited 0.
Each case edits the shipped example and runs ``assess --format json --no-monte-carlo``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chipshift.assess import example_scenario_path

from .conftest import run

EXAMPLE_DIR = example_scenario_path().parent
NVIDIA_ONLY = """candidates:
  - id: nvidia-h20
    supply_per_year: 4000
    source: "example assumption: supply"
  - id: nvidia-h200-sxm
    allocation: {2026: 1000, 2027: 1000}
    source: "example assumption: allocation"

"""


def _assess(tmp_path: Path, text: str) -> tuple[int, str, dict[str, Any]]:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text.replace("[example-repo]", f"[{EXAMPLE_DIR / 'example-repo'}]"), encoding="utf-8")
    (tmp_path / "fleet.csv").write_bytes((EXAMPLE_DIR / "fleet.csv").read_bytes())
    report = tmp_path / "report.json"
    outcome = run("assess", scenario, "--format", "json", "--out", report, "--no-monte-carlo", "-q")
    return outcome.code, outcome.stderr, json.loads(report.read_text(encoding="utf-8"))


def _replace_candidates(text: str, candidates: str) -> str:
    start, end = text.index("candidates:\n"), text.index("# Domestic-ratio targets")
    return text[:start] + candidates + text[end:]


def test_a_full_domestic_target_with_only_nvidia_candidates_is_a_target_shortfall(
    tmp_path: Path, example_text: str
) -> None:
    text = _replace_candidates(example_text, NVIDIA_ONLY).replace("min_share: 0.8", "min_share: 1.0")
    code, stderr, report = _assess(tmp_path, text)
    assert code == 1 and "plan: targets-missed" in stderr and "internal error" not in stderr
    recommendation = report["recommendation"]
    assert recommendation["status"] == "targets-missed"
    kinds = {(s["kind"], s["subject"]) for s in recommendation["shortfalls"]}
    assert ("target", "fleet: count >= 100% from 2027") in kinds
    assert {kind for kind, _ in kinds} <= {"target", "headroom"}  # demand is met: NVIDIA chips can serve it


def test_demand_no_candidate_can_meet_is_infeasible_and_named(tmp_path: Path, example_text: str) -> None:
    lease = example_text.index("  - id: huawei-ascend-910b\n    label: ascend-910b-cloud")
    text = example_text[:lease] + example_text[example_text.index("  - id: cloudmatrix-384") :]
    text = text.replace("output_tokens_per_s: 200000 ", "output_tokens_per_s: 900000000 ")
    code, stderr, report = _assess(tmp_path, text)
    assert code == 1 and "plan: infeasible" in stderr and "internal error" not in stderr
    recommendation = report["recommendation"]
    assert recommendation["status"] == "infeasible"
    demand = [s for s in recommendation["shortfalls"] if s["kind"] == "demand"]
    assert {s["subject"] for s in demand} >= {"chat"} and all(s["amount"] > 0 for s in demand)
