"""Build the whole site: one strict MkDocs build per language, side by side, assembled into one folder.

    python scripts/build_site.py [--site-dir site] [--languages zh,en]

The languages are mkdocs.yml's ``extra.alternate``, each built from its configuration
(site_facts.config_file: mkdocs.yml for the default, the first) into the folder its link names.
Each build writes into a folder of its own beside the target, and only when all have passed is the
target replaced: MkDocs empties its output folder before building, so the default
language cannot build into the folder that holds the others. Two builds on two cores take about
as long as the longer one (figures are drawn once: course/steps/figures.py makes the builds take turns).

The log shows what a writer needs: warnings and errors of each build, one line per lab the build
executed, and how long each build took. The full log of a failed build is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from course.markdown_blocks import mkdocs_yml
from course.site_facts import config_file, language_roots

ROOT = Path(__file__).resolve().parent.parent


EXECUTED_LAB = re.compile(r"Cache miss, writing: (?P<path>\S+)")
# Lines a writer does not need: MkDocs' and mkdocs-jupyter's progress, jieba loading its
# dictionary, and a warning every Jupyter kernel prints on start about its local TCP connection
# (it listens on 127.0.0.1 only).
QUIET = re.compile(
    r"^(INFO|DEBUG)\b|^\s*$|Kernel is running over TCP without encryption"
    r"|^(Building prefix dict|Loading model|Prefix dict has been built)"
)


# What a lab's kernel prints when another process bound one of the ports chosen for it.
KERNEL_PORT_RACE = "zmq.error.ZMQError: Address already in use"


def languages() -> dict[str, str]:
    """{language: folder below the site's root}, the default language first."""
    return language_roots(mkdocs_yml()["extra"]["alternate"])


def summary(language: str, log: str, seconds: float) -> list[str]:
    lines = [f"{language}: executed lab {Path(m['path']).relative_to(ROOT)}" for m in EXECUTED_LAB.finditer(log)]
    lines += [f"{language}: {line}" for line in log.splitlines() if not QUIET.search(line)]
    return [*lines, f"{language}: built in {seconds:.1f} s"]


def build(site: Path, wanted: list[str] | None = None, extra_args: tuple[str, ...] = ()) -> int:
    roots = languages()
    default = next(iter(roots))
    wanted = wanted or list(roots)
    unknown = sorted(set(wanted) - set(roots))
    if unknown:
        print(
            f"build_site: unknown language {unknown}; mkdocs.yml's extra.alternate has {list(roots)}", file=sys.stderr
        )
        return 2
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.setdefault(
        "SOURCE_DATE_EPOCH",
        subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        or "0",
    )
    site = site.resolve()
    started = time.monotonic()
    running = {}
    running_command = {}
    for language in wanted:
        staging = site.with_name(f".{site.name}.{language}.building")
        shutil.rmtree(staging, ignore_errors=True)
        command = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(config_file(language)),
            "--site-dir",
            str(staging),
            *extra_args,
        ]
        running_command[language] = command
        running[language] = (
            staging,
            subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
        )
    failed = []
    for language, (staging, process) in running.items():
        log, _ = process.communicate()
        if process.returncode != 0 and KERNEL_PORT_RACE in log:
            # jupyter_client picks a kernel's ports as free and the kernel binds them later: another
            # kernel starting at that moment (the other language's labs, a test's notebooks) can take
            # one first. Only that failure is retried, once, alone.
            print(f"build_site: the {language} build lost a kernel port to another process; building it again")
            shutil.rmtree(staging, ignore_errors=True)
            process = subprocess.run(
                running_command[language],
                cwd=ROOT,
                env=env,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            log = process.stdout
        if process.returncode != 0:
            failed.append(language)
            print(
                f"build_site: the {language} build ({config_file(language).name}) failed:\n{log}",
                file=sys.stderr,
            )
        else:
            print("\n".join(summary(language, log, time.monotonic() - started)))
    if failed:
        for staging, _ in running.values():
            shutil.rmtree(staging, ignore_errors=True)
        return 1
    shutil.rmtree(site, ignore_errors=True)
    default_staging = running[default][0] if default in running else None
    if default_staging is not None:
        default_staging.rename(site)
    else:
        site.mkdir(parents=True, exist_ok=True)
    for language, (staging, _) in running.items():
        if language != default:
            target = site / roots[language]
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            staging.rename(target)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-dir", type=Path, default=ROOT / "site")
    parser.add_argument("--languages", help="comma-separated, e.g. zh (default: every language)")
    args = parser.parse_args()
    return build(args.site_dir, args.languages.split(",") if args.languages else None)


if __name__ == "__main__":
    sys.exit(main())
