"""A package's own API is not a dependency on itself (issue 14, item 5): bitsandbytes calling
``bitsandbytes.functional`` is not lock-in, a user of bitsandbytes is."""

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


def test_a_user_of_the_package_is_reported(repo: Path) -> None:
    result = scan_paths([repo], ["portable"], use_cache=False, jobs=1)
    assert {(Path(f.path).name, f.line) for f in result.findings} == {("train.py", 1), ("train.py", 2)}


def test_the_cache_tells_the_package_from_a_user(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    (repo / "examples" / "copy.py").write_text(OWN)  # the same text, outside the package: a user
    first = scan_paths([repo], ["portable"], cache_dir=cache, jobs=1)
    again = scan_paths([repo], ["portable"], cache_dir=cache, jobs=1)
    assert again.cache_hits > 0
    assert [f for f in again.findings if f.path.endswith("nn.py")] == []
    assert [f.line for f in again.findings if f.path.endswith("copy.py")] == [2, 3, 7]
    assert again.findings == first.findings
