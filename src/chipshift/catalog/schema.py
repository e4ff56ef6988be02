"""Typed schema of the catalog: accelerators, systems, software stacks, porting targets and their sources.

Every number is a :class:`Figure`: a value with the id of its source, the date it was true and a confidence. What
is not known is ``None``, never a guess. The YAML files under ``catalog/data`` and any user directory are
validated against these models when loaded.
"""

from __future__ import annotations

import enum
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chipshift.quantities import PositiveFloat, PositiveInt, PositiveMoney, Year

AS_OF_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class Confidence(enum.StrEnum):
    """How firm a figure is, from a vendor's own specification down to a claim in the press."""

    VENDOR_SPEC = "vendor-spec"
    MEASURED = "measured"
    PRESS = "press"
    ESTIMATE = "estimate"
    CLAIM = "claim"


class Precision(enum.StrEnum):
    """Numeric formats a chip computes in. Integer formats are counted in TOPS, floating point in TFLOPS."""

    FP64 = "fp64"
    FP32 = "fp32"
    TF32 = "tf32"
    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    INT8 = "int8"
    FP4 = "fp4"
    INT4 = "int4"


BIT_LENGTH: dict[Precision, int] = {
    Precision.FP64: 64,
    Precision.FP32: 32,
    Precision.TF32: 32,
    Precision.BF16: 16,
    Precision.FP16: 16,
    Precision.FP8: 8,
    Precision.INT8: 8,
    Precision.FP4: 4,
    Precision.INT4: 4,
}
"""Operand bit length used by the US export rules' TPP (TF32 is stored and counted as 32 bits)."""


class ThroughputBasis(enum.StrEnum):
    """Whether a throughput figure counts structured sparsity (a 2:4 sparse figure is twice the dense one)."""

    DENSE = "dense"
    SPARSE = "sparse"
    UNSTATED = "unstated"


CONFIDENCE_RANK: dict[Confidence, int] = {
    Confidence.VENDOR_SPEC: 0,
    Confidence.MEASURED: 1,
    Confidence.PRESS: 2,
    Confidence.ESTIMATE: 3,
    Confidence.CLAIM: 4,
}
"""Order of confidence, firmest first: the export class is computed from the firmest figures known."""


class ChipKind(enum.StrEnum):
    """What a chip is designed and marketed for (decides which export-control tests apply)."""

    DATACENTER_TRAINING = "datacenter-training"
    DATACENTER_INFERENCE = "datacenter-inference"
    AUTOMOTIVE = "automotive"
    CONSUMER = "consumer"
    WORKSTATION = "workstation"


class ChipStatus(enum.StrEnum):
    """Market status of a chip."""

    SHIPPING = "shipping"
    ANNOUNCED = "announced"
    DISCONTINUED = "discontinued"


class Source(BaseModel):
    """A publication that figures point at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Stable id that figures name in their ``source`` field."""
    title: str
    """What the source is (document title, article headline)."""
    publisher: str | None = None
    """Who published it."""
    url: str | None = None
    """Where it can be read (for the user; never fetched)."""
    url_missing_reason: str | None = None
    """Why there is no URL (a filing read on paper, an aggregate of pages the research did not record)."""
    date: str | None = None
    """When it was published, YYYY[-MM[-DD]]."""
    note: str | None = None
    """What the source says that matters here, or how it was read (in full, through a reproduction, an excerpt)."""


class Figure(BaseModel):
    """One sourced number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: PositiveFloat
    """The number, in the unit named by the field that holds it (finite and above 0: an unknown figure is left
    out, never written as 0)."""
    source: str
    """Id of a :class:`Source` in the catalog."""
    as_of: str
    """When the figure was true or published, YYYY[-MM[-DD]]."""
    confidence: Confidence
    """How firm the figure is."""
    note: str | None = None
    """Conditions, conversions or disagreements between sources."""
    basis: ThroughputBasis | None = None
    """For a throughput figure: dense, sparse or not stated by the source (None for other figures, and dense for
    the figures under ``dense_tflops``)."""

    @field_validator("as_of")
    @classmethod
    def _date_shape(cls, value: str) -> str:
        if not AS_OF_PATTERN.match(value):
            raise ValueError(f"as_of must be YYYY, YYYY-MM or YYYY-MM-DD, not '{value}'")
        return value


class Price(BaseModel):
    """A list or street price with its currency and date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: PositiveMoney
    """Price per unit in ``currency``."""
    currency: str
    """ISO 4217 code (USD, CNY)."""
    source: str
    """Id of a :class:`Source`."""
    as_of: str
    """When the price was quoted."""
    confidence: Confidence
    """How firm the price is."""
    note: str | None = None
    """What the price covers (card only, street price, launch price)."""


class MemorySpec(BaseModel):
    """On-package or on-board memory of an accelerator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str | None = None
    """HBM3, HBM2e, GDDR6, LPDDR5 and so on."""
    capacity_gb: Figure | None = None
    """Capacity in GB (decimal)."""
    bandwidth_gb_s: Figure | None = None
    """Peak bandwidth in GB/s."""


class ScaleUpSpec(BaseModel):
    """The chip-to-chip fabric inside a server or supernode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    link: str | None = None
    """Name of the link (NVLink4, HCCS, UB, MLU-Link, PCIe only)."""
    bandwidth_gb_s: Figure | None = None
    """Per-chip chip-to-chip bandwidth in GB/s, bidirectional total."""
    domain_size: Figure | None = None
    """How many chips share that fabric at full bandwidth."""


class RegulatoryEventKind(enum.StrEnum):
    """What a regulator did about a chip."""

    LICENCE_REQUIRED = "licence-required"
    LICENCE_GRANTED = "licence-granted"
    LICENCE_REVOKED = "licence-revoked"
    CASE_BY_CASE = "case-by-case"
    BANNED = "banned"
    ENTITY_LISTED = "entity-listed"
    SECURITY_REVIEW = "security-review"
    GUIDANCE = "guidance"
    REVENUE_SHARE = "revenue-share"


class RegulatoryEvent(BaseModel):
    """One dated regulatory fact about a chip."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: str
    """YYYY[-MM[-DD]]."""
    kind: RegulatoryEventKind
    """What happened."""
    jurisdiction: str
    """Who decided (US-BIS, US-President, CN-CAC, CN-MIIT)."""
    summary: str
    """One sentence."""
    source: str
    """Id of a :class:`Source`."""


class Openness(enum.StrEnum):
    """How much of a software layer's source can be read."""

    OPEN = "open"
    PARTIAL = "partial"
    CLOSED = "closed"


class SecurityFacts(BaseModel):
    """Facts that bear on trust: attestation, location verification, auditability."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    confidential_computing: bool | None = None
    """Whether the chip has a hardware TEE with attestation."""
    location_verification: str | None = None
    """What location verification exists or is mandated (None if nothing is known)."""
    remote_disable: str | None = None
    """What is known about a remote disable capability."""
    driver_source: Openness | None = None
    """Openness of the kernel driver."""
    firmware_source: Openness | None = None
    """Openness of the firmware."""
    stack_source: Openness | None = None
    """Openness of the user-space compute stack (compiler, runtime, libraries)."""
    source: str | None = None
    """Id of the :class:`Source` behind these facts."""


class Replacement(BaseModel):
    """One chip doing the work of several of another, as a source says (one NIO NX9031 for four Orin-X): the fleet
    counts it as ``ratio`` of them in its equivalent count."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chip: str
    """Catalog id of the chip it replaces."""
    ratio: PositiveFloat
    """How many of ``chip`` one of these stands for."""
    source: str
    """Id of a :class:`Source` in the catalog."""
    as_of: str
    """When the claim was made, YYYY[-MM[-DD]]."""
    confidence: Confidence
    """How firm the ratio is."""
    note: str | None = None
    """On what basis the ratio holds."""

    @field_validator("as_of")
    @classmethod
    def _date_shape(cls, value: str) -> str:
        if not AS_OF_PATTERN.match(value):
            raise ValueError(f"as_of must be YYYY, YYYY-MM or YYYY-MM-DD, not '{value}'")
        return value


class Chip(BaseModel):
    """An accelerator (GPU, NPU, automotive SoC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Stable catalog id, lower-case and dashed (``nvidia-h20``)."""
    name: str
    """Full marketing name."""
    aliases: list[str] = Field(default_factory=list)
    """Other names users type (``H20``, ``910C``, ``昇腾910C``)."""
    vendor: str
    """Who sells it."""
    designer_country: str
    """ISO 3166 alpha-2 code of the designer's home (US, CN)."""
    fab: str | None = None
    """Foundry that makes the logic die, where known."""
    fab_country: str | None = None
    """ISO code of where the die is made, where known."""
    process: str | None = None
    """Process node, where known."""
    kind: ChipKind
    """Design and market segment."""
    status: ChipStatus = ChipStatus.SHIPPING
    """Shipping, announced or discontinued."""
    release_year: Year | None = None
    """Year of first availability (or announced year for announced chips)."""
    dense_tflops: dict[Precision, Figure] = Field(default_factory=dict)
    """Dense (no sparsity) throughput per precision: TFLOPS for floats, TOPS for integers."""
    marketed_tops: dict[Precision, Figure] = Field(default_factory=dict)
    """Throughput as the vendor markets it, with its ``basis`` (sparse, or not stated): kept beside the dense
    figure, or alone where no dense figure is published. Never compared with a dense figure as if alike."""
    memory: MemorySpec = Field(default_factory=MemorySpec)
    """Device memory."""
    scale_up: ScaleUpSpec = Field(default_factory=ScaleUpSpec)
    """Chip-to-chip fabric."""
    scale_out: str | None = None
    """Typical network between servers (400G RoCE, InfiniBand NDR)."""
    tdp_w: Figure | None = None
    """Thermal design power in watts."""
    die_area_mm2: Figure | None = None
    """Logic die area in mm² (sum over logic dies), for the export rules' performance density."""
    software_stack: str | None = None
    """Id of the :class:`SoftwareStack` it runs."""
    price: Price | None = None
    """Price per chip or card, where public."""
    regulatory: list[RegulatoryEvent] = Field(default_factory=list)
    """Dated regulatory history."""
    security: SecurityFacts = Field(default_factory=SecurityFacts)
    """Attestation, location verification, openness."""
    replaces: list[Replacement] = Field(default_factory=list)
    """Chips it does the work of several of, with the ratio and its source (the fleet's equivalent count)."""
    notes: str | None = None
    """What a reader should know that fits no field."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", value):
            raise ValueError(f"id must be lower-case letters, digits, '.' and '-', not '{value}'")
        return value

    @field_validator("dense_tflops")
    @classmethod
    def _dense_is_dense(cls, value: dict[Precision, Figure]) -> dict[Precision, Figure]:
        for precision, figure in value.items():
            if figure.basis not in (None, ThroughputBasis.DENSE):
                raise ValueError(
                    f"{precision.value}: a {figure.basis.value} figure belongs under marketed_tops, not dense_tflops"
                )
        return value

    @field_validator("marketed_tops")
    @classmethod
    def _marketed_has_basis(cls, value: dict[Precision, Figure]) -> dict[Precision, Figure]:
        for precision, figure in value.items():
            if figure.basis is None:
                raise ValueError(f"{precision.value}: a marketed figure needs its basis (dense, sparse or unstated)")
        return value

    def figures(self) -> dict[str, Figure]:
        """Every sourced figure of the chip, keyed by a dotted field path."""
        found: dict[str, Figure] = {f"dense_tflops.{p.value}": f for p, f in self.dense_tflops.items()}
        found.update({f"marketed_tops.{p.value}": f for p, f in self.marketed_tops.items()})
        for path, figure in (
            ("memory.capacity_gb", self.memory.capacity_gb),
            ("memory.bandwidth_gb_s", self.memory.bandwidth_gb_s),
            ("scale_up.bandwidth_gb_s", self.scale_up.bandwidth_gb_s),
            ("scale_up.domain_size", self.scale_up.domain_size),
            ("tdp_w", self.tdp_w),
            ("die_area_mm2", self.die_area_mm2),
        ):
            if figure is not None:
                found[path] = figure
        return found

    def tflops(self, precision: Precision | str) -> float | None:
        """Dense throughput at a precision, or None if unknown."""
        figure = self.dense_tflops.get(Precision(precision))
        return None if figure is None else figure.value


class SystemKind(enum.StrEnum):
    """Kind of system built from chips."""

    SERVER = "server"
    SUPERNODE = "supernode"
    CLUSTER = "cluster"
    VEHICLE_PLATFORM = "vehicle-platform"


class System(BaseModel):
    """A server, supernode or vehicle platform built from one kind of chip."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Stable catalog id (``hgx-h100``, ``cloudmatrix-384``)."""
    name: str
    """Full name."""
    aliases: list[str] = Field(default_factory=list)
    """Other names users type."""
    vendor: str
    """Who sells it."""
    kind: SystemKind
    """Server, supernode, cluster or vehicle platform."""
    chip: str
    """Catalog id of the accelerator it holds."""
    chip_count: PositiveInt
    """Accelerators per system."""
    scale_up_domain: PositiveInt
    """How many chips talk over the scale-up fabric at full bandwidth."""
    scale_up_link: str | None = None
    """Name of the scale-up fabric (NVSwitch, HCCS full mesh, UB)."""
    scale_up_bandwidth_gb_s: Figure | None = None
    """Per-chip bandwidth inside the scale-up domain, GB/s bidirectional."""
    scale_out: str | None = None
    """Network between systems."""
    scale_out_bandwidth_gb_s: Figure | None = None
    """Per-chip scale-out bandwidth, GB/s."""
    power_kw: Figure | None = None
    """Whole-system power in kW."""
    price: Price | None = None
    """Price per system, where public."""
    notes: str | None = None
    """Anything else."""


class StackLayer(enum.StrEnum):
    """Where in the software stack a component sits."""

    RUNTIME = "runtime"
    FRAMEWORK_PLUGIN = "framework-plugin"
    SERVING = "serving"
    TRAINING = "training"
    COMMUNICATION = "communication"
    COMPILER = "compiler"


PORTABLE_TARGET = "portable"
"""The porting target of a stack that names none: vendor-neutral PyTorch."""
RECORD_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
"""Lower-case words joined by dashes: ids typed on the command line (``hygon-dcu``)."""


class PortingTarget(BaseModel):
    """What CUDA code is ported to so that it runs on a stack: a vendor's PyTorch device and libraries (``ascend``)
    or vendor-neutral PyTorch (``portable``). Scan rates support and effort per porting target; a migration target
    implements one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=RECORD_ID_PATTERN)
    """Stable id used by ``chipshift scan --target`` and in scan rules (``ascend``, ``hygon-dcu``)."""
    name: str
    """Short name shown in reports (``Huawei Ascend``)."""
    description: str
    """What porting to it means: the device, plugin and libraries code moves to."""


class SoftwareStack(BaseModel):
    """A vendor compute stack or a framework that runs on one (CUDA, CANN, torch_npu, vLLM-Ascend, MindIE)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Stable catalog id (``cuda``, ``cann``, ``vllm-ascend``)."""
    name: str
    """Full name."""
    vendor: str
    """Who maintains it."""
    layer: StackLayer
    """Where it sits."""
    runs_on: list[str] = Field(default_factory=list)
    """Ids of the base stacks (or chip vendors) it needs."""
    pytorch_plugin: str | None = None
    """Python package that plugs the stack into PyTorch (``torch_npu``)."""
    device_type: str | None = None
    """PyTorch device type string (``cuda``, ``npu``, ``mlu``, ``musa``, ``xpu``)."""
    collective_library: str | None = None
    """Collective communication library (NCCL, HCCL, CNCL)."""
    cuda_compatible: bool | None = None
    """Whether CUDA source compiles or runs with little change."""
    porting_target: str | None = PORTABLE_TARGET
    """Id of the :class:`PortingTarget` code needs to run on this stack (``ascend`` for CANN); ``null`` for a stack
    that runs CUDA code as it is (CUDA itself). Left out: ``portable``."""
    openness: Openness | None = None
    """Openness of the source."""
    license: str | None = None
    """Licence of the source, where open."""
    repository: str | None = None
    """Where the source is published."""
    notes: str | None = None
    """Anything else."""
    source: str | None = None
    """Id of the :class:`Source` behind these facts."""
