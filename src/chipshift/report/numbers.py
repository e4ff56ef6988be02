"""How the reports and the CLI write numbers: one place, so every output reads the same."""

from __future__ import annotations


def number(value: float | None) -> str:
    """Thousands separated at or above 100, three significant digits below; a dash for unknown."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def percent(value: float | None) -> str:
    """One decimal; a dash for unknown."""
    return "—" if value is None else f"{value:.1%}"


MILLION = 1e6


def money(value: float | None, currency: str) -> str:
    """Millions with two decimals and the currency (``80.15 M CNY``); a dash for unknown."""
    return "—" if value is None else f"{value / MILLION:,.2f} M {currency}"
