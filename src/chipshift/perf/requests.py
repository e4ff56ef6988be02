"""Request sets a serving simulation steps through: lengths (ShareGPT-like, fixed, or from a file) and arrival times.

Requests either arrive all at once (vLLM's offline throughput benchmark) or as a Poisson stream
(:func:`with_poisson_arrivals`, ``benchmark_serving --request-rate``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from chipshift.errors import ChipshiftError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MAX_SIMULATED_REQUESTS = 20_000
"""Most requests a request set is cycled to (bounds the rate search's time at very high rates)."""

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
