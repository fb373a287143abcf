"""Sentences of docs/<lang>/versions.md against what versions/torch-versions.json records.

The page's tables come from the record (course/steps/version_notes.py); its prose is written by hand, so
each sentence that says what a release prints is tried here against the record. A test that needs a
block's code fails when the block changed after the record was made (the record no longer speaks for
the page: run `make versions` again); a test also fails when the record says something else than the sentence: then the sentence, on both
languages' pages, must change.
"""

from __future__ import annotations

import json

import pytest

from course.markdown_blocks import ROOT, code_digest, expand_includes, parse_blocks

DATA = json.loads((ROOT / "versions" / "torch-versions.json").read_text(encoding="utf-8"))["versions"]
NEWER, OLD, D2L = "2.14.1", "2.0.1", "1.12.0"


def records(release: str, name: str) -> list[dict]:
    """The release's records of docs/en/<name>.md, in page order; each with ``source``, the code of the
    page's block of that number when the record was made of that code (else None: run `make versions`)."""
    blocks = parse_blocks(ROOT / "docs" / "en" / f"{name}.md")
    found = []
    for record in sorted(DATA[release]["pages"][f"docs/en/{name}.md"], key=lambda r: r["block"]):
        block = blocks[record["block"] - 1] if record["block"] <= len(blocks) else None
        current = block is not None and code_digest(block.code) == record["code"]
        found.append({**record, "source": block.code if current else None})
    return found


def source(record: dict) -> str:
    if record["source"] is None:
        pytest.fail(f"block {record['block']} changed since the record was made: run `make versions` again")
    return record["source"]


def differing(release: str, name: str) -> list[dict]:
    return [r for r in records(release, name) if r["status"] != "same"]


def test_on_2_14_only_the_chapters_that_use_clamp_at_a_bound_differ():
    pages = {page for page, blocks in DATA[NEWER]["pages"].items() if any(b["status"] != "same" for b in blocks)}
    assert {page.split("/")[-1] for page in pages} == {"nan-gradients.md", "function-and-hooks.md"}


def test_backward_twice_prints_the_same_on_every_recorded_release():
    # Its exercise uses operations whose backward saves the same tensors on every release.
    for release in (OLD, D2L, NEWER):
        assert differing(release, "backward-twice") == [], release


def test_graph_and_leaves_differs_on_2_0_and_1_12_only_by_informations():
    for release in (OLD, D2L):
        changed = differing(release, "graph-and-leaves")
        assert changed and all(r["status"] == "different" and "informations" in r["diff"] for r in changed)


def test_detach_differs_on_2_0_and_1_12_only_in_the_wording_of_two_errors():
    for release in (OLD, D2L):
        changed = differing(release, "detach")
        assert [r["status"] for r in changed] == ["different", "different"]
        assert "ExpBackward0" in changed[0]["diff"] and "Inference tensors" in changed[1]["diff"]


def test_on_1_12_the_norm_example_gives_exactly_2a_in_both_chapters():
    (changed,) = differing(D2L, "gradient-of-scalar-function")
    assert "a.grad == 2 * values" in source(changed) and "+tensor([True, True, True, True, True])" in changed["diff"]
    (changed,) = differing(D2L, "floating-point")
    first, *rest = changed["output"].splitlines()
    assert len(set(first.split())) == 1 and rest == ["False", "False"]


def test_on_1_12_zero_grad_leaves_zeros_where_the_error_reference_shows_none():
    assert any("-None" in (r.get("diff") or "") and "+tensor(0.)" in r["diff"] for r in differing(D2L, "errors"))


def test_on_1_12_the_exercises_differ_only_where_torch_func_is_used():
    (changed,) = differing(D2L, "exercises")
    assert changed["status"] == "error" and "torch" in changed["error"] and "func" in changed["error"]
    assert "torch.func" in source(changed)


@pytest.mark.parametrize(
    ("name", "error", "used"),
    [
        ("forward-mode", "ModuleNotFoundError: No module named 'torch.func'", "torch.func"),
        ("function-and-hooks", "TypeError", "setup_context"),
        ("checkpointing", "untyped_storage", "untyped_storage"),
    ],
)
def test_on_1_12_the_first_block_using_what_came_with_2_0_raises_and_the_rest_of_its_chain_does_not_run(
    name, error, used
):
    statuses = [r["status"] for r in records(D2L, name)]
    first = statuses.index("error")
    assert set(statuses[:first]) == {"same"} and set(statuses[first + 1 :]) == {"not run"}
    failed = records(D2L, name)[first]
    assert error in failed["error"] and used in expand_includes(source(failed))
    if name == "forward-mode":
        assert len(statuses) - first - 1 > 0  # "none of the blocks after it run"
        assert differing(NEWER, name) == [] and differing(OLD, name) == []


def test_with_the_same_seed_dropout_picks_other_elements_on_2_0_only():
    changed = [r for r in differing(OLD, "grad-modes") if r["status"] == "different"]
    numbers = {r["block"] for r in changed if "ropout" in source(r)}
    assert numbers, "2.0 prints the dropout block as the page does: the sentence about dropout is stale"
    on_d2l = {r["block"]: r["status"] for r in records(D2L, "grad-modes")}
    assert all(on_d2l[n] == "same" for n in numbers)


def test_on_2_0_and_1_12_a_bare_no_grad_decorator_raises_a_type_error():
    for release in (OLD, D2L):
        errors = [r for r in differing(release, "grad-modes") if r["status"] == "error"]
        assert len(errors) == 1 and errors[0]["error"].startswith("TypeError")
        assert "@torch.no_grad\n" in source(errors[0])
