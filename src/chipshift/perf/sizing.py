"""Sizing: how many chips (and servers) of each candidate serve a demand, or train N tokens in D days.

A serving demand with mean lengths is sized analytically (:func:`chipshift.perf.capacity.serving_capacity`: the best
decode batch under the TPOT target, prefill time added). A demand with a length distribution (ShareGPT-like, fixed
or a file of lengths) is sized by simulation: the highest Poisson request rate one replica serves with a percentile
of TTFT and TPOT within the targets (:func:`chipshift.perf.serving.max_request_rate`), then as many replicas as the
demand needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.capacity import CapacityResult, serving_capacity
from chipshift.perf.estimate import replica_setup
from chipshift.perf.hardware import Hardware, MissingFigureError, hardware_view
from chipshift.perf.inference import DoesNotFitError
from chipshift.perf.models import load_model
from chipshift.perf.serving import RateCapacity, RequestSet, check_percentile, max_request_rate
from chipshift.perf.training import Recompute, TrainingResult
from chipshift.perf.training_search import best_training_layout


@dataclass(frozen=True)
class ServingDemand:
    """What a deployment must sustain."""

    requests_per_s: float | None = None
    """Requests per second (or give ``output_tokens_per_s``)."""
    output_tokens_per_s: float | None = None
    """Output tokens per second."""
    input_tokens: int = 1024
    """Mean prompt length."""
    output_tokens: int = 256
    """Mean output length."""
    ttft_ms: float | None = None
    """Time-to-first-token target."""
    tpot_ms: float | None = None
    """Time-per-output-token target."""
    lengths: RequestSet | None = None
    """Distribution of request lengths; when given, sizing simulates serving and the means above are unused."""
    percentile: float = 90
    """Percentile of TTFT and TPOT the targets apply to, with ``lengths`` (0: the mean)."""

    def __post_init__(self) -> None:
        check_percentile(self.percentile)

    def mean_output_tokens(self) -> float:
        """Mean output length: of the distribution when there is one."""
        return float(self.lengths.output_tokens.mean()) if self.lengths is not None else float(self.output_tokens)

    def output_rate(self) -> float:
        """Output tokens per second the demand amounts to."""
        if self.output_tokens_per_s is not None:
            return self.output_tokens_per_s
        if self.requests_per_s is not None:
            return self.requests_per_s * self.mean_output_tokens()
        raise ChipshiftError("a serving demand needs requests_per_s or output_tokens_per_s")

    def request_rate(self) -> float:
        """Requests per second the demand amounts to."""
        return self.output_rate() / self.mean_output_tokens()


@dataclass(frozen=True)
class SizingRow:
    """One candidate chip's answer."""

    chip: str
    fits: bool
    chips: int | None
    """Chips needed (whole replicas)."""
    servers: int | None
    """Servers of the chip's usual size (scale-up domain or 8), rounded up."""
    chips_per_replica: int
    tokens_per_s_per_chip: float
    power_kw: float | None
    """Chip power of the whole deployment."""
    cost_usd: float | None
    """Chip cost where the catalog has a USD price."""
    reason: str | None = None
    capacity: CapacityResult | None = None
    """The analytic capacity (mean lengths)."""
    serving: RateCapacity | None = None
    """The simulated capacity of one replica (length distribution)."""


def _servers(chips: int, domain: int) -> int:
    per_server = domain if 1 < domain <= 16 else 8
    return math.ceil(chips / per_server)


def size_deployment(
    model: str,
    chips: list[str],
    demand: ServingDemand,
    *,
    precision: str = "bf16",
    stack: str | None = None,
    catalog: Catalog | None = None,
) -> list[SizingRow]:
    """Chips and servers of every candidate that serve ``demand`` within its latency targets."""
    cat = catalog or load_catalog()
    if demand.lengths is not None:
        return [_simulated_row(model, chip, demand, precision, stack, cat) for chip in chips]
    rows = []
    for chip in chips:
        cap = serving_capacity(
            model,
            chip,
            precision=precision,
            input_tokens=demand.input_tokens,
            output_tokens=demand.output_tokens,
            ttft_ms=demand.ttft_ms,
            tpot_ms=demand.tpot_ms,
            stack=stack,
            catalog=cat,
        )
        if not cap.fits:
            rows.append(SizingRow(cap.chip, False, None, None, cap.chips_per_replica, 0.0, None, None, cap.reason, cap))
            continue
        hw = hardware_view(chip, catalog=cat)
        replicas = math.ceil(demand.output_rate() / cap.tokens_per_s_per_chip / cap.chips_per_replica)
        rows.append(_fitting_row(hw, replicas, cap.chips_per_replica, cap.tokens_per_s_per_chip, capacity=cap))
    return rows


def _simulated_row(
    model: str, chip: str, demand: ServingDemand, precision: str, stack: str | None, catalog: Catalog
) -> SizingRow:
    """One candidate sized by simulating its replica under Poisson arrivals of the demand's lengths."""
    assert demand.lengths is not None
    lengths = demand.lengths
    try:
        setup = replica_setup(
            model, chip, context_tokens=lengths.longest, precision=precision, stack=stack, catalog=catalog
        )
        found = max_request_rate(
            setup,
            lengths,
            setup.layout.chips,
            ttft_ms=demand.ttft_ms,
            tpot_ms=demand.tpot_ms,
            percentile=demand.percentile,
        )
    except (MissingFigureError, DoesNotFitError) as error:
        return SizingRow(chip, False, None, None, 0, 0.0, None, None, error.message)
    hw, per_replica = setup.hw, setup.layout.chips
    if found.requests_per_s <= 0:
        return SizingRow(hw.chip_id, False, None, None, per_replica, 0.0, None, None, found.reason, serving=found)
    replicas = math.ceil(demand.request_rate() / found.requests_per_s)
    per_chip = found.requests_per_s * demand.mean_output_tokens() / per_replica
    return _fitting_row(hw, replicas, per_replica, per_chip, serving=found)


def _fitting_row(
    hw: Hardware,
    replicas: int,
    per_replica: int,
    per_chip: float,
    *,
    capacity: CapacityResult | None = None,
    serving: RateCapacity | None = None,
) -> SizingRow:
    """The row of a candidate that serves the demand with ``replicas`` replicas of ``per_replica`` chips."""
    n = replicas * per_replica
    return SizingRow(
        hw.chip_id,
        True,
        n,
        _servers(n, hw.scale_up_domain),
        per_replica,
        per_chip,
        n * hw.tdp_w / 1000 if hw.tdp_w else None,
        n * hw.price_usd if hw.price_usd else None,
        capacity=capacity,
        serving=serving,
    )


@dataclass(frozen=True)
class TrainingSizing:
    """Chips of one candidate to train ``tokens`` in ``days``."""

    chip: str
    chips: int
    days: float
    result: TrainingResult


def training_throughput(
    model: str,
    chip: str,
    *,
    seq_len: int,
    precision: str = "bf16",
    chips: int = 1024,
    stack: str | None = None,
    global_batch_tokens: int | None = None,
    recompute: Recompute = Recompute.SELECTIVE,
    zero_stage: int = 1,
    fixed: dict[str, int] | None = None,
    catalog: Catalog | None = None,
) -> TrainingResult:
    """Best training layout on ``chips`` chips (``fixed`` pins degrees): tokens/s per chip, MFU, step, memory."""
    arch = load_model(model)
    hw = hardware_view(chip, catalog=catalog)
    return best_training_layout(
        arch,
        hw,
        chips=chips,
        seq_len=seq_len,
        fixed=fixed,
        precision=precision,
        stack=stack,
        global_batch_tokens=global_batch_tokens,
        recompute=recompute,
        zero_stage=zero_stage,
    )


def size_training(
    model: str,
    chip: str,
    *,
    tokens: float,
    days: float,
    seq_len: int,
    precision: str = "bf16",
    stack: str | None = None,
    catalog: Catalog | None = None,
) -> TrainingSizing:
    """Smallest chip count (a multiple of 8) that trains ``tokens`` within ``days``.

    Grows the count until the run fits in time, then bisects between the last count that was too slow and the
    first that was fast enough (step time is close to monotone in the count, so this is the smallest or very near).
    """

    def attempt(n: int) -> tuple[float, TrainingResult] | None:
        try:
            result = training_throughput(
                model, chip, seq_len=seq_len, precision=precision, chips=n, stack=stack, catalog=catalog
            )
        except ChipshiftError:
            return None
        return result.days_for(tokens, n), result

    slow, n = 0, 8
    found = None
    while n <= 2**20:
        found = attempt(n)
        if found is not None and found[0] <= days:
            break
        slow = n
        n = n * 2 if found is None else max(n * 2, 8 * math.ceil(n * found[0] / days / 8))
        found = None
    if found is not None:
        low, high = slow // 8, n // 8
        while high - low > 1:
            middle = (low + high) // 2
            tried = attempt(middle * 8)
            if tried is not None and tried[0] <= days:
                high, found = middle, tried
            else:
                low = middle
        return TrainingSizing(chip, high * 8, found[0], found[1])
    raise ChipshiftError(f"{model} cannot train {tokens:.3g} tokens in {days} days on up to 2^20 x {chip}")
