"""Adapters from the engines to decide's evidence: catalog, perf and scan. A change in their API touches only here.

Each function turns an engine's answer into typed :class:`chipshift.decide.CandidateEvidence` and says where each
figure came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chipshift.assess.policy import buyer_for, first_year_risk
from chipshift.assess.scenario import Candidate, InferenceWorkload, Scenario, TrainingWorkload
from chipshift.catalog import Catalog, classify_chip
from chipshift.catalog.policy import ExportStatusKind, Policy, RiskProfile
from chipshift.catalog.policy import export_status as policy_export_status
from chipshift.catalog.schema import Chip, Openness, Precision, System
from chipshift.decide import CandidateEvidence, ExportStatus, WorkloadFit
from chipshift.errors import ChipshiftError, UnknownIdError

if TYPE_CHECKING:  # scan (tree-sitter) is imported when a scenario has repositories
    from chipshift.scan import ScanResult

_POLICY_STATUS: dict[ExportStatusKind, ExportStatus] = {
    ExportStatusKind.DOMESTIC: ExportStatus.DOMESTIC,
    ExportStatusKind.NOT_CONTROLLED: ExportStatus.NOT_CONTROLLED,
    ExportStatusKind.LICENSED: ExportStatus.LICENCE_GRANTED,
    ExportStatusKind.CASE_BY_CASE: ExportStatus.CASE_BY_CASE,
    ExportStatusKind.LICENCE_REQUIRED: ExportStatus.LICENCE_REQUIRED,
    ExportStatusKind.BANNED: ExportStatus.BANNED,
    ExportStatusKind.UNDETERMINED: ExportStatus.UNDETERMINED,
}


def resolve(catalog: Catalog, wanted: str) -> tuple[Chip, System | None]:
    """The chip (and system, when ``wanted`` names one) behind a candidate id."""
    try:
        system = catalog.system(wanted)
    except UnknownIdError:
        return catalog.chip(wanted), None
    return catalog.chip(system.chip), system


def is_domestic(chip: Chip, scenario: Scenario) -> bool:
    """Whether the chip counts as domestic under the scenario's rule; a country the rule needs but the catalog lacks
    counts as not domestic (targets are never met with chips of unknown origin)."""
    return bool(scenario.domestic.is_domestic(chip.designer_country, chip.fab_country))


def export_status(chip: Chip, scenario: Scenario, policy: Policy) -> tuple[ExportStatus, str]:
    """Status under US export rules at the start of the plan, for the scenario's default buyer, with the rules."""
    status = policy_export_status(chip, policy, dt.date(scenario.years[0], 1, 1), buyer_for(scenario, None))
    rules = f" ({', '.join(status.rules)})" if status.rules else ""
    return _POLICY_STATUS[status.kind], status.reason + rules


def _to_currency(value: float, currency: str, scenario: Scenario) -> float | None:
    if currency.upper() == scenario.cost.currency.upper():
        return value
    rate = scenario.cost.exchange_rates.get(currency.upper())
    return None if rate is None else value * rate


def price_per_chip(
    chip: Chip, system: System | None, given: Candidate | None, scenario: Scenario
) -> tuple[float | None, str | None]:
    """Price per chip in the cost currency and where it came from: scenario, then system, then chip."""
    per = system.chip_count if system else 1
    if given is not None and given.price is not None:
        p = given.price
        value = _to_currency(p.value / per, p.currency, scenario)
        return value, f"scenario: {p.source}" if value is not None else f"no exchange rate for {p.currency}"
    for price, divisor in ((system.price if system else None, per), (chip.price, 1)):
        if price is not None:
            value = _to_currency(price.value / divisor, price.currency, scenario)
            if value is not None:
                return value, f"catalog [{price.source}, {price.confidence.value}, {price.as_of}]"
    return None, None


def _lease_per_chip_year(given: Candidate | None, scenario: Scenario) -> float | None:
    """Rent per chip-year in the cost currency (None: not leased; an unknown currency is an error)."""
    if given is None or given.lease_per_card_hour is None:
        return None
    rate = _to_currency(given.lease_per_card_hour, given.lease_currency, scenario)
    if rate is None:
        raise UnknownIdError(
            "exchange rate (cost.exchange_rates)", given.lease_currency, list(scenario.cost.exchange_rates)
        )
    return rate * 8760


def _power_w(chip: Chip, system: System | None) -> float | None:
    if chip.tdp_w is not None:
        return chip.tdp_w.value
    if system is not None and system.power_kw is not None:
        return system.power_kw.value * 1000 / system.chip_count
    return None


def _closed(openness: Openness | None) -> bool | None:
    return None if openness is None else openness is Openness.CLOSED


def scan_target_for(chip: Chip, given: Candidate | None, catalog: Catalog) -> str | None:
    """Porting target (scan target) of a chip's stack in the catalog, or None for chips that run CUDA code."""
    if given is not None and given.scan_target:
        return given.scan_target
    return catalog.porting_target_of(chip)


def accepted_precisions(workload: InferenceWorkload | TrainingWorkload) -> list[str]:
    """The workload's precision first, then the others it accepts, each once."""
    names = [workload.precision.lower(), *(p.lower() for p in workload.precisions)]
    return list(dict.fromkeys(names))


def workload_fit(
    workload: InferenceWorkload | TrainingWorkload,
    chip: Chip,
    given: Candidate | None,
    catalog: Catalog,
    system: System | None = None,
) -> WorkloadFit:
    """Ask perf how one chip (inside ``system`` when the candidate is a system) serves one workload, at the best of
    the precisions the workload accepts that the chip has units for (its own ``precision`` is always tried)."""
    fits = [
        fit
        for i, precision in enumerate(accepted_precisions(workload))
        if (fit := _fit_at(workload, chip, given, catalog, system, precision, must_be_native=i > 0)) is not None
    ]
    working = [f for f in fits if f.fits]
    if not working:
        return fits[0]
    return max(working, key=lambda f: f.capacity_per_chip)


def _fit_at(
    workload: InferenceWorkload | TrainingWorkload,
    chip: Chip,
    given: Candidate | None,
    catalog: Catalog,
    system: System | None,
    precision: str,
    *,
    must_be_native: bool,
) -> WorkloadFit | None:
    """One precision's fit; None for an alternative precision the chip has no units for."""
    from chipshift import perf

    stack = given.perf_stack if given else None
    try:
        spec = perf.ReplicaSpec.build(
            workload.model, system.id if system else chip.id, precision=precision, stack=stack, catalog=catalog
        )
        if must_be_native and not spec.runs_natively:
            return None
        if isinstance(workload, InferenceWorkload):
            shape = perf.ServingWorkload(
                workload.input_tokens, workload.output_tokens, workload.ttft_ms, workload.tpot_ms
            )
            r = perf.serving_capacity(spec, shape)
            fits = r.fits and r.tokens_per_s_per_chip > 0
            per_chip = r.tokens_per_s_per_chip
            return WorkloadFit(workload.id, fits, per_chip, per_chip, max(1, r.chips_per_replica), r.reason, precision)
        t = perf.size_training(spec, tokens=workload.tokens, days=workload.days, seq_len=workload.seq_len)
        per_chip = t.result.tokens_per_s_per_chip
        runs = per_chip * workload.days * 86400 / workload.tokens
        return WorkloadFit(workload.id, per_chip > 0, runs, per_chip, 8, precision=precision)
    except ChipshiftError as error:
        return None if must_be_native else WorkloadFit(workload.id, False, 0.0, reason=error.message)


def _risk_reasons(risk: RiskProfile) -> list[str]:
    return [f"{r.dimension.value} +{r.score:.2f}: {r.why}" + (f" [{r.rule}]" if r.rule else "") for r in risk.reasons]


def evidence_for(
    wanted: str,
    given: Candidate | None,
    scenario: Scenario,
    catalog: Catalog,
    efforts: dict[str, float],
    policy: Policy,
) -> CandidateEvidence:
    """Everything known about one chip or system."""
    chip, system = resolve(catalog, wanted)
    price, price_source = price_per_chip(chip, system, given, scenario)
    status, note = export_status(chip, scenario, policy)
    risk = first_year_risk(chip, policy, scenario)
    target = scan_target_for(chip, given, catalog)
    tflops = chip.tflops(Precision.BF16) or chip.tflops(Precision.FP16)
    notes = [f"price: {price_source}" if price_source else "price: unknown"]
    return CandidateEvidence(
        id=(given.label if given and given.label else None) or (system.id if system else chip.id),
        chip_id=chip.id,
        name=system.name if system else chip.name,
        vendor=chip.vendor,
        domestic=is_domestic(chip, scenario),
        designer_country=chip.designer_country,
        unit_chips=system.chip_count if system else scenario.plan.server_size,
        system=system is not None,
        price_per_chip=price,
        price_source=price_source,
        lease_per_chip_year=_lease_per_chip_year(given, scenario),
        power_w=_power_w(chip, system),
        dense_bf16_tflops=tflops,
        fits=tuple(workload_fit(w, chip, given, catalog, system) for w in scenario.workloads),
        porting_person_days=0.0 if target is None else efforts.get(target),
        scan_target=target,
        export_class=classify_chip(chip).export_class.value,
        export_status=status,
        export_note=note,
        export_risk=risk.export_licence,
        china_risk=risk.china_regulatory,
        location_risk=risk.location_verification,
        rule_supply_risk=risk.supply,
        risk_reasons=tuple(_risk_reasons(risk)),
        closed_firmware=_closed(chip.security.firmware_source),
        closed_stack=_closed(chip.security.stack_source),
        remote_disable_note=chip.security.remote_disable,
        foreign_fab=None if chip.fab_country is None else chip.fab_country != chip.designer_country,
        supply_per_year=given.supply_per_year if given else None,
        can_buy=given is not None,
        notes=tuple(notes),
    )


def scan_efforts(
    paths: Sequence[Path], targets: Sequence[str], catalog: Catalog
) -> tuple[dict[str, float], ScanResult | None]:
    """Porting effort in person-days per scan target, and the scan result (None when nothing was scanned)."""
    if not paths or not targets:
        return {}, None
    from chipshift.scan import scan_paths

    result = scan_paths(list(paths), list(targets), catalog=catalog, use_cache=False)
    return {t: result.effort_person_days(t) for t in targets}, result
