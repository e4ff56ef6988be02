"""Message catalogs of the report (``messages/en.yaml``, ``messages/zh.yaml``), loaded from the package.

The Chinese titles of the scan rules (``messages/scan_rules.zh.yaml``, rule id -> title, code in backticks) join the
Chinese catalog as ``scan_rule_<id>``; a rule without one is shown with its English title, said to be English.
"""

from __future__ import annotations

import enum
from functools import lru_cache

from chipshift.datafiles import load_package_yaml


class Language(enum.StrEnum):
    """Languages the report is written in."""

    EN = "en"
    ZH = "zh"


@lru_cache(maxsize=4)
def messages(lang: Language | str) -> dict[str, str]:
    """Every message of one language; English fills any key a translation lacks."""

    def load(code: str) -> dict[str, str]:
        data, _ = load_package_yaml("chipshift.report", "messages", f"{code}.yaml")
        return {str(k): str(v) for k, v in (data or {}).items()}

    english = load(Language.EN.value)
    if Language(lang) is Language.EN:
        return english
    code = Language(lang).value
    rules = {f"scan_rule_{rule}": title for rule, title in load(f"scan_rules.{code}").items()}
    return {**english, **load(code), **rules}
