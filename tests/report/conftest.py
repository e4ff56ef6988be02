"""The report tests use the session-wide example data (tests/conftest.py: ``example_data``); this folder's helper
(``visible_text``: what a reader sees, and which of it is untranslated) is made importable here."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
