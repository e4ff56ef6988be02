"""Checks of a scenario against the catalog, the perf models and the policy rules, before any work starts.

A scenario that validates field by field can still name a chip the catalog lacks, a model perf cannot size, a year
outside the plan or a site no inventory has. Each such slip is an error at its file, line and field, with the
closest known names: never an empty scope or a silently ignored entry found after minutes of solving.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from chipshift.assess.scenario import Scenario
from chipshift.catalog import Catalog
from chipshift.errors import ChipshiftError, InputFileError, UnknownIdError

Where = tuple[str | int, ...]


def check_scenario(scenario: Scenario, catalog: Catalog) -> None:
    """Raise :class:`InputFileError` at the first entry that names something unknown (a chip, model, precision,
    perf stack, porting target, rule, currency) or lies outside the plan's years."""
    _check_candidates(scenario, catalog)
    _check_workloads(scenario)
    _check_chip_references(scenario, catalog)
    _check_years(scenario)
    _check_currencies(scenario)
    _check_rule_ids(scenario, catalog)


def check_site_names(scenario: Scenario, site_ids: Iterable[str], sectors: Iterable[str]) -> None:
    """A target or workload naming a site or sector that neither the scenario nor an inventory has is a typo."""
    known_sites, known_sectors = sorted(set(site_ids)), sorted(set(sectors))
    for i, target in enumerate(scenario.targets):
        if target.scope.site and target.scope.site not in known_sites:
            _unknown(scenario, ("targets", i, "scope", "site"), "site", target.scope.site, known_sites)
        if target.scope.sector and target.scope.sector not in known_sectors:
            _unknown(scenario, ("targets", i, "scope", "sector"), "sector", target.scope.sector, known_sectors)
    for i, workload in enumerate(scenario.workloads):
        for j, site in enumerate(workload.sites):
            if site not in known_sites:
                _unknown(scenario, ("workloads", i, "sites", j), "site", site, known_sites)


def _unknown(scenario: Scenario, where: Where, kind: str, wanted: str, known: list[str]) -> None:
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else f" Known: {', '.join(known) or 'none'}."
    raise scenario.error(where, f"unknown {kind} '{wanted}'.{hint}")


def _at(scenario: Scenario, where: Where, lookup: Callable[[str], object], wanted: str) -> None:
    """Look ``wanted`` up; an unknown id (or a model that cannot be read) becomes an error at ``where``."""
    try:
        lookup(wanted)
    except UnknownIdError as error:
        raise scenario.error(where, error.message) from None
    except InputFileError:
        raise
    except ChipshiftError as error:
        raise scenario.error(where, error.message) from None


def _chip_or_system(catalog: Catalog) -> Callable[[str], object]:
    """A lookup of a chip or system id, suggesting the closest of both."""

    def lookup(wanted: str) -> object:
        try:
            return catalog.system(wanted)
        except UnknownIdError as system_error:
            try:
                return catalog.chip(wanted)
            except UnknownIdError as chip_error:
                close = list(dict.fromkeys([*chip_error.suggestions, *system_error.suggestions]))[:5]
                raise UnknownIdError("chip or system", wanted, close) from None

    return lookup


def _check_candidates(scenario: Scenario, catalog: Catalog) -> None:
    from chipshift.perf.efficiency import efficiencies

    table = efficiencies()
    catalog_lookup = _chip_or_system(catalog)
    stacks = sorted({*table.stacks, *table.training_stacks})
    targets = sorted(catalog.porting_targets)
    for i, candidate in enumerate(scenario.candidates):
        _at(scenario, ("candidates", i, "id"), catalog_lookup, candidate.id)
        if candidate.perf_stack and candidate.perf_stack.lower() not in stacks:
            _unknown(scenario, ("candidates", i, "perf_stack"), "perf stack", candidate.perf_stack, stacks)
        if candidate.scan_target and candidate.scan_target not in targets:
            _unknown(scenario, ("candidates", i, "scan_target"), "porting target", candidate.scan_target, targets)
    for i, done in enumerate(scenario.porting.done or []):
        if done not in targets:
            _unknown(scenario, ("porting", "done", i), "porting target", done, targets)


def _check_workloads(scenario: Scenario) -> None:
    from chipshift.perf import Quant
    from chipshift.perf.models import load_model

    precisions = [q.value for q in Quant]  # what perf runs: weights and GEMMs (w8a8, w4a16 as well as bf16, fp8)
    for i, workload in enumerate(scenario.workloads):
        _at(scenario, ("workloads", i, "model"), load_model, workload.model)
        if workload.precision.lower() not in precisions:
            _unknown(scenario, ("workloads", i, "precision"), "precision", workload.precision, precisions)
        for j, other in enumerate(workload.precisions):
            if other.lower() not in precisions:
                _unknown(scenario, ("workloads", i, "precisions", j), "precision", other, precisions)


def _check_chip_references(scenario: Scenario, catalog: Catalog) -> None:
    """Licence changes, events, resale values and gates name chips (or systems) the catalog has."""
    named: list[tuple[Where, str]] = [
        *((("regulatory", "licences", i, "chip"), c.chip) for i, c in enumerate(scenario.regulatory.licences)),
        *((("monte_carlo", "events", i, "chip"), e.chip) for i, e in enumerate(scenario.monte_carlo.events)),
        *((("resale", chip), chip) for chip in scenario.resale),
        *((("gates", "banned", chip), chip) for chip in scenario.gates.banned),
        *((("gates", "procurement_list", i), c) for i, c in enumerate(scenario.gates.procurement_list or [])),
    ]
    labels = {c.label for c in scenario.candidates if c.label}
    lookup = _chip_or_system(catalog)
    for where, wanted in named:
        if wanted not in labels:
            _at(scenario, where, lookup, wanted)


def _check_years(scenario: Scenario) -> None:
    """Budgets and allocations are for plan years; a target or event after the last plan year would never apply."""
    years = scenario.years
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    for year in scenario.budget_per_year:
        if year not in years:
            raise scenario.error(("budget_per_year", year), f"{year} is not a plan year ({span})")
    for i, candidate in enumerate(scenario.candidates):
        for year in candidate.allocation:
            if year not in years:
                raise scenario.error(("candidates", i, "allocation", year), f"{year} is not a plan year ({span})")
    dated: list[tuple[Where, int]] = [
        *((("targets", i, "year"), t.year) for i, t in enumerate(scenario.targets)),
        *((("regulatory", "licences", i, "year"), c.year) for i, c in enumerate(scenario.regulatory.licences)),
        *((("monte_carlo", "events", i, "year"), e.year) for i, e in enumerate(scenario.monte_carlo.events)),
    ]
    for where, year in dated:
        if year > years[-1]:
            raise scenario.error(where, f"{year} is after the last plan year ({span}), so it would never apply")


def _check_currencies(scenario: Scenario) -> None:
    """Every money figure's currency converts into the cost currency (else the figure would be dropped)."""
    convertible = {scenario.cost.currency.upper(), *(c.upper() for c in scenario.cost.exchange_rates)}
    used: list[tuple[Where, str]] = []
    for i, candidate in enumerate(scenario.candidates):
        if candidate.price:
            used.append((("candidates", i, "price", "currency"), candidate.price.currency))
        if candidate.lease_per_card_hour is not None:
            used.append((("candidates", i, "lease_currency"), candidate.lease_currency))
    used += [(("resale", chip, "currency"), value.currency) for chip, value in scenario.resale.items()]
    for where, currency in used:
        if currency.upper() not in convertible:
            raise scenario.error(
                where,
                f"no exchange rate from {currency} to {scenario.cost.currency}: "
                f"add it under cost.exchange_rates (units of {scenario.cost.currency} per {currency})",
            )


def _check_rule_ids(scenario: Scenario, catalog: Catalog) -> None:
    """Rules set aside, assumed enacted or given an outlook are rules the catalog has, by their exact id."""
    known = sorted(catalog.rules)
    reg = scenario.regulatory
    for i, rule_id in enumerate(reg.rules_off):
        if rule_id not in known:
            _unknown(scenario, ("regulatory", "rules_off", i), "policy rule", rule_id, known)
    for rule_id in reg.assume_enacted:
        if rule_id not in known:
            _unknown(scenario, ("regulatory", "assume_enacted", rule_id), "policy rule", rule_id, known)
    for rule_id in scenario.monte_carlo.outlook_probability:
        if rule_id not in known:
            _unknown(scenario, ("monte_carlo", "outlook_probability", rule_id), "policy rule", rule_id, known)
