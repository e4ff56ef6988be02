"""Fuzzing every loader of user files (issue 17, item 8): a clean ChipshiftError in one line, or a valid result.

The user catalog loader, the scenario loader (with the check against the catalog that ``assess`` runs first), the
validation-case reader, the model-config reader, the request-lengths reader, the migration-target reader and the
fleet targets reader each get real files of their kind mutated line by line (a value replaced by NaN, an infinity,
a negative, ``true``, markup, an alias...; a line deleted, repeated or cut), and the readers of generated content
get generated content. Anything but a :class:`ChipshiftError` whose message names the file is a failure.

Hypothesis is derandomised (``derandomize=True``: the seed is fixed by each test's name), so every run draws the same
examples and a failure reproduces from the test alone.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chipshift.assess import example_scenario_path
from chipshift.assess.checks import check_scenario
from chipshift.assess.scenario import parse_scenario
from chipshift.catalog import load_catalog
from chipshift.catalog.loader import shipped_data_dir
from chipshift.errors import ChipshiftError
from chipshift.fleet.rules import load_policy
from chipshift.migrate.target import load_target_file
from chipshift.perf.cases import parse_cases
from chipshift.perf.lengths import load_lengths
from chipshift.perf.models import load_model
from chipshift.perf.validate import calibration_file

from .fuzzing import HOSTILE_TOKENS, fuzz_settings, mutated_text

SRC = Path(__file__).resolve().parents[2] / "src" / "chipshift"
TARGETS = SRC / "migrate" / "targets"
FUZZ = fuzz_settings(60)
CATALOG = load_catalog()

USER_CATALOG = """\
sources:
  - {id: my-source, title: "My measurements"}
chips:
  - id: my-chip
    name: My Chip
    vendor: Me
    designer_country: CN
    kind: datacenter-inference
    dense_tflops:
      bf16: {value: 100, source: my-source, as_of: "2025", confidence: measured}
      int8: {value: 200, source: my-source, as_of: "2025", confidence: estimate}
    memory:
      type: HBM2e
      capacity_gb: {value: 64, source: my-source, as_of: "2025", confidence: measured}
      bandwidth_gb_s: {value: 1600, source: my-source, as_of: "2025", confidence: measured}
    die_area_mm2: {value: 600, source: my-source, as_of: "2025", confidence: measured}
    tdp_w: {value: 350, source: my-source, as_of: "2025", confidence: measured}
    price: {value: 10000, currency: CNY, source: my-source, as_of: "2025", confidence: estimate}
    release_year: 2025
"""
"""A small user catalog: a source and a chip with most of its figures."""


def refused_cleanly(name: str, call: Callable[[], Any]) -> Any:
    """``call()``'s result, or None when it raised a ChipshiftError naming ``name`` in one line."""
    try:
        return call()
    except ChipshiftError as error:
        assert name in error.message and "\n" not in error.message, error.message
        return None


def _in_folder(name: str, text: str, read: Callable[[Path], Any]) -> Any:
    """``read(path)`` of ``text`` written as ``name`` in a fresh folder (the catalog cache is keyed by folder)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return refused_cleanly(name, lambda: read(path))


def test_every_seed_is_read_as_it_is() -> None:
    """The unmutated files load: what the fuzzing breaks is the mutation, not the seed."""
    assert "my-chip" in _in_folder("mine.yaml", USER_CATALOG, lambda path: load_catalog([path.parent])).chips
    check_scenario(parse_scenario(EXAMPLE, "scenario.yaml"), CATALOG)
    assert parse_cases(Path("cases.yaml"), CALIBRATION)
    assert _in_folder("config.json", SHIPPED_CONFIG, lambda path: load_model(str(path))).is_moe
    assert _in_folder("config.json", json.dumps(BASE_CONFIG), lambda path: load_model(str(path)))
    for target in ("portable", "ascend"):
        assert _in_folder("target.yaml", (TARGETS / f"{target}.yaml").read_text(encoding="utf-8"), load_target_file)
    assert _in_folder("targets.yaml", FLEET_TARGETS, load_policy).targets


@FUZZ
@given(mutated_text(USER_CATALOG))
def test_a_mutated_user_catalog_loads_or_is_refused(text: str) -> None:
    catalog = _in_folder("mine.yaml", text, lambda path: load_catalog([path.parent]))
    for chip in catalog.chips.values() if catalog else ():
        for figure in (chip.die_area_mm2, chip.tdp_w, chip.memory.capacity_gb, chip.memory.bandwidth_gb_s):
            assert figure is None or (math.isfinite(figure.value) and figure.value > 0), chip.id


SHIPPED_CATALOG_FILES = sorted(p.name for p in shipped_data_dir().glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED_CATALOG_FILES)
@fuzz_settings(15)
@given(data=st.data())
def test_a_mutated_shipped_catalog_file_as_a_user_catalog(name: str, data: st.DataObject) -> None:
    """Each shipped file, mutated, given as a ``--catalog`` directory: its records replace the shipped ones."""
    text = data.draw(mutated_text((shipped_data_dir() / name).read_text(encoding="utf-8")), label="text")
    _in_folder(name, text, lambda path: load_catalog([path.parent]))


EXAMPLE = example_scenario_path().read_text(encoding="utf-8")


@FUZZ
@given(mutated_text(EXAMPLE, max_edits=3))
def test_a_mutated_scenario_is_loaded_and_checked_or_refused(text: str) -> None:
    """``assess`` reads a scenario, then checks it against the catalog before any work: both in one line or a pass."""
    refused_cleanly("scenario.yaml", lambda: check_scenario(parse_scenario(text, "scenario.yaml"), CATALOG))


CALIBRATION = calibration_file().read_text(encoding="utf-8")


@FUZZ
@given(mutated_text(CALIBRATION))
def test_a_mutated_validation_file_is_read_or_refused(text: str) -> None:
    cases = refused_cleanly("cases.yaml", lambda: parse_cases(Path("cases.yaml"), text))
    for case in cases or ():
        assert math.isfinite(case.measured.value) and case.measured.value > 0, case.id


CONFIG_KEYS = [
    "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "vocab_size", "head_dim",
    "intermediate_size", "kv_lora_rank", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim",
    "n_routed_experts", "num_local_experts", "num_experts_per_tok", "first_k_dense_replace", "mlp_only_layers",
    "n_shared_experts", "moe_intermediate_size", "topk_group", "num_nextn_predict_layers", "max_position_embeddings",
    "hidden_act", "tie_word_embeddings", "_chipshift", "n_embd", "n_layer", "n_head",
]  # fmt: skip
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
BASE_CONFIG = {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "vocab_size": 32000}


@fuzz_settings(150)
@given(st.dictionaries(st.sampled_from(CONFIG_KEYS), JSON_VALUES | st.integers(0, 4096), max_size=10))
def test_a_generated_model_config_is_read_or_refused(change: dict[str, Any]) -> None:
    text = json.dumps({**BASE_CONFIG, **change})
    model = _in_folder("config.json", text, lambda path: load_model(str(path)))
    if model is not None:
        assert model.num_heads >= 1 and model.num_layers >= 1 and model.total_params > 0


SHIPPED_CONFIG = (SRC / "perf" / "data" / "models" / "deepseek-v3.json").read_text(encoding="utf-8")


@FUZZ
@given(mutated_text(SHIPPED_CONFIG))
def test_a_mutated_shipped_model_config_is_read_or_refused(text: str) -> None:
    _in_folder("config.json", text, lambda path: load_model(str(path)))


LENGTH_CELLS = st.one_of(st.sampled_from(HOSTILE_TOKENS), st.integers(-5, 10**12).map(str), st.text(max_size=6))


@fuzz_settings(150)
@given(st.lists(st.lists(LENGTH_CELLS, min_size=1, max_size=4), max_size=6), st.booleans())
def test_a_generated_lengths_file_is_read_or_refused(rows: list[list[str]], with_arrivals: bool) -> None:
    header = "input_tokens,output_tokens" + (",arrival_s" if with_arrivals else "")
    text = header + "\n" + "".join(",".join(cell.replace("\n", " ") for cell in row) + "\n" for row in rows)
    requests = _in_folder("trace.csv", text, load_lengths)
    if requests is not None:
        assert len(requests.input_tokens) >= 1 and (requests.input_tokens >= 1).all()


@fuzz_settings(150)
@given(st.lists(st.dictionaries(st.sampled_from(["input_tokens", "output_tokens", "arrival_s"]), JSON_VALUES)))
def test_a_generated_jsonl_lengths_file_is_read_or_refused(rows: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(row) + "\n" for row in rows)
    _in_folder("trace.jsonl", text, load_lengths)


@pytest.mark.parametrize("target", ["portable", "ascend"])
@fuzz_settings(40)
@given(data=st.data())
def test_a_mutated_migration_target_file_is_read_or_refused(target: str, data: st.DataObject) -> None:
    text = data.draw(mutated_text((TARGETS / f"{target}.yaml").read_text(encoding="utf-8")))
    _in_folder("target.yaml", text, load_target_file)


FLEET_TARGETS = (SRC / "fleet" / "examples" / "fleet-targets.yaml").read_text(encoding="utf-8")


@FUZZ
@given(mutated_text(FLEET_TARGETS))
def test_a_mutated_fleet_targets_file_is_read_or_refused(text: str) -> None:
    _in_folder("targets.yaml", text, load_policy)
