"""The porting targets a scan reports on: the catalog's (``porting_targets`` in ``catalog/data/stacks.yaml``, plus
those of a user's ``--catalog`` directories), never a list in code.

Scan rules say how each target supports what they find; a rule that leaves a target out means ``unsupported`` there,
so a target added to the catalog (a new vendor's stack) is scanned for with no rule or code change.
"""

from __future__ import annotations

from collections.abc import Sequence

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError


def porting_targets(catalog: Catalog | None = None) -> tuple[str, ...]:
    """Ids of every porting target in ``catalog`` (the shipped catalog when none is given), in catalog order."""
    return tuple((catalog or load_catalog()).porting_targets)


def chosen_targets(targets: Sequence[str] | None, catalog: Catalog | None = None) -> list[str]:
    """``targets`` when each is a porting target of the catalog, every porting target when none is given; an unknown
    one is a :class:`ChipshiftError` that names the choices."""
    known = porting_targets(catalog)
    if not targets:
        return list(known)
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise ChipshiftError(
            f"unknown target(s) {unknown}; choose from {list(known)} (porting targets of the catalog; a --catalog "
            "directory can add one)"
        )
    return list(dict.fromkeys(targets))
