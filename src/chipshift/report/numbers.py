"""How the reports and the CLI write numbers: one place, so every output reads the same."""

from __future__ import annotations

from collections.abc import Mapping


def number(value: float | None) -> str:
    """Thousands separated at or above 100, three significant digits below; a dash for unknown."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def percent(value: float | None) -> str:
    """One decimal; a dash for unknown."""
    return "—" if value is None else f"{value:.1%}"


MILLION = 1e6
WAN = 1e4
"""万: Chinese money is counted in ten-thousands (万元) and hundred-millions (亿元)."""
YI = 1e8


def _currency_name(currency: str, m: Mapping[str, str] | None) -> str:
    return (m or {}).get(f"currency_{currency.lower()}", f" {currency}")


def money(value: float | None, currency: str, m: Mapping[str, str] | None = None) -> str:
    """Money for a reader: ``80.15 M CNY`` in English; ``8,015 万元`` or ``1.20 亿元`` in Chinese (``m`` is the
    report's message catalog, whose ``money_style`` says which). A dash for unknown."""
    if value is None:
        return "—"
    if (m or {}).get("money_style") == "wan":
        name = _currency_name(currency, m)
        return f"{value / YI:,.2f} 亿{name}" if abs(value) >= YI else f"{value / WAN:,.0f} 万{name}"
    return f"{value / MILLION:,.2f} M {currency}"


def money_unit(currency: str, m: Mapping[str, str] | None = None) -> tuple[str, float]:
    """The unit money is charted in, and its size: ``("M CNY", 1e6)`` or ``("万元", 1e4)``."""
    if (m or {}).get("money_style") == "wan":
        return f"万{_currency_name(currency, m)}".replace(" ", ""), WAN
    return f"M {currency}", MILLION


def money_amount(value: float | None, currency: str, m: Mapping[str, str] | None = None) -> str:
    """Money as a bare number in the unit of :func:`money_unit` (for a column whose header names the unit):
    ``58.22`` (M CNY) or ``5,822`` (万元). A dash for unknown."""
    if value is None:
        return "—"
    _, size = money_unit(currency, m)
    return f"{value / size:,.0f}" if size == WAN else f"{value / size:,.2f}"
