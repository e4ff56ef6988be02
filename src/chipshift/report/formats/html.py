"""One self-contained HTML file: inline CSS and SVG, no script, nothing fetched (many users are air-gapped)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined

from chipshift.report.figures import all_figures
from chipshift.report.i18n import Language, messages
from chipshift.report.numbers import number, percent


def _template() -> Any:
    text = (resources.files("chipshift.report") / "templates" / "report.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(text)


def _share(data: dict[str, Any], index: int) -> float | None:
    path = data.get("ratio_path") or []
    return path[index].get("count") if path else None


def write_html(data: dict[str, Any], lang: Language) -> str:
    """The report as one HTML document."""
    m = messages(lang)
    currency = data.get("currency", "")
    plan = data.get("plan")
    now = _share(data, 0) if (data.get("fleet") or {}).get("ratios") else None
    return str(
        _template().render(
            d=data,
            m=m,
            lang="zh-CN" if lang is Language.ZH else "en",
            figures=all_figures(data, m),
            rows={row["id"]: row for row in data["comparison"]["candidates"]},
            capex_total=sum(y["capex"] for y in plan["years"]) if plan else 0.0,
            ratio_now=now,
            ratio_end=_share(data, -1),
            assumptions=yaml.safe_dump(data.get("assumptions", {}), allow_unicode=True, sort_keys=False),
            num=number,
            pct=percent,
            money=lambda v: "—" if v is None else f"{v / 1e6:,.2f} M {currency}",
        )
    )
