"""Print the Markdown table of every ``chipshift scan`` rule, or rewrite it in ``docs/scan.md``.

The table is generated from the shipped rule files (``chipshift.scan.load_rules()``), one row per rule, so that the
documentation never drifts from ``src/chipshift/scan/rules/*.yaml``. Each row starts with ``| CSnnn |`` (checked by
``tests/scan/test_rules.py::test_every_rule_is_documented``) and carries an ``<a id="csnnn">`` anchor, the target
of the help links that the Markdown, SARIF and JSON reports give for each finding.

Regenerate the docs after adding or changing a rule:

    python scripts/scan_rules_table.py --write        # rewrites docs/scan.md between the markers
    python scripts/scan_rules_table.py                # prints the table only

``--write`` replaces everything between ``<!-- rules:begin -->`` and ``<!-- rules:end -->`` in ``docs/scan.md``
(or the file given with ``--docs``) and leaves the rest of the file untouched.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chipshift.scan import Rule, load_rules, porting_targets

BEGIN = "<!-- rules:begin -->"
END = "<!-- rules:end -->"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "scan.md"


_MARKDOWN_SPECIALS = "\\`*_[]<>|"


def _cell(text: str) -> str:
    """``text`` shown literally inside a Markdown table cell (``__global__``, ``<cuda.h>``, ``a | b``)."""
    escaped = "".join(f"\\{c}" if c in _MARKDOWN_SPECIALS else c for c in text)
    return " ".join(escaped.split())


def _support(rule: Rule, target: str) -> str:
    support = rule.support(target)
    if support.replacement:
        return f"{support.support.value}: {_cell(support.replacement)}"
    return support.support.value


def rules_table() -> str:
    """The Markdown table of all shipped rules, in file order, one column per porting target of the shipped catalog,
    ending with a newline."""
    targets = porting_targets()
    header = ["id", "name", "category", "severity", "title", "effort h", *targets]
    align = ["---", "---", "---", "---", "---", "---:", *("---" for _ in targets)]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    for rule in load_rules().rules:
        cells = [
            rule.id,
            f'<a id="{rule.id.lower()}"></a>`{rule.name}`',
            rule.category,
            rule.severity.label,
            _cell(rule.title) + (f" (in HIP code: [{rule.hip}](#{rule.hip.lower()}))" if rule.hip else ""),
            f"{rule.effort_hours:g}",
            *(_support(rule, target) for target in targets),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def rewrite(docs: Path, table: str) -> bool:
    """Put ``table`` between the markers in ``docs``; True when the file changed."""
    text = docs.read_text(encoding="utf-8")
    start = text.find(BEGIN)
    end = text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{docs}: markers {BEGIN} ... {END} not found (in that order)")
    new = f"{text[: start + len(BEGIN)]}\n{table}{text[end:]}"
    if new == text:
        return False
    docs.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Print the table, or with ``--write`` rewrite it in the docs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help="rewrite the table in the docs file in place")
    parser.add_argument("--docs", type=Path, default=DOCS, help=f"docs file for --write (default: {DOCS})")
    args = parser.parse_args(argv)
    table = rules_table()
    if not args.write:
        sys.stdout.write(table)
        return 0
    changed = rewrite(args.docs, table)
    print(f"{args.docs}: {'rewritten' if changed else 'already up to date'} ({len(load_rules().rules)} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
