"""Serving with continuous batching: a step-by-step simulation of a vLLM-style scheduler over a request set.

Each step decodes one token for every running sequence, fills the rest of the token budget with chunks of waiting
prompts (FIFO), admits new requests while sequences and KV cache allow, and preempts the newest sequence when the
cache overflows (recomputed later, as vLLM does). The step time is the roofline of :mod:`chipshift.perf.inference`.

Requests either arrive all at once (vLLM's offline throughput benchmark) or at the times of a
:class:`RequestSet` made by :func:`with_poisson_arrivals` (``benchmark_serving --request-rate``); then TTFT counts
from each request's arrival and :func:`max_request_rate` finds the highest rate at which a percentile of TTFT and
TPOT stays within targets. Request lengths come from :func:`sharegpt_like`, :func:`fixed_lengths` or a file
(:func:`chipshift.perf.lengths.load_lengths`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from chipshift.errors import ChipshiftError
from chipshift.perf.inference import DoesNotFitError, step_estimate
from chipshift.perf.memory import memory_plan
from chipshift.perf.operators import ChipSetup, StepBatch

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

SHAREGPT_MEAN_INPUT = 217
"""Mean prompt tokens of vLLM's ShareGPT benchmark sample (1,000 prompts)."""
SHAREGPT_MEAN_OUTPUT = 201
"""Mean output tokens of the same sample."""
SHAREGPT_SIGMA = 1.0
"""Log-normal spread of ShareGPT prompt and output lengths (long tail up to the benchmark's 1,024/2,048 caps)."""


@dataclass(frozen=True)
class RequestSet:
    """Prompt and output lengths of the requests a benchmark client sends at once."""

    name: str
    """``sharegpt`` or ``random``."""
    input_tokens: IntArray
    """Prompt length of each request."""
    output_tokens: IntArray
    """Output length of each request."""
    arrival_s: FloatArray | None = None
    """Arrival time of each request, non-decreasing; None: all arrive at time 0."""
    rate: float | None = None
    """Nominal arrival rate in requests per second, when the arrivals are a Poisson stream."""

    @property
    def count(self) -> int:
        """Number of requests."""
        return len(self.input_tokens)

    @property
    def longest(self) -> int:
        """Tokens of the longest request, prompt plus output."""
        return int((self.input_tokens + self.output_tokens).max())

    def every(self, step: int) -> RequestSet:
        """Every ``step``-th request (the share of one of ``step`` attention groups)."""
        arrivals = None if self.arrival_s is None else self.arrival_s[::step]
        return RequestSet(self.name, self.input_tokens[::step], self.output_tokens[::step], arrivals, self.rate)

    def cycled(self, count: int) -> RequestSet:
        """At least ``count`` requests (at most :data:`MAX_SIMULATED_REQUESTS`), repeating these lengths in order."""
        n = max(self.count, min(count, MAX_SIMULATED_REQUESTS))
        return RequestSet(self.name, np.resize(self.input_tokens, n), np.resize(self.output_tokens, n))

    def describe(self) -> str:
        """Count and mean lengths, for tables."""
        return (
            f"{self.count:,} {self.name} requests, mean {self.input_tokens.mean():,.0f} in / "
            f"{self.output_tokens.mean():,.0f} out"
        )


def _lognormal_lengths(n: int, mean: float, cap: int, rng: np.random.Generator) -> IntArray:
    quantiles = (np.arange(n) + 0.5) / n
    raw = np.exp(SHAREGPT_SIGMA * ndtri(quantiles))
    lengths = np.clip(raw * mean / raw.mean(), 4, cap)
    for _ in range(30):
        raw = raw * mean / lengths.mean()
        lengths = np.clip(raw, 4, cap)
    return rng.permutation(np.round(lengths).astype(np.int64))


def sharegpt_like(count: int = 1000, seed: int = 0) -> RequestSet:
    """Deterministic lengths with ShareGPT's means and long tail (prompts ≤ 1,024, prompt + output ≤ 2,048)."""
    rng = np.random.default_rng(seed)
    inputs = _lognormal_lengths(count, SHAREGPT_MEAN_INPUT, 1024, rng)
    outputs = _lognormal_lengths(count, SHAREGPT_MEAN_OUTPUT, 2048 - 4, rng)
    return RequestSet("sharegpt", inputs, np.minimum(outputs, 2048 - inputs))


def fixed_lengths(count: int, input_tokens: int, output_tokens: int) -> RequestSet:
    """Every request with the same prompt and output length (vLLM's ``random`` dataset without range)."""
    return RequestSet(
        "random", np.full(count, input_tokens, dtype=np.int64), np.full(count, output_tokens, dtype=np.int64)
    )


def with_poisson_arrivals(requests: RequestSet, rate: float, seed: int = 0) -> RequestSet:
    """The same requests arriving as a Poisson process of ``rate`` requests per second (deterministic per seed)."""
    if rate <= 0:
        raise ChipshiftError(f"a request rate must be positive, not {rate}")
    gaps = np.random.default_rng(seed).exponential(1.0, requests.count)
    return RequestSet(requests.name, requests.input_tokens, requests.output_tokens, np.cumsum(gaps) / rate, rate)


@dataclass(frozen=True)
class Latency:
    """Mean and percentiles of one latency over the requests, in milliseconds."""

    mean: float
    p50: float
    p90: float
    p99: float

    @classmethod
    def of(cls, values_ms: FloatArray) -> Latency:
        """Summary of the finite values (requests with a single output token have no TPOT)."""
        finite = values_ms[np.isfinite(values_ms)]
        if not len(finite):
            return cls(math.nan, math.nan, math.nan, math.nan)
        p50, p90, p99 = np.percentile(finite, [50, 90, 99])
        return cls(float(finite.mean()), float(p50), float(p90), float(p99))

    def at(self, percentile: float) -> float:
        """The value at ``percentile`` (50, 90 or 99), or the mean for 0."""
        return {0: self.mean, 50: self.p50, 90: self.p90, 99: self.p99}[int(percentile)]


SLO_PERCENTILES = (0, 50, 90, 99)
"""Percentiles latency targets can apply to (0: the mean)."""


def check_percentile(percentile: float) -> None:
    """Refuse a percentile the latency summaries do not hold."""
    if percentile not in SLO_PERCENTILES:
        raise ChipshiftError(
            f"latency percentile must be one of {', '.join(map(str, SLO_PERCENTILES))} (0 = mean), not {percentile:g}"
        )


@dataclass(frozen=True)
class ServingResult:
    """Outcome of serving a request set on a number of chips."""

    chips: int
    """Chips of the whole setup."""
    requests: int
    """Requests served."""
    makespan_s: float
    """Time from the first request to the last token."""
    total_tokens_per_s: float
    """(Input + output) tokens per second, whole setup."""
    output_tokens_per_s: float
    """Output tokens per second, whole setup."""
    output_tokens_per_s_per_chip: float
    """Output tokens per second per chip."""
    mean_ttft_ms: float
    """Mean time to first token (from the request's arrival)."""
    mean_tpot_ms: float
    """Mean time per output token after the first."""
    steps: int
    """Engine steps simulated (one attention group)."""
    preemptions: int
    """Sequences preempted for lack of KV cache."""
    peak_running: int
    """Most sequences running at once in one group."""
    ttft: Latency
    """Time to first token over the requests of one group."""
    tpot: Latency
    """Time per output token over the requests of one group."""
    request_rate: float | None = None
    """Arrival rate in requests per second, whole setup: the Poisson rate, or a trace's mean (None: all at once)."""

    @property
    def requests_per_s(self) -> float:
        """Requests completed per second over the makespan."""
        return self.requests / self.makespan_s


@dataclass
class _State:
    """Mutable bookkeeping of one simulated attention group."""

    in_len: IntArray
    out_len: IntArray
    prefilled: IntArray
    generated: IntArray
    first_token_s: FloatArray
    finish_s: FloatArray
    arrival_s: FloatArray
    waiting: list[int]
    running: IntArray
    arrived: int = 0
    """Requests (in arrival order) already moved to the waiting queue."""
    preemptions: int = 0
    peak_running: int = 0

    def kv_used(self) -> float:
        """Tokens held in the KV cache by running sequences."""
        return float(np.sum(self.prefilled[self.running] + self.generated[self.running]))

    def release(self, now: float) -> None:
        """Queue every request that has arrived by ``now``."""
        count = int(np.searchsorted(self.arrival_s, now, side="right"))
        if count > self.arrived:
            self.waiting.extend(range(self.arrived, count))
            self.arrived = count

    def next_arrival(self) -> float:
        """Arrival time of the next request not yet queued (inf when all have arrived)."""
        return float(self.arrival_s[self.arrived]) if self.arrived < len(self.arrival_s) else math.inf


def _admit(state: _State, setup: ChipSetup, kv_capacity: float, budget: int) -> None:
    """Admit waiting requests in order while sequences, KV cache and the step's token budget allow."""
    room = setup.stack_eff.max_num_seqs - len(state.running)
    if room <= 0 or not state.waiting:
        return
    run = state.running
    pending = float(np.sum(np.maximum(state.in_len[run] - state.prefilled[run], 0)))
    candidates = np.array(state.waiting[:room], dtype=np.int64)
    prompt = state.in_len[candidates]
    total = np.cumsum(prompt)
    ok = (state.kv_used() + total <= kv_capacity) & (pending + total - prompt < budget)
    count = int(np.argmin(ok)) if not ok.all() else len(ok)
    if count:
        state.running = np.concatenate((run, candidates[:count]))
        state.waiting = state.waiting[count:]


def _plan_step(state: _State, budget: int) -> tuple[StepBatch, IntArray, IntArray, IntArray]:
    """The step's decodes and prefill chunks (FIFO within the token budget)."""
    run = state.running
    done = state.prefilled[run] >= state.in_len[run]
    decoding = run[done]
    prefilling = run[~done]
    left = max(0, budget - len(decoding))
    remaining = state.in_len[prefilling] - state.prefilled[prefilling]
    before = np.cumsum(remaining) - remaining
    chunk = np.clip(left - before, 0, remaining)
    start = state.prefilled[prefilling]
    batch = StepBatch(
        prefill_tokens=float(chunk.sum()),
        prefill_pairs=float(np.sum(chunk * (start + (chunk + 1) / 2))),
        prefill_seqs=float(np.sum((chunk > 0) & (chunk == remaining))),
        decode_seqs=float(len(decoding)),
        decode_ctx=float(np.sum(state.in_len[decoding] + state.generated[decoding])),
    )
    return batch, decoding, prefilling, chunk


def _advance(state: _State, now: float, decoding: IntArray, prefilling: IntArray, chunk: IntArray) -> None:
    """Apply a finished step: new tokens, first tokens, finished requests."""
    state.generated[decoding] += 1
    state.prefilled[prefilling] += chunk
    finished_prefill = prefilling[(chunk > 0) & (state.prefilled[prefilling] >= state.in_len[prefilling])]
    state.generated[finished_prefill] += 1
    fresh = finished_prefill[np.isnan(state.first_token_s[finished_prefill])]
    state.first_token_s[fresh] = now
    run = state.running
    finished = state.generated[run] >= state.out_len[run]
    state.finish_s[run[finished]] = now
    state.running = run[~finished]


def _preempt(state: _State, kv_capacity: float) -> None:
    """Preempt the newest sequences while the cache overflows; they are recomputed later (vLLM's default)."""
    overflow = state.kv_used() - kv_capacity
    while overflow > 0 and len(state.running) > 1:
        victim = int(state.running[-1])
        state.running = state.running[:-1]
        overflow -= float(state.prefilled[victim] + state.generated[victim])
        state.in_len[victim] += state.generated[victim]
        state.out_len[victim] -= state.generated[victim]
        state.generated[victim] = 0
        state.prefilled[victim] = 0
        state.waiting.insert(0, victim)
        state.preemptions += 1


def _new_state(requests: RequestSet) -> _State:
    n = requests.count
    arrivals = np.zeros(n) if requests.arrival_s is None else requests.arrival_s.astype(np.float64)
    return _State(
        in_len=requests.input_tokens.copy(),
        out_len=np.maximum(requests.output_tokens, 1).copy(),
        prefilled=np.zeros(n, dtype=np.int64),
        generated=np.zeros(n, dtype=np.int64),
        first_token_s=np.full(n, np.nan),
        finish_s=np.full(n, np.nan),
        arrival_s=arrivals,
        waiting=[],
        running=np.zeros(0, dtype=np.int64),
    )


def _step_s(setup: ChipSetup, batch: StepBatch) -> float:
    return float(step_estimate(setup, batch).step_s) * setup.layout.pp


def _simulate_group(setup: ChipSetup, requests: RequestSet, kv_capacity: float) -> tuple[_State, int, float]:
    state = _new_state(requests)
    budget = setup.stack_eff.max_batched_tokens
    now, steps = 0.0, 0
    while state.arrived < requests.count or state.waiting or len(state.running):
        state.release(now)
        if not state.waiting and not len(state.running):
            now = state.next_arrival()
            continue
        _admit(state, setup, kv_capacity, budget)
        if not len(state.running):
            raise DoesNotFitError(f"a prompt of {int(state.in_len[state.waiting[0]])} tokens does not fit the KV cache")
        state.peak_running = max(state.peak_running, len(state.running))
        batch, decoding, prefilling, chunk = _plan_step(state, budget)
        step_s = _step_s(setup, batch)
        repeat = _quiet_steps(state, decoding, prefilling, kv_capacity, (state.next_arrival() - now) / step_s)
        if repeat > 1:
            mid = _shifted(batch, len(decoding) * (repeat - 1) / 2)
            now += _step_s(setup, mid) * (repeat - 1)
            state.generated[decoding] += repeat - 1
            steps += repeat - 1
            step_s = _step_s(setup, _shifted(batch, len(decoding) * (repeat - 1)))
        now += step_s
        steps += 1
        _advance(state, now, decoding, prefilling, chunk)
        _preempt(state, kv_capacity)
    return state, steps, now


def _shifted(batch: StepBatch, extra_ctx: float) -> StepBatch:
    return StepBatch(decode_seqs=batch.decode_seqs, decode_ctx=batch.decode_ctx + extra_ctx)


def _quiet_steps(
    state: _State, decoding: IntArray, prefilling: IntArray, kv_capacity: float, steps_to_arrival: float
) -> int:
    """Decode-only steps that can run before anything changes (a sequence finishes, the cache fills, one arrives)."""
    if len(prefilling) or not len(decoding):
        return 1
    to_finish = int(np.min(state.out_len[decoding] - state.generated[decoding]))
    kv_used = float(np.sum(state.prefilled[decoding] + state.generated[decoding]))
    room = int((kv_capacity - kv_used) // len(decoding))
    limit = min(to_finish, room)
    if not state.waiting and steps_to_arrival < limit:
        limit = math.ceil(steps_to_arrival)
    return max(1, limit)


def simulate_serving(setup: ChipSetup, requests: RequestSet, chips: int, *, warmup_s: float = 0.0) -> ServingResult:
    """Serve ``requests`` on ``chips`` chips, split evenly over attention groups, at their arrival times.

    Latency percentiles count the requests that arrive after ``warmup_s`` (an empty system serves the first ones
    faster than a loaded one would).
    """
    group_chips = setup.layout.tp * setup.layout.pp
    groups = max(1, chips // group_chips)
    mem = memory_plan(setup)
    if not mem.fits:
        raise DoesNotFitError(f"{setup.model.id} does not fit {setup.layout.describe()}: {mem.missing_gb:.1f} GB short")
    share = requests.every(groups)
    state, steps, finished_at = _simulate_group(setup, share, mem.kv_tokens_per_group)
    makespan = finished_at - float(state.arrival_s.min())
    out_tokens = float(requests.output_tokens.sum())
    total = float(requests.input_tokens.sum()) + out_tokens
    ttft = (state.first_token_s - state.arrival_s) * 1000
    per_token = (state.finish_s - state.first_token_s) / np.maximum(share.output_tokens - 1, 1)
    tpot = np.where(share.output_tokens > 1, per_token, np.nan)
    measured = state.arrival_s >= warmup_s
    rate = requests.rate
    if rate is None and requests.arrival_s is not None and requests.arrival_s[-1] > requests.arrival_s[0]:
        rate = (requests.count - 1) / float(requests.arrival_s[-1] - requests.arrival_s[0])
    return ServingResult(
        chips=chips,
        requests=requests.count,
        makespan_s=makespan,
        total_tokens_per_s=total / makespan,
        output_tokens_per_s=out_tokens / makespan,
        output_tokens_per_s_per_chip=out_tokens / makespan / chips,
        mean_ttft_ms=float(np.nanmean(ttft)),
        mean_tpot_ms=float(np.nanmean(per_token)) * 1000,
        steps=steps,
        preemptions=state.preemptions,
        peak_running=state.peak_running,
        ttft=Latency.of(ttft[measured]),
        tpot=Latency.of(tpot[measured] * 1000),
        request_rate=rate,
    )


STEADY_WINDOW_S = 60.0
"""Seconds of arrivals simulated per rate when searching the highest rate (several lifetimes of a request)."""
WARMUP_SHARE = 0.2
"""Share of that window whose requests are left out of the latency percentiles."""
MAX_SIMULATED_REQUESTS = 20_000
"""Most requests simulated per rate (bounds the search's time at very high rates)."""


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
) -> RateCapacity:
    """Highest Poisson arrival rate at which the ``percentile`` of TTFT and TPOT meets the targets.

    Each rate is simulated over at least ``window_s`` seconds of arrivals (the lengths cycled, at most
    :data:`MAX_SIMULATED_REQUESTS`), and latencies count the requests after the first :data:`WARMUP_SHARE` of it,
    so that the cache and the batch reach the occupancy the rate brings. The search starts from the throughput
    with every request sent at once, doubles the rate while the targets hold (a backlog makes TTFT grow once the
    rate passes what the setup sustains), then bisects (geometric, to ``tolerance``) with the same seed, so the
    search is deterministic. With no targets the answer is the all-at-once throughput. A trace's own arrival
    times are replaced by the Poisson stream.
    """
    check_percentile(percentile)
    offline = simulate_serving(setup, requests, chips)
    if ttft_ms is None and tpot_ms is None:
        return RateCapacity(offline.requests_per_s, offline, percentile)

    def attempt(rate: float) -> tuple[str | None, ServingResult]:
        steady = with_poisson_arrivals(requests.cycled(math.ceil(rate * window_s)), rate, seed)
        result = simulate_serving(setup, steady, chips, warmup_s=window_s * WARMUP_SHARE)
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
