"""fleet: read accelerator inventories, match them to the catalog, store snapshots, report the domestic ratio.

Public API:

- :func:`read_inventory` reads one file of any supported format (detected) and matches its devices;
- :func:`compute_ratios` gives domestic shares by count, compute, memory, value and power, per site, sector and
  business unit, against the targets of a :class:`FleetPolicy` (see :func:`load_policy`);
- :class:`FleetStore` keeps snapshots in a database (``ingest_many``, ``snapshots``, ``fleet``, ``export_rows``,
  ``history``), each device once; :func:`check_store` checks a database without changing it.

``EXAMPLE_REGISTER`` and ``EXAMPLE_TARGETS`` are the shipped example register (a mixed H20/H800/A800/910B fleet and
ADAS chips) and its targets file, for ``chipshift assess --example`` and tests.
"""

from pathlib import Path

from chipshift.catalog.domestic import DomesticBasis, DomesticRule
from chipshift.fleet.inventory import InventoryStream, open_inventory, read_inventory, read_inventory_bytes
from chipshift.fleet.model import DeviceRecord, FleetDevice, InventoryRead, LineProblem, MatchMethod
from chipshift.fleet.parsers import FORMAT_NAMES
from chipshift.fleet.ratios import RatioReport, Share, TargetCheck, compute_ratios
from chipshift.fleet.rules import (
    Consolidation,
    FleetPolicy,
    FleetTarget,
    Metric,
    TargetScope,
    load_policy,
)
from chipshift.fleet.store import (
    CheckReport,
    FleetStore,
    HistoryPoint,
    IngestInput,
    IngestOptions,
    IngestOutcome,
    IngestResult,
    SnapshotInfo,
    check_store,
)
from chipshift.fleet.together import read_inventories

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
EXAMPLE_REGISTER = EXAMPLES_DIR / "fleet-register.csv"
EXAMPLE_TARGETS = EXAMPLES_DIR / "fleet-targets.yaml"

__all__ = [
    "EXAMPLES_DIR",
    "EXAMPLE_REGISTER",
    "EXAMPLE_TARGETS",
    "FORMAT_NAMES",
    "CheckReport",
    "Consolidation",
    "DeviceRecord",
    "DomesticBasis",
    "DomesticRule",
    "FleetDevice",
    "FleetPolicy",
    "FleetStore",
    "FleetTarget",
    "HistoryPoint",
    "IngestInput",
    "IngestOptions",
    "IngestOutcome",
    "IngestResult",
    "InventoryRead",
    "InventoryStream",
    "LineProblem",
    "MatchMethod",
    "Metric",
    "RatioReport",
    "Share",
    "SnapshotInfo",
    "TargetCheck",
    "TargetScope",
    "check_store",
    "compute_ratios",
    "load_policy",
    "open_inventory",
    "read_inventories",
    "read_inventory",
    "read_inventory_bytes",
]
