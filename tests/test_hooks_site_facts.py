"""The site's facts, each written once: the languages (mkdocs.yml's extra.alternate), the torch
version of the outputs (requirements.txt) and each language's interface strings
(overrides/locales/<lang>.yml). Everything that repeats one of them is tied to it here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from course.markdown_blocks import ROOT, mkdocs_yml
from course.site_facts import (
    LOCALES,
    check_language,
    config_file,
    css_variables,
    labelled_palette,
    language_roots,
    script_json,
    site_languages,
    strings,
    torch_version,
    translated_nav,
)
from course.steps.site_config import on_config

ALTERNATE = mkdocs_yml()["extra"]["alternate"]
LANGUAGES = language_roots(ALTERNATE)
DEFAULT = next(iter(LANGUAGES))


@pytest.fixture(scope="module")
def configs():
    """Each language's configuration as its build sees it, after this hook's on_config."""
    return {language: on_config(load_config(str(config_file(language)))) for language in LANGUAGES}


def nav_pages(nav) -> list[str]:
    pages = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_each_language_is_one_build_whose_settings_agree_with_extra_alternate(configs):
    for language, folder in LANGUAGES.items():
        config = configs[language]
        assert config.theme["language"] == language, config_file(language).name
        assert Path(config.docs_dir) == ROOT / "docs" / language
        assert config.site_url == configs[DEFAULT].site_url + folder
        assert Path(config.site_dir) == ROOT / "site" / folder
        assert config.edit_uri.endswith(f"docs/{language}/")


def test_every_language_lists_the_same_pages_in_the_same_order(configs):
    navs = {language: nav_pages(config.nav) for language, config in configs.items()}
    assert all(nav == navs[DEFAULT] for nav in navs.values()), navs
    for language, pages in navs.items():
        missing = [page for page in pages if not (ROOT / "docs" / language / page).exists()]
        assert missing == [], f"{config_file(language).name}: {missing}"


def nav_titles(nav) -> list[str]:
    titles = []
    for entry in nav:
        if isinstance(entry, dict):
            ((title, value),) = entry.items()
            titles += [title, *(nav_titles(value) if isinstance(value, list) else [])]
    return titles


def test_every_other_language_titles_the_nav_in_its_own_words(configs):
    default = nav_titles(configs[DEFAULT].nav)
    assert default == nav_titles(mkdocs_yml()["nav"]) and len(default) >= 5
    for language in LANGUAGES:
        if language != DEFAULT:
            words = strings(language)["nav"]
            assert nav_titles(configs[language].nav) == [words[title] for title in default]
            assert set(words.values()).isdisjoint(default), f"{language}: a title left untranslated"


def test_the_makefile_builds_each_language_from_its_configuration():
    # The Makefile writes the rule of config_file in make's own words; make says what it makes of it.
    if not shutil.which("make"):
        pytest.skip("needs make")
    show = "show-config: ; @echo $(CONFIG)"

    def config_of(*args: str) -> str:
        run = subprocess.run(
            ["make", "-s", "-f", "Makefile", "-f", "-", "show-config", *args],
            input=show,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout.strip()

    assert config_of() == config_file(DEFAULT).name
    for language in LANGUAGES:
        assert config_of(f"LANGUAGE={language}") == config_file(language).name
    with pytest.raises(ValueError, match="'fr' is not a language of mkdocs.yml's extra.alternate"):
        config_file("fr")


def test_the_other_languages_change_only_what_is_theirs():
    # INHERIT merges mappings: a key of mkdocs.en.yml outside this list would silently fork the base.
    # The nav and the palette are the base's: their words are the strings file's.
    own = {
        "INHERIT",
        "site_name",
        "site_description",
        "site_url",
        "docs_dir",
        "site_dir",
        "edit_uri",
        "copyright",
        "theme",
        "plugins",
    }
    for language in LANGUAGES:
        if language != DEFAULT:
            settings = yaml.safe_load(config_file(language).read_text(encoding="utf-8"))
            assert set(settings) <= own, f"{config_file(language).name} sets {sorted(set(settings) - own)}"
            assert set(settings.get("theme", {})) <= {"language"}, f"{config_file(language).name} sets theme"


def test_a_build_whose_address_disagrees_with_its_language_stops():
    with pytest.raises(PluginError, match="site_url .* of the 'en' build does not end in /en/"):
        check_language("en", "https://example.org/autograd/", ALTERNATE)
    with pytest.raises(PluginError, match="'fr' is not in extra.alternate"):
        check_language("fr", "https://example.org/autograd/fr/", ALTERNATE)
    assert check_language("en", "https://example.org/autograd/en/", ALTERNATE) == (
        "en/",
        "https://example.org/autograd/",
    )


# --- the torch version -----------------------------------------------------------------------------

PIN = torch_version()
# "torch 2.13.0", "torch==2.13.0", "torch 2.13.0（CPU）": a full version names the outputs' torch.
# Older releases are named by their minor version ("since torch 2.0"), which this does not match.
STATED = re.compile(r"\btorch(?:==| |\u00a0)(?P<version>\d+\.\d+\.\d+)")


def stated_versions(text: str) -> set[str]:
    return {m["version"] for m in STATED.finditer(text)}


def files_that_state_versions() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("docs/**/*.md"),
            *ROOT.glob("docs/**/*.ipynb"),
            *ROOT.glob("overrides/**/*.html"),
            ROOT / "README.md",
            ROOT / "CONTRIBUTING.md",
            *ROOT.glob("mkdocs*.yml"),
            *ROOT.glob("course/**/*.py"),
        ]
    )


def test_every_page_template_and_readme_states_the_pinned_torch():
    wrong = {
        str(path.relative_to(ROOT)): found - {PIN}
        for path in files_that_state_versions()
        if (found := stated_versions(path.read_text(encoding="utf-8"))) - {PIN}
    }
    assert wrong == {}, f"requirements.txt pins torch {PIN}"


def test_another_version_on_a_page_is_found():
    assert stated_versions("输出来自 torch 2.12.1（CPU）, since torch 2.0") == {"2.12.1"}


def test_the_footer_takes_the_version_from_the_pin():
    # course/site_facts.py fills in {torch_version}; a version typed into a footer would go stale.
    footers = [mkdocs_yml()["copyright"]] + [
        yaml.safe_load(config_file(language).read_text(encoding="utf-8"))["copyright"]
        for language in LANGUAGES
        if language != DEFAULT
    ]
    assert all("{torch_version}" in footer and not STATED.search(footer) for footer in footers), footers


# --- the interface strings -------------------------------------------------------------------------

SCRIPTS = ROOT / "overrides" / "javascripts"
STYLES = ROOT / "overrides" / "stylesheets"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_every_language_has_the_default_languages_strings():
    assert set(LOCALES.glob("*.yml")) == {LOCALES / f"{language}.yml" for language in LANGUAGES}
    default = strings(DEFAULT)
    for language in LANGUAGES:
        assert set(strings(language)) - {"nav"} == set(default), language


def locales(tmp_path: Path, language: str = "en", **changes) -> Path:
    """A copy of overrides/locales/ whose file of ``language`` has ``changes`` (dotted key -> value,
    None drops it)."""
    folder = tmp_path / "locales"
    shutil.copytree(LOCALES, folder)
    data = yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *path, key = dotted.split(".")
        table = data
        for part in path:
            table = table[part]
        if value is None:
            del table[key]
        else:
            table[key] = value
    (folder / f"{language}.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"actions.pdf": None}, r"en\.yml: no string actions\.pdf \(.*zh\.yml has one\)"),
        ({"actions.extra": "More"}, r"en\.yml: actions\.extra is not a string of .*zh\.yml"),
        ({"versions.note": "On torch {versions}"}, r"en\.yml: versions\.note has the placeholders \['versions'\]"),
        ({"javascript.zoom": "Close"}, r"en\.yml: javascript\.zoom should be a mapping"),
        ({"palette.slate": 3}, r"en\.yml: palette\.slate should be text"),
        ({"nav": None}, r"en\.yml needs nav"),
    ],
)
def test_a_string_missing_or_left_over_stops_the_build_naming_the_file(tmp_path, changes, message):
    folder = locales(tmp_path, **changes)
    with pytest.raises(PluginError, match=message):
        strings("en", folder)


def test_the_default_language_takes_its_nav_titles_from_mkdocs_yml(tmp_path):
    folder = locales(tmp_path)
    (folder / "zh.yml").write_text((folder / "zh.yml").read_text(encoding="utf-8") + "nav:\n  课程: 课程\n")
    with pytest.raises(PluginError, match=r"zh\.yml has nav: the default language's titles are mkdocs\.yml's"):
        strings("zh", folder)
    with pytest.raises(PluginError, match=r"no interface strings: .*fr\.yml is missing"):
        strings("fr", folder)


def test_a_nav_title_without_a_translation_or_a_translation_without_a_title_stops_the_build(tmp_path):
    nav = mkdocs_yml()["nav"]
    (first, *_) = nav_titles(nav)
    missing = locales(tmp_path / "missing", **{f"nav.{first}": None})
    with pytest.raises(PluginError, match=rf"en\.yml has no translation of the nav title '{first}' \(nav:\)"):
        translated_nav(nav, "en", missing)
    extra = locales(tmp_path / "extra", **{"nav.旧的一节": "An old section"})
    with pytest.raises(
        PluginError, match=r"en\.yml translates \['旧的一节'\], which are not titles of mkdocs\.yml's nav"
    ):
        translated_nav(nav, "en", extra)
    assert translated_nav(nav, DEFAULT, missing) is nav


def test_each_toggle_of_the_palette_carries_its_languages_label(configs, tmp_path):
    for language, config in configs.items():
        labels = strings(language)["palette"]
        assert [entry["toggle"]["name"] for entry in config.theme["palette"]] == [
            labels[entry["scheme"]] for entry in config.theme["palette"]
        ]
    assert all("name" not in entry["toggle"] for entry in mkdocs_yml()["theme"]["palette"]), "mkdocs.yml names a toggle"
    folder = locales(tmp_path, DEFAULT, **{"palette.slate": None, "palette.dark": "深色"})
    with pytest.raises(
        PluginError, match=rf"{DEFAULT}\.yml labels the schemes \['dark', 'default'\], theme\.palette has"
    ):
        labelled_palette(mkdocs_yml()["theme"]["palette"], DEFAULT, folder)


def test_the_templates_get_this_languages_strings_and_every_languages_for_the_404_page(configs):
    for language, config in configs.items():
        assert config.extra["strings"] == strings(language)
        assert config.extra["strings_of"] == {other: strings(other) for other in LANGUAGES}
        assert json.loads(config.extra["javascript_strings"]) == strings(language)["javascript"]
        assert config.extra["css_strings"] == css_variables(strings(language)["css"])


def test_the_scripts_words_stand_in_the_page_as_json_html_cannot_end():
    text = script_json({"a": "</script><!-- & -->", "b": "关闭"})
    assert not re.search(r"[<>&]", text) and "关闭" in text
    assert json.loads(text) == {"a": "</script><!-- & -->", "b": "关闭"}


# Each script and the part of javascript: it reads as T (playground.js also reads run-in-page.js's as S).
SCRIPT_STRINGS = {
    "figure-zoom.js": {"T": "zoom"},
    "run-in-page.js": {"T": "run"},
    "playground.js": {"T": "playground", "S": "run"},
    "stepper.js": {"T": "playground"},
}
FILL = re.compile(r"fill\(T\.(?P<key>\w+), \{(?P<values>[^}]*)\}\)")


def test_no_script_or_template_types_a_languages_words():
    assert site_languages() == tuple(LANGUAGES)
    typed = {
        str(path.relative_to(ROOT)): CJK.findall(path.read_text(encoding="utf-8"))
        for path in [*SCRIPTS.glob("*.js"), *(ROOT / "overrides").glob("**/*.html"), *STYLES.glob("*.css")]
        if CJK.search(path.read_text(encoding="utf-8"))
    }
    assert typed == {}, "interface strings belong in overrides/locales/<lang>.yml"
    assert [p.name for p in SCRIPTS.glob("*.js") if "documentElement.lang" in p.read_text(encoding="utf-8")] == []
    assert [p.name for p in STYLES.glob("*.css") if ":lang(" in p.read_text(encoding="utf-8")] == []


def test_every_label_a_stylesheet_shows_is_in_every_language():
    used = {name for path in STYLES.glob("*.css") for name in re.findall(r"var\(--course-([\w-]+)\)", path.read_text())}
    assert used, "no stylesheet shows a label"
    for language in LANGUAGES:
        assert {key.replace("_", "-") for key in strings(language)["css"]} == used, language
    assert (
        css_variables({"output": 'A "quoted" \\ </style>'})
        == ':root{--course-output:"A \\"quoted\\" \\\\ \\3c /style>"}'
    )


@pytest.mark.parametrize("script", sorted(SCRIPT_STRINGS))
def test_every_string_a_script_reads_is_in_every_language_with_the_placeholders_it_fills(script):
    source = (SCRIPTS / script).read_text(encoding="utf-8")
    own = SCRIPT_STRINGS[script]["T"]
    assert f'getElementById("course-strings").textContent).{own};' in source
    for language in LANGUAGES:
        words = strings(language)["javascript"]
        for name, part in SCRIPT_STRINGS[script].items():
            asked = set(re.findall(rf"\b{name}\.(\w+)", source))
            assert asked and asked <= set(words[part]), f"{script}: {sorted(asked - set(words[part]))}"
        for fill in FILL.finditer(source):
            given = set(re.findall(r"(\w+):", fill["values"]))
            assert given == set(re.findall(r"\{(\w+)\}", words[own][fill["key"]])), (language, fill["key"])
    assert 'id="course-strings"' in (ROOT / "overrides" / "main.html").read_text(encoding="utf-8")
