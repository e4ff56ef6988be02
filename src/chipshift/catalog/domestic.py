"""What counts as domestic (国产): a rule over a chip's designer and fab countries, shared by fleet and the pipeline.

The default rule is "designed by a company based in mainland China" (ISO ``CN``; Taiwan, Hong Kong and Macau are
separate codes), because that is what the car industry's and Shanghai's targets are usually read as and because Ascend
dies are partly made abroad. A user can count by fab location instead, or require both. Every report says which rule
it used (:meth:`DomesticRule.describe`).
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, field_validator


class DomesticBasis(enum.StrEnum):
    """Which country of a chip decides whether it is domestic."""

    DESIGNER = "designer"
    FAB = "fab"
    DESIGNER_AND_FAB = "designer-and-fab"
    DESIGNER_OR_FAB = "designer-or-fab"


class DomesticRule(BaseModel):
    """The rule that decides whether a chip is domestic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    basis: DomesticBasis = DomesticBasis.DESIGNER
    """Designer country, fab country, both or either."""
    countries: tuple[str, ...] = ("CN",)
    """ISO 3166 codes that count as domestic (``CN`` is mainland China)."""

    @field_validator("countries")
    @classmethod
    def _upper(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one country code")
        return tuple(code.strip().upper() for code in value)

    @classmethod
    def default(cls) -> DomesticRule:
        """Designed in mainland China."""
        return cls()

    def describe(self) -> str:
        """One sentence for reports."""
        places = ", ".join(self.countries)
        return {
            DomesticBasis.DESIGNER: f"designer based in {places}",
            DomesticBasis.FAB: f"logic die made in {places}",
            DomesticBasis.DESIGNER_AND_FAB: f"designer based in and logic die made in {places}",
            DomesticBasis.DESIGNER_OR_FAB: f"designer based in or logic die made in {places}",
        }[self.basis]

    def is_domestic(self, designer_country: str | None, fab_country: str | None) -> bool | None:
        """True, False, or None when a country the rule needs is unknown."""
        designer = None if designer_country is None else designer_country in self.countries
        fab = None if fab_country is None else fab_country in self.countries
        if self.basis is DomesticBasis.DESIGNER:
            return designer
        if self.basis is DomesticBasis.FAB:
            return fab
        if self.basis is DomesticBasis.DESIGNER_AND_FAB:
            return False if False in (designer, fab) else (None if None in (designer, fab) else True)
        return True if True in (designer, fab) else (None if None in (designer, fab) else False)
