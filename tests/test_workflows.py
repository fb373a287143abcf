"""The GitHub workflows cannot run here, so they are checked statically."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from course.markdown_blocks import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def test_zizmor_finds_nothing():
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert zizmor, "zizmor is pinned in requirements.txt"
    result = subprocess.run([zizmor, "--offline", str(WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tests_run_on_pull_requests_and_pushes_with_make_test():
    ci = load("ci.yml")
    assert "pull_request" in ci["on"] and "push" in ci["on"]
    steps = ci["jobs"]["test"]["steps"]
    assert any(step.get("run") == "make test" for step in steps)
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["cache"] == "pip"


def test_only_a_commit_of_main_whose_tests_passed_is_published():
    jobs = load("ci.yml")["jobs"]
    build, deploy = jobs["build-site"], jobs["deploy"]
    assert build["needs"] == "test" and deploy["needs"] == "build-site"
    assert "refs/heads/main" in build["if"] and "pull_request" in build["if"]
    # The published build (site and PDF) and no shared pip cache.
    assert any(step.get("run") == "make build" for step in build["steps"])
    assert all("cache" not in step.get("with", {}) for step in build["steps"])
    uses = [step.get("uses", "").split("@")[0] for job in (build, deploy) for step in job["steps"]]
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_make_build_installs_the_browser_the_pdf_edition_needs_and_prints_it():
    """`make build` ends with the PDF edition (scripts/build_pdf.py), which Chromium and the CJK font
    print: so it runs `setup` (system packages), while `make serve` needs only `setup-build`."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lines = makefile.splitlines()
    build_line = next(line for line in lines if line.startswith("build:"))
    assert " setup " in f"{build_line} "
    recipe = lines[lines.index(build_line) + 1 : lines.index(build_line) + 3]
    assert any("scripts/build_site.py" in line for line in recipe) and any(
        "scripts/build_pdf.py" in line for line in recipe
    )
    serve_line = next(line for line in lines if line.startswith("serve:"))
    assert "setup-build" in serve_line and " setup " not in f"{serve_line} "
    setup_build = next(line for line in lines if line.startswith("setup-build:"))
    assert "system-packages" not in setup_build


def test_least_privilege_and_concurrency():
    workflow = load("ci.yml")
    assert workflow["permissions"] == {}, "nothing by default; each job asks for what it needs"
    assert "concurrency" in workflow
    for job_name, job in workflow["jobs"].items():
        granted = job.get("permissions")
        assert granted is not None, f"ci.yml:{job_name} must state its permissions"
        if job_name == "deploy":
            assert granted == {"pages": "write", "id-token": "write"}
        else:
            assert granted == {"contents": "read"}


def test_actions_are_pinned_by_commit():
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    uses = re.findall(r"uses:\s*(\S+)", text)
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), f"{action} is not pinned by SHA"


def test_ci_uses_the_current_node_lts_and_torch_from_the_cpu_index():
    ci = load("ci.yml")
    assert "download.pytorch.org/whl/cpu" in ci["env"]["PIP_EXTRA_INDEX_URL"]
    nodes = {
        step["with"]["node-version"]
        for job in ci["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/setup-node@")
    }
    assert nodes == {"26"}, "Node 26 is the LTS line in November 2026; the README names the versions checked"


def test_ci_entry_point_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", script, re.MULTILINE)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make serve" in readme and "make test" in readme


def test_versions_runs_weekly_and_on_demand_on_the_newest_cpu_torch():
    workflow = load("versions.yml")
    assert workflow["on"]["schedule"] and "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"] == {}
    for job_name, job in workflow["jobs"].items():
        assert job.get("permissions") == {"contents": "read"}, f"versions.yml:{job_name} reads the code, nothing more"
    newest = [step.get("run", "") for step in workflow["jobs"]["newest"]["steps"]]
    assert any(
        run.startswith("make versions")
        and "--newest" in run
        and "--check" in run
        and "https://download.pytorch.org/whl/cpu" in run
        for run in newest
    )
    d2l = workflow["jobs"]["d2l"]
    python = next(s for s in d2l["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert "3.9" in str(python["with"]["python-version"])
    assert any("--only 1.12.0" in step.get("run", "") for step in d2l["steps"])


def test_versions_pins_the_same_actions_as_ci():
    pinned = set(re.findall(r"uses:\s*(\S+)", (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")))
    uses = re.findall(r"uses:\s*(\S+)", (WORKFLOWS / "versions.yml").read_text(encoding="utf-8"))
    assert uses and set(uses) <= pinned
