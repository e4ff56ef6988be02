"""The shipped catalog data: every file against the schema, every figure sourced, ids and aliases consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.catalog import Confidence, load_catalog, parse_catalog_file
from chipshift.catalog.loader import Catalog, normalise_name, shipped_data_dir
from chipshift.catalog.schema import ChipKind, ChipStatus, Figure

REQUIRED_CHIP_IDS = [
    # ids used by the validation data (shared/data/perf/calibration.yaml)
    "nvidia-a100-sxm-80gb",
    "nvidia-h100-sxm",
    "nvidia-h200-sxm",
    "nvidia-h800-sxm",
    "huawei-ascend-910b",
    "huawei-ascend-910c",
    # the rest of issue 2's list
    "nvidia-a800-sxm",
    "nvidia-h20",
    "nvidia-b200",
    "nvidia-l20",
    "nvidia-l40s",
    "nvidia-rtx-4090",
    "nvidia-rtx-4090d",
    "huawei-ascend-950pr",
    "huawei-ascend-950dt",
    "cambricon-mlu370-x8",
    "cambricon-mlu590",
    "kunlunxin-p800",
    "hygon-dcu-k100-ai",
    "moorethreads-mtt-s4000",
    "moorethreads-mtt-s5000",
    "metax-c500",
    "biren-br100",
    "biren-br104",
    "iluvatar-tiangai-150",
    "enflame-s60",
    "alibaba-t-head-ppu",
    "alibaba-hanguang-800",
    "nvidia-orin-x",
    "nvidia-thor",
    "nio-shenji-nx9031",
    "xpeng-turing",
    "horizon-journey-6p",
    "huawei-mdc-810",
]

REQUIRED_SYSTEM_IDS = ["hgx-h100", "hgx-h200", "hgx-h20", "hgx-h800", "atlas-800t-a2", "cloudmatrix-384"]

REQUIRED_STACK_IDS = [
    "cuda",
    "cann",
    "neuware",
    "rocm",
    "dtk",
    "musa",
    "maca",
    "xpu",
    "torch-npu",
    "vllm",
    "vllm-ascend",
    "sglang",
    "mindie",
    "mindspeed",
    "megatron",
    "deepspeed",
    "cloudmatrix-infer",
]

CHINESE_VENDORS = [
    "Huawei",
    "Cambricon",
    "Kunlunxin",
    "Hygon",
    "Moore Threads",
    "MetaX",
    "Biren",
    "Iluvatar",
    "Enflame",
    "Alibaba",
    "NIO",
    "XPeng",
    "Horizon",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _data_files() -> list[Path]:
    return sorted(shipped_data_dir().glob("*.yaml"))


def _all_figures(catalog: Catalog) -> list[tuple[str, Figure]]:
    found = [(f"chip {c.id} {name}", fig) for c in catalog.chips.values() for name, fig in c.figures().items()]
    for system in catalog.systems.values():
        for name in ("scale_up_bandwidth_gb_s", "scale_out_bandwidth_gb_s", "power_kw"):
            figure = getattr(system, name)
            if figure is not None:
                found.append((f"system {system.id} {name}", figure))
    return found


def test_there_are_data_files() -> None:
    names = {path.name for path in _data_files()}
    assert {"sources.yaml", "nvidia.yaml", "huawei.yaml", "systems.yaml", "stacks.yaml"} <= names


@pytest.mark.parametrize("path", _data_files(), ids=lambda p: p.name)
def test_every_data_file_parses_against_the_schema(path: Path) -> None:
    parsed = parse_catalog_file(path)
    assert parsed.sources or parsed.chips or parsed.systems or parsed.stacks, f"{path.name} is empty"


def test_ids_are_unique_across_files() -> None:
    seen: dict[str, str] = {}
    for path in _data_files():
        parsed = parse_catalog_file(path)
        for kind, records in (
            ("source", parsed.sources),
            ("chip", parsed.chips),
            ("system", parsed.systems),
            ("stack", parsed.stacks),
        ):
            for record in records:
                key = f"{kind}:{record.id}"
                assert key not in seen, f"{key} defined in {seen.get(key)} and {path.name}"
                seen[key] = path.name


def test_at_least_thirty_chips(catalog: Catalog) -> None:
    assert len(catalog.chips) >= 30


@pytest.mark.parametrize("chip_id", REQUIRED_CHIP_IDS)
def test_required_chip_exists(catalog: Catalog, chip_id: str) -> None:
    assert chip_id in catalog.chips


@pytest.mark.parametrize("system_id", REQUIRED_SYSTEM_IDS)
def test_required_system_exists(catalog: Catalog, system_id: str) -> None:
    assert system_id in catalog.systems


@pytest.mark.parametrize("stack_id", REQUIRED_STACK_IDS)
def test_required_stack_exists(catalog: Catalog, stack_id: str) -> None:
    assert stack_id in catalog.stacks


def test_every_figure_has_a_known_source_and_a_valid_confidence(catalog: Catalog) -> None:
    figures = _all_figures(catalog)
    assert len(figures) > 200
    for where, figure in figures:
        assert figure.source in catalog.sources, f"{where} cites unknown source {figure.source}"
        assert figure.confidence in set(Confidence), where


def test_estimates_and_claims_say_why(catalog: Catalog) -> None:
    for where, figure in _all_figures(catalog):
        if figure.confidence in {Confidence.ESTIMATE, Confidence.CLAIM}:
            assert figure.note, f"{where} is a {figure.confidence.value} without a note"


def test_prices_and_events_cite_known_sources(catalog: Catalog) -> None:
    for chip in catalog.chips.values():
        if chip.price is not None:
            assert chip.price.source in catalog.sources, chip.id
            assert len(chip.price.currency) == 3 and chip.price.currency.isupper(), chip.id
        for event in chip.regulatory:
            assert event.source in catalog.sources, f"{chip.id} {event.date}"
        if chip.security.source is not None:
            assert chip.security.source in catalog.sources, chip.id
    for system in catalog.systems.values():
        if system.price is not None:
            assert system.price.source in catalog.sources, system.id
    for stack in catalog.stacks.values():
        if stack.source is not None:
            assert stack.source in catalog.sources, stack.id


def test_regulatory_history_is_in_date_order(catalog: Catalog) -> None:
    for chip in catalog.chips.values():
        dates = [event.date for event in chip.regulatory]
        assert dates == sorted(dates), chip.id


def test_every_alias_is_unique_across_chips(catalog: Catalog) -> None:
    owner: dict[str, str] = {}
    for chip in catalog.chips.values():
        for name in {normalise_name(n) for n in (chip.id, chip.name, *chip.aliases)}:
            assert owner.setdefault(name, chip.id) == chip.id, f"'{name}' names {owner[name]} and {chip.id}"


def test_every_alias_is_unique_across_systems(catalog: Catalog) -> None:
    owner: dict[str, str] = {}
    for system in catalog.systems.values():
        for name in {normalise_name(n) for n in (system.id, system.name, *system.aliases)}:
            assert owner.setdefault(name, system.id) == system.id, f"'{name}' names two systems"


@pytest.mark.parametrize(
    ("typed", "chip_id"),
    [
        ("H20", "nvidia-h20"),
        ("910C", "huawei-ascend-910c"),
        ("昇腾910B", "huawei-ascend-910b"),
        ("昇腾910C", "huawei-ascend-910c"),
        ("寒武纪 MLU590", "cambricon-mlu590"),
        ("昆仑芯 P800", "kunlunxin-p800"),
        ("海光 K100", "hygon-dcu-k100-ai"),
        ("摩尔线程 S4000", "moorethreads-mtt-s4000"),
        ("沐曦 C500", "metax-c500"),
        ("A800", "nvidia-a800-sxm"),
        ("RTX 4090D", "nvidia-rtx-4090d"),
        ("Orin-X", "nvidia-orin-x"),
    ],
)
def test_short_and_chinese_names_find_the_chip(catalog: Catalog, typed: str, chip_id: str) -> None:
    assert catalog.chip(typed).id == chip_id


@pytest.mark.parametrize("vendor", CHINESE_VENDORS)
def test_each_chinese_vendor_has_a_chip_designed_in_china(catalog: Catalog, vendor: str) -> None:
    assert any(c.vendor.startswith(vendor) and c.designer_country == "CN" for c in catalog.chips.values())


def test_country_codes_are_iso_alpha2(catalog: Catalog) -> None:
    for chip in catalog.chips.values():
        assert len(chip.designer_country) == 2 and chip.designer_country.isupper(), chip.id
        assert chip.fab_country is None or (len(chip.fab_country) == 2 and chip.fab_country.isupper()), chip.id


def test_systems_and_stacks_reference_known_records(catalog: Catalog) -> None:
    for stack in catalog.stacks.values():
        for base in stack.runs_on:
            assert base in catalog.stacks, f"{stack.id} runs on unknown stack {base}"
    for system in catalog.systems.values():
        assert system.chip in catalog.chips
        assert 1 <= system.scale_up_domain <= system.chip_count, system.id


def test_cloudmatrix_384_matches_the_research() -> None:
    system = load_catalog().system("Atlas 900 A3 SuperPoD")
    assert system.id == "cloudmatrix-384"
    assert system.chip == "huawei-ascend-910c"
    assert system.chip_count == 384
    assert system.scale_up_domain == 384
    assert system.power_kw is not None and system.power_kw.value == pytest.approx(559)
    assert system.scale_up_bandwidth_gb_s is not None


def test_announced_chips_are_marked_announced(catalog: Catalog) -> None:
    for chip_id in ("huawei-ascend-950pr", "huawei-ascend-950dt"):
        assert catalog.chips[chip_id].status is ChipStatus.ANNOUNCED


def test_automotive_and_consumer_kinds(catalog: Catalog) -> None:
    automotive = {c.id for c in catalog.chips.values() if c.kind is ChipKind.AUTOMOTIVE}
    expected = {"nvidia-orin-x", "nvidia-thor", "nio-shenji-nx9031", "xpeng-turing", "horizon-journey-6p"}
    assert expected | {"huawei-mdc-810"} <= automotive
    assert catalog.chips["nvidia-rtx-4090"].kind is ChipKind.CONSUMER
    assert catalog.chips["nvidia-rtx-4090d"].kind is ChipKind.CONSUMER


def test_unknown_figures_stay_null(catalog: Catalog) -> None:
    # catalog-anchors.md part D: no variant split for 910B1-B4, no 910C TDP or die area, no P800 throughput
    assert catalog.chips["huawei-ascend-910c"].die_area_mm2 is None
    assert catalog.chips["huawei-ascend-910c"].tdp_w is None
    assert not catalog.chips["huawei-ascend-910b1"].dense_tflops
    assert not catalog.chips["kunlunxin-p800"].dense_tflops
