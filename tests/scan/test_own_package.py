"""A package's own API is not a dependency on itself (issue 14, item 5): bitsandbytes calling
``bitsandbytes.functional`` is not lock-in, nor are its repository's examples; a project of its own using bitsandbytes
is. The same for a namespace package (Megatron-LM's ``megatron/``, which has no ``__init__.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chipshift.scan import scan_paths

OWN = "import torch\nfrom bitsandbytes import functional as F\nimport bitsandbytes\n\n\ndef f(x):\n" \
      "    return F.quantize_4bit(x), bitsandbytes.optim.AdamW8bit\n"  # fmt: skip
USER = "import bitsandbytes as bnb\nopt = bnb.optim.AdamW8bit(params)\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    package = tmp_path / "src" / "bitsandbytes"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "nn.py").write_text(OWN)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "train.py").write_text(USER)
    return tmp_path


@pytest.mark.parametrize("root", [".", "src", "src/bitsandbytes"])
def test_a_package_calling_itself_is_not_reported(repo: Path, root: str) -> None:
    result = scan_paths([repo / root], ["portable"], use_cache=False, jobs=1)
    assert [f for f in result.findings if f.path.endswith("nn.py")] == []


def test_the_repository_s_own_examples_are_not_users(repo: Path) -> None:
    """Scanning the package's repository, its examples import its own API: no finding (the port of the package is
    the work, and its own findings count it)."""
    assert scan_paths([repo], ["portable"], use_cache=False, jobs=1).findings == []


def test_a_user_of_the_package_is_reported(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    user = tmp_path_factory.mktemp("user")
    (user / "train.py").write_text(USER)
    for root in (user, repo / "examples"):  # a project of its own, or the examples folder scanned alone
        result = scan_paths([root], ["portable"], use_cache=False, jobs=1)
        assert {(Path(f.path).name, f.line) for f in result.findings} == {("train.py", 1), ("train.py", 2)}


def test_the_cache_tells_the_package_from_a_user(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    user = tmp_path_factory.mktemp("user")
    (user / "copy.py").write_text(OWN)  # the same text in a project of its own: a user
    first = scan_paths([repo, user], ["portable"], cache_dir=cache, jobs=1)
    again = scan_paths([repo, user], ["portable"], cache_dir=cache, jobs=1)
    assert again.cache_hits > 0
    assert [f for f in again.findings if f.path.endswith("nn.py")] == []
    assert [f.line for f in again.findings if f.path.endswith("copy.py")] == [2, 3, 7]
    assert again.findings == first.findings


MEGATRON = {  # Megatron-LM's layout: megatron/ is a namespace package (no __init__.py), scripts at the top
    "megatron/core/__init__.py": "from megatron.core import parallel_state\n",
    "megatron/core/parallel_state.py": "import torch\n",
    "megatron/training/__init__.py": "",
    "megatron/training/training.py": "from megatron.core import parallel_state\nimport megatron.core\n",
    "pretrain_gpt.py": "from megatron.training import pretrain\nfrom megatron.core import mpu\n",
    "tests/unit_tests/test_utils.py": "import megatron.core.utils as util\n",
}


def test_a_namespace_package_is_its_repository_s_own(tmp_path: Path) -> None:
    for relative, text in MEGATRON.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    assert scan_paths([tmp_path], ["portable"], use_cache=False, jobs=1).findings == []
    user = tmp_path / "elsewhere"
    user.mkdir()
    (user / "train.py").write_text("from megatron.core import mpu\n")
    assert {f.rule_id for f in scan_paths([user], ["portable"], use_cache=False, jobs=1).findings} == {"CS318"}


def test_the_cache_follows_the_project_s_own_names(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A file's cache entry depends on the own names it mentions only: adding a package at the top of the project
    re-analyses the files that name it, and serves the others from the cache."""
    cache = tmp_path_factory.mktemp("cache")
    (tmp_path / "train.py").write_text("from megatron.core import mpu\n")
    (tmp_path / "other.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    first = scan_paths([tmp_path], ["portable"], cache_dir=cache, jobs=1)
    assert {(Path(f.path).name, f.rule_id) for f in first.findings} >= {("train.py", "CS318"), ("other.py", "CS105")}
    (tmp_path / "megatron" / "core").mkdir(parents=True)
    (tmp_path / "megatron" / "core" / "__init__.py").write_text("")
    again = scan_paths([tmp_path], ["portable"], cache_dir=cache, jobs=1)
    assert not [f for f in again.findings if Path(f.path).name == "train.py"]
    assert again.cache_hits == 1  # other.py


def test_a_namespace_folder_does_not_hide_the_installed_package_of_its_name(tmp_path: Path) -> None:
    """A ``torch/`` or ``triton/`` folder of loose scripts (no ``__init__.py``) is not torch or Triton: an installed
    package wins over a namespace folder. A clone of apex beside the code (it has its own setup.py) is not the
    project's own code either."""
    (tmp_path / "train.py").write_text("import torch\nimport triton\ntorch.cuda.synchronize()\n")
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "export_onnx.py").write_text("x = 1\n")
    (tmp_path / "triton").mkdir()
    (tmp_path / "triton" / "kernels.py").write_text("x = 1\n")
    (tmp_path / "apex" / "apex").mkdir(parents=True)
    (tmp_path / "apex" / "setup.py").write_text("")
    (tmp_path / "apex" / "apex" / "__init__.py").write_text("")
    (tmp_path / "use_apex.py").write_text("from apex import amp\n")
    rules = {(Path(f.path).name, f.rule_id) for f in scan_paths([tmp_path], ["portable"], use_cache=False).findings}
    assert ("train.py", "CS105") in rules and any(path == "use_apex.py" for path, _ in rules)
    assert any(path == "train.py" and rule != "CS105" for path, rule in rules)  # the Triton import


def test_unreadable_or_looping_entries_at_the_top_are_passed_over(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "loop").symlink_to(tmp_path / "src" / "loop")
    (tmp_path / "train.py").write_text("import torch\ntorch.cuda.synchronize()\n")
    result = scan_paths([tmp_path], ["portable"], use_cache=False, jobs=1)
    assert [(Path(f.path).name, f.rule_id) for f in result.findings] == [("train.py", "CS105")]


def test_a_relative_import_s_module_path_is_in_the_cache_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same bytes resolve ``from .. import amp`` to ``apex.amp`` under ``apex/`` and to ``foo.amp`` elsewhere:
    neither may be served the other's cached outcome."""
    cache = tmp_path_factory.mktemp("cache")
    text = (
        "import torch\n\n\ndef setup(model, opt):\n    from .. import amp\n    return amp.initialize(model, opt)\n\n\n"
    )
    text += "torch.cuda.synchronize()\n"
    found = {}
    for name in ("apex", "foo"):
        root = tmp_path_factory.mktemp(name)
        (root / name / "contrib").mkdir(parents=True)
        (root / name / "contrib" / "use.py").write_text(text)
        result = scan_paths([root], ["portable"], cache_dir=cache, jobs=1)
        found[name] = {f.rule_id for f in result.findings}
        assert found[name] == {f.rule_id for f in scan_paths([root], ["portable"], use_cache=False).findings}
    assert "CS307" in found["apex"] and "CS307" not in found["foo"]
