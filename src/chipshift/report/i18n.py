"""Message catalogs of the report (``messages/en.yaml``, ``messages/zh.yaml``), loaded from the package."""

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
    return english if Language(lang) is Language.EN else {**english, **load(Language(lang).value)}
