"""The shipped policy rules and every source: each rule sourced, dated and bilingual; each source with a URL or a
reason; every rule the issue names is there; the catalog corrections of issue 13 hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.catalog import Confidence, load_catalog, parse_catalog_file
from chipshift.catalog.classify import classify_chip
from chipshift.catalog.loader import Catalog, shipped_data_dir
from chipshift.catalog.policy import Jurisdiction, RuleConfidence, RuleKind, RuleStatus
from chipshift.catalog.schema import Precision, ThroughputBasis
from chipshift.errors import InputFileError

# issue 13 "Why" and the policy brief: every rule named there, by id
REQUIRED_RULES = [
    "us-3a090a-2023",
    "us-3a090b-2023",
    "us-3a090-2022",
    "us-h20-is-informed-2025",
    "us-h20-licences-2025",
    "us-hbm-3a090c-2024",
    "us-foundry-due-diligence-2025",
    "us-ai-diffusion-2025",
    "us-case-by-case-lane-2026",
    "us-lane-excludes-reexport-2026",
    "us-section-232-chips-2026",
    "us-chip-security-act",
    "us-entity-list-huawei-2019",
    "us-entity-list-cambricon-2022",
    "us-entity-list-biren-mthreads-2023",
    "us-entity-list-sophgo-2025",
    "us-entity-list-sugon-hygon-2019",
    "cn-cac-h20-summons-2025",
    "cn-h20-guidance-2025",
    "cn-cac-china-parts-order-2025",
    "cn-customs-checks-2025",
    "cn-cybersecurity-review-2022",
    "cn-secure-reliable-list-2023",
    "cn-gov-procurement-domestic-2026",
    "cn-state-funded-dc-domestic-2025",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _policy_files() -> list[Path]:
    return sorted((shipped_data_dir() / "policy").glob("*.yaml"))


@pytest.mark.parametrize("rule_id", REQUIRED_RULES)
def test_required_rule_exists(catalog: Catalog, rule_id: str) -> None:
    assert rule_id in catalog.rules


@pytest.mark.parametrize("path", _policy_files(), ids=lambda p: p.name)
def test_every_policy_file_parses(path: Path) -> None:
    parsed = parse_catalog_file(path)
    assert parsed.rules or parsed.sources


def test_no_rule_lacks_a_known_source(catalog: Catalog) -> None:
    assert len(catalog.rules) >= 30
    for rule in catalog.rules.values():
        assert rule.source in catalog.sources, rule.id


def test_every_source_has_a_url_or_a_reason(catalog: Catalog) -> None:
    for source in catalog.sources.values():
        assert source.url or source.url_missing_reason, f"source {source.id} has neither a URL nor a reason"
    with_url = sum(1 for s in catalog.sources.values() if s.url)
    assert with_url >= len(catalog.sources) * 2 // 3


def test_rules_are_bilingual_and_dated(catalog: Catalog) -> None:
    for rule in catalog.rules.values():
        assert rule.title and rule.title_zh and rule.summary and rule.summary_zh, rule.id
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.title_zh + rule.summary_zh), rule.id
        assert rule.ends is None or rule.ends > rule.effective, rule.id


def test_press_reports_are_labelled_press_and_say_what_is_unconfirmed(catalog: Catalog) -> None:
    for rule in catalog.rules.values():
        if rule.status is RuleStatus.REPORTED:
            assert rule.confidence in (RuleConfidence.PRESS, RuleConfidence.ESTIMATE), rule.id
        if rule.confidence in (RuleConfidence.PRESS, RuleConfidence.ESTIMATE, RuleConfidence.LAW_FIRM):
            assert rule.source_note, f"{rule.id} ({rule.confidence.value}) does not say what is unconfirmed"


def test_bills_are_proposed(catalog: Catalog) -> None:
    assert catalog.rules["us-chip-security-act"].status is RuleStatus.PROPOSED
    assert catalog.rules["us-safe-chips-act"].status is RuleStatus.PROPOSED


def test_both_sides_are_covered(catalog: Catalog) -> None:
    sides = {rule.jurisdiction for rule in catalog.rules.values()}
    assert {Jurisdiction.US, Jurisdiction.CN} <= sides
    kinds = {rule.kind for rule in catalog.rules.values()}
    expected = {
        RuleKind.EXPORT_CLASSIFICATION,
        RuleKind.LICENCE_REQUIREMENT,
        RuleKind.LICENCE_GRANT,
        RuleKind.LICENCE_POLICY,
        RuleKind.IMPORT_RESTRICTION,
        RuleKind.PROCUREMENT_PREFERENCE,
        RuleKind.PROCUREMENT_LIST,
        RuleKind.SECURITY_REVIEW,
        RuleKind.ENTITY_LISTING,
        RuleKind.LOCATION_VERIFICATION,
    }
    assert expected <= kinds


def test_a_rule_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        "rules:\n"
        "  - {id: r1, jurisdiction: CN, authority: x, kind: guidance, title: t, title_zh: 中, summary: s,\n"
        "     summary_zh: 中, effective: 2026-01-01, effect: {kind: notice}, source: nowhere, confidence: press}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="rule 'r1' cites unknown source 'nowhere'"):
        load_catalog([tmp_path])


def test_a_bad_rule_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "rules:\n"
        "  - id: r1\n"
        "    jurisdiction: CN\n"
        "    authority: x\n"
        "    kind: guidance\n"
        "    title: t\n"
        "    title_zh: 中\n"
        "    summary: s\n"
        "    summary_zh: 中\n"
        "    effective: soon\n"
        "    effect: {kind: notice}\n"
        "    source: s\n"
        "    confidence: press\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as caught:
        parse_catalog_file(path)
    assert caught.value.line == 10
    assert caught.value.field == "rules[0].effective"


def test_a_licence_rule_without_presumption_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "rules:\n"
        "  - {id: r1, jurisdiction: US, authority: x, kind: licence-requirement, title: t, title_zh: 中, summary: s,\n"
        "     summary_zh: 中, effective: 2026-01-01, effect: {kind: licence-required}, source: s, confidence: press}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="needs a presumption"):
        parse_catalog_file(path)


# --- catalog corrections (issue 13, last bullet of "Why") -----------------------------------------------------------
def test_910c_int8_is_twice_its_bf16_and_marked_as_derived(catalog: Catalog) -> None:
    chip = catalog.chips["huawei-ascend-910c"]
    int8, bf16 = chip.dense_tflops[Precision.INT8], chip.dense_tflops[Precision.BF16]
    assert int8.value == pytest.approx(2 * bf16.value) == pytest.approx(1504)
    assert int8.confidence is Confidence.ESTIMATE
    assert int8.note and "DaVinci" in int8.note


def test_910c_memory_is_128_gb_per_package_from_huawei(catalog: Catalog) -> None:
    capacity = catalog.chips["huawei-ascend-910c"].memory.capacity_gb
    assert capacity is not None and capacity.value == 128
    assert capacity.confidence is Confidence.VENDOR_SPEC
    assert capacity.source == "cloudmatrix-paper"


def test_910_and_910b_die_areas_from_die_shots(catalog: Catalog) -> None:
    assert catalog.chips["huawei-ascend-910"].die_area_mm2.value == pytest.approx(456.25)  # type: ignore[union-attr]
    assert catalog.chips["huawei-ascend-910b"].die_area_mm2.value == pytest.approx(665.61)  # type: ignore[union-attr]
    assert catalog.chips["huawei-ascend-910b"].die_area_mm2.source == "ascend-die-shots-2024"  # type: ignore[union-attr]


def test_nx9031_vendor_claims_are_claims(catalog: Catalog) -> None:
    chip = catalog.chips["nio-shenji-nx9031"]
    assert chip.process == "5 nm"
    assert chip.memory.type and chip.memory.type.startswith("LPDDR5X")
    assert chip.memory.bandwidth_gb_s is not None and chip.memory.bandwidth_gb_s.value == 546
    marketed = chip.marketed_tops[Precision.INT8]
    assert marketed.confidence is Confidence.CLAIM and marketed.basis is ThroughputBasis.SPARSE
    assert marketed.value == pytest.approx(4 * catalog.chips["nvidia-orin-x"].marketed_tops[Precision.INT8].value)


def test_marketed_automotive_figures_carry_their_basis(catalog: Catalog) -> None:
    for chip_id in ("horizon-journey-6p", "xpeng-turing"):
        chip = catalog.chips[chip_id]
        assert not chip.dense_tflops, chip_id
        assert chip.marketed_tops[Precision.INT8].basis is ThroughputBasis.UNSTATED
    orin = catalog.chips["nvidia-orin-x"]
    assert orin.dense_tflops[Precision.INT8].value == pytest.approx(orin.marketed_tops[Precision.INT8].value / 2)


def test_h200_figures_cite_nvidias_own_datasheet(catalog: Catalog) -> None:
    chip = catalog.chips["nvidia-h200-sxm"]
    source = catalog.sources["nvidia-h200-specs"]
    assert source.publisher == "NVIDIA" and source.url and "nvidia.com" in source.url
    for figure in chip.dense_tflops.values():
        assert figure.source == "nvidia-h200-specs" and figure.confidence is Confidence.VENDOR_SPEC
    assert chip.marketed_tops[Precision.FP8].basis is ThroughputBasis.SPARSE
    assert chip.marketed_tops[Precision.FP8].value == pytest.approx(2 * chip.dense_tflops[Precision.FP8].value)


def test_every_classification_names_the_figure_it_used(catalog: Catalog) -> None:
    for chip in catalog.chips.values():
        result = classify_chip(chip)
        if result.tpp is not None:
            assert result.tpp_source in catalog.sources, chip.id
            assert any(result.tpp_source in line for line in result.working), chip.id
