"""Solve the plan with HiGHS (highspy) and read the solution back into a :class:`PlanResult`."""

from __future__ import annotations

import os
import sys
import time

import highspy
import numpy as np
from scipy.sparse import csc_matrix

from chipshift.plan.milp import MONEY_SCALE, Model, build_model, metric_value
from chipshift.plan.model import (
    MIP_MAX_INTEGERS,
    Binding,
    PlanOption,
    PlanProblem,
    PlanResult,
    PlanStatus,
    TargetMetric,
    Violation,
    YearPlan,
)

SLACK_TOLERANCE = 1e-6
"""Relative slack below which a constraint counts as met."""
TIGHT = 0.999
"""Use of a limit at or above which it is reported as binding."""


def _quiet_highs() -> highspy.Highs:
    """A solver instance; HiGHS prints its banner to file descriptor 1 on the first one in a process, which would
    corrupt ``--format json`` on stdout, so that one is made with descriptor 1 pointed at /dev/null."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True
    return h


_BANNER_SHOWN = False


def _highs(model: Model, problem: PlanProblem, *, relax: bool = False) -> highspy.Highs:
    matrix = csc_matrix(
        (model.entries_val, (model.entries_row, model.entries_col)),
        shape=(len(model.row_lower), len(model.cost)),
    )
    lp = highspy.HighsLp()
    lp.num_col_ = len(model.cost)
    lp.num_row_ = len(model.row_lower)
    lp.col_cost_ = np.asarray(model.cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(model.lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(model.upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(model.row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(model.row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    if not relax:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in model.integer
        ]
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(problem.time_limit_s))
    h.setOptionValue("mip_max_nodes", int(problem.max_nodes))
    h.setOptionValue("mip_rel_gap", float(problem.mip_gap))
    h.setOptionValue("threads", int(problem.threads))
    h.setOptionValue("random_seed", 0)
    if relax:
        h.setOptionValue("simplex_strategy", 4)  # primal simplex: several times faster than dual on these LPs
    h.passModel(lp)
    return h


def solve_plan(problem: PlanProblem) -> PlanResult:
    """Build and solve the program; an infeasible scenario comes back with its violations."""
    started = time.perf_counter()
    model = build_model(problem)
    method = problem.method
    if method == "auto":
        method = "mip" if sum(model.integer) <= MIP_MAX_INTEGERS else "round"
    if method == "round":
        h, x, gap, message = _solve_by_rounding(model, problem)
    else:
        h, x, gap, message = _solve_mip(model, problem)
    if x is None:
        return PlanResult(
            PlanStatus.FAILED,
            0.0,
            [],
            [],
            [],
            time.perf_counter() - started,
            len(model.cost),
            len(model.row_lower),
            message=f"HiGHS found no plan: {message}",
            method=method,
        )
    violations = _violations(model, x)
    if violations:
        outcome = PlanStatus.INFEASIBLE
    else:
        outcome = PlanStatus.OPTIMAL if gap is not None and gap <= problem.mip_gap + 1e-9 else PlanStatus.FEASIBLE
    objective = float(np.dot(model.cost, x) - sum(model.cost[s.column] * x[s.column] for s in model.slacks))
    return PlanResult(
        status=outcome,
        objective=objective * MONEY_SCALE,
        years=_year_plans(model, problem, x),
        violations=violations,
        binding=_binding(model, np.asarray(h.getSolution().row_value)),
        solve_s=time.perf_counter() - started,
        variables=len(model.cost),
        constraints=len(model.row_lower),
        message=message,
        method=method,
        gap=gap,
    )


def _solution(h: highspy.Highs) -> np.ndarray | None:
    if h.getInfo().primal_solution_status < 2:
        return None
    return np.asarray(h.getSolution().col_value)


def _solve_mip(model: Model, problem: PlanProblem) -> tuple[highspy.Highs, np.ndarray | None, float | None, str]:
    h = _highs(model, problem)
    h.run()
    status = h.getModelStatus()
    gap = float(h.getInfo().mip_gap) if status == highspy.HighsModelStatus.kOptimal else None
    if gap is None and _solution(h) is not None:
        gap = float(h.getInfo().mip_gap)
    return h, _solution(h), gap, h.modelStatusToString(status)


def _solve_by_rounding(
    model: Model, problem: PlanProblem
) -> tuple[highspy.Highs, np.ndarray | None, float | None, str]:
    """LP relaxation (a lower bound); then each purchase between the floor and ceiling of its LP value (a small
    MIP started from the all-rounded-up plan, which is always feasible when the LP is)."""
    h = _highs(model, problem, relax=True)
    h.run()
    x = _solution(h)
    if x is None:
        return h, None, None, h.modelStatusToString(h.getModelStatus())
    bound = float(h.getInfo().objective_function_value)
    columns = np.array(sorted(model.buy.values()), dtype=np.int32)
    low, high = np.floor(x[columns] + 1e-6), np.ceil(x[columns] - 1e-6)
    h.changeColsBounds(len(columns), columns, high, high)
    h.run()
    start = _solution(h)
    if start is None:
        return h, None, None, "rounded purchases: " + h.modelStatusToString(h.getModelStatus())
    m = _highs(model, problem)
    m.changeColsBounds(len(columns), columns, low, high)
    m.setOptionValue("mip_max_nodes", max(1, problem.max_nodes // 2))
    incumbent = highspy.HighsSolution()
    incumbent.col_value = start.tolist()
    incumbent.value_valid = True
    m.setSolution(incumbent)
    m.run()
    x = _solution(m)
    if x is None or float(np.dot(model.cost, x)) > float(np.dot(model.cost, start)):
        m, x = h, start
    value = float(np.dot(model.cost, x))
    gap = (value - bound) / abs(value) if value else 0.0
    return m, x, max(0.0, gap), "LP relaxation, then purchases between floor and ceiling"


def _violations(model: Model, x: np.ndarray) -> list[Violation]:
    found = []
    for s in model.slacks:
        amount = float(x[s.column])
        if amount > SLACK_TOLERANCE * s.scale:
            value = amount * (MONEY_SCALE if s.kind == "budget" else 1.0)
            found.append(
                Violation(s.kind, s.year, s.subject, value, amount / s.scale, s.unit.replace(" (millions)", ""))
            )
    return sorted(found, key=lambda v: (-v.relative, v.year))


def _binding(model: Model, activity: np.ndarray) -> list[Binding]:
    found = []
    for limit in model.limits:
        used = float(activity[limit.row])
        if limit.limit > 0 and used >= TIGHT * limit.limit:
            scale = MONEY_SCALE if limit.kind == "budget" else 1.0
            found.append(Binding(limit.kind, limit.year, limit.subject, used * scale, limit.limit * scale))
    return found


def _shares(stock: dict[str, dict[str, float]], options: dict[str, PlanOption]) -> dict[str, float]:
    shares = {}
    for metric in TargetMetric:
        dom = tot = 0.0
        for per_option in stock.values():
            for oid, n in per_option.items():
                v = metric_value(options[oid], metric) * n
                tot += v
                dom += v if options[oid].domestic else 0.0
        shares[metric.value] = dom / tot if tot > 0 else 0.0
    return shares


def _year_plans(model: Model, problem: PlanProblem, x: np.ndarray) -> list[YearPlan]:
    options = {o.id: o for o in problem.options}
    sites = {s.id: s for s in problem.sites}
    plans = []
    for year in problem.years:
        buy: dict[str, dict[str, int]] = {}
        retire: dict[str, dict[str, float]] = {}
        stock: dict[str, dict[str, float]] = {}
        capex = opex = write_off = 0.0
        for (y, sid, oid), col in model.stock.items():
            if y != year:
                continue
            o = options[oid]
            bought = round(x[model.buy[y, sid, oid]]) * o.unit
            gone = float(x[model.retire[y, sid, oid]])
            held = float(x[col])
            if bought:
                buy.setdefault(sid, {})[oid] = bought
            if gone > 1e-6:
                retire.setdefault(sid, {})[oid] = gone
            if held > 1e-6:
                stock.setdefault(sid, {})[oid] = held
            capex += bought * o.price
            opex += held * o.power_kw * problem.pue * 8760 * sites[sid].electricity_per_kwh
            write_off += model.cost[model.retire[y, sid, oid]] * gone * MONEY_SCALE
        plans.append(YearPlan(year, buy, retire, stock, capex, opex, write_off, _shares(stock, options)))
    return plans
