"""chipshift.jsontext: JSON output never holds NaN or Infinity (issue 17: `validate --json` wrote them)."""

from __future__ import annotations

import json
import math

from chipshift.jsontext import count_non_finite, dumps


def test_non_finite_numbers_become_null_and_the_text_is_strict_json() -> None:
    data = {"error": math.nan, "ratio": [1.5, math.inf, -math.inf], "nested": ({"x": 2},), "名": "昇腾"}
    text = dumps(data)
    parsed = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert parsed == {"error": None, "ratio": [1.5, None, None], "nested": [{"x": 2}], "名": "昇腾"}
    assert count_non_finite(data) == 3
