"""An :class:`Assessment` as plain data (dicts, lists, numbers, strings): what report writers take."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from chipshift import __version__
from chipshift.decide.assess import Assessment
from chipshift.decide.evidence import CandidateEvidence
from chipshift.decide.risk import CLOSED_OPENNESS, EXPORT_POINTS, LOCATION_MANDATE, UNKNOWN_OPENNESS, UNKNOWN_SUPPLY


def _candidate(e: CandidateEvidence) -> dict[str, Any]:
    data = asdict(e)
    data["export_status"] = e.export_status.value
    data["fits"] = [asdict(f) for f in e.fits]
    data["notes"] = list(e.notes)
    return data


def _ratio_path(result: Assessment) -> list[dict[str, Any]]:
    path = []
    if result.fleet.ratios:
        overall = result.fleet.ratios.get("overall", {})
        path.append({"label": "now", **{m: (overall.get(m) or {}).get("ratio") for m in ("count", "compute", "value")}})
    if result.plan:
        for y in result.plan.years:
            path.append({"label": str(y.year), **y.domestic_share})
    return path


def _sources(result: Assessment) -> list[str]:
    s = result.scenario
    lines = [f"cost assumptions: {s.cost.source}"]
    lines += [f"price of {e.id}: {e.price_source or 'unknown'}" for e in result.candidates + result.fleet_only]
    lines += [f"export status of {e.id}: {e.export_note}" for e in result.candidates + result.fleet_only]
    lines += [
        f"target {t.metric.value} >= {t.min_share:.0%} from {t.year}: {t.source or 'not given'}" for t in s.targets
    ]
    lines.append("performance: chipshift perf analytical model (roofline with calibrated efficiencies), per workload")
    lines.append("porting effort: chipshift scan rules (person-days per finding, see scan rule data)")
    lines.append("domestic ratio now: chipshift fleet over the scenario's inventories (designer in CN by default)")
    lines.append(
        "strategic risk points (chipshift defaults): export "
        + ", ".join(f"{k.value} {v}" for k, v in EXPORT_POINTS.items())
        + f"; closed firmware/stack {CLOSED_OPENNESS} each, unknown {UNKNOWN_OPENNESS}; location mandate "
        f"{LOCATION_MANDATE}; unknown supply {UNKNOWN_SUPPLY}"
    )
    return lines


def _assumptions(result: Assessment) -> dict[str, Any]:
    s = result.scenario
    return {
        "cost": s.cost.model_dump(mode="json"),
        "regulatory": s.regulatory.model_dump(mode="json"),
        "plan": s.plan.model_dump(mode="json"),
        "monte_carlo": s.monte_carlo.model_dump(mode="json"),
        "budget_per_year": {str(k): v for k, v in s.budget_per_year.items()},
        "sites": [x.model_dump(mode="json") for x in s.sites],
        "gates": s.gates.model_dump(mode="json"),
    }


def assessment_data(result: Assessment) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data."""
    s = result.scenario
    return {
        "tool": f"chipshift {__version__}",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "title": s.name,
        "years": s.years,
        "currency": s.cost.currency,
        "workloads": [w.model_dump(mode="json") for w in s.workloads],
        "targets": [t.model_dump(mode="json") for t in s.targets],
        "fleet": {
            "ratios": result.fleet.ratios,
            "existing": result.fleet.existing,
            "unmatched": result.fleet.unmatched,
            "problems": result.fleet.problems,
        },
        "scan": result.scan,
        "candidates": [_candidate(e) for e in result.candidates],
        "fleet_chips": [_candidate(e) for e in result.fleet_only],
        "comparison": result.comparison.to_dict(),
        "plan": result.plan.to_dict() if result.plan else None,
        "ratio_path": _ratio_path(result),
        "monte_carlo": result.monte_carlo,
        "assumptions": _assumptions(result),
        "sources": _sources(result),
        "notes": result.notes,
        "timings_s": result.timings,
    }
