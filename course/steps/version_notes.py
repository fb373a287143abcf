"""What a reader on another torch sees, from versions/torch-versions.json (written by `make versions`).

Two jobs on the Markdown of each page, both from the same data:

* on the versions page (docs/<lang>/versions.md), each marker ``<!-- versions: summary -->`` and
  ``<!-- versions: <chapter>.md -->`` is replaced by a table: the releases run, and per chapter the
  blocks whose output differs on some release, each with what that release prints instead (a diff)
  or the error it raises. A chapter where nothing differs says so. The prose around them is the
  page's own.
* on a chapter, under the output of such a block, a one-line note names the releases and links to
  the block's row on the versions page (anchor ``<chapter>-<block number>``).

Records are matched to blocks by the block's number on the page and the digest of its code as the
page file writes it (markdown_blocks.code_digest; markers not filled in): a block edited since the
data were recorded gets no note, and its row says the record is out of date, until `make versions`
runs again. The pinned release is the one the pages show, so it is not a column of its own.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from mkdocs.exceptions import PluginError

from course.markdown_blocks import ROOT, code_digest, parse_blocks
from course.site_facts import strings, torch_version

DATA = ROOT / "versions" / "torch-versions.json"
PAGE = "versions.md"
MARKER = re.compile(r"^<!-- versions: (?P<what>[\w.-]+) -->$", re.MULTILINE)


def load(path: Path = DATA) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"versions": {}}


@lru_cache(maxsize=1)
def _load_once(mtime_ns: int) -> dict:
    return load()


def current() -> dict:
    """The data, read again only when the file changed (every page of a build asks for it)."""
    return _load_once(DATA.stat().st_mtime_ns) if DATA.exists() else {"versions": {}}


def digests_of(blocks) -> dict[int, str]:
    """{block number on the page: digest of its code}, as `make versions` records them."""
    return {number: code_digest(block.code) for number, block in enumerate(blocks, start=1)}


def differences(data: dict, page: str, digests: dict[int, str] | None = None) -> dict[int, dict[str, dict]]:
    """{block number: {release: record}} for the blocks of ``page`` (docs/<lang>/<name>.md) that some
    release runs differently. With ``digests``, a record of other code than the page's is left out."""
    found: dict[int, dict[str, dict]] = {}
    for release, run in data["versions"].items():
        for record in run["pages"].get(page, []):
            if record["status"] == "same":
                continue
            if digests is not None and digests.get(record["block"]) != record["code"]:
                continue
            found.setdefault(record["block"], {})[release] = record
    return dict(sorted(found.items()))


def anchor(page: str, block: int) -> str:
    return f"{Path(page).stem}-{block}"


def summary(data: dict, words: dict) -> str:
    pin = torch_version()
    rows = [
        f"| {words['release']} | {words['python']} | {words['same']} | {words['different']} | {words['error']} "
        f"| {words['date']} | {words['machine']} |",
        "|---|---|---|---|---|---|---|",
    ]
    for release, run in data["versions"].items():
        tally = {"same": 0, "different": 0, "error": 0, "not run": 0}
        for records in run["pages"].values():
            for record in records:
                tally[record["status"]] += 1
        name = f"{run['torch']} {words['pin']}" if release == pin else run["torch"]
        rows.append(
            f"| {name} | {run['python']} | {tally['same']} | {tally['different']} | {tally['error'] + tally['not run']} "
            f"| {run['date']} | {run['machine']} |"
        )
    return "\n".join(rows) + "\n"


def chapter(data: dict, page: str, words: dict) -> str:
    """The table and the details of one chapter: every block some release runs differently."""
    path = ROOT / page
    blocks = parse_blocks(path)
    found = differences(data, page, digests_of(blocks))
    stale = any(differences(data, page)) and not found
    if not found:
        return words["stale" if stale else "nothing"] + "\n"
    releases = [r for r in data["versions"] if any(r in by_release for by_release in found.values())]
    name = Path(page).name
    title = page_title(path)
    lines = [
        f"| {words['block']} | " + " | ".join(f"torch {r}" for r in releases) + " |",
        "|---|" + "---|" * len(releases),
    ]
    for number, by_release in found.items():
        cells = []
        for release in releases:
            record = by_release.get(release)
            if record is None:
                cells.append(words["same"])
            elif record["status"] == "not run":
                # Links to the block whose error stopped the chain on that release.
                failed = max(
                    (n for n, b in found.items() if n < number and b.get(release, {}).get("status") == "error"),
                    default=None,
                )
                cells.append(f"[{words['not run']}](#{anchor(page, failed)})" if failed else words["not run"])
            else:
                cells.append(f"[{words[record['status']]}](#{anchor(page, number)})")
        if has_details(by_release):
            first = f"{words['block']} {number}"
        else:
            # No details of its own: the row itself is where a note under the block leads.
            first = f'<span id="{anchor(page, number)}"></span>{words["block"]} {number}'
        lines.append(f"| {first} | " + " | ".join(cells) + " |")
    lines.append("")
    for number, by_release in found.items():
        if not has_details(by_release):
            continue
        block = blocks[number - 1]
        where = words["line"].format(line=block.lineno)
        # A paragraph with an id, not a heading: the table of contents keeps to the chapters.
        lines += [
            f"**{words['block']} {number}** · [{title}]({name}#{heading_anchor(block, path)}), {where}",
            f"{{ #{anchor(page, number)} .version-block }}",
            "",
        ]
        # Releases that print the same thing share one explanation.
        grouped: dict[str, list[str]] = {}
        for release, record in by_release.items():
            if record["status"] == "not run":
                continue
            key = json.dumps([record["status"], record.get("diff"), record.get("error")])
            grouped.setdefault(key, []).append(release)
        for key, group in grouped.items():
            status, diff, error = json.loads(key)
            versions = words["separator"].join(group)
            if status == "different":
                lines += [words["prints"].format(versions=versions), "", "```diff", *strip_headers(diff), "```", ""]
            else:
                lines += [words["raises"].format(versions=versions), "", "```text", error, "```", ""]
    return "\n".join(lines) + "\n"


def has_details(by_release: dict[str, dict]) -> bool:
    """Whether some release ran the block (a block that did not run anywhere has nothing to show)."""
    return any(record["status"] != "not run" for record in by_release.values())


def strip_headers(diff: str) -> list[str]:
    """The diff's lines without the ---/+++ file names, which say nothing to a reader."""
    return [line for line in diff.splitlines() if not line.startswith(("--- ", "+++ "))]


def page_title(path: Path) -> str:
    """The page's H1 without its anchor: the text every link to it carries."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
    return path.stem


def heading_anchor(block, path: Path) -> str:
    """The anchor of the last heading above the block, so the link lands near it."""
    found = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number > block.lineno:
            break
        heading = re.match(r"^#{1,6} .*\{ *#(?P<anchor>[\w-]+) *\}\s*$", line)
        if heading:
            found = heading["anchor"]
    return found


def note_under_blocks(markdown: str, page: str, data: dict, words: dict) -> str:
    """Add the one-line note under each block of ``markdown`` that some release runs differently.

    The records are matched to the code the page file writes; ``markdown`` (the page as the hooks
    before this one left it, facts filled in) gives only the places of its blocks."""
    path = ROOT / page
    blocks = parse_blocks(path, markdown)
    written = parse_blocks(path)
    if len(written) != len(blocks):
        raise PluginError(f"version_notes: {page} has {len(written)} python blocks, {len(blocks)} after the hooks")
    found = differences(data, page, digests_of(written))
    if not found:
        return markdown
    lines = markdown.splitlines(keepends=True)
    for number in sorted(found, reverse=True):
        block = blocks[number - 1]
        end = block.expected.end_lineno if block.expected else block.end_lineno
        versions = words["separator"].join(found[number])
        note = words["note"].format(versions=versions, anchor=anchor(page, number))
        # attr_list: a block's attributes go on a line of their own at its end.
        lines[end:end] = ["\n", f"{block.indent}{note}\n", f"{block.indent}{{ .version-note }}\n"]
    return "".join(lines)


def on_page_markdown(markdown, page, config, files):
    words = strings(config.theme["language"])["versions"]  # overrides/locales/<lang>.yml
    source = Path(config.docs_dir) / page.file.src_path
    if not source.is_relative_to(ROOT) or not source.suffix == ".md":
        return markdown
    relative = source.relative_to(ROOT).as_posix()
    data = current()
    if page.file.src_path == PAGE:
        language_folder = Path(relative).parent.as_posix()

        def replace(marker: re.Match) -> str:
            what = marker["what"]
            if what == "summary":
                return summary(data, words)
            return chapter(data, f"{language_folder}/{what}", words)

        return MARKER.sub(replace, markdown)
    return note_under_blocks(markdown, relative, data, words)
