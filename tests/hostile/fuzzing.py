"""Strategies shared by the fuzz tests of the hostile corpus: hostile tokens and line-wise mutations of real files."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SCALE = int(os.environ.get("CHIPSHIFT_FUZZ_SCALE", "1"))
"""Multiplies every fuzz test's examples: 1 in CI (the corpus stays under 3 minutes), 20 for a long hunt."""


def fuzz_settings(examples: int) -> settings:
    """Derandomised settings: the examples are drawn from a seed fixed by the test's own name, so every run tries
    the same inputs and a failure reproduces from the test alone; ``examples`` times :data:`SCALE` of them."""
    return settings(
        max_examples=examples * SCALE, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
    )


HOSTILE_TOKENS = [
    "nan", "NaN", ".nan", "-nan", "inf", "-inf", "Infinity", ".inf", "-.inf", "1e400", "-1e400", "1e300", "1e308",
    "5e-324", "-1", "-0", "0", "0x", "9" * 40, "-350 W", "1e400 W", "nan MiB", "-97871 MiB", "[N/A]", "N/A", "",
    "true", "false", "null", "~", "yes", "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "\x00", "\t", "\r", "\u2028",
    "\ufeff", "中文", "\udcff", "<", ">", "&", "&lt;", "&#0;", "]]>", "<!ENTITY a 'b'>", "\"", "'", ",", ":", "|",
    "[", "]", "{", "}", "- ", "*a", "&a", "!!python/object:os.system", "2025-13-45", "0001-01-01", "9999-12-31",
    "GPU-00000000-0000-0000-0000-000000000000", "0000:c1:00.0", "0x20b5", "0xd802",
]  # fmt: skip
"""Tokens that broke a parser somewhere, or might: non-finite, negative and huge numbers, markup, control text."""

_TOKEN = re.compile(r"[^\s,;:|<>\"'=]+")


@st.composite
def mutated_text(draw: st.DrawFn, seed: str, *, split: str = "\n", max_edits: int = 4) -> str:
    """``seed`` with 1 to ``max_edits`` edits of its lines (pieces between ``split``): a token replaced by a hostile
    one, a piece deleted, repeated, cut short or swapped with another, or the whole text cut at some point."""
    pieces = seed.split(split)
    for _ in range(draw(st.integers(1, max_edits))):
        if not pieces:
            break
        at = draw(st.integers(0, len(pieces) - 1))
        edit = draw(st.sampled_from(["token", "token", "token", "delete", "repeat", "cut", "swap", "truncate"]))
        piece = pieces[at]
        if edit == "token":
            tokens = list(_TOKEN.finditer(piece))
            new = draw(st.one_of(st.sampled_from(HOSTILE_TOKENS), st.text(max_size=8)))
            if tokens:
                match = draw(st.sampled_from(tokens))
                pieces[at] = piece[: match.start()] + new + piece[match.end() :]
            else:
                pieces[at] = piece + new
        elif edit == "delete":
            del pieces[at]
        elif edit == "repeat":
            pieces.insert(at, piece)
        elif edit == "cut":
            pieces[at] = piece[: draw(st.integers(0, len(piece)))]
        elif edit == "swap":
            other = draw(st.integers(0, len(pieces) - 1))
            pieces[at], pieces[other] = pieces[other], pieces[at]
        else:
            return split.join(pieces)[: draw(st.integers(0, len(seed)))]
    return split.join(pieces)
