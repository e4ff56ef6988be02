"""Typed candidates built by hand, so decide is tested without the other engines."""

from __future__ import annotations

import pytest

from chipshift.decide.criteria import CostInputs
from chipshift.decide.evidence import CandidateEvidence, ExportStatus, WorkloadFit


def make_candidate(
    cid: str,
    *,
    tps: float,
    price: float | None,
    power: float,
    domestic: bool,
    status: ExportStatus = ExportStatus.DOMESTIC,
    effort: float = 0.0,
    fits: bool = True,
    supply: int | None = 1000,
) -> CandidateEvidence:
    return CandidateEvidence(
        id=cid,
        chip_id=cid,
        name=cid,
        vendor="v",
        domestic=domestic,
        designer_country="CN" if domestic else "US",
        price_per_chip=price,
        price_source="test",
        power_w=power,
        dense_bf16_tflops=300.0,
        fits=(WorkloadFit("chat", fits, tps, tps, 1, None if fits else "too big"),),
        porting_person_days=effort,
        export_status=status,
        closed_firmware=not domestic,
        closed_stack=not domestic,
        supply_per_year=supply,
    )


@pytest.fixture
def candidates() -> list[CandidateEvidence]:
    return [
        make_candidate(
            "us-fast", tps=400, price=100_000, power=400, domestic=False, status=ExportStatus.LICENCE_GRANTED
        ),
        make_candidate("cn-good", tps=300, price=90_000, power=400, domestic=True, effort=20),
        make_candidate("cn-cheap", tps=150, price=40_000, power=350, domestic=True, effort=30),
        make_candidate("us-banned", tps=500, price=150_000, power=700, domestic=False, status=ExportStatus.BANNED),
        make_candidate("cn-nofit", tps=0, price=50_000, power=300, domestic=True, fits=False),
        make_candidate("cn-noprice", tps=200, price=None, power=300, domestic=True),
    ]


@pytest.fixture
def costs() -> CostInputs:
    return CostInputs(
        pue=1.25,
        load_factor=0.7,
        electricity_per_kwh=0.6,
        depreciation_years=5,
        server_overhead=0.0,
        tariff_by_country={},
    )
