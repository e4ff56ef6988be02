"""Serving with continuous batching: a step-by-step simulation of a vLLM-style scheduler over a request set.

Each step decodes one token for every running sequence, fills the rest of the token budget with chunks of waiting
prompts (FIFO), admits new requests while sequences and KV cache allow, and preempts the newest sequence when the
cache overflows (recomputed later, as vLLM does). The step time is the roofline of :mod:`chipshift.perf.inference`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from chipshift.perf.inference import DoesNotFitError, step_estimate
from chipshift.perf.memory import memory_plan
from chipshift.perf.operators import ChipSetup, StepBatch

IntArray = npt.NDArray[np.int64]

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

    @property
    def count(self) -> int:
        """Number of requests."""
        return len(self.input_tokens)


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
    """Mean time to first token."""
    mean_tpot_ms: float
    """Mean time per output token after the first."""
    steps: int
    """Engine steps simulated (one attention group)."""
    preemptions: int
    """Sequences preempted for lack of KV cache."""
    peak_running: int
    """Most sequences running at once in one group."""


@dataclass
class _State:
    """Mutable bookkeeping of one simulated attention group."""

    in_len: IntArray
    out_len: IntArray
    prefilled: IntArray
    generated: IntArray
    first_token_s: npt.NDArray[np.float64]
    finish_s: npt.NDArray[np.float64]
    waiting: list[int]
    running: IntArray
    preemptions: int = 0
    peak_running: int = 0

    def kv_used(self) -> float:
        """Tokens held in the KV cache by running sequences."""
        return float(np.sum(self.prefilled[self.running] + self.generated[self.running]))


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


def _simulate_group(setup: ChipSetup, requests: RequestSet, kv_capacity: float) -> tuple[_State, int, float]:
    n = requests.count
    state = _State(
        in_len=requests.input_tokens.copy(),
        out_len=np.maximum(requests.output_tokens, 1).copy(),
        prefilled=np.zeros(n, dtype=np.int64),
        generated=np.zeros(n, dtype=np.int64),
        first_token_s=np.full(n, np.nan),
        finish_s=np.full(n, np.nan),
        waiting=list(range(n)),
        running=np.zeros(0, dtype=np.int64),
    )
    budget = setup.stack_eff.max_batched_tokens
    now, steps = 0.0, 0
    while state.waiting or len(state.running):
        _admit(state, setup, kv_capacity, budget)
        if not len(state.running):
            raise DoesNotFitError(f"a prompt of {int(state.in_len[state.waiting[0]])} tokens does not fit the KV cache")
        state.peak_running = max(state.peak_running, len(state.running))
        batch, decoding, prefilling, chunk = _plan_step(state, budget)
        repeat = _quiet_steps(state, decoding, prefilling, kv_capacity)
        if repeat > 1:
            mid = StepBatch(
                decode_seqs=batch.decode_seqs, decode_ctx=batch.decode_ctx + len(decoding) * (repeat - 1) / 2
            )
            now += float(step_estimate(setup, mid).step_s) * setup.layout.pp * (repeat - 1)
            state.generated[decoding] += repeat - 1
            steps += repeat - 1
        now += (
            float(step_estimate(setup, batch if repeat == 1 else _shifted(batch, len(decoding) * (repeat - 1))).step_s)
            * setup.layout.pp
        )
        steps += 1
        _advance(state, now, decoding, prefilling, chunk)
        _preempt(state, kv_capacity)
    return state, steps, now


def _shifted(batch: StepBatch, extra_ctx: float) -> StepBatch:
    return StepBatch(decode_seqs=batch.decode_seqs, decode_ctx=batch.decode_ctx + extra_ctx)


def _quiet_steps(state: _State, decoding: IntArray, prefilling: IntArray, kv_capacity: float) -> int:
    """Decode-only steps that can run before anything changes (a sequence finishes or the cache fills)."""
    if len(prefilling) or not len(decoding):
        return 1
    to_finish = int(np.min(state.out_len[decoding] - state.generated[decoding]))
    kv_used = float(np.sum(state.prefilled[decoding] + state.generated[decoding]))
    room = int((kv_capacity - kv_used) // len(decoding))
    return max(1, min(to_finish, room))


def simulate_serving(setup: ChipSetup, requests: RequestSet, chips: int) -> ServingResult:
    """Serve ``requests`` on ``chips`` chips, split evenly over attention groups, sent all at once."""
    group_chips = setup.layout.tp * setup.layout.pp
    groups = max(1, chips // group_chips)
    mem = memory_plan(setup)
    if not mem.fits:
        raise DoesNotFitError(f"{setup.model.id} does not fit {setup.layout.describe()}: {mem.missing_gb:.1f} GB short")
    share = RequestSet(requests.name, requests.input_tokens[::groups], requests.output_tokens[::groups])
    state, steps, makespan = _simulate_group(setup, share, mem.kv_tokens_per_group)
    scale = requests.count / share.count
    out_tokens = float(requests.output_tokens.sum())
    total = float(requests.input_tokens.sum()) + out_tokens
    ttft = float(np.nanmean(state.first_token_s)) * 1000
    decode_s = state.finish_s - state.first_token_s
    tpot = float(np.nanmean(decode_s / np.maximum(share.output_tokens - 1, 1))) * 1000
    del scale
    return ServingResult(
        chips=chips,
        requests=requests.count,
        makespan_s=makespan,
        total_tokens_per_s=total / makespan,
        output_tokens_per_s=out_tokens / makespan,
        output_tokens_per_s_per_chip=out_tokens / makespan / chips,
        mean_ttft_ms=ttft,
        mean_tpot_ms=tpot,
        steps=steps,
        preemptions=state.preemptions,
        peak_running=state.peak_running,
    )
