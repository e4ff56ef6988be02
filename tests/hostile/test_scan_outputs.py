"""Scan reports neutralised for their medium (issue 17), and the report file written whole or not at all.

A repository whose file names and lines carry HTML, Markdown links, rich markup and terminal escapes is scanned;
each format must show that text as text. (``chipshift scan`` writes no CSV: there is no CSV format to neutralise.)
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipshift.cli.main import app
from chipshift.files import TEMPORARY_SUFFIX
from chipshift.scan import ScanResult, scan_paths
from chipshift.scan.formats import ScanFormat
from chipshift.scan.formats.escape import markdown_text
from chipshift.scan.formats.table import TableFormat

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[click](javascript:alert(1))"


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """Findings and a skipped file whose paths and text are hostile in every medium."""
    root = tmp_path_factory.mktemp("repo") / f"{IMG}[red]`x|y"
    root.mkdir()
    (root / "train.py").write_text("import torch\ntorch.cuda.synchronize()\n", encoding="utf-8")
    (root / "Dockerfile").write_text(f"FROM nvidia/cuda:12 AS {SCRIPT}\nRUN nvidia-smi {LINK} \x1b[2J [/bold]\n")
    (root / f"{LINK}.py").write_text(f"import torch\nprint 'py2 {SCRIPT}' torch.cuda\n", encoding="utf-8")
    return scan_paths([root], jobs=1, use_cache=False)


def test_the_scan_saw_the_hostile_text(hostile_scan: ScanResult) -> None:
    assert len(hostile_scan.findings) >= 3 and len(hostile_scan.skipped) == 1
    assert all(IMG in f.path for f in hostile_scan.findings)
    assert any(LINK in f.snippet for f in hostile_scan.findings)


def test_markdown_shows_html_and_links_as_text(hostile_scan: ScanResult) -> None:
    markdown = ScanFormat.MARKDOWN.formatter().format(hostile_scan)
    assert "<script" not in markdown and "<img" not in markdown
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown)  # only an escaped \](...) is left: not a link
    assert "\x1b" not in markdown
    assert r"&lt;img src=x onerror=alert(1)&gt;\[red\]\`x\|y" in markdown
    assert r"\[click\](javascript:alert(1)).py" in markdown
    for line in markdown.splitlines():
        if line.startswith("| <code>"):  # every finding row keeps its cells: the path's | is escaped
            assert line.replace("\\|", "").count("|") == 4 + len(hostile_scan.targets) + 1, line


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"),
        ("a|b", r"a\|b"),
        ("`code`", r"\`code\`"),
        ("**bold** _it_ ~~x~~", r"\*\*bold\*\* \_it\_ \~\~x\~\~"),
        ("![img](http://x)", r"!\[img\](http://x)"),
        ("line\nbreak\r\x1b[31m", r"line\\x0abreak\\x0d\\x1b\[31m"),  # renders as line\x0abreak\x0d\x1b[31m
        ("# heading", r"\# heading"),
        ("a\\b", r"a\\b"),
    ],
)
def test_markdown_text_escapes(text: str, shown: str) -> None:
    assert markdown_text(text) == shown


def test_html_escapes_everything_under_a_strict_policy(hostile_scan: ScanResult) -> None:
    html = ScanFormat.HTML.formatter().format(hostile_scan)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html and "default-src 'none'" in html


def test_the_terminal_table_reads_no_markup_and_no_escapes(hostile_scan: ScanResult) -> None:
    text = TableFormat().format(hostile_scan)
    assert "\x1b" not in text and "[red]" in text and "\\x1b[2J" not in text.replace("\\x1b", "")
    assert IMG in text  # a terminal shows it as text


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif_stay_valid_json(hostile_scan: ScanResult, fmt: str) -> None:
    data = json.loads(ScanFormat(fmt).formatter().format(hostile_scan))
    assert IMG in json.dumps(data)  # kept as data; a JSON consumer escapes for its own medium


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["scan", *args])
    return result.exit_code, result.stderr


EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "chipshift" / "examples" / "example-repo"


def test_a_report_under_a_file_is_refused_before_scanning(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("a file, not a folder\n")
    target, cache = tmp_path / "plain" / "scan.json", tmp_path / "cache"
    code, err = _run(str(EXAMPLE), "-f", "json", "-o", str(target), "--cache-dir", str(cache))
    assert code == 2 and err.count("\n") == 1 and str(target) in err and "is a file, not a folder" in err
    assert not cache.exists()  # refused before any work


def test_a_report_into_a_missing_folder_makes_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "reports" / "scan.json"
    code, _ = _run(str(EXAMPLE), "-f", "json", "-o", str(target), "--no-cache", "-j", "1")
    assert code in (0, 1) and json.loads(target.read_text())["result"]


def test_a_report_onto_a_folder_is_refused(tmp_path: Path) -> None:
    code, err = _run(str(EXAMPLE), "-o", str(tmp_path), "--no-cache")
    assert code == 2 and err.count("\n") == 1 and "is a folder" in err


def test_a_report_replaces_the_old_one_whole(tmp_path: Path) -> None:
    target = tmp_path / "scan.md"
    target.write_text("old report\n")
    os.chmod(target, 0o640)
    code, _ = _run(str(EXAMPLE), "-f", "markdown", "-o", str(target), "--no-cache", "-j", "1")
    assert code == 0 and target.read_text().startswith("# chipshift scan")
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    assert not list(tmp_path.glob(f"*{TEMPORARY_SUFFIX}"))
