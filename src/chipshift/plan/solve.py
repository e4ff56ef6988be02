"""Solve the plan with HiGHS (highspy), in priority order, and read the solution back into a :class:`PlanResult`.

First every requirement is a hard constraint and the net present value is minimised: the usual case, one solve. If
that is infeasible, the requirements are relaxed in priority order, each phase minimising one kind of shortfall and
then holding it at its minimum for the next: demand (what the hard limits cannot serve), the domestic-ratio targets,
a budget the scenario lets be exceeded, and last the cost. A 0.7% budget overrun is therefore never traded against a
15% target miss: the order decides, not penalty weights.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csc_matrix

from chipshift.plan.milp import Model, build_model
from chipshift.plan.model import MIP_MAX_INTEGERS, PlanProblem, PlanResult, PlanStatus
from chipshift.plan.reading import read_result

SHORTFALL_TOLERANCE = 1e-6
"""Weighted shortfall below which a phase counts as met."""

Phase = tuple[str, ...]


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


@dataclass
class _Outcome:
    x: np.ndarray | None
    gap: float | None
    message: str


class _Solver:
    """One HiGHS instance over the model; phases change its objective, slack bounds and bound rows."""

    def __init__(self, model: Model, problem: PlanProblem, method: str) -> None:
        self.model = model
        self.problem = problem
        self.method = method
        self.h = _highs(model, problem)
        self.integers = np.flatnonzero(np.asarray(model.integer)).astype(np.int32)

    def objective(self, costs: list[float]) -> None:
        columns = np.arange(self.model.columns, dtype=np.int32)
        self.h.changeColsCost(len(columns), columns, np.asarray(costs, dtype=np.float64))

    def open_slacks(self, kinds: set[str]) -> None:
        for slack in self.model.slacks:
            upper = math.inf if slack.kind in kinds else 0.0
            self.h.changeColBounds(slack.column, 0.0, upper)

    def weights(self, kind: str) -> list[float]:
        costs = [0.0] * self.model.columns
        for slack in self.model.slacks:
            if slack.kind == kind:
                costs[slack.column] = 1.0 / slack.scale
        return costs

    def hold(self, kind: str, value: float) -> None:
        """Keep a phase's weighted shortfall at (just above) its minimum in the phases after it."""
        slacks = [s for s in self.model.slacks if s.kind == kind]
        columns = np.array([s.column for s in slacks], dtype=np.int32)
        values = np.array([1.0 / s.scale for s in slacks], dtype=np.float64)
        self.h.addRow(-math.inf, value * (1 + 1e-6) + 1e-9, len(columns), columns, values)

    def run(self) -> _Outcome:
        if self.method == "round":
            return self._by_rounding()
        self.h.run()
        return _read_outcome(self.h)

    def _by_rounding(self) -> _Outcome:
        """LP relaxation, then each integer between the floor and ceiling of its LP value (a small MIP)."""
        count = len(self.integers)
        continuous = np.full(count, highspy.HighsVarType.kContinuous)
        integral = np.full(count, highspy.HighsVarType.kInteger)
        self.h.changeColsIntegrality(count, self.integers, continuous)
        self.h.run()
        relaxed = _read_outcome(self.h)
        self.h.changeColsIntegrality(count, self.integers, integral)
        if relaxed.x is None:
            return relaxed
        bound = float(self.h.getInfo().objective_function_value)
        lower = np.asarray(self.h.getLp().col_lower_)[self.integers]
        upper = np.asarray(self.h.getLp().col_upper_)[self.integers]
        values = relaxed.x[self.integers]
        self.h.changeColsBounds(
            count, self.integers, np.maximum(lower, np.floor(values + 1e-6)), np.minimum(upper, np.ceil(values - 1e-6))
        )
        self.h.setOptionValue("mip_max_nodes", max(1, self.problem.max_nodes // 2))
        self.h.run()
        rounded = _read_outcome(self.h)
        self.h.changeColsBounds(count, self.integers, lower, upper)
        self.h.setOptionValue("mip_max_nodes", int(self.problem.max_nodes))
        if rounded.x is None:
            return rounded
        value = float(self.h.getInfo().objective_function_value)
        gap = max(0.0, (value - bound) / abs(value)) if value else 0.0
        return _Outcome(rounded.x, gap, "LP relaxation, then integers between floor and ceiling")


def _highs(model: Model, problem: PlanProblem) -> highspy.Highs:
    matrix = csc_matrix(
        (model.entries_val, (model.entries_row, model.entries_col)),
        shape=(len(model.row_lower), model.columns),
    )
    lp = highspy.HighsLp()
    lp.num_col_ = model.columns
    lp.num_row_ = len(model.row_lower)
    lp.col_cost_ = np.asarray(model.cost_vector(), dtype=np.float64)
    lp.col_lower_ = np.asarray(model.lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(model.upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(model.row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(model.row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in model.integer]
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(problem.time_limit_s))
    h.setOptionValue("mip_max_nodes", int(problem.max_nodes))
    h.setOptionValue("mip_rel_gap", float(problem.mip_gap))
    h.setOptionValue("threads", int(problem.threads))
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    return h


def _read_outcome(h: highspy.Highs) -> _Outcome:
    status = h.getModelStatus()
    message = h.modelStatusToString(status)
    if h.getInfo().primal_solution_status < 2:
        return _Outcome(None, None, message)
    x = np.asarray(h.getSolution().col_value)
    gap = float(h.getInfo().mip_gap) if any(h.getLp().integrality_) else 0.0
    return _Outcome(x, gap if math.isfinite(gap) else None, message)


def _method(model: Model, problem: PlanProblem) -> str:
    if problem.method != "auto":
        return problem.method
    return "mip" if sum(model.integer) <= MIP_MAX_INTEGERS else "round"


def solve_plan(problem: PlanProblem) -> PlanResult:
    """Build and solve the program; a scenario that cannot be met comes back with what it cannot meet, by how much."""
    started = time.perf_counter()
    model = build_model(problem)
    method = _method(model, problem)
    solver = _Solver(model, problem, method)
    outcome = solver.run()
    phases: Phase = ("cost",)
    status: PlanStatus | None = None
    if outcome.x is None:
        outcome, phases, status = _by_priority(solver, problem)
    if outcome.x is None:
        return read_result(
            problem, model, None, PlanStatus.FAILED, time.perf_counter() - started, method, None, phases,
            f"HiGHS found no plan: {outcome.message}",
        )  # fmt: skip
    if status is None:
        status = PlanStatus.OPTIMAL if outcome.gap is not None and outcome.gap <= problem.mip_gap + 1e-9 else (
            PlanStatus.FEASIBLE
        )  # fmt: skip
    return read_result(
        problem, model, outcome.x, status, time.perf_counter() - started, method, outcome.gap, phases, outcome.message
    )


def _by_priority(solver: _Solver, problem: PlanProblem) -> tuple[_Outcome, Phase, PlanStatus]:
    """Minimise demand shortfall, then target shortfall, then budget overrun, then missing headroom, then cost; each
    held for the next. Missing headroom leaves the status as it is (it is sought, not required)."""
    soft = {"budget"} if not problem.budget_hard else set()
    open_kinds = {"demand", "target", "headroom", *soft}
    status = PlanStatus.OPTIMAL
    phases: list[str] = []
    for kind, missed in (
        ("demand", PlanStatus.INFEASIBLE),
        ("target", PlanStatus.TARGETS_MISSED),
        ("budget", PlanStatus.OVER_BUDGET),
        ("headroom", PlanStatus.OPTIMAL),
    ):
        if (kind == "budget" and not soft) or (kind == "headroom" and problem.headroom <= 0):
            continue
        solver.open_slacks(open_kinds)
        solver.objective(solver.weights(kind))
        outcome = solver.run()
        phases.append(kind)
        if outcome.x is None:
            return outcome, tuple(phases), PlanStatus.FAILED
        shortfall = float(np.dot(solver.weights(kind), outcome.x))
        if shortfall > SHORTFALL_TOLERANCE:
            solver.hold(kind, shortfall)
            status = missed if status is PlanStatus.OPTIMAL else status
        else:
            solver.hold(kind, 0.0)
    solver.objective(solver.model.cost_vector())
    outcome = solver.run()
    phases.append("cost")
    if status is PlanStatus.OPTIMAL and outcome.gap is not None and outcome.gap > problem.mip_gap + 1e-9:
        status = PlanStatus.FEASIBLE
    return outcome, tuple(phases), status
