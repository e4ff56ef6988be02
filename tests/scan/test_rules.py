"""The rule files: schema, ids, per-target support, documented categories, prefilter tokens, docs."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from chipshift.errors import InputFileError
from chipshift.migrate import available_targets, load_target
from chipshift.scan import Rule, Support, load_rules, porting_targets
from chipshift.scan.prefilter import rule_triggers
from chipshift.scan.rules import RULE_FILES, TargetSupport, parse_rules

RULES_DIR = resources.files("chipshift.scan") / "rules"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "scan.md"


def _raw_rules() -> list[dict[str, object]]:
    return [raw for name in RULE_FILES for raw in yaml.safe_load((RULES_DIR / name).read_text())["rules"]]


def test_at_least_120_rules_with_unique_stable_ids() -> None:
    rules = load_rules().rules
    assert len(rules) >= 120
    ids = [rule.id for rule in rules]
    assert len(ids) == len(set(ids))
    names = [rule.name for rule in rules]
    assert len(names) == len(set(names))


def test_every_raw_rule_validates_against_the_json_schema() -> None:
    schema = Rule.model_json_schema(mode="validation")
    for raw in _raw_rules():
        jsonschema.validate(raw, schema)


def test_every_rule_names_only_porting_targets_of_the_catalog() -> None:
    """Shipped rules state every shipped target (a target added later is left out, which means unsupported)."""
    targets = set(porting_targets())
    for rule in load_rules().rules:
        assert set(rule.targets) == targets, rule.id
        for support in rule.targets.values():
            if support.support is Support.EQUIVALENT:
                assert support.replacement, rule.id


def test_a_target_a_rule_leaves_out_is_unsupported() -> None:
    text = RULES_DIR.joinpath("python.yaml").read_text()
    rule = next(r for r in parse_rules([("python.yaml", text)]).rules if r.id == "CS105")
    assert rule.support("acme-npu") == TargetSupport(support=Support.UNSUPPORTED)
    trimmed = Rule.model_validate({**rule.model_dump(mode="json"), "targets": {"ascend": {"support": "native"}}})
    assert trimmed.support("ascend").support is Support.NATIVE
    assert trimmed.support("musa").support is Support.UNSUPPORTED


def test_a_rule_target_must_be_an_id() -> None:
    text = RULES_DIR.joinpath("python.yaml").read_text().replace("    portable:", "    Portable Torch:", 1)
    with pytest.raises(InputFileError, match=r"python\.yaml.*Portable Torch"):
        parse_rules([("python.yaml", text)])


def test_categories_are_the_documented_ones() -> None:
    header = (RULES_DIR / "python.yaml").read_text().split("\nrules:")[0]
    documented = header.split("category ")[1].split("severity ")[0]
    categories = set(re.findall(r"[a-z][a-z-]+", documented)) - {"group", "for", "counts"}
    assert {rule.category for rule in load_rules().rules} <= categories


def test_every_rule_has_prefilter_tokens_and_valid_regexes() -> None:
    for rule in load_rules().rules:
        assert rule_triggers(rule), rule.id
        for regex in (rule.match.string, rule.match.fstring, rule.match.requirement_regex, rule.match.line_regex):
            if regex:
                re.compile(regex)


def test_auto_support_exists_only_where_migrate_has_targets() -> None:
    implemented = {load_target(name).porting_target for name in available_targets()}
    assert implemented == {"ascend", "portable"}
    for rule in load_rules().rules:
        for target in set(porting_targets()) - implemented:
            assert rule.support(target).support is not Support.AUTO, (rule.id, target)


def test_bad_rule_names_its_file_and_id() -> None:
    text = "rules:\n  - {id: CS999, name: x, title: t, category: c, severity: loud, confidence: high}\n"
    with pytest.raises(InputFileError, match=r"mine\.yaml.*CS999"):
        parse_rules([("mine.yaml", text)])


def test_every_rule_is_documented() -> None:
    text = DOCS.read_text()
    missing = [rule.id for rule in load_rules().rules if f"| {rule.id} |" not in text]
    assert not missing
