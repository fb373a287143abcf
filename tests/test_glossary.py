"""docs/glossary.*.md: both languages list the same terms, every PyTorch name exists, every link has a target."""

import inspect
import re
from pathlib import Path

import pytest
import torch

DOCS = Path(__file__).resolve().parent.parent / "docs"
# The pages of the course (the plan in mkdocs.yml's nav).
PAGES = {
    "index.md", "basics.md", "graph-and-leaves.md", "backward-twice.md", "non-scalar-backward.md", "detach.md",
    "control-flow.md", "gradient-of-scalar-function.md", "sin-derivative.md", "exercises.md", "errors.md",
    "glossary.md", "from-scratch.md", "forward-mode.md", "checkpointing.md", "about.md",
}
ROW = re.compile(r'^\| <span id="(?P<anchor>[a-z0-9-]+)"></span>(?P<cells>.*)\|\s*$')


def rows(language):
    found = []
    for line in (DOCS / f"glossary.{language}.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            cells = [c.strip() for c in match.group("cells").split(" | ")]
            assert len(cells) == 5, line
            found.append((match.group("anchor"), *cells))
    return found


def test_both_languages_have_the_same_terms_in_the_same_order():
    zh, en = rows("zh"), rows("en")
    assert len(zh) >= 20
    assert [r[0] for r in zh] == [r[0] for r in en]
    assert len({r[0] for r in zh}) == len(zh), "an anchor is used twice"
    for (_, zh_term, zh_english, _, zh_torch, _), (_, en_term, en_chinese, _, en_torch, _) in zip(zh, en):
        assert zh_term == en_chinese
        assert zh_english == en_term
        assert zh_torch == en_torch


def resolve(name):
    """`torch.a.b(kw=...)` or `Tensor.m()`: the object, and the keyword arguments named."""
    match = re.fullmatch(r"(?P<path>[\w.]+)(\((?P<args>[^)]*)\))?", name)
    assert match, name
    path = match.group("path").split(".")
    obj = torch.Tensor if path[0] == "Tensor" else torch
    assert path[0] in ("Tensor", "torch"), name
    for part in path[1:]:
        obj = getattr(obj, part)
    keywords = re.findall(r"(\w+)=", match.group("args") or "")
    return obj, keywords


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_pytorch_name_exists(language):
    for row in rows(language):
        cell = row[4]
        if cell == "—":
            continue
        for name in re.findall(r"`([^`]+)`", cell):
            obj, keywords = resolve(name)
            if keywords:
                parameters = inspect.signature(obj).parameters
                assert all(k in parameters for k in keywords), name


@pytest.mark.parametrize("language", ["zh", "en"])
def test_links_point_to_pages_of_the_course(language):
    text = (DOCS / f"glossary.{language}.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert targets
    assert set(targets) <= PAGES, set(targets) - PAGES


def test_version_counter_goes_up_by_one_per_in_place_change():
    x = torch.zeros(3)
    before = x._version
    x.add_(1)
    x += 1
    assert x._version == before + 2


# Importing forward_ad makes torch itself call the deprecated torch.jit.script.
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_dual_number_carries_the_derivative_times_the_tangent():
    import torch.autograd.forward_ad as fwAD

    a, b = torch.tensor([0.3, 1.2]), torch.tensor([2.0, -1.0])
    with fwAD.dual_level():
        out = torch.sin(fwAD.make_dual(a, b))
        value, tangent = fwAD.unpack_dual(out)
    assert torch.equal(value, torch.sin(a))
    assert torch.allclose(tangent, torch.cos(a) * b)


def test_hessian_vector_product_is_the_gradient_of_grad_dot_v():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    v = torch.tensor([1.0, 2.0, 3.0])
    (g,) = torch.autograd.grad((x**3).sum(), x, create_graph=True)
    (hv,) = torch.autograd.grad(g @ v, x)
    assert torch.allclose(hv, 6 * x.detach() * v)  # H = diag(6x)
