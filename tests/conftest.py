"""Shared fixtures: paths to the bundled files, a writer for small CSV files, and the executed
reports that several test files read.

A report is made once per test run, not once per test file: with pytest-xdist (``make test``
runs the tests on every core) the first worker that needs a report runs the collection, under a
file lock in the run's shared temporary folder, and the others wait for it and read the same
folder. Tests only read these reports; a test that runs again into a folder makes its own.
"""

import contextlib
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ivig_helpers import make_cohort, write_cohort

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BUNDLED = DATA / "synthetic_cohort.csv"
TARGETS = DATA / "published_targets.csv"

HEADER = ("patient_id,seizure_type,baseline_seizures_per_month,month12_seizures_per_month")

# The generated cohort of "another centre" that test_site and test_story_follows_data read:
# 37 children, disclosure control on, another responder threshold.
CONTROLLED_COHORT = dict(n=37, seed=3)
CONTROLLED_PARAMS = ["responder_threshold=0.75", "min_cell_count=5"]


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


@contextlib.contextmanager
def _locked(path: Path):
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_report(tmp_path_factory, name: str, make_data, params=()):
    """A report made once for the whole test run, whichever worker asks first.

    ``make_data(folder)`` writes the cohort file and returns its path. Returns the report
    folder and the run's standard output. A failed run fails every test that asks for it.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / f"shared-{name}"
    with _locked(shared / f"shared-{name}.lock"):
        record = folder / "run.json"
        if not record.is_file():
            folder.mkdir(exist_ok=True)
            data = make_data(folder)
            args = [a for p in params for a in ("--param", p)]
            done = run_cli("run", "--data", data, "--out", folder / "report", *args)
            record.write_text(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                          "stderr": done.stderr}))
        done = json.loads(record.read_text())
    assert done["returncode"] == 0, done["stderr"]
    return folder / "report", done["stdout"]


@pytest.fixture(scope="session")
def bundled_report(tmp_path_factory):
    """One run of the whole collection on the bundled cohort, through the command line."""
    return shared_report(tmp_path_factory, "bundled", lambda folder: BUNDLED)[0]


@pytest.fixture(scope="session")
def controlled_report(tmp_path_factory):
    """One run on a generated cohort of 37 children: disclosure control on, another threshold."""
    return shared_report(tmp_path_factory, "controlled", lambda folder: write_cohort(
        make_cohort(**CONTROLLED_COHORT), folder / "centre_b.csv"), CONTROLLED_PARAMS)[0]
