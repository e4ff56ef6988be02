"""Every number of the perf commands checked at the edge (issues 15 and 17).

Negative, zero, NaN or infinite demands, days, tokens and targets printed nonsense, crashed with an internal error
(exit 70: ``--days 0``, ``--output-tokens-per-s nan``, ``--train-tokens inf``) or silently returned a figure that
missed the target (``estimate ... --tpot-ms 5``). Each is now exit 2 with one line naming the option, and nothing
on stdout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run

SIZE = ("size", "qwen3-8b", "--chip", "H100")
SIZE_DEMAND = (*SIZE, "--output-tokens-per-s", "1000")
TRAIN_SIZE = (*SIZE, "--train-tokens", "1e11")
ESTIMATE = ("estimate", "qwen3-8b", "H100")

REFUSED_NUMBERS = [
    ("negative-demand", (*SIZE, "--output-tokens-per-s", "-100"), "--output-tokens-per-s", "positive finite"),
    ("nan-demand", (*SIZE, "--output-tokens-per-s", "nan"), "--output-tokens-per-s", "not nan"),
    ("inf-demand", (*SIZE, "--output-tokens-per-s", "inf"), "--output-tokens-per-s", "not inf"),
    ("zero-requests", (*SIZE, "--requests-per-s", "0"), "--requests-per-s", "positive finite"),
    ("zero-days", (*TRAIN_SIZE, "--days", "0"), "--days", "positive finite"),
    ("nan-days", (*TRAIN_SIZE, "--days", "nan"), "--days", "not nan"),
    ("centuries", (*TRAIN_SIZE, "--days", "1e6"), "--days", "at most 36,500"),
    ("negative-tokens", (*SIZE, "--train-tokens", "-1e9", "--days", "7"), "--train-tokens", "positive finite"),
    ("inf-tokens", (*SIZE, "--train-tokens", "inf", "--days", "7"), "--train-tokens", "not inf"),
    ("zero-tpot", (*SIZE_DEMAND, "--tpot-ms", "0"), "--tpot-ms", "positive finite"),
    ("negative-tpot", (*ESTIMATE, "--tpot-ms", "-1"), "--tpot-ms", "positive finite"),
    ("nan-ttft", (*ESTIMATE, "--ttft-ms", "nan"), "--ttft-ms", "not nan"),
    ("zero-input", (*ESTIMATE, "--input-tokens", "0"), "--input-tokens", "at least 1"),
    ("zero-batch", (*ESTIMATE, "--batch", "0"), "--batch", "at least 1"),
    ("zero-tp", (*ESTIMATE, "--tp", "0"), "--tp", "at least 1"),
    ("nan-mtp", ("estimate", "deepseek-r1", "H200", "--mtp", "nan"), "--mtp", "between 0 and 1"),
    ("zero-max-chips", ("estimate", "search", "qwen3-8b", "H100", "--max-chips", "0"), "--max-chips", "at least 1"),
    ("zero-chips", ("estimate", "train", "qwen3-8b", "H100", "--chips", "0"), "--chips", "at least 1"),
    ("huge-chips", ("estimate", "train", "qwen3-8b", "H100", "--chips", "9999999"), "--chips", "at most 1,048,576"),
    ("zero-seq-len", ("estimate", "train", "qwen3-8b", "H100", "--seq-len", "0"), "--seq-len", "at least 1"),
    ("zero-stage-4", ("estimate", "train", "qwen3-8b", "H100", "--zero", "4"), "--zero", "at most 3"),
    ("no-requests", ("estimate", "serve", "qwen3-8b", "H100", "--requests", "0"), "--requests", "at least 1"),
    ("million-requests", ("estimate", "serve", "qwen3-8b", "H100", "--requests", "1000000"), "--requests", "at most"),
    ("nan-rate", ("estimate", "serve", "qwen3-8b", "H100", "--request-rate", "nan"), "--request-rate", "not nan"),
]


@pytest.mark.parametrize(
    ("args", "option", "problem"), [c[1:] for c in REFUSED_NUMBERS], ids=[c[0] for c in REFUSED_NUMBERS]
)
def test_a_number_out_of_range_is_one_line_naming_the_option(args: tuple[str, ...], option: str, problem: str) -> None:
    outcome = run(*args)
    outcome.refused(f"error: {option} must be", problem)
    assert outcome.stdout == ""


@pytest.mark.parametrize(
    ("args", "target"),
    [
        ((*ESTIMATE, "--tpot-ms", "5"), "the TPOT target of 5 ms cannot be met"),
        ((*ESTIMATE, "--input-tokens", "30000", "--ttft-ms", "10"), "the TTFT target of 10 ms cannot be met"),
        (("estimate", "search", "qwen3-8b", "H100", "--tpot-ms", "5", "--json"), None),
    ],
    ids=["tpot", "ttft", "search-reports-it"],
)
def test_a_target_that_cannot_be_met_says_so_and_by_how_much(args: tuple[str, ...], target: str | None) -> None:
    outcome = run(*args)
    if target is None:  # the search is a report: it succeeds and says why nothing meets the targets
        assert outcome.code == 0 and '"best": null' in outcome.stdout and "x the target" in outcome.stdout
        return
    outcome.refused(target, "x the target")
    assert outcome.stdout == ""


def test_size_with_an_unmeetable_target_keeps_the_row_and_says_why() -> None:
    outcome = run(*SIZE_DEMAND, "--tpot-ms", "2", "--json")
    assert outcome.code == 0
    assert '"fits": false' in outcome.stdout and "the TPOT target of 2 ms cannot be met" in outcome.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "not UTF-8 text"),
        (b"version: 1\ncases: []\n\xff\xfe", "not UTF-8"),
    ],
    ids=["binary", "latin-1"],
)
def test_validate_on_a_file_that_is_not_text_is_exit_2(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "cases.yaml"
    path.write_bytes(content)
    run("validate", path).refused("cases.yaml", problem)


def test_validate_on_a_folder_is_exit_2(tmp_path: Path) -> None:
    run("validate", tmp_path).refused(str(tmp_path), "folder")
