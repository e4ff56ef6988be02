"""Serving with continuous batching: a step-by-step simulation of a vLLM-style scheduler over a request set.

Each step decodes one token for every running sequence (1 + acceptance x draft tokens with speculative decoding),
fills the rest of the token budget with chunks of waiting prompts (FIFO), admits new requests while sequences and KV
cache allow, and preempts the newest sequence when the cache overflows (recomputed later, as vLLM does). The step
time is the roofline of :mod:`chipshift.perf.inference`.

Requests arrive all at once or at their times (:mod:`chipshift.perf.requests`); a benchmark client's concurrency
cap (``--max-concurrency``) holds a request back until one in flight finishes, and its TTFT counts from when it is
sent. With prefix caching, a share of each prompt is found in the cache: only the rest is prefilled, attending to
the whole prompt. :func:`chipshift.perf.rate.max_request_rate` finds the highest Poisson rate within targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chipshift.errors import ChipshiftError
from chipshift.perf.inference import DoesNotFitError, step_estimate
from chipshift.perf.memory import memory_plan
from chipshift.perf.operators import ChipSetup, StepBatch
from chipshift.perf.requests import (
    SHAREGPT_MEAN_INPUT,
    SHAREGPT_MEAN_OUTPUT,
    RequestSet,
    fixed_lengths,
    sharegpt_like,
    with_poisson_arrivals,
)
from chipshift.perf.speculative import Speculative

__all__ = [
    "SHAREGPT_MEAN_INPUT",
    "SHAREGPT_MEAN_OUTPUT",
    "Latency",
    "RequestSet",
    "ServingOptions",
    "ServingResult",
    "check_percentile",
    "fixed_lengths",
    "sharegpt_like",
    "simulate_serving",
    "with_poisson_arrivals",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ServingOptions:
    """How the requests are served beyond the replica's spec: client concurrency, speculative decoding, prefix
    caching."""

    max_concurrency: int | None = None
    """Requests in flight at most, whole setup (a benchmark client's ``--max-concurrency``); None: no cap."""
    speculative: Speculative | None = None
    """Speculative decoding (None: off)."""
    prefix_hit_rate: float = 0.0
    """Share of each prompt found in the prefix cache (0: no prefix caching)."""

    def __post_init__(self) -> None:
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise ChipshiftError(f"a concurrency cap must be at least 1, not {self.max_concurrency}")
        if not (math.isfinite(self.prefix_hit_rate) and 0.0 <= self.prefix_hit_rate < 1.0):
            raise ChipshiftError(
                f"a prefix-cache hit rate must be at least 0 and below 1, not {self.prefix_hit_rate:g}"
            )

    @property
    def tokens_per_step(self) -> float:
        """Tokens a decoding sequence advances per step."""
        return 1.0 if self.speculative is None else self.speculative.accepted_per_step

    @property
    def draft_tokens(self) -> int:
        """Speculative tokens verified per decoding sequence per step."""
        return 0 if self.speculative is None else self.speculative.tokens


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
    cached: IntArray
    """Prompt tokens found in the prefix cache (never prefilled)."""
    prefilled: IntArray
    generated: FloatArray
    """Output tokens so far (fractional: speculative decoding advances by the expected accepted tokens)."""
    first_token_s: FloatArray
    finish_s: FloatArray
    arrival_s: FloatArray
    """When each request was sent: its arrival, or later when the client's concurrency cap held it back."""
    waiting: list[int]
    running: IntArray
    cap: float
    """Requests in flight at most (waiting or running; inf: no cap)."""
    arrived: int = 0
    """Requests (in arrival order) already moved to the waiting queue."""
    preemptions: int = 0
    peak_running: int = 0

    def kv_used(self) -> float:
        """Tokens held in the KV cache by running sequences."""
        return float(np.sum(self.prefilled[self.running] + self.generated[self.running]))

    def in_flight(self) -> int:
        """Requests sent and not finished."""
        return len(self.waiting) + len(self.running)

    def release(self, now: float) -> None:
        """Queue every request that has arrived by ``now``, as far as the concurrency cap allows (a request held
        back is sent, and its TTFT starts, when a slot frees)."""
        count = int(np.searchsorted(self.arrival_s, now, side="right"))
        room = self.cap - self.in_flight()
        if room < count - self.arrived:
            count = self.arrived + int(max(0.0, room))
        if count > self.arrived:
            fresh = np.arange(self.arrived, count)
            self.arrival_s[fresh] = np.maximum(self.arrival_s[fresh], now)
            self.waiting.extend(fresh.tolist())
            self.arrived = count

    def next_arrival(self) -> float:
        """When the next request not yet queued can be sent (inf when none is left or the cap is reached)."""
        if self.arrived >= len(self.arrival_s) or self.in_flight() >= self.cap:
            return math.inf
        return float(self.arrival_s[self.arrived])


def _admit(state: _State, setup: ChipSetup, kv_capacity: float, budget: int) -> None:
    """Admit waiting requests in order while sequences, KV cache and the step's token budget allow."""
    room = setup.stack_eff.max_num_seqs - len(state.running)
    if room <= 0 or not state.waiting:
        return
    run = state.running
    pending = float(np.sum(np.maximum(state.in_len[run] - state.prefilled[run], 0)))
    candidates = np.array(state.waiting[:room], dtype=np.int64)
    prompt = state.in_len[candidates]
    new = prompt - state.prefilled[candidates]
    total = np.cumsum(prompt)
    ok = (state.kv_used() + total <= kv_capacity) & (pending + np.cumsum(new) - new < budget)
    count = int(np.argmin(ok)) if not ok.all() else len(ok)
    if count:
        state.running = np.concatenate((run, candidates[:count]))
        state.waiting = state.waiting[count:]


def _plan_step(state: _State, budget: int, draft_tokens: int) -> tuple[StepBatch, IntArray, IntArray, IntArray]:
    """The step's decodes and prefill chunks (FIFO within the token budget)."""
    run = state.running
    done = state.prefilled[run] >= state.in_len[run]
    decoding = run[done]
    prefilling = run[~done]
    left = max(0, budget - len(decoding) * (1 + draft_tokens))
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
        draft_tokens=draft_tokens if len(decoding) else 0,
    )
    return batch, decoding, prefilling, chunk


def _advance(state: _State, now: float, step: tuple[IntArray, IntArray, IntArray], per_step: float) -> None:
    """Apply a finished step: new tokens, first tokens, finished requests."""
    decoding, prefilling, chunk = step
    state.generated[decoding] += per_step
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
        done = int(state.generated[victim])
        state.in_len[victim] += done
        state.out_len[victim] -= done
        state.generated[victim] = 0.0
        state.prefilled[victim] = state.cached[victim]
        state.waiting.insert(0, victim)
        state.preemptions += 1


def _new_state(requests: RequestSet, prefix_hit_rate: float, cap: float) -> _State:
    n = requests.count
    arrivals = np.zeros(n) if requests.arrival_s is None else requests.arrival_s.astype(np.float64)
    inputs = requests.input_tokens.copy()
    cached = np.minimum((inputs * prefix_hit_rate).astype(np.int64), inputs - 1)
    return _State(
        in_len=inputs,
        out_len=np.maximum(requests.output_tokens, 1).copy(),
        cached=cached,
        prefilled=cached.copy(),
        generated=np.zeros(n),
        first_token_s=np.full(n, np.nan),
        finish_s=np.full(n, np.nan),
        arrival_s=arrivals.copy(),
        waiting=[],
        running=np.zeros(0, dtype=np.int64),
        cap=cap,
    )


def _step_s(setup: ChipSetup, batch: StepBatch) -> float:
    return float(step_estimate(setup, batch).step_s) * setup.layout.pp


def _simulate_group(
    setup: ChipSetup, requests: RequestSet, kv_capacity: float, options: ServingOptions, cap: float
) -> tuple[_State, int, float]:
    state = _new_state(requests, options.prefix_hit_rate, cap)
    budget = setup.stack_eff.max_batched_tokens
    per_step, drafts = options.tokens_per_step, options.draft_tokens
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
        batch, decoding, prefilling, chunk = _plan_step(state, budget, drafts)
        step_s = _step_s(setup, batch)
        quiet = _quiet_steps(state, decoding, prefilling, kv_capacity, (state.next_arrival() - now) / step_s, per_step)
        if quiet > 1:
            extra = len(decoding) * per_step
            now += _step_s(setup, _shifted(batch, extra * (quiet - 1) / 2)) * (quiet - 1)
            state.generated[decoding] += (quiet - 1) * per_step
            steps += quiet - 1
            step_s = _step_s(setup, _shifted(batch, extra * (quiet - 1)))
        now += step_s
        steps += 1
        _advance(state, now, (decoding, prefilling, chunk), per_step)
        _preempt(state, kv_capacity)
    return state, steps, now


def _shifted(batch: StepBatch, extra_ctx: float) -> StepBatch:
    return StepBatch(
        decode_seqs=batch.decode_seqs, decode_ctx=batch.decode_ctx + extra_ctx, draft_tokens=batch.draft_tokens
    )


def _quiet_steps(
    state: _State,
    decoding: IntArray,
    prefilling: IntArray,
    kv_capacity: float,
    steps_to_arrival: float,
    per_step: float,
) -> int:
    """Decode-only steps that can run before anything changes (a sequence finishes, the cache fills, one arrives)."""
    if len(prefilling) or not len(decoding):
        return 1
    to_finish = math.ceil(float(np.min(state.out_len[decoding] - state.generated[decoding])) / per_step)
    kv_used = float(np.sum(state.prefilled[decoding] + state.generated[decoding]))
    room = int((kv_capacity - kv_used) // (len(decoding) * per_step))
    limit = min(to_finish, room)
    if not state.waiting and steps_to_arrival < limit:
        limit = math.ceil(steps_to_arrival)
    return max(1, limit)


def _groups(setup: ChipSetup, chips: int, cap: int | None) -> tuple[int, float]:
    """Attention groups that serve requests, and the concurrency cap of each (inf: none)."""
    groups = max(1, chips // (setup.layout.tp * setup.layout.pp))
    if cap is None:
        return groups, math.inf
    active = min(groups, cap)
    return active, max(1.0, round(cap / active))


def simulate_serving(
    setup: ChipSetup,
    requests: RequestSet,
    chips: int,
    *,
    warmup_s: float = 0.0,
    options: ServingOptions | None = None,
) -> ServingResult:
    """Serve ``requests`` on ``chips`` chips, split evenly over attention groups, at their arrival times.

    Latency percentiles count the requests that arrive after ``warmup_s`` (an empty system serves the first ones
    faster than a loaded one would).
    """
    opts = options or ServingOptions()
    groups, cap = _groups(setup, chips, opts.max_concurrency)
    mem = memory_plan(setup)
    if not mem.fits:
        raise DoesNotFitError(f"{setup.model.id} does not fit {setup.layout.describe()}: {mem.missing_gb:.1f} GB short")
    share = requests.every(groups)
    state, steps, finished_at = _simulate_group(setup, share, mem.kv_tokens_per_group, opts, cap)
    first = float(share.arrival_s.min()) if share.arrival_s is not None else 0.0
    return _result(requests, share, state, (steps, finished_at - first, chips), warmup_s)


def _result(
    requests: RequestSet, share: RequestSet, state: _State, run: tuple[int, float, int], warmup_s: float
) -> ServingResult:
    steps, makespan, chips = run
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
