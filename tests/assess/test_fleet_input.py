"""The pipeline reads a scenario's inventories as one fleet: a host's ``npu-smi info`` table and its ``npu-smi info
-m`` mapping are one set of chips (real outputs from shared/data/inventory-samples, gpustack's Atlas 800 capture)."""

from __future__ import annotations

from pathlib import Path

from chipshift.assess.fleet import read_fleet
from chipshift.assess.scenario import parse_scenario
from chipshift.catalog import load_catalog

SAMPLE = "gpustack__ai-server_atlas-800-training-server_model-9010_version-24.1.RC2"
SCENARIO = """
name: inventories
years: [2026]
workloads: [{id: chat, kind: inference, model: qwen3-32b, output_tokens_per_s: 1000}]
candidates: [{id: huawei-ascend-910b}]
"""


def _fleet(paths: list[Path]) -> tuple[int, int]:
    scenario = parse_scenario(SCENARIO).model_copy(update={"inventories": paths})
    fleet = read_fleet(scenario, load_catalog())
    return sum(n for site in fleet.existing.values() for n in site.values()) + fleet.unmatched, fleet.merged


def test_a_table_and_its_mapping_count_each_chip_once(shared_data: Path) -> None:
    folder = shared_data / "inventory-samples"
    table, mapping = folder / f"{SAMPLE}.txt", folder / f"{SAMPLE}_mapping.txt"
    alone, _ = _fleet([table])
    together, merged = _fleet([table, mapping])
    assert alone > 0
    assert together == alone and merged == alone  # every chip of the mapping is one the table lists


def test_the_same_file_twice_is_read_once(shared_data: Path) -> None:
    table = shared_data / "inventory-samples" / f"{SAMPLE}.txt"
    once, _ = _fleet([table])
    twice, _ = _fleet([table, table])
    assert twice == once
