"""Text from scanned files made inert for the medium it is written to (a terminal, Markdown).

Paths, messages, snippets and skip reasons come from the files a scan reads, which anyone may have written: a file
named ``<script>.py``, a Dockerfile line holding ``[/bold]`` or a terminal escape. HTML has :func:`html.escape`;
these are the other two media.
"""

from __future__ import annotations

import html
import re

UNSAFE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (terminal escapes, carriage returns, line breaks) and bidirectional overrides."""

_MARKDOWN_ACTIVE = re.compile(r"[\\`*_~\[\]|#<>&]")
"""What can start markup inside a line: escapes, code, emphasis, links and images, table cells, headings, HTML."""


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """``text`` with every control character and bidirectional override written as ``\\x1b`` or ``\\u202e``."""
    return UNSAFE_CHARACTERS.sub(_escaped, text)


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown on one line: HTML characters as entities, Markdown punctuation escaped.

    The result renders as ``text`` itself: no tag, link, emphasis or table cell break can start inside it.
    """
    return _MARKDOWN_ACTIVE.sub(_markdown_escaped, visible_controls(text))


def _markdown_escaped(match: re.Match[str]) -> str:
    character = match.group()
    return html.escape(character, quote=False) if character in "<>&" else "\\" + character


def markdown_code(text: str) -> str:
    """``text`` in code font, as inert as :func:`markdown_text` (an HTML ``<code>`` element, not a code span)."""
    return f"<code>{markdown_text(text)}</code>"
