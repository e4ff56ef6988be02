"""Fuzzing the codemods (issue 17, item 8): any file is migrated to valid Python or reported as failed, never raised.

Programs are generated from a small grammar that puts CUDA constructs where real code rarely does (decorators,
defaults, lambdas, f-strings, comprehensions, ``del``, augmented and annotated assignments, ``global``, ``match``,
``async with``, imports of ``torch.cuda`` under other names); real sample files are mutated line by line; token
soup and notebooks with such cells are fed too. Each goes through :func:`chipshift.migrate.engine.migrate_file`, the
per-file step of ``chipshift migrate``: a failed file must be a :class:`FileFailed` with a one-line reason, and a
migrated one must compile (when the original did) and be left unchanged by a second run.

Hypothesis is derandomised (``derandomize=True``: the seed is fixed by each test's name), so every run draws the same
examples and a failure reproduces from the test alone.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chipshift.migrate import FileFailed, FileMigrated, load_target
from chipshift.migrate.engine import migrate_file
from chipshift.migrate.outcome import FileOutcome

from .fuzzing import fuzz_settings, mutated_text

SAMPLES = Path(__file__).resolve().parents[1] / "migrate" / "samples"
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # ast.parse of generated code warns; no matter
TARGETS = {name: load_target(name) for name in ("portable", "ascend")}

CUDA_ATOMS = [
    "torch.cuda", "torch.cuda.is_available()", "torch.cuda.device_count()", "torch.cuda.current_device()",
    '"cuda"', "'cuda:0'", 'f"cuda:{rank}"', "torch.device('cuda')", "torch.device('cuda', 1)", "x.cuda()",
    "x.cuda(non_blocking=True)", "x.cuda(0)", "torch.backends.cudnn.benchmark", "torch.cuda.amp.GradScaler()",
    "torch.cuda.amp.autocast()", "torch.cuda.Stream()", "torch.cuda.Event(enable_timing=True)", "'nccl'",
    "torch.cuda.memory_allocated()", "torch.cuda.get_device_name(0)", "cuda", "tc.synchronize", "amp.autocast()",
    "torch.cuda.synchronize", "torch.zeros(1, device='cuda')", "x.to('cuda')", "x.to(device='cuda:1')",
    "DataLoader(ds, pin_memory=True)", "torch.cuda.manual_seed_all", "torch.cuda.set_device(local_rank)",
]  # fmt: skip
PLAIN_ATOMS = ["x", "y", "rank", "local_rank", "device", "1", "0.5", "None", "'text'", "model", "self", "ds"]


def _expressions() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(CUDA_ATOMS + PLAIN_ATOMS)
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["cuda", "to", "item", "float"])).map(lambda t: f"{t[0]}.{t[1]}()"),
            st.tuples(inner, inner).map(lambda t: f"f({t[0]}, device={t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]} if {t[1]} else 'cpu')"),
            st.tuples(inner, inner).map(lambda t: f"[{t[0]} for _ in {t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]} + {t[1]}"),
            inner.map(lambda e: f"lambda: {e}"),
            inner.map(lambda e: f"f'{{{e}}}'"),
            inner.map(lambda e: f"(*{e},)"),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"({e})[0]"),
            inner.map(lambda e: f"(w := {e})"),
        ),
        max_leaves=5,
    )


STATEMENTS = [
    "x = {e}", "x: torch.device = {e}", "x += {e}", "{e}", "del x", "assert {e}, {e}", "return {e}",
    "if {e}:\n    x = {e}\nelse:\n    pass", "with {e}:\n    y = {e}",
    "async def g():\n    async with {e}:\n        pass",
    "for x in {e}:\n    {e}", "def f(a={e}, *, b={e}):\n    return {e}", "@decorator({e})\ndef h():\n    pass",
    "class C:\n    attr = {e}\n    def m(self):\n        return {e}", "global x\nx = {e}", "while {e}:\n    break",
    "try:\n    {e}\nexcept Exception:\n    {e}", "match {e}:\n    case 1:\n        pass\n    case _:\n        {e}",
    "import torch.cuda as tc", "from torch.cuda import amp", "from torch import cuda", "import torch",
    "torch.cuda.x = {e}", "x.cuda = {e}", "del torch.cuda", "print({e}, file={e})", "yield {e}",
]  # fmt: skip
"""Statement templates; ``{e}`` is filled with generated expressions."""


@st.composite
def programs(draw: st.DrawFn) -> str:
    """A module of ``import torch`` then 1 to 6 generated statements (some not valid Python: ``return`` at top)."""
    expressions = _expressions()
    lines = ["import torch"]
    for _ in range(draw(st.integers(1, 6))):
        template = draw(st.sampled_from(STATEMENTS))
        lines.append(template.replace("{e}", "{}").format(*(draw(expressions) for _ in range(template.count("{e}")))))
    return "\n".join(lines) + "\n"


def migrated_or_failed(name: str, source: str, target: str) -> FileOutcome:
    """``migrate_file`` of ``source`` as ``name``: a FileFailed with one line, or code that compiles and stays put."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(source, encoding="utf-8", errors="surrogatepass")
        outcome = migrate_file(path, TARGETS[target])
        assert isinstance(outcome, FileMigrated | FileFailed), outcome
        if isinstance(outcome, FileFailed):
            assert outcome.reason and "\n" not in outcome.reason, outcome.reason
            return outcome
        migrated = outcome.result.migrated
        if name.endswith(".py") and _compiles(source):
            assert _compiles(migrated), migrated
        path.write_text(migrated, encoding="utf-8")
        again = migrate_file(path, TARGETS[target])
        assert isinstance(again, FileMigrated) and again.result.migrated == migrated, "a second run changed it"
        return outcome


def _compiles(source: str) -> bool:
    """Whether ``source`` is a valid module (``ast.parse`` also takes ``return`` outside a function; this does not)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        try:
            compile(source, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


@pytest.mark.parametrize("target", sorted(TARGETS))
@fuzz_settings(60)
@given(source=programs())
def test_a_generated_program_is_migrated_or_reported(target: str, source: str) -> None:
    migrated_or_failed("generated.py", source, target)


def test_the_grammar_makes_programs_that_migrate() -> None:
    """The generated programs are mostly valid Python with CUDA in them: the fuzzing reaches the codemods."""
    source = "import torch\nx = f(x.cuda(), device=torch.device('cuda'))\n@decorator('cuda')\ndef h():\n    pass\n"
    outcome = migrated_or_failed("generated.py", source, "portable")
    assert isinstance(outcome, FileMigrated) and outcome.result.changed


SAMPLE_FILES = sorted(p.name for p in SAMPLES.glob("*.py"))


@pytest.mark.parametrize("name", SAMPLE_FILES)
@fuzz_settings(8)
@given(data=st.data())
def test_a_mutated_real_file_is_migrated_or_reported(name: str, data: st.DataObject) -> None:
    text = data.draw(mutated_text((SAMPLES / name).read_text(encoding="utf-8"), max_edits=3), label="source")
    migrated_or_failed(name, text, data.draw(st.sampled_from(sorted(TARGETS)), label="target"))


TOKENS = [
    "torch", ".", "cuda", "(", ")", "[", "]", "{", "}", ",", ":", "=", "'cuda'", "\n", "    ", " ", "x", "1",
    "device", "pin_memory", "nccl", "lambda", "if", "else", "for", "in", "def", "class", "with", "as", "import",
    "from", "*", "**", "@", "#", "\\\n", '"""', "f'", "async", "await", "yield", "\t", "\x00", "\ufeff", "中",
]  # fmt: skip


@fuzz_settings(100)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_token_soup_is_reported_not_raised(source: str) -> None:
    migrated_or_failed("soup.py", "import torch\n" + source, "portable")


@fuzz_settings(30)
@given(st.lists(st.one_of(programs(), st.lists(st.sampled_from(TOKENS), max_size=20).map("".join)), max_size=3))
def test_a_notebook_of_such_cells_is_migrated_or_reported(cells: list[str]) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": cell}
            for cell in cells
        ],
    }
    outcome = migrated_or_failed("generated.ipynb", json.dumps(notebook), "portable")
    if isinstance(outcome, FileMigrated):
        assert isinstance(json.loads(outcome.result.migrated)["cells"], list)
