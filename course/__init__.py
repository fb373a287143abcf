"""The course's build and test tooling, installed with `pip install -e .` (the Makefile's setup).

``course.plugin`` is the MkDocs plugin (mkdocs.yml's ``course``): it runs the steps of
``course.steps`` in the order it lists. ``course.pytest_pages`` is the pytest plugin that runs the
pages' code blocks (pyproject.toml's ``-p``). The other modules are libraries those two share with
the scripts and the tests.
"""
