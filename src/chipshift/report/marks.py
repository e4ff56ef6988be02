"""Ids inside words: a phrase marks each id it names, and the HTML writer and the charts tag it (``class="id"``).

The marks are two control characters no catalog message uses; :func:`mark` removes them from the id itself, and
:func:`tag` removes any left unpaired, so a scenario's text can neither forge a tag nor leave a mark in the page.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "\x02", "\x03"
_MARKED = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*){CLOSE}")


def mark(text: str) -> str:
    """An id inside a phrase, marked for :func:`tag`."""
    return OPEN + str(text).replace(OPEN, "").replace(CLOSE, "") + CLOSE


def unmarked(text: str) -> str:
    """The phrase as read, without its marks."""
    return text.replace(OPEN, "").replace(CLOSE, "")


def tag(escaped: str, element: str = "span") -> str:
    """Escaped text with each marked id in ``<element class="id">`` (``span`` in HTML, ``tspan`` in SVG)."""
    return unmarked(_MARKED.sub(rf'<{element} class="id">\1</{element}>', escaped))
