"""`make versions`: run every page's code blocks under each torch of versions/torch-versions.toml.

Each release gets its own virtual environment, .venvs/torch-<version>/ (made once, then reused; not
removed by `make clean`), holding that torch and the packages the harness needs (pinned as in
requirements.txt unless the list says otherwise). The harness runs there with --record-versions,
which fails no block but notes how each compares with its page; the notes of every release go to
versions/torch-versions.json, from which course/steps/version_notes.py builds the versions page.

    python3 scripts/torch_versions.py                      # every listed release this machine can run
    python3 scripts/torch_versions.py --only 2.14.1        # one of them
    python3 scripts/torch_versions.py --newest --index-url https://download.pytorch.org/whl/cpu --check

--newest installs the newest torch the index offers (in .venvs/torch-newest/); --check then exits
with 1, naming page and block, wherever that release prints something other than what the data
record for the newest listed release: a new release changed a page (the scheduled workflow).
Only the standard library: it runs before any environment exists.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "versions" / "torch-versions.toml"
DATA = ROOT / "versions" / "torch-versions.json"
VENVS = ROOT / ".venvs"
# What the harness (course/pytest_pages.py, course/markdown_blocks.py) and the pages' blocks import besides torch.
HARNESS = ["pytest", "Markdown", "pymdown-extensions", "PyYAML", "mkdocs", "numpy", "matplotlib"]


def listed() -> list[dict]:
    return tomllib.loads(LIST.read_text(encoding="utf-8"))["version"]


def pins() -> dict[str, str]:
    """requirements.txt's pins of the harness's packages, by lower-case name."""
    found = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        if version and name.lower() in {p.lower() for p in HARNESS}:
            found[name.lower()] = f"{name}=={version}"
    return found


def requirements(entry: dict) -> list[str]:
    chosen = pins()
    for spec in entry.get("packages", []):
        chosen[re.split(r"[=<>!~]", spec, maxsplit=1)[0].lower()] = spec
    torch = f"torch=={entry['torch']}" if entry["torch"] != "newest" else "torch"
    return [torch, *sorted(chosen.values())]


def interpreter(python: str) -> str | None:
    """python3.11, from PATH or from pyenv's versions (where this machine keeps 3.9)."""
    found = shutil.which(f"python{python}")
    if found and subprocess.run([found, "-V"], capture_output=True).returncode == 0:
        return found
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{python}.*/bin/python{python}")))
    return candidates[-1] if candidates else None


def environment(entry: dict, index_url: str | None) -> Path:
    """The release's virtual environment, installed once; reinstalled only when its list changes."""
    venv = VENVS / f"torch-{entry['torch']}"
    wanted = requirements(entry)
    stamp = venv / "installed.txt"
    if entry["torch"] != "newest" and stamp.exists() and stamp.read_text(encoding="utf-8").split() == wanted:
        return venv
    python = interpreter(entry["python"])
    if python is None:
        raise SystemExit(f"torch {entry['torch']} needs Python {entry['python']}, which this machine does not have")
    if not (venv / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    index = ["--extra-index-url", index_url] if index_url else []
    upgrade = ["--upgrade"] if entry["torch"] == "newest" else []
    print(f"installing into {venv.relative_to(ROOT)}: {' '.join(wanted)}", flush=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *upgrade,
            *index,
            *wanted,
        ],
        check=True,
    )
    stamp.write_text("\n".join(wanted) + "\n", encoding="utf-8")
    return venv


def record(venv: Path) -> dict:
    """Run the harness over docs/ with the release's Python; return the notes and where they were made."""
    python = str(venv / "bin" / "python")
    facts = subprocess.run(
        [python, "-c", "import platform, torch; print(torch.__version__); print(platform.python_version())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "records.json"
        # Matplotlib draws into files, never to a window, and keeps its cache out of the home folder.
        env = {**os.environ, "MPLBACKEND": "Agg", "MPLCONFIGDIR": scratch}
        subprocess.run(
            [python, "-m", "pytest", "docs", "-q", "-p", "no:cacheprovider", f"--record-versions={target}"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        pages = json.loads(target.read_text(encoding="utf-8"))
    return {
        "torch": facts[0],
        "python": facts[1],
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "pages": pages,
    }


def counts(run: dict) -> dict[str, int]:
    tally: dict[str, int] = {}
    for blocks in run["pages"].values():
        for block in blocks:
            tally[block["status"]] = tally.get(block["status"], 0) + 1
    return tally


def changes(new: dict, old: dict) -> list[str]:
    """Every block whose status, output or error is not the one recorded before; page and block named."""
    found = []
    for page, blocks in sorted(new["pages"].items()):
        before = {b["block"]: b for b in old["pages"].get(page, [])}
        for block in blocks:
            was = before.get(block["block"])
            keys = ("status", "output", "error")
            if was is not None and was.get("code") != block["code"]:
                continue  # the code changed since the data were recorded: nothing to compare
            if was is None or any(was.get(k) != block.get(k) for k in keys):
                what = block.get("diff") or block.get("error") or block["status"]
                found.append(f"{page} block {block['block']} (line {block['line']}): {block['status']}\n{what}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run only this listed release (repeatable)")
    parser.add_argument("--newest", action="store_true", help="run the newest torch the index offers instead")
    parser.add_argument("--index-url", help="also take torch from this index (PyPI stays the main one)")
    parser.add_argument("--check", action="store_true", help="fail where a release changes what the data record")
    args = parser.parse_args()

    data = json.loads(DATA.read_text(encoding="utf-8")) if DATA.exists() else {"versions": {}}
    entries = listed()
    if args.newest:
        entries = [{"torch": "newest", "python": f"{sys.version_info.major}.{sys.version_info.minor}"}]
    elif args.only:
        entries = [e for e in entries if e["torch"] in args.only]
        if not entries:
            raise SystemExit(f"not in {LIST.relative_to(ROOT)}: {', '.join(args.only)}")
    else:
        # A release whose Python this machine lacks is left to the workflow (.github/workflows/versions.yml).
        entries = [
            e
            for e in entries
            if interpreter(e["python"]) or print(f"skipped torch {e['torch']}: no Python {e['python']}")
        ]

    problems: list[str] = []
    for entry in entries:
        run = record(environment(entry, args.index_url))
        run["index"] = args.index_url or "PyPI"
        print(f"torch {run['torch']}: {counts(run)}", flush=True)
        # The data key is the release without a local build tag: 2.14.1+cpu and 2.14.1 are one release.
        release = run["torch"].split("+")[0]
        if args.check:
            recorded = sorted(data["versions"], key=version_key)
            known = data["versions"].get(release) or (data["versions"][recorded[-1]] if recorded else None)
            if known is None:
                problems.append(f"no recorded release to compare torch {release} with")
            else:
                problems += changes(run, known)
        else:
            data["versions"][release] = run
    if not args.check:
        data["versions"] = dict(sorted(data["versions"].items(), key=lambda item: version_key(item[0]), reverse=True))
        DATA.write_text(dump(data), encoding="utf-8")
        print(f"wrote {DATA.relative_to(ROOT)}")
    for problem in problems:
        print(f"::error::{problem.splitlines()[0]}\n{problem}")
    return 1 if problems else 0


def dump(data: dict) -> str:
    """JSON with one block's record per line, so that a new run reads as a diff of blocks."""
    out = ['{\n "versions": {']
    for i, (release, run) in enumerate(data["versions"].items()):
        facts = {k: v for k, v in run.items() if k != "pages"}
        out.append(f" {json.dumps(release)}: {{")
        out += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in facts.items()]
        out.append('  "pages": {')
        pages = sorted(run["pages"].items())
        for j, (page, records) in enumerate(pages):
            out.append(f"   {json.dumps(page)}: [")
            out += [
                f"    {json.dumps(r, ensure_ascii=False, sort_keys=True)}" + ("," if k < len(records) - 1 else "")
                for k, r in enumerate(records)
            ]
            out.append("   ]" + ("," if j < len(pages) - 1 else ""))
        out.append("  }")
        out.append(" }" + ("," if i < len(data["versions"]) - 1 else ""))
    out.append(" }\n}\n")
    return "\n".join(out)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


if __name__ == "__main__":
    sys.exit(main())
