"""overrides/: the partials copied from Material are re-copied when Material changes them.

Each copy below was taken from Material for MkDocs 9.8.2 and changed in one place (its comment says
where). A copy does not follow upstream fixes by itself: when an upgrade changes Material's
original, this fails naming the partial, so that the copy is taken again with the same change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import material
import pytest

MATERIAL = Path(material.__file__).parent / "templates"
OVERRIDES = Path(__file__).resolve().parent.parent / "overrides"

# Material's original partial -> the first 16 hex digits of its sha256 when it was copied.
COPIED_FROM = {
    "partials/search.html": "bfd556535abcddb9",
    "partials/progress.html": "f7596002950a7d9f",
    "partials/source.html": "6847616d67be4920",
    "partials/actions.html": "1bcd66d6f428194e",
    "partials/alternate.html": "572b1d4dae611aa5",
}


@pytest.mark.parametrize("partial", sorted(COPIED_FROM))
def test_materials_original_is_the_one_our_copy_was_made_from(partial):
    original = hashlib.sha256((MATERIAL / partial).read_bytes()).hexdigest()[:16]
    assert original == COPIED_FROM[partial], (
        f"Material changed {partial}: copy it again into overrides/{partial}, keep our change, "
        f"and record its new hash ({original}) here"
    )


def test_every_overridden_partial_is_listed():
    ours = {p.relative_to(OVERRIDES).as_posix() for p in (OVERRIDES / "partials").glob("*.html")}
    assert ours == set(COPIED_FROM)
