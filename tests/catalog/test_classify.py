"""3A090 class of every NVIDIA chip, computed from the shipped specs, against the published values.

Expected TPP, performance density and class: shared/research/catalog-anchors.md Part C (TPP = max over precisions of
dense TOPS x bit length; PD = TPP / die area), itself citing BIS wording and press reports (Tom's Hardware, golem,
tomshw.it for the RTX 4090D's 4,707).
"""

from __future__ import annotations

import pytest

from chipshift.catalog import ExportClass, classify_chip, load_catalog
from chipshift.catalog.schema import Chip, ChipKind, Figure, Precision

A = ExportClass.ECCN_3A090_A
B = ExportClass.ECCN_3A090_B
NOT_COVERED = ExportClass.NOT_COVERED
UNKNOWN = ExportClass.UNKNOWN

# chip id -> (TPP, class); catalog-anchors.md Part C unless noted
NVIDIA_EXPECTED: dict[str, tuple[float, ExportClass]] = {
    "nvidia-a100-sxm-80gb": (4992, A),  # FP16 312 x 16, PD 6.04: a.1
    "nvidia-a800-sxm": (4992, A),  # same; allowed under Oct 2022 (400 GB/s), caught in Oct 2023
    "nvidia-h100-sxm": (15832, A),  # FP8 1,979 x 8, PD 19.45
    "nvidia-h800-sxm": (15832, A),  # FP8 1,979 x 8, PD 19.45
    "nvidia-h20": (2368, NOT_COVERED),  # FP8 296 x 8, PD 2.91: below .b (TPP < 2,400 and PD < 3.2)
    "nvidia-h200-sxm": (15832, A),  # FP8 1,979 x 8, PD 19.45
    "nvidia-b200": (36000, A),  # FP8 4,500 x 8 = FP4 9,000 x 4
    "nvidia-l20": (1912, NOT_COVERED),  # FP8 239 x 8, PD 3.14 < 3.2 (TF32 59.8 x 32 = 1,914 sets it here)
    "nvidia-l40s": (5864, A),  # FP8 733 x 8, PD 9.63
    "nvidia-rtx-4090": (5286, A),  # consumer, FP8 660.6 x 8 = 5,285 (press: 5,286) >= 4,800
    "nvidia-rtx-4090d": (4707, NOT_COVERED),  # consumer and TPP 4,707 < 4,800 (tomshw.it)
    "nvidia-orin-x": (1016, NOT_COVERED),  # automotive, 254 sparse INT8 -> 127 dense x 8
    "nvidia-thor": (4000, NOT_COVERED),  # automotive, ~500 dense INT8 x 8: non-datacenter, below 4,800
}

# catalog-anchors.md Part C, PD column
NVIDIA_DENSITY = {
    "nvidia-a100-sxm-80gb": 6.04,
    "nvidia-h100-sxm": 19.45,
    "nvidia-h20": 2.91,
    "nvidia-l20": 3.14,
    "nvidia-l40s": 9.63,
    "nvidia-rtx-4090": 8.68,
    "nvidia-rtx-4090d": 7.73,
}


def _chip(chip_id: str) -> Chip:
    return load_catalog().chips[chip_id]


def test_every_nvidia_chip_has_an_expected_class() -> None:
    nvidia = {c.id for c in load_catalog().chips.values() if c.vendor == "NVIDIA"}
    assert nvidia == set(NVIDIA_EXPECTED)


@pytest.mark.parametrize(("chip_id", "expected"), sorted(NVIDIA_EXPECTED.items()))
def test_nvidia_chip_class_and_tpp(chip_id: str, expected: tuple[float, ExportClass]) -> None:
    tpp, export_class = expected
    result = classify_chip(_chip(chip_id))
    assert result.tpp == pytest.approx(tpp, rel=0.01)
    assert result.export_class is export_class, result.working


@pytest.mark.parametrize(("chip_id", "density"), sorted(NVIDIA_DENSITY.items()))
def test_nvidia_performance_density(chip_id: str, density: float) -> None:
    result = classify_chip(_chip(chip_id))
    assert result.performance_density == pytest.approx(density, rel=0.01)


def test_h20_tie_goes_to_the_datasheet_precision() -> None:
    # FP8 296 x 8 = FP16 148 x 16 = 2,368; the datasheet quotes FP8
    assert classify_chip(_chip("nvidia-h20")).tpp_precision is Precision.FP8


def test_chip_in_the_density_band_without_die_area_is_unknown_and_bounded() -> None:
    # Ascend 910B without its die-shot area: FP16 280 x 16 = 4,480, between 1,600 and 4,800
    result = classify_chip(_chip("huawei-ascend-910b").model_copy(update={"die_area_mm2": None}))
    assert result.tpp == pytest.approx(4480, rel=0.01)
    assert result.export_class is UNKNOWN
    assert "die_area_mm2" in result.unknowns
    # the working bounds the class: .a under 4,480 / 5.92 = 757 mm², .b under 4,480 / 1.6 = 2,800 mm²
    assert any("757 mm²" in line and "2,800 mm²" in line for line in result.working)


def test_910b_die_shot_area_decides_its_class() -> None:
    # Virtuvian B compute die 665.61 mm² (die shots, 2024): PD 4,480 / 665.61 = 6.73 >= 5.92 -> 3A090.a.2,
    # and the working says it would stay .a up to 757 mm² of applicable die area
    result = classify_chip(_chip("huawei-ascend-910b"))
    assert result.performance_density == pytest.approx(6.73, rel=0.01)
    assert result.export_class is A
    assert any("3A090.a.2" in line for line in result.working)
    assert any("757 mm²" in line for line in result.working)


def test_original_910_is_3a090_a_on_its_compute_die() -> None:
    # Ascend 910: 256 FP16 x 16 = 512 INT8 x 8 = 4,096 on 456.25 mm² -> PD 8.98
    result = classify_chip(_chip("huawei-ascend-910"))
    assert result.tpp == pytest.approx(4096)
    assert result.performance_density == pytest.approx(8.98, rel=0.01)
    assert result.export_class is A


def test_tpp_comes_from_the_firmest_figure_and_says_which() -> None:
    # 910C: vendor-spec BF16 752 and FP16 800 (Huawei), estimate INT8 1,504 (2 x 752); the estimate does not set TPP
    result = classify_chip(_chip("huawei-ascend-910c"))
    assert result.tpp == pytest.approx(12800)
    assert result.tpp_precision is Precision.FP16
    assert result.tpp_confidence == "vendor-spec"
    assert result.tpp_source == "atlas-900-a3-superpod-page"
    assert any("vendor-spec" in line and "atlas-900-a3-superpod-page" in line for line in result.working)


def test_a_higher_less_firm_figure_is_shown_not_used() -> None:
    chip = _chip("nvidia-h20")
    claim = Figure(value=400, source="h20-specs-press", as_of="2025", confidence="claim", note="test")
    result = classify_chip(chip.model_copy(update={"dense_tflops": {**chip.dense_tflops, Precision.INT8: claim}}))
    assert result.tpp == pytest.approx(2368)
    assert any("gives TPP 3,200; not used" in line for line in result.working)


def test_marketed_figure_bounds_an_automotive_chip() -> None:
    # Journey 6P: marketed 560 TOPS (basis unstated) x 8 = 4,480 < 4,800: not covered whatever the dense figure
    result = classify_chip(_chip("horizon-journey-6p"))
    assert result.tpp is None
    assert result.tpp_upper_bound == pytest.approx(4480)
    assert result.export_class is NOT_COVERED
    # XPeng Turing: marketed 750 x 8 = 6,000 reaches 4,800, so the class needs the dense figure
    turing = classify_chip(_chip("xpeng-turing"))
    assert turing.export_class is UNKNOWN
    assert turing.tpp_upper_bound == pytest.approx(6000)


def test_removing_the_die_area_makes_h20_unknown() -> None:
    result = classify_chip(_chip("nvidia-h20").model_copy(update={"die_area_mm2": None}))
    assert result.export_class is UNKNOWN
    assert "die_area_mm2" in result.unknowns


def test_chip_without_throughput_is_unknown() -> None:
    result = classify_chip(_chip("kunlunxin-p800"))
    assert result.export_class is UNKNOWN
    assert result.tpp is None


def test_above_4800_no_die_area_is_needed() -> None:
    result = classify_chip(_chip("huawei-ascend-910c"))
    assert result.export_class is A
    assert result.performance_density is None


def test_consumer_chip_is_only_tested_on_tpp() -> None:
    # RTX 4090D: PD 7.73 would make a datacenter part 3A090.a.2; as a consumer part only TPP >= 4,800 counts
    consumer = _chip("nvidia-rtx-4090d")
    assert classify_chip(consumer).export_class is NOT_COVERED
    as_datacenter = consumer.model_copy(update={"kind": ChipKind.DATACENTER_INFERENCE})
    assert classify_chip(as_datacenter).export_class is A


def test_automotive_chip_above_4800_is_covered() -> None:
    thor = _chip("nvidia-thor")
    faster = Figure(value=650, source="thor-press", as_of="2025", confidence="estimate", note="test")
    result = classify_chip(thor.model_copy(update={"dense_tflops": {Precision.INT8: faster}}))
    assert result.tpp == pytest.approx(5200)
    assert result.export_class is A


def test_mid_band_datacenter_chip_is_3a090_b() -> None:
    # a hypothetical H20 at FP8 350: TPP 2,800, PD 3.44 -> .b (2,400 <= TPP < 4,800, 1.6 <= PD < 5.92)
    h20 = _chip("nvidia-h20")
    fp8 = Figure(value=350, source="h20-specs-press", as_of="2024", confidence="estimate", note="test")
    result = classify_chip(h20.model_copy(update={"dense_tflops": {Precision.FP8: fp8}}))
    assert result.export_class is B


def test_non_us_design_is_flagged_as_a_capability_band() -> None:
    result = classify_chip(_chip("biren-br100"))
    assert result.export_class is A  # claimed BF16 1,024 x 16 = 16,384 on 1,074 mm2: PD 15.3
    assert result.performance_density == pytest.approx(15.3, rel=0.01)
    assert any("non-US design" in line for line in result.working)


def test_mi325x_sits_just_under_the_2026_lane() -> None:
    # AMD MI325X: FP8 2,614.9 dense x 8 = 20,919 (under 91 FR 1684's 21,000), 3A090.a
    result = classify_chip(_chip("amd-mi325x"))
    assert result.tpp == pytest.approx(20919, abs=1)
    assert result.export_class is A
