"""Discounting and residual values: the money side of the plan, as small pure functions (equations in docs/plan.md).

Every unit bought is treated the same way whatever its vintage: its price is paid on delivery and the economic value
it still holds at the end of the horizon is credited back, so each vintage is charged exactly the capital it uses
inside the horizon (no end-of-horizon bias). The value left after ``age`` of ``life`` years is that of the annuity
still to run: ``(1 - (1 + r)^-(life - age)) / (1 - (1 + r)^-life)``, straight-line when ``r`` is 0.
"""

from __future__ import annotations

from collections.abc import Sequence


def discount(year: int, first: int, rate: float) -> float:
    """Discount factor of a payment at the start of ``year``, seen from the start of ``first``."""
    return float((1.0 + rate) ** -(year - first))


def period_years(years: Sequence[int]) -> dict[int, list[int]]:
    """The calendar years each plan year stands for: until the next plan year, the last for one year."""
    spans: dict[int, list[int]] = {}
    for index, year in enumerate(years):
        end = years[index + 1] if index + 1 < len(years) else year + 1
        spans[year] = list(range(year, end))
    return spans


def period_discount(years: Sequence[int], rate: float) -> dict[int, float]:
    """Sum of the discount factors of the calendar years each plan year stands for (yearly costs are paid at the
    start of each of them)."""
    first = years[0]
    return {year: sum(discount(y, first, rate) for y in span) for year, span in period_years(years).items()}


def horizon_end(years: Sequence[int]) -> int:
    """The year the horizon ends in (the year after the last plan year)."""
    return years[-1] + 1


def value_left(age_years: float, life_years: int, rate: float) -> float:
    """Share of a unit's price its remaining economic life is worth after ``age_years`` (0 past its life)."""
    if age_years >= life_years:
        return 0.0
    if age_years <= 0:
        return 1.0
    if rate == 0:
        return (life_years - age_years) / life_years
    return float((1 - (1 + rate) ** -(life_years - age_years)) / (1 - (1 + rate) ** -life_years))


def residual_share(delivered: int, years: Sequence[int], life_years: int, rate: float) -> float:
    """Share of a unit's price credited at the end of the horizon, discounted to the first plan year."""
    end = horizon_end(years)
    return value_left(end - delivered, life_years, rate) * discount(end, years[0], rate)


def annuity_factor(life_years: int, rate: float) -> float:
    """Yearly payment per unit of price that repays it over ``life_years`` (capital recovery factor)."""
    if rate == 0:
        return 1.0 / life_years
    return float(rate / (1 - (1 + rate) ** -life_years))
