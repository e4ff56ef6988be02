"""Benchmark of the plan MILP: 5 years x 50 sites x 30 candidates x 20 workloads must solve in under 30 s.

Run: ``python benchmarks/bench_plan.py`` (writes nothing; paste the output into ``benchmarks/results/plan.md``).
The problem is synthetic and seeded: 30 chip types (12 domestic), 50 sites holding 5 foreign types each, 20
workloads each served at 5 sites, demand growing 30% a year, domestic count targets of 50% from year 2 and 80% in
year 5, a yearly budget and supply caps on domestic chips.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from chipshift.plan import PlanOption, PlanProblem, PlanSite, PlanTarget, PlanWorkload, TargetMetric, solve_plan


def synthetic_problem(
    years: int = 5, sites: int = 50, candidates: int = 30, workloads: int = 20, seed: int = 7
) -> PlanProblem:
    """A seeded problem of the benchmark's size."""
    rng = np.random.default_rng(seed)
    ys = tuple(range(2026, 2026 + years))
    wl_ids = [f"w{i}" for i in range(workloads)]
    options = []
    for i in range(candidates):
        domestic = i < int(candidates * 0.4)
        caps = {w: float(rng.uniform(100, 1200)) for w in wl_ids if rng.random() < 0.8}
        options.append(
            PlanOption(
                id=f"c{i}",
                domestic=domestic,
                price=float(rng.uniform(80_000, 250_000)),
                power_kw=float(rng.uniform(0.3, 0.7)),
                tflops=float(rng.uniform(150, 1000)),
                capacity=caps,
                risk=float(rng.uniform(0, 0.3) if domestic else rng.uniform(0.5, 1.0)),
                supply_per_year=float(rng.integers(200, 800) * 8) if domestic else None,
            )
        )
    foreign = [o.id for o in options if not o.domestic]
    site_list = []
    for s in range(sites):
        held = rng.choice(foreign, size=5, replace=False)
        existing = {str(c): int(rng.integers(2, 20)) * 8 for c in held}
        site_list.append(
            PlanSite(
                f"s{s}",
                existing=existing,
                existing_book_value=dict.fromkeys(existing, 50_000.0),
                power_kw=float(rng.uniform(400, 1500)),
                electricity_per_kwh=float(rng.uniform(0.4, 0.8)),
            )
        )
    site_ids = [s.id for s in site_list]
    wls = []
    for w in wl_ids:
        base = float(rng.uniform(5_000, 30_000))
        wls.append(
            PlanWorkload(
                w,
                {y: base * 1.3**i for i, y in enumerate(ys)},
                tuple(str(x) for x in rng.choice(site_ids, size=5, replace=False)),
            )
        )
    targets = (
        PlanTarget("50% by count", ys[1], TargetMetric.COUNT, 0.5, tuple(site_ids)),
        PlanTarget("80% by count", ys[-1], TargetMetric.COUNT, 0.8, tuple(site_ids)),
    )
    return PlanProblem(
        ys,
        tuple(options),
        tuple(site_list),
        tuple(wls),
        targets,
        budget=dict.fromkeys(ys, 2.5e9),
        time_limit_s=60,
        mip_gap=0.01,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    problem = synthetic_problem()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or 'cpu'}")
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = solve_plan(problem)
        elapsed = time.perf_counter() - started
        print(
            f"{len(problem.years)} years x {len(problem.sites)} sites x {len(problem.options)} candidates x "
            f"{len(problem.workloads)} workloads: {result.variables} columns, {result.constraints} rows; "
            f"status {result.status.value} ({result.message}, gap to LP bound "
            f"{(result.gap or 0) * 100:.2f}%), cost {result.objective / 1e9:.3f} bn, "
            f"{len(result.violations)} violations, solved in {elapsed:.1f} s (limit 30 s)"
        )


if __name__ == "__main__":
    main()
