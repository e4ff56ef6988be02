"""Numbers checked at the edge: annotated pydantic types for every number a data file or scenario holds.

Every float here is finite (``.nan``, ``.inf`` and ``1e400`` are refused) and no number accepts ``true`` or ``false``
(YAML's ``true`` must not read as 1). Magnitudes are bounded so that sums and products of a few of them cannot
overflow: :data:`MAX_MAGNITUDE` for quantities, :data:`MAX_MONEY` for money. Use them in schemas instead of bare
``float`` and ``int``::

    price: Money
    share: Fraction
    years: list[Year]
    runs: Annotated[NonNegativeInt, capped(10_000, "each run solves the plan again")]
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AllowInfNan, BeforeValidator, Field

MAX_MAGNITUDE = 1e18
"""Largest absolute value of any quantity (tokens, FLOPS, watts): far above any real one, far below overflow."""

MAX_MONEY = 1e15
"""Largest amount of money accepted (a quadrillion in any currency): a price of 1e308 cannot overflow a ranking."""

FIRST_YEAR = 1990
"""Earliest calendar year accepted (no accelerator in scope is older)."""

LAST_YEAR = 2200
"""Latest calendar year accepted."""


def _refuse_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not {str(value).lower()}")
    return value


_NotBool = BeforeValidator(_refuse_bool)

FiniteFloat = Annotated[float, _NotBool, AllowInfNan(False), Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
"""Any finite number of sane magnitude."""

NonNegativeFloat = Annotated[float, _NotBool, AllowInfNan(False), Field(ge=0, le=MAX_MAGNITUDE)]
"""A finite number ≥ 0."""

PositiveFloat = Annotated[float, _NotBool, AllowInfNan(False), Field(gt=0, le=MAX_MAGNITUDE)]
"""A finite number > 0."""

Fraction = Annotated[float, _NotBool, AllowInfNan(False), Field(ge=0, le=1)]
"""A share between 0 and 1 inclusive."""

Money = Annotated[float, _NotBool, AllowInfNan(False), Field(ge=0, le=MAX_MONEY)]
"""An amount of money ≥ 0 and at most :data:`MAX_MONEY`."""

PositiveMoney = Annotated[float, _NotBool, AllowInfNan(False), Field(gt=0, le=MAX_MONEY)]
"""A price: more than 0 and at most :data:`MAX_MONEY`."""

Integer = Annotated[int, _NotBool, Field(ge=-int(MAX_MAGNITUDE), le=int(MAX_MAGNITUDE))]
"""A whole number of sane magnitude (``true`` refused)."""

NonNegativeInt = Annotated[int, _NotBool, Field(ge=0, le=int(MAX_MAGNITUDE))]
"""A whole number ≥ 0 (``true`` refused)."""

PositiveInt = Annotated[int, _NotBool, Field(gt=0, le=int(MAX_MAGNITUDE))]
"""A whole number > 0 (``true`` refused)."""

Year = Annotated[int, _NotBool, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
"""A plausible calendar year."""


def capped(limit: int | float, reason: str) -> AfterValidator:
    """A validator refusing a number above ``limit`` with ``reason`` in the message: ``Annotated[int, capped(...)]``."""

    def check(value: int | float) -> int | float:
        if value > limit:
            raise ValueError(f"at most {limit:,} ({reason}), not {value:,}")
        return value

    return AfterValidator(check)
