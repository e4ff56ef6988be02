"""The scanner on real code from the registry (torch, installed in site-packages), against independent counts.

The independent count is made with the standard library's ``tokenize``: every ``torch . cuda`` name sequence
outside import statements is one use of the torch.cuda API. The scanner must report a finding at exactly each of
those positions (rules CS101-CS125, CS151-CS154) outside code that already handles several backends and outside
type annotations, no more and no fewer; and turning the prefilter off must not change a single finding.

These trees are packages that name several backends, so they are scanned as libraries: PyTorch's own CUDA backend
(``backends/cuda/``, ``cuda/nccl.py``) and its dispatches over backends are not lock-in, and the count leaves out what
:func:`chipshift.multibackend.kept_regions` keeps (tested on its own in ``tests/multibackend``).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from chipshift.multibackend import Region, holds, is_multi_backend_package, kept_regions
from chipshift.scan import ScanResult, scan_paths
from chipshift.scan.prefilter import Prefilter

torch = pytest.importorskip("torch")
TORCH = Path(torch.__file__).parent
TREES = [TORCH / "cuda", TORCH / "amp", TORCH / "backends", TORCH / "utils" / "data", TORCH / "nn" / "parallel"]


def _torch_cuda_positions(path: Path) -> set[tuple[str, int, int]]:
    positions = set()
    skipped = (tokenize.NL, tokenize.COMMENT)
    tokens = [t for t in tokenize.tokenize(io.BytesIO(path.read_bytes()).readline) if t.type not in skipped]
    in_import = False
    for index, token in enumerate(tokens):
        if token.type == tokenize.STRING:
            positions |= _in_fstring(path, token)
        elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            in_import = False
        elif (
            token.type == tokenize.NAME
            and token.string in ("import", "from")
            and (index == 0 or tokens[index - 1].type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT))
        ):
            in_import = True
        elif (
            not in_import
            and token.string == "torch"
            and index + 2 < len(tokens)
            and tokens[index + 1].string == "."
            and tokens[index + 2].string == "cuda"
            and (index == 0 or tokens[index - 1].string != ".")
        ):
            positions.add((path.as_posix(), token.start[0], token.start[1] + 1))
    return positions


def _in_fstring(path: Path, token: tokenize.TokenInfo) -> set[tuple[str, int, int]]:
    """Uses inside a one-line f-string's braces (Python 3.11 tokenizes an f-string as one STRING token)."""
    prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBuUfF"))]
    if "f" not in prefix.lower() or token.start[0] != token.end[0]:
        return set()
    text = token.string.replace("{{", "  ").replace("}}", "  ")
    return {
        (path.as_posix(), token.start[0], token.start[1] + field.start(1) + match.start() + 1)
        for field in _FSTRING_FIELD.finditer(text)
        for match in _FSTRING_USE.finditer(field.group(1))
    }


_FSTRING_FIELD = re.compile(r"\{([^{}]*)\}")
_FSTRING_USE = re.compile(r"(?<![\w.])torch\.cuda\b")


@pytest.fixture(scope="module")
def torch_scan() -> ScanResult:
    # the virtual environment may lie in a git checkout that ignores it: scan its files all the same
    return scan_paths(TREES, jobs=2, use_cache=False, use_gitignore=False)


def _kept(tree: Path) -> set[tuple[str, int, int]]:
    """Positions of ``torch.cuda`` uses in code kept as written, as a scan of ``tree`` decides it."""
    files = sorted(tree.rglob("*.py"))
    library = is_multi_backend_package((path.name, path.read_text(encoding="utf-8")) for path in files)
    kept = set()
    for path in files:
        source = path.read_bytes()
        module = ast.parse(source)
        regions = kept_regions(module, library=library, module_path=path.relative_to(tree).as_posix())
        regions += _annotations(module)
        for name, line, column in _torch_cuda_positions(path):
            byte_column = len(source.splitlines()[line - 1].decode("utf-8")[: column - 1].encode("utf-8"))
            if holds(regions, (line, byte_column)):
                kept.add((name, line, column))
    return kept


def _annotations(module: ast.Module) -> tuple[Region, ...]:
    """Type annotations: ``stream: torch.cuda.Stream`` names a type, not a use of the API."""
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.arg | ast.AnnAssign):
            annotation = node.annotation
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotation = node.returns
        else:
            continue
        if annotation is not None:
            start = (annotation.lineno, annotation.col_offset)
            found.append(Region(start, (annotation.end_lineno or 0, annotation.end_col_offset or 0), "annotation"))
    return tuple(found)


def test_every_torch_cuda_use_is_found_exactly(torch_scan: ScanResult) -> None:
    expected = set()
    for tree in TREES:
        for path in tree.rglob("*.py"):
            expected |= _torch_cuda_positions(path)
        expected -= _kept(tree)
    assert len(expected) >= 50  # a real sample, counted independently (60 with torch 2.13)
    found = set()
    for finding in torch_scan.findings:
        line = Path(finding.path).read_text(encoding="utf-8").splitlines()[finding.line - 1]
        if line[finding.column - 1 :].startswith("torch.cuda"):
            found.add((finding.path, finding.line, finding.column))
    assert found == expected


def test_prefilter_loses_nothing(torch_scan: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Prefilter, "may_match", lambda self, data: True)
    unfiltered = scan_paths(TREES, jobs=1, use_cache=False, use_gitignore=False)
    assert unfiltered.findings == torch_scan.findings
    assert len(torch_scan.findings) > 100
