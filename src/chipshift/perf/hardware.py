"""The performance model's view of a chip in a system: peaks, memory, fabric. Read from the catalog, never invented."""

from __future__ import annotations

from dataclasses import dataclass

from chipshift.catalog import Catalog, Chip, Precision, System, load_catalog
from chipshift.errors import ChipshiftError, UnknownIdError


class MissingFigureError(ChipshiftError):
    """A figure the estimate needs is unknown in the catalog."""

    def __init__(self, chip_id: str, figure: str) -> None:
        self.chip_id = chip_id
        super().__init__(
            f"chip '{chip_id}' has no {figure} in the catalog, so it cannot be estimated; "
            "add the figure with its source in a user catalog (--catalog DIR)"
        )


@dataclass(frozen=True)
class Hardware:
    """One chip as the model sees it, inside an optional server or supernode."""

    chip_id: str
    """Catalog id of the chip."""
    chip_name: str
    """Marketing name."""
    peak_tflops: dict[str, float]
    """Dense peak per precision (TFLOPS or TOPS), only the known ones."""
    hbm_capacity_gb: float
    """Device memory in GB."""
    hbm_bandwidth_gb_s: float
    """Peak memory bandwidth in GB/s."""
    scale_up_bandwidth_gb_s: float | None
    """Per-chip scale-up bandwidth, bidirectional, GB/s (None: PCIe only or unknown)."""
    scale_up_domain: int
    """Chips that share the scale-up fabric."""
    scale_out_bandwidth_gb_s: float | None
    """Per-chip scale-out bandwidth in GB/s, when the catalog has it."""
    tdp_w: float | None
    """Power per chip in W (system power divided by chips where known)."""
    price_usd: float | None
    """Price per chip in USD where the catalog has one in USD (a system's price divided by its chips)."""
    system_id: str | None = None
    """Catalog id of the system, if one was named."""
    system_chips: int | None = None
    """Chips in one such system (None: a bare chip)."""

    @property
    def name(self) -> str:
        """``huawei-ascend-910c in cloudmatrix-384``, or the chip id alone."""
        return f"{self.chip_id} in {self.system_id}" if self.system_id else self.chip_id

    def peak(self, precision: str) -> float | None:
        """Dense peak at a precision, or None when the catalog does not know it."""
        return self.peak_tflops.get(precision)


def _required(chip: Chip, value: float | None, figure: str) -> float:
    if value is None:
        raise MissingFigureError(chip.id, figure)
    return value


def _system_for(catalog: Catalog, chip: Chip, system_id: str | None) -> System | None:
    if system_id is None:
        return None
    system = catalog.system(system_id)
    if system.chip != chip.id:
        raise ChipshiftError(f"system '{system.id}' holds '{system.chip}', not '{chip.id}'")
    return system


def hardware_view(chip_id: str, system_id: str | None = None, *, catalog: Catalog | None = None) -> Hardware:
    """Resolve a chip (and optionally its system) from the catalog into a :class:`Hardware`."""
    cat = catalog or load_catalog()
    chip = cat.chip(chip_id)
    system = _system_for(cat, chip, system_id)
    memory = chip.memory
    capacity = _required(chip, memory.capacity_gb.value if memory.capacity_gb else None, "memory capacity")
    bandwidth = _required(chip, memory.bandwidth_gb_s.value if memory.bandwidth_gb_s else None, "memory bandwidth")
    peaks = {p.value: f.value for p, f in chip.dense_tflops.items()}
    if not any(p in peaks for p in ("bf16", "fp16")):
        raise MissingFigureError(chip.id, "BF16/FP16 throughput")
    up_bw = chip.scale_up.bandwidth_gb_s.value if chip.scale_up.bandwidth_gb_s else None
    domain = int(chip.scale_up.domain_size.value) if chip.scale_up.domain_size else 1
    out_bw = None
    tdp = chip.tdp_w.value if chip.tdp_w else None
    if system is not None:
        domain = system.scale_up_domain
        if system.scale_up_bandwidth_gb_s is not None:
            up_bw = system.scale_up_bandwidth_gb_s.value
        if system.scale_out_bandwidth_gb_s is not None:
            out_bw = system.scale_out_bandwidth_gb_s.value
        if tdp is None and system.power_kw is not None:
            tdp = system.power_kw.value * 1000 / system.chip_count
    price = chip.price.value if chip.price is not None and chip.price.currency == "USD" else None
    if system is not None and system.price is not None and system.price.currency == "USD":
        price = system.price.value / system.chip_count
    return Hardware(
        chip_id=chip.id,
        chip_name=chip.name,
        peak_tflops=peaks,
        hbm_capacity_gb=capacity,
        hbm_bandwidth_gb_s=bandwidth,
        scale_up_bandwidth_gb_s=up_bw,
        scale_up_domain=max(1, domain),
        scale_out_bandwidth_gb_s=out_bw,
        tdp_w=tdp,
        price_usd=price,
        system_id=system.id if system else None,
        system_chips=system.chip_count if system else None,
    )


def resolve_hardware(name: str, system: str | None = None, *, catalog: Catalog | None = None) -> Hardware:
    """A chip or a system by id, alias or name (``H100``, ``910C``, ``cloudmatrix-384``), as a :class:`Hardware`.

    A system id resolves to its chip inside that system (its scale-up domain, fabric, power and price per chip);
    ``system`` names the system explicitly for a chip. A name that is neither lists the closest of both.
    """
    cat = catalog or load_catalog()
    try:
        chip = cat.chip(name)
    except UnknownIdError as not_chip:
        try:
            found = cat.system(name)
        except UnknownIdError as not_system:
            close = [*not_chip.suggestions, *not_system.suggestions]
            raise UnknownIdError("chip or system", name, close) from None
        if system is not None and cat.system(system).id != found.id:
            raise ChipshiftError(f"'{name}' is the system '{found.id}', not '{system}'") from None
        return hardware_view(found.chip, found.id, catalog=cat)
    return hardware_view(chip.id, system, catalog=cat)


def peak_for(hw: Hardware, precision: Precision | str) -> tuple[float, str]:
    """Peak at a compute precision, falling back to BF16/FP16 when the chip has no such unit; returns (peak, used)."""
    wanted = Precision(precision).value
    for name in (wanted, "bf16", "fp16"):
        value = hw.peak(name)
        if value is not None:
            return value, name
    raise MissingFigureError(hw.chip_id, f"{wanted} throughput")
