"""Hostile YAML and JSON against chipshift.datafiles: bombs, deep nesting, duplicates, NaN; fuzzed (issue 17).

Every input is generated here at test time. Each case runs with libyaml's parser and with PyYAML's pure-Python one
(the fallback where libyaml is missing). The fuzz tests are derandomised: hypothesis draws the same examples on
every run (seed fixed by ``derandomize=True``), so a failure is reproducible from the test alone.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chipshift import datafiles
from chipshift.datafiles import MAX_ALIAS_NODES, MAX_DEPTH, load_json, load_yaml
from chipshift.errors import InputFileError

DEEP = 20_000


def alias_bomb(levels: int = 6, width: int = 9, leaf: str = "x") -> str:
    """Under 1 KB of YAML that expands to ``width ** levels`` nodes (531,441 for 6 x 9)."""
    lines = [f"a0: &a0 [{', '.join([leaf] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.fixture(params=["libyaml", "pure-python"], autouse=True)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test with libyaml's parser (when installed) and with PyYAML's pure-Python one."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("libyaml is not installed")
        monkeypatch.setattr(datafiles, "_PARSER", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(datafiles, "_PARSER", yaml.SafeLoader)
    yield request.param


def test_an_alias_bomb_of_under_a_kilobyte_is_refused_at_its_line() -> None:
    text = alias_bomb()
    assert len(text.encode()) < 1024
    with pytest.raises(InputFileError) as caught:
        load_yaml(text, "bomb.yaml")
    assert caught.value.message.startswith("bomb.yaml:")
    assert f"more than {MAX_ALIAS_NODES:,} extra nodes" in caught.value.message


def test_a_bomb_through_merge_keys_is_refused() -> None:
    lines = ["m0: &m0 {k0: 1, k1: 2, k2: 3, k3: 4, k4: 5, k5: 6, k6: 7, k7: 8, k8: 9}"]
    lines += [f"m{i}: &m{i} [{', '.join([f'{{<<: *m{i - 1}}}'] * 9)}]" for i in range(1, 7)]
    with pytest.raises(InputFileError, match="alias bomb"):
        load_yaml("\n".join(lines), "merge.yaml")


def test_aliases_that_add_little_are_fine() -> None:
    data, _ = load_yaml("base: &b {site: sh, sector: ai}\na: *b\nb: {<<: *b, site: bj}\n", "ok.yaml")
    shared = {"site": "sh", "sector": "ai"}
    assert data == {"base": shared, "a": shared, "b": {"site": "bj", "sector": "ai"}}


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(InputFileError, match=r"loop\.yaml:2: recursive alias"):
        load_yaml("a: 1\nb: &b [1, *b]\n", "loop.yaml")


@pytest.mark.parametrize(
    "text",
    ["[" * DEEP + "]" * DEEP, "- " * DEEP + "x\n", "a:\n" + "".join(f"{' ' * i}b:\n" for i in range(1, 200))],
    ids=["flow", "block-sequence", "block-mapping"],
)
def test_deep_yaml_is_a_clear_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(InputFileError, match=rf"deep\.yaml(:\d+)?: nested more than {MAX_DEPTH} levels deep"):
        load_yaml(text, "deep.yaml")


def test_depth_counts_through_aliases() -> None:
    inner = "[" * 40 + "1" + "]" * 40
    text = f"a: &a {inner}\nb: {'[' * 30}*a{']' * 30}\n"  # 40 and 30 levels: each fine alone, 71 together
    with pytest.raises(InputFileError, match="nested more than"):
        load_yaml(text, "alias-depth.yaml")


def test_a_duplicate_key_is_refused_at_the_second_one() -> None:
    with pytest.raises(InputFileError, match=r"dup\.yaml:4: duplicate key 'price'"):
        load_yaml("chip: h20\nprice: 1\nsite: sh\nprice: 2\n", "dup.yaml")
    with pytest.raises(InputFileError, match=r"dup\.yaml:3: duplicate key 'b'"):
        load_yaml("a:\n  b: 1\n  b: 2\n", "dup.yaml")


@pytest.mark.parametrize(
    ("text", "line"),
    [("when: 2025-13-45\n", 1), ("a: 1\nn: " + "1:" * 60 + "1\n", 2), ("a: !!int\n", 1), ("? [1]\n: 2\n", 1)],
    ids=["bad-date", "sexagesimal", "empty-int", "list-key"],
)
def test_values_that_cannot_be_built_name_their_line(text: str, line: int) -> None:
    with pytest.raises(InputFileError, match=rf"v\.yaml:{line}: not valid YAML"):
        load_yaml(text, "v.yaml")


def test_an_empty_document_is_none() -> None:
    assert load_yaml("# nothing\n", "e.yaml") == (None, None)


@pytest.mark.parametrize("text", ["[" * DEEP + "]" * DEEP, '{"a": ' * DEEP + "1" + "}" * DEEP, "[" * 65 + "]" * 65])
def test_deep_json_is_a_clear_error(text: str) -> None:
    with pytest.raises(InputFileError, match=rf"deep\.json: nested more than {MAX_DEPTH} levels deep"):
        load_json(text, "deep.json")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_json_refuses_nan_and_infinity(literal: str) -> None:
    with pytest.raises(InputFileError, match=r"c\.json: not valid JSON"):
        load_json(f'{{"hidden_size": {literal}}}', "c.json")


def test_json_syntax_errors_name_the_line() -> None:
    with pytest.raises(InputFileError, match=r"c\.json:3: not valid JSON"):
        load_json('{\n  "a": 1,\n  "b": }\n', "c.json")


YAML_TOKENS = [*"[]{}:,-&*!|>'\"#%@`?.=~+_ab019e\n\t ", "<<", "&a ", "*a", "!!int ", "!!float ", "!!binary "]
YAML_TOKENS += ["!!timestamp ", "!!set ", "!!omap ", "!!python/object ", "--- ", "...\n", ": ", "- ", "\n  ", "\\x"]
JSON_TOKENS = [*'[]{}:,"0123456789.eE-+ \n', "true", "false", "null", "NaN", "Infinity", '"a"', "\\u", "1e999"]


@settings(max_examples=1500, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(YAML_TOKENS), max_size=120).map("".join)))
def test_fuzz_load_yaml_raises_only_input_file_errors(parser: str, text: str) -> None:
    try:
        load_yaml(text, "fuzz.yaml")
    except InputFileError as error:
        assert error.message.startswith("fuzz.yaml") and "\n" not in error.message


@settings(max_examples=1500, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(JSON_TOKENS), max_size=120).map("".join)))
def test_fuzz_load_json_raises_only_input_file_errors(parser: str, text: str) -> None:
    try:
        load_json(text, "fuzz.json")
    except InputFileError as error:
        assert error.message.startswith("fuzz.json") and "\n" not in error.message
