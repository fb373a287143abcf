"""course/pytest_parallel.py: under `pytest -n 2 --dist loadfile`, the browser tests share one process. The
test runs pytest-xdist on a scratch project whose tests write down where they ran."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from course.markdown_blocks import ROOT

# Each test of the scratch project appends {"test", "worker", "start", "end"} to ran.jsonl.
CONFTEST = textwrap.dedent(
    """
    import json, os, time
    from pathlib import Path

    import pytest

    pytest_plugins = ["parallel"]

    @pytest.fixture(autouse=True)
    def noted(request):
        start = time.monotonic()
        yield
        with open(Path(__file__).parent / "ran.jsonl", "a") as log:
            log.write(json.dumps({"test": request.node.name, "worker": os.environ.get("PYTEST_XDIST_WORKER"),
                                  "start": start, "end": time.monotonic()}) + "\\n")
    """
)


@pytest.fixture
def project(pytester):
    shutil.copy(ROOT / "course" / "pytest_parallel.py", pytester.path / "parallel.py")
    (pytester.path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (pytester.path / "tests" / "browser").mkdir(parents=True)
    return pytester


def ran(project) -> dict[str, dict]:
    lines = (project.path / "ran.jsonl").read_text(encoding="utf-8").splitlines()
    return {entry["test"]: entry for entry in map(json.loads, lines)}


def run(project):
    return project.runpytest_subprocess(
        "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", "-p", "no:cacheprovider"
    )


def test_the_browser_tests_share_one_process(project):
    for name in ("first", "second"):
        (project.path / "tests" / "browser" / f"test_{name}.py").write_text(
            f"def test_browser_{name}():\n    pass\n", encoding="utf-8"
        )
    (project.path / "tests" / "test_other.py").write_text("def test_other():\n    pass\n", encoding="utf-8")
    run(project).assert_outcomes(passed=3)
    where = {test: entry["worker"] for test, entry in ran(project).items()}
    # Without the plugin, loadfile sends the two browser files to the two processes.
    assert where["test_browser_first"] == where["test_browser_second"] != where["test_other"], (
        f"pytest-xdist's private LoadScopeScheduling._split_scope no longer decides the groups: {where}"
    )


def test_every_test_that_uses_the_built_site_is_left_out_of_the_fast_loop(request):
    # make test-fast runs `-m "not build"`: the site fixture must never be built there.
    unmarked = [
        item.nodeid
        for item in request.session.items
        if "site" in getattr(item, "fixturenames", ()) and item.get_closest_marker("build") is None
    ]
    assert unmarked == []
