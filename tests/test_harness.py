"""The Markdown harness (course/pytest_pages.py) fails on the faults it guards against, naming the page.

Each test writes a small page into a scratch project with the real course/pytest_pages.py and runs pytest on it.
"""

import json
import shutil
import textwrap

import pytest

from course.markdown_blocks import ROOT

FENCE = "```"


@pytest.fixture
def project(pytester):
    harness = (
        "course/pytest_pages.py",
        "mkdocs.yml",
        "pyproject.toml",
        "requirements.txt",
        "course/pytest_parallel.py",
    )
    for name in (*harness, "course/markdown_blocks.py", "course/steps/page_facts.py", "course/site_facts.py"):
        target = pytester.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, target)
    (pytester.path / "docs").mkdir()
    (pytester.path / "snippets").mkdir()
    return pytester


def page(project, text: str, name: str = "page.zh.md"):
    path = project.path / "docs" / name
    path.write_text(textwrap.dedent(text).replace("~~~", FENCE), encoding="utf-8")
    return path


def run(project, *args):
    return project.runpytest_subprocess("docs", "-p", "no:cacheprovider", *args)


def test_a_changed_digit_in_a_real_page_fails_naming_the_page(project):
    text = (ROOT / "docs" / "zh" / "basics.md").read_text(encoding="utf-8")
    assert "tensor([ 0.,  4.,  8., 12.])" in text
    page(project, text.replace("tensor([ 0.,  4.,  8., 12.])", "tensor([ 0.,  4.,  9., 12.])"), "basics.zh.md")
    result = run(project)
    assert result.parseoutcomes()["failed"] == 1  # the one chain of blocks that shows this output
    result.stdout.fnmatch_lines(["*docs/basics.zh.md:*the output shown at line * is not what the code prints*"])


def test_an_unexpected_error_shows_a_traceback_into_the_page(project):
    page(
        project,
        """
        # Page

        ~~~python
        value = 1
        value.missing()
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*docs/page.zh.md:4: the block raised*", '*page.zh.md", line 6*', "AttributeError:*"])


def test_raises_marker_needs_that_exact_type(project):
    page(
        project,
        """
        <!-- raises: ValueError -->

        ~~~python
        raise KeyError("k")
        ~~~

        <!-- raises: ValueError -->

        ~~~python
        x = 1
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["*expected ValueError, got KeyError*", "*expected ValueError, but nothing was raised*"]
    )


def test_raised_message_is_checked_through_the_output(project):
    page(
        project,
        """
        <!-- raises: ValueError -->

        ~~~python
        raise ValueError("the real message")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        ValueError: a reworded message
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ValueError: the real message*"])


def test_printing_without_showing_the_output_fails(project):
    page(
        project,
        """
        ~~~python
        print("hidden")
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*prints output that the page does not show*"])


def test_global_torch_state_does_not_leak_between_chains(project):
    page(
        project,
        """
        ~~~python
        import torch
        torch.set_grad_enabled(False)
        torch.set_default_dtype(torch.float64)
        ~~~

        ~~~python
        import torch
        print(torch.is_grad_enabled(), torch.get_default_dtype())
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        True torch.float32
        ~~~
        """,
    )
    run(project).assert_outcomes(passed=2)


def test_cont_shares_globals_and_each_block_has_its_own_output(project):
    page(
        project,
        """
        ~~~python
        x = 2
        print(x)
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        2
        ~~~

        <!--pytest-codeblocks:cont-->

        ~~~python
        print(x * 10)
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        20
        ~~~
        """,
    )
    run(project).assert_outcomes(passed=1)


def test_warnings_are_part_of_the_output(project):
    page(
        project,
        """
        ~~~python
        import warnings
        warnings.warn("careful")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        UserWarning: careful
        ~~~
        """,
    )
    run(project).assert_outcomes(passed=1)


def test_includes_are_expanded_and_a_missing_one_fails_naming_the_file(project):
    (project.path / "snippets" / "demo.py").write_text(
        "# --8<-- [start:double]\nprint(21 * 2)\n# --8<-- [end:double]\n"
    )
    page(
        project,
        """
        ~~~python
        --8<-- "snippets/demo.py:double"
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        42
        ~~~

        ~~~python
        --8<-- "snippets/nowhere.py"
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*snippets/nowhere.py*"])


def test_a_skip_needs_a_reason(project):
    page(
        project,
        """
        <!--pytest.mark.skip-->

        ~~~python
        print(1)
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*a skip must say why*"])


def test_a_skip_with_a_reason_is_reported_with_it(project):
    page(
        project,
        """
        <!--pytest.mark.skip(reason="never returns: shown, not run")-->

        ~~~python
        while True:
            pass
        ~~~
        """,
    )
    result = run(project, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*never returns: shown, not run*"])


def test_update_outputs_rewrites_and_adds_outputs(project):
    path = page(
        project,
        """
        ~~~python
        print("new")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        old
        ~~~

        !!! note

            ~~~python
            print("indented")
            ~~~
        """,
    )
    run(project, "--update-outputs").assert_outcomes(passed=2)
    text = path.read_text(encoding="utf-8")
    assert "~~~text\nnew\n~~~".replace("~~~", FENCE) in text
    assert (
        "    <!--pytest-codeblocks:expected-output-->\n\n    ~~~text\n    indented\n    ~~~".replace("~~~", FENCE)
        in text
    )
    run(project).assert_outcomes(passed=2)


def pin(project, version: str) -> None:
    """The scratch project's requirements.txt pins torch at ``version``, its only line."""
    (project.path / "requirements.txt").write_text(f"torch=={version}\n", encoding="utf-8")


def test_the_torch_marker_is_the_pin_in_code_and_in_outputs(project):
    pin(project, "9.8.7")
    page(
        project,
        """
        ~~~python
        pinned = "@@torch_version@@"
        print(f"torch=={pinned}", pinned == "9.8.7")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        torch==@@torch_version@@ True
        ~~~

        ~~~python
        print("9.8.7")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        @@torch_version@@
        ~~~

        ~~~python
        print("torch==@@torch_version@@")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        torch==9.8.7
        ~~~

        ~~~python
        print("@@torch_version@@")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        9.8.8
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*docs/page.zh.md:33: the output shown at line 39 is not what the code prints*"])


def test_update_outputs_writes_the_pin_back_as_its_marker(project):
    pin(project, "9.8.7")
    path = page(
        project,
        """
        ~~~python
        print("torch==9.8.7 torch-9.8.7+cpu 19.8.7 9.8.70 9.8.7.1")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        old
        ~~~

        ~~~python
        print("added", "9.8.7")
        ~~~
        """,
    )
    run(project, "--update-outputs").assert_outcomes(passed=2)
    text = path.read_text(encoding="utf-8")
    written = "torch==@@torch_version@@ torch-@@torch_version@@+cpu 19.8.7 9.8.70 9.8.7.1"
    assert f"{FENCE}text\n{written}\n{FENCE}" in text
    assert f"{FENCE}text\nadded @@torch_version@@\n{FENCE}" in text
    run(project).assert_outcomes(passed=2)


def test_a_misspelt_marker_fails_the_page_naming_its_line(project):
    page(
        project,
        """
        # Page

        Outputs from torch @@torch_versoin@@.

        ~~~python
        print(1)
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        1
        ~~~
        """,
    )
    result = run(project)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*docs/page.zh.md:4: '@@torch_versoin@@' is no marker*@@torch_version@@*"])


def test_a_build_path_at_the_end_of_a_warning_is_shown_as_an_ellipsis(project):
    # torch ends some warnings with the C++ file and line that raised them: they change with every build.
    page(
        project,
        """
        ~~~python
        import warnings
        warnings.warn("Its .grad is None. (Triggered internally at /__w/pytorch/build/aten/TensorBody.h:493.)")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        UserWarning: Its .grad is None. (Triggered internally at …)
        ~~~

        ~~~python
        import warnings
        warnings.warn("A reworded message. (Triggered internally at /elsewhere/TensorBody.h:488.)")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        UserWarning: Its .grad is None. (Triggered internally at …)
        ~~~
        """,
    )
    result = run(project)
    result.assert_outcomes(passed=1, failed=1)  # the message itself is still compared exactly
    result.stdout.fnmatch_lines(["*UserWarning: A reworded message. (Triggered internally at …)*"])


def test_record_versions_notes_every_block_and_fails_none(project):
    page(
        project,
        """
        ~~~python
        print("same")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        same
        ~~~

        <!--pytest-codeblocks:cont-->

        ~~~python
        print("new")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        old
        ~~~

        <!--pytest-codeblocks:cont-->

        ~~~python
        import torch_that_does_not_exist
        ~~~

        <!--pytest-codeblocks:cont-->

        ~~~python
        print("never")
        ~~~

        <!-- raises: ValueError -->

        ~~~python
        x = 1
        ~~~
        """,
    )
    target = project.path / "records.json"
    run(project, f"--record-versions={target}").assert_outcomes(passed=2)
    records = json.loads(target.read_text(encoding="utf-8"))
    blocks = records["docs/page.zh.md"]
    assert [b["block"] for b in blocks] == [1, 2, 3, 4, 5]
    assert [b["status"] for b in blocks] == ["same", "different", "error", "not run", "error"]
    assert blocks[1]["output"] == "new\n" and "-old\n+new\n" in blocks[1]["diff"]
    assert blocks[2]["error"] == "ModuleNotFoundError: No module named 'torch_that_does_not_exist'"
    assert blocks[4]["error"] == "nothing raised"
    assert all(len(b["code"]) == 12 for b in blocks)


def test_a_library_deprecation_is_hidden_but_the_pages_own_is_shown(project):
    # torch 2.14 warns with FutureWarning, once per process, when forward-mode AD first loads its
    # decompositions: which page sees it would depend on the order the pages run in.
    (project.path / "snippets" / "library.py").write_text(
        "import warnings\n\ndef old():\n    warnings.warn('old is deprecated', FutureWarning)\n"
    )
    page(
        project,
        """
        ~~~python
        import sys
        sys.path.insert(0, "snippets")
        import library
        library.old()
        import warnings
        warnings.warn("this page's own", FutureWarning)
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        FutureWarning: this page's own
        ~~~
        """,
    )
    run(project).assert_outcomes(passed=1)


@pytest.mark.parametrize("display", [None, ":0"])
def test_plt_show_under_agg_prints_nothing_with_or_without_a_display(project, monkeypatch, display):
    # Under Agg, plt.show() warns "FigureCanvasAgg is non-interactive, and thus cannot be shown" where
    # DISPLAY is set, and on macOS always; the page's sentence (about.md) says it prints nothing.
    monkeypatch.delenv("DISPLAY", raising=False)
    if display:
        monkeypatch.setenv("DISPLAY", display)
    page(
        project,
        """
        ~~~python
        import warnings
        import matplotlib.pyplot as plt
        plt.plot([0, 1], [0, 1])
        plt.show()
        warnings.warn("a page's own UserWarning is still shown")
        ~~~

        <!--pytest-codeblocks:expected-output-->

        ~~~text
        UserWarning: a page's own UserWarning is still shown
        ~~~
        """,
    )
    run(project).assert_outcomes(passed=1)


@pytest.mark.parametrize("option", ["--update-outputs", "--record-versions=versions.json"])
def test_options_that_write_files_refuse_two_processes(project, option):
    page(
        project,
        """
        # Page

        ~~~python
        print(1)
        ~~~
        """,
    )
    result = run(project, option, "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option.split('=')[0]} writes files from one process: run it without -n*"])
