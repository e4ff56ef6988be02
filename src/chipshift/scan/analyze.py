"""Analysing one file: read checks, the prefilter, then the analyzer for the file's kind.

Every problem becomes a :class:`SkippedFile` with a reason; nothing here raises for a bad file.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chipshift.scan.backends import PROJECT_MARKERS
from chipshift.scan.cpp_analyzer import CppRules, analyze_cpp, grammar_for, is_ascend_c_source, is_hip_source
from chipshift.scan.dependency_analyzer import analyze_dependencies
from chipshift.scan.discover import FileKind, SourceFile
from chipshift.scan.finding import Finding
from chipshift.scan.line_analyzer import analyze_lines, logical_lines
from chipshift.scan.model import FileOutcome, SkippedFile
from chipshift.scan.notebook import NotebookError, read_notebook
from chipshift.scan.prefilter import Prefilter
from chipshift.scan.python_analyzer import PythonAnalyzer, PythonRules, module_name
from chipshift.scan.rules import Rule, RuleBook, load_rules

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Files larger than this are skipped as huge (generated code, vendored blobs)."""
_REASON_CHARS = 300

_DEPENDENCY_KINDS = {
    FileKind.REQUIREMENTS: "requirements",
    FileKind.PYPROJECT: "pyproject",
    FileKind.SETUP_CFG: "setup-cfg",
    FileKind.CONDA: "conda",
}
_LINE_KINDS = {FileKind.DOCKER: "docker", FileKind.CI: "ci", FileKind.SHELL: "shell", FileKind.BUILD: "build"}


@dataclass(frozen=True)
class Analyzers:
    """Rules indexed per analyzer and the prefilter per file kind, built once per process."""

    book: RuleBook
    python: PythonRules
    cpp: CppRules
    dependency_rules: list[Rule]
    line_rules: list[Rule]
    prefilters: dict[str, Prefilter]

    @classmethod
    def build(cls, book: RuleBook) -> Analyzers:
        """Index ``book``."""
        python = book.for_analyzer("python")
        deps = book.for_analyzer("dependencies")
        lines = book.for_analyzer("lines")
        cpp = book.for_analyzer("cpp")

        def line_rules(kind: str) -> list[Rule]:
            return [r for r in lines if kind in (r.match.files or [])]

        prefilters = {
            "python": Prefilter.for_rules(python),
            "setup-py": Prefilter.for_rules(python + deps),
            "notebook": Prefilter.for_rules(python + line_rules("notebook-shell")),
            "cpp": Prefilter.for_rules(cpp),
            "dependencies": Prefilter.for_rules(deps),
        }
        prefilters.update({kind: Prefilter.for_rules(line_rules(kind)) for kind in _LINE_KINDS.values()})
        return cls(book, PythonRules.build(python), CppRules.build(cpp), deps, lines, prefilters)

    def prefilter_for(self, source: SourceFile) -> Prefilter:
        """The prefilter that decides whether ``source`` is worth analysing."""
        kind = source.kind
        if kind is FileKind.PYTHON:
            return self.prefilters["setup-py" if source.path.name == "setup.py" else "python"]
        if kind is FileKind.NOTEBOOK:
            return self.prefilters["notebook"]
        if kind in (FileKind.CUDA, FileKind.CPP):
            return self.prefilters["cpp"]
        if kind in _DEPENDENCY_KINDS:
            return self.prefilters["dependencies"]
        return self.prefilters[_LINE_KINDS[kind]]


@functools.cache
def default_analyzers() -> Analyzers:
    """Analyzers for the shipped rules (one per process)."""
    return Analyzers.build(load_rules())


def count_lines(data: bytes) -> int:
    """Number of lines in ``data``."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def analyze_file(
    source: SourceFile,
    data: bytes,
    analyzers: Analyzers,
    reexports: Mapping[str, str] | None = None,
    extra_prefilter: Prefilter | None = None,
) -> FileOutcome:
    """Findings in one file whose bytes are ``data``; a file that cannot be analysed is a skip with a reason.

    Nothing a file holds makes this raise: a parse error, nesting deeper than the interpreter's recursion limit,
    memory running out or a failure inside an analyzer all become a :class:`SkippedFile` saying why.
    """
    path = source.path.as_posix()
    lines = count_lines(data)
    if b"\0" in data[:8192]:
        return FileOutcome(skipped=SkippedFile(path, "binary file"), lines=0)
    prefilter = analyzers.prefilter_for(source)
    if not prefilter.may_match(data) and not (extra_prefilter and extra_prefilter.may_match(data)):
        return FileOutcome(lines=lines)
    try:
        findings, exports = _dispatch(source, data, analyzers, reexports)
    except _Skip as skip:
        return FileOutcome(skipped=SkippedFile(path, str(skip)), lines=lines)
    except RecursionError:
        return FileOutcome(skipped=SkippedFile(path, "nested too deeply to analyse (recursion limit)"), lines=lines)
    except MemoryError:
        return FileOutcome(skipped=SkippedFile(path, "too large to analyse (out of memory)"), lines=lines)
    except Exception as error:  # one file's failure is reported with it; the scan goes on with the others
        reason = f"analyzer failed ({source.kind.value}): {type(error).__name__}: {error}"
        return FileOutcome(skipped=SkippedFile(path, reason[:_REASON_CHARS]), lines=lines)
    return FileOutcome(tuple(sorted(findings, key=_order)), None, lines, tuple(sorted(exports.items())))


def _order(finding: Finding) -> tuple[int, int, int, str]:
    return (finding.cell if finding.cell is not None else -1, finding.line, finding.column, finding.rule_id)


class _Skip(Exception):
    """Why a file could not be analysed."""


def _dispatch(
    source: SourceFile, data: bytes, analyzers: Analyzers, reexports: Mapping[str, str] | None
) -> tuple[list[Finding], dict[str, str]]:
    kind = source.kind
    path = source.path.as_posix()
    if kind is FileKind.PYTHON:
        return _python(source, data, analyzers, reexports)
    if kind is FileKind.NOTEBOOK:
        return _notebook(source, data, analyzers, reexports), {}
    if kind in (FileKind.CUDA, FileKind.CPP):  # tree-sitter reads bytes: a stray non-UTF-8 byte is harmless
        if is_ascend_c_source(source.relative, data):
            return [], {}  # the Ascend backend's own code: no CUDA lock-in
        grammar = grammar_for(source.path.suffix.lower(), data)
        return analyze_cpp(data, path, analyzers.cpp, grammar, hip=is_hip_source(source.relative, data)), {}
    text = _utf8(data)
    if kind in _DEPENDENCY_KINDS:
        try:
            return analyze_dependencies(_DEPENDENCY_KINDS[kind], text, path, analyzers.dependency_rules), {}
        except Exception as error:  # tomllib, yaml: report any parse error as a skip
            raise _Skip(f"cannot parse {_DEPENDENCY_KINDS[kind]} file: {error}") from None
    return analyze_lines(list(logical_lines(text)), _LINE_KINDS[kind], path, analyzers.line_rules), {}


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _Skip(f"not UTF-8 text (byte {error.start})") from None


def _parse_python(data: bytes | str, where: str = "") -> ast.Module:
    try:
        return ast.parse(data)
    except SyntaxError as error:
        hint = " (Python 2 source?)" if _looks_like_python2(error) else ""
        raise _Skip(f"syntax error{where} at line {error.lineno}: {error.msg}{hint}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise _Skip(f"cannot parse{where}: {type(error).__name__}: {error}") from None


def _looks_like_python2(error: SyntaxError) -> bool:
    text = (error.text or "").strip()
    return (
        "Missing parentheses" in error.msg
        or text.startswith(("print ", "exec "))
        or ("except " in text and ", " in text)
    )


def own_packages(source: SourceFile) -> frozenset[str]:
    """The code ``source`` belongs to, as dotted prefixes: its own API, no dependency on itself. The package it lies
    in (the highest folder, up to the scan root, of an unbroken chain of ``__init__.py`` folders), and the root's own
    modules and packages (:func:`root_modules`, set by the engine on :attr:`SourceFile.root_modules`): scanning
    Megatron-LM's repository, ``megatron.core`` (under ``megatron/``, which has no ``__init__.py``) is its own in its
    tests, examples and scripts as in ``megatron/core`` itself."""
    top = ""
    directory = source.path.parent
    boundary = source.root if source.root.is_dir() else source.root.parent
    while directory.is_relative_to(boundary) and os.path.isfile(directory / "__init__.py"):
        top = directory.name
        if directory == boundary:
            break
        directory = directory.parent
    return source.root_modules | ({top} if top else set())


CLONE_MARKERS = (*PROJECT_MARKERS, ".git")
"""What makes a folder a project of its own (a clone beside the scanned code), whose names are not the root's: the
project markers shipped-backend detection uses, and a repository of its own."""


def root_modules(root: Path) -> frozenset[str]:
    """The project's own code at the top of a scanned folder ``root`` or of its ``src/``, as dotted prefixes: a
    ``*.py`` module (``pretrain_gpt``), a package with ``__init__.py`` (``bitsandbytes``), and in a folder without one
    (a namespace package, Megatron-LM's ``megatron/``) each package and module it holds (``megatron.core``): a
    namespace folder never hides an installed package of its name (a ``torch/`` of loose scripts is not ``torch``),
    only what it holds. A folder that is a project of its own (:data:`CLONE_MARKERS`) is not the root's code.
    Unreadable entries and symbolic-link loops are passed over. Empty for a file."""
    if not os.path.isdir(root):
        return frozenset()
    names: set[str] = set()
    for folder in (root, root / "src"):
        for entry in _entries(folder):
            path = Path(entry.path)
            stem = entry.name.removesuffix(".py")
            if entry.name.startswith(".") or not stem.isidentifier():
                continue
            if entry.name.endswith(".py") and os.path.isfile(path):
                names.add(stem)
            elif os.path.isdir(path) and not any(os.path.exists(path / marker) for marker in CLONE_MARKERS):
                names |= _package_prefixes(path, entry.name)
    return frozenset(names)


def _package_prefixes(folder: Path, name: str) -> set[str]:
    """``name`` for a package; for a namespace folder, ``name.<member>`` for each package or module inside."""
    if os.path.isfile(folder / "__init__.py"):
        return {name}
    found: set[str] = set()
    for entry in _entries(folder):
        stem = entry.name.removesuffix(".py")
        if not stem.isidentifier():
            continue
        inner = Path(entry.path)
        if (entry.name.endswith(".py") and os.path.isfile(inner)) or os.path.isfile(inner / "__init__.py"):
            found.add(f"{name}.{stem}")
    return found


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _python(
    source: SourceFile, data: bytes, analyzers: Analyzers, reexports: Mapping[str, str] | None
) -> tuple[list[Finding], dict[str, str]]:
    tree = _parse_python(data)
    text = data.decode("utf-8", errors="replace")
    analyzer = PythonAnalyzer(analyzers.python, reexports)
    relative = source.relative
    run = analyzer.analyze(
        tree,
        text.splitlines(),
        module=module_name(relative),
        is_package=relative.endswith("__init__.py"),
        library=source.library,
        default_backend=source.default_backend,
        relative_path=relative,
        own_packages=own_packages(source),
    )
    findings = list(run.findings(source.path.as_posix()))
    if source.path.name == "setup.py":
        findings += analyze_dependencies("setup-py", text, source.path.as_posix(), analyzers.dependency_rules)
    return findings, analyzer.exports(tree, run)


def _notebook(
    source: SourceFile, data: bytes, analyzers: Analyzers, reexports: Mapping[str, str] | None
) -> list[Finding]:
    try:
        notebook = read_notebook(data)
    except NotebookError as error:
        raise _Skip(str(error)) from None
    path = source.path.as_posix()
    try:
        tree = ast.parse(notebook.text)
    except SyntaxError as error:
        cell, line = notebook.line_map.get(error.lineno or 0, (0, error.lineno or 0))
        raise _Skip(f"syntax error in cell {cell} at line {line}: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:  # a NUL in a cell, nesting, size
        raise _Skip(f"cannot parse the code cells: {type(error).__name__}: {error}") from None
    run = PythonAnalyzer(analyzers.python, reexports).analyze(
        tree, notebook.text.splitlines(), own_packages=own_packages(source)
    )
    findings = list(run.findings(path, notebook.line_map))
    for cell, line, command in notebook.shell_lines:
        findings += analyze_lines([(line, command)], "notebook-shell", path, analyzers.line_rules, cell)
    return findings
