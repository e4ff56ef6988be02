"""Sizing a serving deployment: how many chips (and servers or systems) of each candidate serve a demand.

Each candidate is a :class:`~chipshift.perf.spec.ReplicaSpec`; its layout is the layout search's best at the
demand's TTFT and TPOT targets (:func:`chipshift.perf.search.search_layouts`, the same answer as ``estimate`` and
:func:`chipshift.perf.serving_capacity`). A demand with mean lengths is sized analytically from that point. A demand
with a length distribution (ShareGPT-like, fixed or a file of lengths) is sized by simulating that layout: the
highest Poisson request rate one replica serves with a percentile of TTFT and TPOT within the targets
(:func:`chipshift.perf.serving.max_request_rate`), then as many replicas as the demand needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.capacity import CapacityResult, capacity_at
from chipshift.perf.hardware import Hardware, MissingFigureError
from chipshift.perf.layout import InferenceLayout
from chipshift.perf.rate import RateCapacity, max_request_rate
from chipshift.perf.search import ServingWorkload, search_layouts
from chipshift.perf.serving import RequestSet, check_percentile
from chipshift.perf.spec import ReplicaSpec
from chipshift.quantities import MAX_MAGNITUDE


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
        for name in ("requests_per_s", "output_tokens_per_s"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0 < value <= MAX_MAGNITUDE):
                raise ChipshiftError(f"a serving demand's {name} must be a positive finite number, not {value:g}")
        if self.requests_per_s is None and self.output_tokens_per_s is None:
            raise ChipshiftError("a serving demand needs requests_per_s or output_tokens_per_s")
        self.workload()  # checks lengths and targets

    def workload(self) -> ServingWorkload:
        """The requests and targets one replica is searched for (the distribution's means and longest request)."""
        if self.lengths is None:
            return ServingWorkload(self.input_tokens, self.output_tokens, self.ttft_ms, self.tpot_ms)
        inputs, outputs = self.lengths.input_tokens.mean(), self.lengths.output_tokens.mean()
        mean_in, mean_out = max(1, round(float(inputs))), max(1, round(float(outputs)))
        return ServingWorkload(mean_in, mean_out, self.ttft_ms, self.tpot_ms, self.lengths.longest)

    def mean_output_tokens(self) -> float:
        """Mean output length: of the distribution when there is one."""
        return float(self.lengths.output_tokens.mean()) if self.lengths is not None else float(self.output_tokens)

    def output_rate(self) -> float:
        """Output tokens per second the demand amounts to."""
        if self.output_tokens_per_s is not None:
            return self.output_tokens_per_s
        assert self.requests_per_s is not None
        return self.requests_per_s * self.mean_output_tokens()

    def request_rate(self) -> float:
        """Requests per second the demand amounts to."""
        return self.output_rate() / self.mean_output_tokens()


@dataclass(frozen=True)
class SizingRow:
    """One candidate's answer."""

    chip: str
    """Catalog chip id (or the name given, when it could not be resolved)."""
    system: str | None
    """Catalog system id, when the candidate is a system."""
    fits: bool
    """Whether the candidate serves the demand within the targets."""
    chips: int | None
    """Chips needed (whole replicas)."""
    servers: int | None
    """Systems of the candidate, or servers of the chip's usual size (scale-up domain or 8), rounded up."""
    chips_per_replica: int
    """Chips of one replica (0 when nothing fits)."""
    layout: str | None
    """The replica's layout."""
    tokens_per_s_per_chip: float
    """Output tokens per second per chip."""
    power_kw: float | None
    """Chip power of the whole deployment (of whole systems, for a system candidate)."""
    cost_usd: float | None
    """Chip cost where the catalog has a USD price (whole systems, for a system candidate)."""
    reason: str | None = None
    """Why the candidate does not serve the demand."""
    capacity: CapacityResult | None = None
    """The analytic capacity (mean lengths)."""
    serving: RateCapacity | None = None
    """The simulated capacity of one replica (length distribution)."""


def servers_for(chips: int, hw: Hardware) -> int:
    """Systems holding ``chips`` for a system candidate; otherwise servers of the domain size (or 8)."""
    per_server = hw.system_chips or (hw.scale_up_domain if 1 < hw.scale_up_domain <= 16 else 8)
    return math.ceil(chips / per_server)


def size_replica(spec: ReplicaSpec, demand: ServingDemand) -> SizingRow:
    """Chips of ``spec`` that serve ``demand`` within its latency targets, at the searched best layout."""
    found = search_layouts(spec, demand.workload())
    hw, point = spec.hardware, found.best
    if point is None:
        return SizingRow(hw.chip_id, hw.system_id, False, None, None, 0, None, 0.0, None, None, found.reason)
    if demand.lengths is not None:
        return _simulated_row(spec, point.layout, demand)
    capacity = capacity_at(spec, point, configurations=found.evaluated)
    replicas = math.ceil(demand.output_rate() / point.tokens_per_s_per_chip / point.chips_per_replica)
    return _fitting_row(spec, point.layout, replicas, point.tokens_per_s_per_chip, capacity=capacity)


def _simulated_row(spec: ReplicaSpec, layout: InferenceLayout, demand: ServingDemand) -> SizingRow:
    """One candidate sized by simulating its replica under Poisson arrivals of the demand's lengths."""
    assert demand.lengths is not None
    found = max_request_rate(
        spec.setup(layout),
        demand.lengths,
        layout.chips,
        ttft_ms=demand.ttft_ms,
        tpot_ms=demand.tpot_ms,
        percentile=demand.percentile,
    )
    hw, name = spec.hardware, layout.describe()
    if found.requests_per_s <= 0:
        return SizingRow(
            hw.chip_id,
            hw.system_id,
            False,
            None,
            None,
            layout.chips,
            name,
            0.0,
            None,
            None,
            found.reason,
            serving=found,
        )
    replicas = math.ceil(demand.request_rate() / found.requests_per_s)
    per_chip = found.requests_per_s * demand.mean_output_tokens() / layout.chips
    return _fitting_row(spec, layout, replicas, per_chip, serving=found)


def _fitting_row(
    spec: ReplicaSpec,
    layout: InferenceLayout,
    replicas: int,
    per_chip: float,
    *,
    capacity: CapacityResult | None = None,
    serving: RateCapacity | None = None,
) -> SizingRow:
    """The row of a candidate that serves the demand with ``replicas`` replicas of ``layout``.

    A system candidate is bought, powered and priced as whole systems; a chip as its chips.
    """
    hw = spec.hardware
    n = replicas * layout.chips
    servers = servers_for(n, hw)
    bought = servers * hw.system_chips if hw.system_chips else n
    return SizingRow(
        hw.chip_id,
        hw.system_id,
        True,
        n,
        servers,
        layout.chips,
        layout.describe(),
        per_chip,
        bought * hw.tdp_w / 1000 if hw.tdp_w else None,
        bought * hw.price_usd if hw.price_usd else None,
        capacity=capacity,
        serving=serving,
    )


def size_deployment(
    model: str,
    hardware: Sequence[str],
    demand: ServingDemand,
    *,
    precision: str = "bf16",
    kv_cache: str | None = None,
    stack: str | None = None,
    catalog: Catalog | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[SizingRow]:
    """One row per candidate chip or system (:func:`size_replica` on its :class:`ReplicaSpec`).

    A candidate the catalog lacks a figure for is a row with the reason, not an error; an unknown id is an error.
    ``progress`` hears ``(candidates done, candidates)`` after each one.
    """
    cat = catalog or load_catalog()
    rows = []
    for name in hardware:
        try:
            spec = ReplicaSpec.build(model, name, precision=precision, kv_cache=kv_cache, stack=stack, catalog=cat)
        except MissingFigureError as error:
            rows.append(SizingRow(error.chip_id, None, False, None, None, 0, None, 0.0, None, None, error.message))
        else:
            rows.append(size_replica(spec, demand))
        if progress is not None:
            progress(len(rows), len(hardware))
    return rows
