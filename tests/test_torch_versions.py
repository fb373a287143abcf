"""scripts/torch_versions.py (`make versions`), without installing or running any torch."""

from __future__ import annotations

import copy
import importlib.util
import json

from course.markdown_blocks import ROOT
from course.site_facts import torch_version

spec = importlib.util.spec_from_file_location("torch_versions", ROOT / "scripts" / "torch_versions.py")
torch_versions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(torch_versions)


def test_one_list_names_the_pin_and_the_data_follow_it():
    listed = [entry["torch"] for entry in torch_versions.listed()]
    assert torch_version() in listed, "the pin of requirements.txt is the reference every release is compared with"
    data = json.loads(torch_versions.DATA.read_text(encoding="utf-8"))
    # 1.12.0 needs Python 3.9: this machine has it (pyenv); a machine without it leaves it to the workflow.
    assert set(listed) <= set(data["versions"])


def test_the_harness_packages_follow_requirements_unless_the_list_says_otherwise():
    plain = torch_versions.requirements({"torch": "2.14.1"})
    assert plain[0] == "torch==2.14.1" and "pytest==" in " ".join(plain)
    old = torch_versions.requirements({"torch": "1.12.0", "packages": ["numpy==1.26.4", "pytest==8.3.5"]})
    assert "numpy==1.26.4" in old and "pytest==8.3.5" in old
    assert not any(spec.startswith("numpy==2") for spec in old)
    assert torch_versions.requirements({"torch": "newest"})[0] == "torch"


def test_check_names_page_and_block_of_a_changed_output():
    data = json.loads(torch_versions.DATA.read_text(encoding="utf-8"))
    recorded = data["versions"]["2.14.1"]
    assert torch_versions.changes(recorded, recorded) == []
    newer = copy.deepcopy(recorded)
    block = newer["pages"]["docs/zh/basics.md"][0]
    block.update(status="different", output="something else\n", diff="-what the page shows\n+something else\n")
    found = torch_versions.changes(newer, recorded)
    assert len(found) == 1 and found[0].startswith(f"docs/zh/basics.md block {block['block']} (line {block['line']})")
    assert "+something else" in found[0]
    # A block whose code changed since the record is not compared.
    block["code"] = "0" * 12
    assert torch_versions.changes(newer, recorded) == []


def test_a_local_build_tag_does_not_make_another_release():
    assert torch_versions.version_key("2.14.1+cu130") == torch_versions.version_key("2.14.1") == (2, 14, 1)
    assert (
        torch_versions.version_key("1.12.0")
        < torch_versions.version_key("2.0.1")
        < torch_versions.version_key("2.13.0")
    )
