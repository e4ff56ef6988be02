"""Domestic shares by every metric and breakdown, the domestic rule, consolidation, currency and targets.

Figures are worked by hand from the example register (src/chipshift/fleet/examples/fleet-register.csv) and the
catalog's dense BF16 TFLOPS (H20 148, H800 989.4, A800 312, 910B 280).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.catalog import Catalog
from chipshift.errors import InputFileError, UnknownIdError
from chipshift.fleet import (
    Consolidation,
    DomesticBasis,
    DomesticRule,
    FleetDevice,
    FleetPolicy,
    Metric,
    compute_ratios,
    load_policy,
    read_inventory,
    read_inventory_bytes,
)

from .conftest import EXAMPLES


@pytest.fixture
def example_devices(catalog: Catalog) -> list[FleetDevice]:
    return read_inventory(EXAMPLES / "fleet-register.csv", catalog=catalog).devices


def test_example_register_is_the_mixed_fleet(example_devices: list[FleetDevice]) -> None:
    chips = {d.chip_id for d in example_devices}
    assert {"nvidia-h20", "nvidia-h800-sxm", "nvidia-a800-sxm", "huawei-ascend-910b"} <= chips
    assert all(d.chip_id is not None for d in example_devices)


def test_count_and_compute_shares(example_devices: list[FleetDevice], catalog: Catalog) -> None:
    report = compute_ratios(example_devices, catalog)
    assert report.rule == DomesticRule.default()
    assert report.rule.describe() == "designer based in CN"
    count = report.overall[Metric.COUNT]
    assert (count.domestic, count.total, count.unknown_devices) == (180, 708, 0)
    compute = report.overall[Metric.COMPUTE]
    assert compute.domestic == pytest.approx(80 * 280)
    assert compute.total == pytest.approx(80 * 148 + 16 * 989.4 + 80 * 280 + 32 * 312)
    assert compute.unknown_devices == 0  # the automotive SoCs are not left out: they count in their own basis
    edge = report.overall[Metric.EDGE_COMPUTE]  # dense INT8 TOPS: NX9031 508 (its marketed 1,016 halved), Orin-X 127
    assert (edge.domestic, edge.total, edge.unknown_devices) == (100 * 508, 100 * 508 + 400 * 127, 0)


def test_value_memory_power_and_breakdowns(example_devices: list[FleetDevice], catalog: Catalog) -> None:
    report = compute_ratios(example_devices, catalog)
    value = report.overall[Metric.VALUE]
    assert value.domestic == pytest.approx(80 * 120000)
    assert value.total == pytest.approx(80 * 105000 + 16 * 250000 + 80 * 120000 + 32 * 95000)
    assert report.overall[Metric.MEMORY].domestic == pytest.approx(80 * 64)
    assert report.overall[Metric.POWER].domestic == pytest.approx(80 * 400)
    assert report.by_site["shanghai-ai-centre"][Metric.COUNT].ratio == pytest.approx(48 / 128)
    assert report.by_sector["automotive"][Metric.COUNT].ratio == pytest.approx(100 / 500)
    assert set(report.by_business_unit) == {"cloud", "research", "adas"}


def test_fab_rule_marks_unknown_fab_as_unknown(example_devices: list[FleetDevice], catalog: Catalog) -> None:
    rule = DomesticRule(basis=DomesticBasis.FAB)
    report = compute_ratios(example_devices, catalog, rule=rule)
    count = report.overall[Metric.COUNT]
    assert (count.domestic, count.total, count.unknown_devices) == (80, 608, 100)  # NX9031 fab not in the catalog
    assert report.rule.describe() == "logic die made in CN"


@pytest.mark.parametrize(
    ("basis", "designer", "fab", "expected"),
    [
        (DomesticBasis.DESIGNER, "CN", "TW", True),
        (DomesticBasis.FAB, "CN", "TW", False),
        (DomesticBasis.DESIGNER_AND_FAB, "CN", "CN", True),
        (DomesticBasis.DESIGNER_AND_FAB, "CN", None, None),
        (DomesticBasis.DESIGNER_AND_FAB, "US", None, False),
        (DomesticBasis.DESIGNER_OR_FAB, "US", "CN", True),
        (DomesticBasis.DESIGNER_OR_FAB, "US", None, None),
    ],
)
def test_rule_truth_table(basis: DomesticBasis, designer: str, fab: str | None, expected: bool | None) -> None:
    assert DomesticRule(basis=basis).is_domestic(designer, fab) is expected


def test_consolidation_and_targets_from_example_policy(example_devices: list[FleetDevice], catalog: Catalog) -> None:
    policy = load_policy(EXAMPLES / "fleet-targets.yaml")
    report = compute_ratios(example_devices, catalog, policy=policy)
    automotive = report.by_sector["automotive"][Metric.EQUIVALENT_COUNT]
    assert automotive.ratio == pytest.approx(400 / 800)  # 100 NX9031 × 4 against 400 Orin-X
    checks = {c.target.name: c for c in report.targets}
    adas = next(c for name, c in checks.items() if "ADAS" in name)
    assert (adas.met, adas.gap) == (False, pytest.approx(0.5))
    compute = next(c for c in report.targets if c.target.metric is Metric.COMPUTE)
    assert compute.share.ratio == pytest.approx(22400 / 60054.4)
    assert report.consolidation and "counts as 4" in report.consolidation[0]


def test_unmatched_devices_count_by_vendor_country(catalog: Catalog) -> None:
    read = read_inventory_bytes("r.csv", b"model,vendor,count\nMystery X1,Cambricon,3\nH20,,1\n", catalog=catalog)
    report = compute_ratios(read.devices, catalog)
    assert report.unmatched_count == 3
    assert report.overall[Metric.COUNT].ratio == pytest.approx(0.75)
    assert report.overall[Metric.COMPUTE].unknown_devices == 3


def test_value_in_other_currency_needs_a_rate(catalog: Catalog) -> None:
    read = read_inventory_bytes("r.csv", b"model,count,price\nH20,1,$10000\n910B,1,\xc2\xa570000\n", catalog=catalog)
    without = compute_ratios(read.devices, catalog).overall[Metric.VALUE]
    assert (without.total, without.unknown_devices) == (70000, 1)
    policy = FleetPolicy(exchange_rates={"USD": 7.0})
    with_rate = compute_ratios(read.devices, catalog, policy=policy).overall[Metric.VALUE]
    assert with_rate.ratio == pytest.approx(0.5)


def test_consolidation_names_must_be_in_catalog(catalog: Catalog) -> None:
    policy = FleetPolicy(consolidation=[Consolidation(chip="no-such-chip", replaces="Orin-X", ratio=4)])
    with pytest.raises(UnknownIdError):
        compute_ratios([], catalog, policy=policy)


def test_empty_fleet(catalog: Catalog) -> None:
    report = compute_ratios([], catalog)
    assert report.device_count == 0 and report.overall[Metric.COUNT].ratio is None
    assert report.to_dict()["overall"]["count"]["ratio"] is None


def test_bad_targets_file_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("targets:\n  - name: x\n    metric: compute\n    min_share: 1.5\n    by: 2025\n")
    with pytest.raises(InputFileError, match=r"t\.yaml:4: field 'targets\[0\]\.min_share'"):
        load_policy(path)
