"""The page checks catch what they guard against: each fault is put on purpose into a copy of a built
page ("Autograd basics"), and the audit of course/browser_audit.py must report it.

Each broken copy sits beside the original (same depth, so its relative links still work), in a copy
of the site served by its own server. The unbroken original must come out clean.
"""

from __future__ import annotations

import re
import shutil

import pytest

from course import browser_audit, site_server

pytestmark = pytest.mark.build

CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"

# name: (what to replace in basics/index.html, with what)
FAULTS = {
    "cdn-script": ("</head>", f'<script src="{CDN}"></script></head>'),
    "missing-stylesheet": ("</head>", '<link rel="stylesheet" href="../assets/missing.css"></head>'),
    "console-error": ("</body>", '<script>console.error("broken on purpose"); notDefined();</script></body>'),
    "raw-tex": ("</h1>", r"</h1><p>导数 \(f'(x) = 2x\) 与 $$\frac{a}{b}$$</p>"),
    "empty-formula": ("</h1>", "</h1><p>一个空公式 <math></math>。</p>"),
    "missing-light-figure": ("dot_flow.zh.light.svg#only-light", "missing.light.svg#only-light"),
    "missing-dark-figure": ("dot_flow.zh.dark.svg#only-dark", "missing.dark.svg#only-dark"),
    "both-figures-shown": (
        "</head>",
        '<style>img[src$="#only-dark"], a:has(> img[src$="#only-dark"]) { display: inline !important }</style></head>',
    ),
    "language-link-to-home": ('href="../en/basics/" hreflang="en"', 'href="../en/" hreflang="en"'),
    "low-contrast": ("</h1>", '</h1><p style="color: #bbb">浅灰色的字</p><img src="../figures/dot_flow.zh.light.svg">'),
    "too-wide-for-a-phone": ("</h1>", '</h1><div style="width: 1200px">一行很宽的内容</div>'),
}


@pytest.fixture(scope="module")
def broken(built_site, tmp_path_factory, chromium):
    """Findings for the original page and for each broken copy."""
    root = tmp_path_factory.mktemp("broken") / "site"
    shutil.copytree(built_site, root)
    original = (root / "basics" / "index.html").read_text(encoding="utf-8")
    for name, (old, new) in FAULTS.items():
        assert old in original, f"{name}: the page no longer contains {old!r}"
        html = original.replace(old, new, 1)
        if name == "language-link-to-home":  # Material's own links, to the other language's home page
            html = re.sub(r'<script src="../javascripts/language-switch.js"[^>]*></script>', "", html)
        (root / name).mkdir()
        (root / name / "index.html").write_text(html, encoding="utf-8")
    context = browser_audit.new_context(chromium, viewport=browser_audit.DESKTOP)
    page = context.new_page()
    with site_server.serve(root) as base:
        recorder = browser_audit.Recorder(page, browser_audit.origin_of(base))
        found = {
            name: browser_audit.audit(page, recorder, base, f"{name}/", accessibility=name == "low-contrast")
            for name in FAULTS
        }
        found["original"] = browser_audit.audit(page, recorder, base, "basics/")
        found["base"] = base
    context.close()
    return found


def test_the_original_page_is_clean(broken):
    findings = broken["original"]
    assert {kind: value for kind, value in vars(findings).items() if value and kind != "schemes"} == {}


def test_a_cdn_script_is_a_foreign_request(broken):
    assert broken["cdn-script"].foreign == [CDN]


def test_a_missing_file_is_a_failed_request(broken):
    assert f"404 {broken['base']}assets/missing.css" in broken["missing-stylesheet"].failed


def test_console_errors_and_uncaught_exceptions_are_reported(broken):
    console = broken["console-error"].console
    assert "broken on purpose" in console
    assert any(message.startswith("uncaught:") and "notDefined" in message for message in console)


def test_raw_tex_is_reported(broken):
    tex = broken["raw-tex"].tex
    assert len(tex) == 1 and r"\(f'(x)" in tex[0]


def test_an_invisible_formula_is_reported(broken):
    assert [m for m in broken["empty-formula"].math if m.startswith("light: 0x")]


def test_a_missing_figure_is_reported_in_its_scheme_only(broken):
    assert broken["missing-light-figure"].figures == ["light: missing.light.svg#only-light did not load"]
    assert broken["missing-dark-figure"].figures == ["dark: missing.dark.svg#only-dark did not load"]
    assert f"404 {broken['base']}figures/missing.dark.svg" in broken["missing-dark-figure"].failed


def test_a_figure_shown_in_the_wrong_scheme_is_reported(broken):
    assert broken["both-figures-shown"].figures == ["light: dot_flow.zh.dark.svg#only-dark is shown in light mode"]


def test_a_language_link_to_the_other_home_page_is_reported(broken):
    language = broken["language-link-to-home"].language
    assert len(language) == 1 and f"'en': '{broken['base']}en/'" in language[0]


def test_axe_reports_low_contrast_and_a_figure_without_text(broken):
    axe = broken["low-contrast"].axe
    assert [v for v in axe if v.startswith("light: color-contrast (serious)")]
    assert not [v for v in axe if v.startswith("dark: color-contrast")], "#bbb is readable on the dark page"
    assert [v for v in axe if "image-alt (critical)" in v]


def test_content_wider_than_a_phone_is_reported(broken):
    overflow = broken["too-wide-for-a-phone"].overflow
    assert overflow and overflow[0].startswith("page is") and "一行很宽的内容" in " ".join(overflow)


def test_no_chromium_anywhere_is_a_clear_failure(monkeypatch, tmp_path):
    # Neither Debian's Chromium nor CHROMIUM_PATH, and no Playwright build: say where each would be.
    monkeypatch.setattr(browser_audit, "chromium_executable", lambda: None)
    missing = tmp_path / "ms-playwright" / "chrome"
    playwright = type("Playwright", (), {"chromium": type("Chromium", (), {"executable_path": str(missing)})()})()
    with pytest.raises(RuntimeError, match=r"no Chromium .*/usr/bin/chromium.*CHROMIUM_PATH.*playwright install"):
        browser_audit.launch(playwright)
