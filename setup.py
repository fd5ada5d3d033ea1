"""The wheel carries the bundled cohort, the published numbers and the notebooks.

They live in the repository's ``data/`` and ``notebooks/`` (outside the package, where readers
and JupyterLab find them); a wheel built from it gets a copy of both under
``ivig_helpers/_bundled/``, which :mod:`ivig_helpers.bundled` finds when installed. Everything else
about the package is in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithBundledFiles(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install uses the checkout
            return
        target = Path(self.build_lib) / "ivig_helpers" / "_bundled"
        for name in ("data", "notebooks"):
            shutil.copytree(HERE / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))


setup(cmdclass={"build_py": BuildWithBundledFiles})
