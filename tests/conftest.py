"""Shared fixtures: paths to the bundled files and a writer for small CSV files."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BUNDLED = DATA / "synthetic_cohort.csv"
TARGETS = DATA / "published_targets.csv"

HEADER = ("patient_id,seizure_type,baseline_seizures_per_month,month12_seizures_per_month")


@pytest.fixture
def write_csv(tmp_path):
    """Write text (or bytes) to a CSV file in a temporary folder and return its path."""

    def write(content, name="cohort.csv"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


def run_cli(*args):
    """``python -m ivig_helpers ARGS`` as a user runs it: a separate process, output captured."""
    return subprocess.run([sys.executable, "-m", "ivig_helpers", *map(str, args)],
                          capture_output=True, text=True)


@pytest.fixture(scope="session")
def bundled_report(tmp_path_factory):
    """One run of the whole collection on the bundled cohort, through the command line."""
    out = tmp_path_factory.mktemp("bundled") / "report"
    done = run_cli("run", "--data", BUNDLED, "--out", out)
    assert done.returncode == 0, done.stderr
    return out
