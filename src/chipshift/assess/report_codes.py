"""The engines' English outcomes as codes a report words in its own language (English or Chinese).

The decide engine words a hard gate, the performance model why a workload does not fit, a scan finding its rule's
title and what it matched; those sentences stay in the report data as they are (the English report shows them), and
beside them this module puts what a Chinese report needs: the gate, the fit problem, the rule's title and the code
it matched, the sources as typed lines. Each code has a catch-all (``other``) a report shows as English, said so.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from chipshift.decide.risk import CLOSED_OPENNESS, UNKNOWN_OPENNESS, UNKNOWN_SUPPLY
from chipshift.report import model as rm

if TYPE_CHECKING:
    from chipshift.assess.pipeline import Assessment
    from chipshift.decide import CandidateEvidence
    from chipshift.scan import ScanResult

_RULE_ID = re.compile(r"[(\[]((?:us|cn)-[a-z0-9-]+)[)\]]")

GATE_PREFIXES: tuple[tuple[str, rm.GateCode], ...] = (
    ("banned: ", "banned"),
    ("not on the procurement list", "not-listed"),
    ("no plan year allows it", "blocked"),
    ("cannot run any workload", "no-workload"),
    ("no price known", "no-price"),
)
"""The decide engine's gate reasons (``decide/criteria.py``) by how they start."""

FIT_PATTERNS: tuple[tuple[re.Pattern[str], rm.FitProblem], ...] = (
    (re.compile(r"has no (?P<figure>.+?) in the catalog"), "missing-figure"),
    (re.compile(r"^the TTFT target"), "ttft"),
    (re.compile(r"^the TPOT target"), "tpot"),
    (re.compile(r"does not fit the KV cache"), "kv-cache"),
    (re.compile(r"does not fit"), "memory"),
    (re.compile(r"cannot train"), "training-time"),
    (re.compile(r"^no layout of"), "no-layout"),
)
"""The performance model's reasons (``perf/search.py``, ``perf/hardware.py``, ``perf/training_search.py``)."""


def rule_ids(text: str) -> list[str]:
    """The policy rule ids a text names in brackets (``(us-3a090a-2023)``, ``[cn-h200-import-block-2026]``)."""
    return list(dict.fromkeys(_RULE_ID.findall(text)))


def exclusion(candidate: str, reason: str, fits: list[rm.WorkloadFit]) -> rm.Exclusion:
    """A gate's reason with its code, rules, workloads and the buyer's own words."""
    code: rm.GateCode = next((c for prefix, c in GATE_PREFIXES if reason.startswith(prefix)), "other")
    given = reason.removeprefix("banned: ") if code == "banned" else None
    workloads = [f.workload for f in fits if not f.fits] if code == "no-workload" else []
    rules = rule_ids(reason) if code == "blocked" else []
    return rm.Exclusion(id=candidate, reason=reason, code=code, rules=rules, workloads=workloads, given=given)


def fit_problem(reason: str | None, fits: bool) -> tuple[rm.FitProblem | None, str | None]:
    """Why a workload does not fit, as a code, and the catalog figure missing (None, None when it fits)."""
    if fits:
        return None, None
    for pattern, code in FIT_PATTERNS:
        found = pattern.search(reason or "")
        if found:
            return code, found.groupdict().get("figure")
    return "other", None


def top_rules(scanned: ScanResult, titles: dict[str, str], most: int = 10) -> list[rm.TopRule]:
    """The scan rules found most often, each with its title and what its first finding matched."""
    counts = Counter(f.rule_id for f in scanned.findings)
    first: dict[str, str] = {}
    for finding in scanned.findings:
        first.setdefault(finding.rule_id, finding.message)
    out = []
    for rule, count in sorted(counts.items(), key=lambda kv: -kv[1])[:most]:
        message, title = first[rule], titles.get(rule, "")
        matched = message.removeprefix(f"{title}: ") if title and message.startswith(f"{title}: ") else ""
        out.append(rm.TopRule(rule=rule, count=count, message=message, title=title, matched=matched))
    return out


_CATALOG_PRICE = re.compile(r"^catalog \[(?P<ref>[^,\]]+), (?P<confidence>[^,\]]+), (?P<as_of>[^\]]+)\]$")


def _price(e: CandidateEvidence) -> rm.SourceLine:
    text = e.price_source
    if text is None:
        return rm.SourceLine(kind="price", subject=e.id, origin="unknown")
    if text.startswith("scenario: "):
        return rm.SourceLine(kind="price", subject=e.id, origin="scenario", text=text.removeprefix("scenario: "))
    found = _CATALOG_PRICE.match(text)
    if found:
        return rm.SourceLine(
            kind="price", subject=e.id, origin="catalog", text=found["ref"], confidence=found["confidence"],
            as_of=found["as_of"],
        )  # fmt: skip
    return rm.SourceLine(kind="price", subject=e.id, origin="unknown", text=text)


def sources(result: Assessment) -> list[rm.SourceLine]:
    """Where each input of the assessment comes from, as typed lines (targets carry their own source)."""
    s = result.scenario
    everyone = result.candidates + result.fleet_only
    lines = [rm.SourceLine(kind="cost", origin="scenario", text=s.cost.source)]
    lines += [_price(e) for e in everyone]
    lines += [
        rm.SourceLine(
            kind="export", subject=e.id, origin="chipshift", text=e.export_note, rules=rule_ids(e.export_note)
        )
        for e in everyone
    ]
    lines += [rm.SourceLine(kind=kind, origin="chipshift") for kind in ("performance", "porting-effort")]
    lines.append(rm.SourceLine(kind="domestic-ratio", origin="chipshift"))
    figures = {"closed": CLOSED_OPENNESS, "unknown_openness": UNKNOWN_OPENNESS, "unknown_supply": UNKNOWN_SUPPLY}
    lines.append(rm.SourceLine(kind="risk-points", origin="chipshift", figures=figures))
    lines.append(rm.SourceLine(kind="porting-cost", origin="scenario", text=s.porting.source))
    lines += [rm.SourceLine(kind="resale", subject=c, origin="scenario", text=r.source) for c, r in s.resale.items()]
    lines += [
        rm.SourceLine(kind="supply", subject=c.id, origin="scenario", text=c.source) for c in s.candidates if c.source
    ]
    return lines
