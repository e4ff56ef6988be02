"""The highest request rate one replica serves within latency targets, by simulating Poisson arrivals at each rate
(what ``size --lengths`` sizes with)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from chipshift.perf.operators import ChipSetup
from chipshift.perf.requests import RequestSet, with_poisson_arrivals
from chipshift.perf.serving import ServingOptions, ServingResult, check_percentile, simulate_serving

STEADY_WINDOW_S = 60.0
"""Seconds of arrivals simulated per rate when searching the highest rate (several lifetimes of a request)."""
WARMUP_SHARE = 0.2
"""Share of that window whose requests are left out of the latency percentiles."""


@dataclass(frozen=True)
class RateCapacity:
    """The highest arrival rate a setup serves within latency targets, with the simulation at that rate."""

    requests_per_s: float
    """Requests per second, whole setup (0 when even a light load misses the targets)."""
    result: ServingResult
    """The simulation at that rate (at the lightest load tried when the targets cannot be met)."""
    percentile: float
    """Percentile the targets apply to (0: the mean)."""
    reason: str | None = None
    """Why the targets cannot be met."""


def _misses(result: ServingResult, ttft_ms: float | None, tpot_ms: float | None, percentile: float) -> str | None:
    label = "mean" if percentile == 0 else f"p{percentile:g}"
    ttft, tpot = result.ttft.at(percentile), result.tpot.at(percentile)
    if ttft_ms is not None and ttft > ttft_ms:
        return f"{label} TTFT {ttft:,.0f} ms exceeds {ttft_ms:g} ms"
    if tpot_ms is not None and tpot > tpot_ms:
        return f"{label} TPOT {tpot:,.1f} ms exceeds {tpot_ms:g} ms"
    return None


def max_request_rate(
    setup: ChipSetup,
    requests: RequestSet,
    chips: int,
    *,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    percentile: float = 90,
    seed: int = 0,
    tolerance: float = 0.02,
    window_s: float = STEADY_WINDOW_S,
    options: ServingOptions | None = None,
) -> RateCapacity:
    """Highest Poisson arrival rate at which the ``percentile`` of TTFT and TPOT meets the targets.

    Each rate is simulated over at least ``window_s`` seconds of arrivals (the lengths cycled, at most
    :data:`~chipshift.perf.requests.MAX_SIMULATED_REQUESTS`), and latencies count the requests after the first
    :data:`WARMUP_SHARE` of it, so that the cache and the batch reach the occupancy the rate brings. The search
    starts from the throughput with every request sent at once, doubles the rate while the targets hold (a backlog
    makes TTFT grow once the rate passes what the setup sustains), then bisects (geometric, to ``tolerance``) with
    the same seed, so the search is deterministic. With no targets the answer is the all-at-once throughput. A
    trace's own arrival
    times are replaced by the Poisson stream.
    """
    check_percentile(percentile)
    offline = simulate_serving(setup, requests, chips, options=options)
    if ttft_ms is None and tpot_ms is None:
        return RateCapacity(offline.requests_per_s, offline, percentile)

    def attempt(rate: float) -> tuple[str | None, ServingResult]:
        steady = with_poisson_arrivals(requests.cycled(math.ceil(rate * window_s)), rate, seed)
        result = simulate_serving(setup, steady, chips, warmup_s=window_s * WARMUP_SHARE, options=options)
        return _misses(result, ttft_ms, tpot_ms, percentile), result

    low = offline.requests_per_s * 0.01
    miss, best = attempt(low)
    if miss is not None:
        return RateCapacity(0.0, best, percentile, f"{miss} even at {low:.3g} requests/s")
    high = offline.requests_per_s
    for _ in range(12):
        miss, result = attempt(high)
        if miss is not None:
            break
        low, best, high = high, result, high * 2
    else:
        return RateCapacity(low, best, percentile)
    while high / low > 1 + tolerance:
        middle = math.sqrt(low * high)
        miss, result = attempt(middle)
        if miss is None:
            low, best = middle, result
        else:
            high = middle
    return RateCapacity(low, best, percentile)
