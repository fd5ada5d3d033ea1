"""Where the bundled files are: the synthetic cohort, the published targets, the evidence file
(``data/``) and the notebooks (``notebooks/``).

In a checkout of the repository they are its own ``data/`` and ``notebooks/`` folders, so that
``make report`` and JupyterLab use the files under version control. In an installed wheel they
are package data (``ivig_helpers/_bundled/``, copied there when the wheel is built: ``setup.py``),
found through :mod:`importlib.resources`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def _root() -> Path:
    packaged = resources.files(__package__) / "_bundled"
    if packaged.is_dir():
        return Path(str(packaged))
    return CHECKOUT


ROOT = _root()
DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
IN_CHECKOUT = ROOT == CHECKOUT
"""True when the files are the repository's own (``refresh-notebooks`` may rewrite them)."""
