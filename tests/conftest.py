"""Shared fixtures: paths to the bundled files, a writer for small CSV files, the executed
reports that several test files read, and helpers more than one test file uses.

A report is made once per test run, not once per test file: with pytest-xdist (``make test``
runs the tests on every core) the first worker that needs a report runs the collection, under a
file lock in the run's shared temporary folder, and the others wait for it and read the same
folder. Tests only read these reports; a test that runs again into a folder runs into a copy.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from ivig_helpers import make_cohort, write_cohort
from ivig_helpers.app.runner import FAST_KERNELS_VARIABLE

# The runs of the tests (in this process and in the commands they start) fork their kernels from
# one preloaded process, as `run --fast-kernels` does: the same reports in a fraction of the
# time. IVIG_FAST_KERNELS=0 runs every test in standard kernels; the test of the default in
# tests/test_report_folder.py unsets it itself.
os.environ.setdefault(FAST_KERNELS_VARIABLE, "1")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BUNDLED = DATA / "synthetic_cohort.csv"
TARGETS = DATA / "published_targets.csv"

HEADER = ("patient_id,seizure_type,baseline_seizures_per_month,month12_seizures_per_month")

# The generated cohort of "another centre" that test_site, test_story_follows_data, test_compare
# and test_contract read: 37 children, disclosure control on, another responder threshold, and
# one child whose age is outside the study's range, with an identifier and an age no page, table
# or figure would hold by chance (test_contract: the shareable report names neither, nor the row).
CONTROLLED_COHORT = dict(n=37, seed=3)
CONTROLLED_PARAMS = ["responder_threshold=0.75", "min_cell_count=5"]
CONTROLLED_FILE_NAME = "=centre <img src=x onerror=alert(1)> b.csv"
UNUSUAL_AGE = "71.4142"
UNUSUAL_ID = "ZQX-AGE-017"
UNUSUAL_ROW = 18  # the 17th child: row 18 of the file

# The generated cohort a teacher re-runs with other settings, which test_notebooks and
# test_story_follows_data read: 44 children, some without follow-up (left out), the strictest
# responder definition, alpha 0.1.
TEACHER_COHORT = dict(n=44, mix={"focal": 10, "generalized": 30, "both": 4},
                      missing_followup_share=0.1, seed=8)
TEACHER_PARAMS = ["missing_followup=exclude", "alpha=0.1", "responder_threshold=1.0"]

# The cohorts test_disclosure_attack attacks, by missing follow-up handling: seed and size of the
# generalized group. The one with missing follow-up excluded has a group of one child, which
# test_own_cohort checks is suppressed and left untested without a crash.
ATTACK_MIN_CELL_COUNT = 5
ATTACKED_COHORTS = {"nonresponder": (11, 3), "exclude": (21, 1)}


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


def cli_in_process(capsys, *args):
    """The command line called in this process, for what it refuses before any notebook runs: the
    same exit status and messages as :func:`run_cli` (test_cli runs the command itself), without
    starting Python and its libraries for each of the many refused files and parameters."""
    from ivig_helpers.app import cli

    try:
        status = cli.main([*map(str, args)])
    except SystemExit as stop:  # argparse's own usage errors
        status = stop.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, captured.out, captured.err)


def _locked(path: Path):
    from filelock import FileLock

    return FileLock(path, thread_local=False)


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


def controlled_cohort():
    """The 37 children of :data:`CONTROLLED_COHORT`, one of them unusually old."""
    table = make_cohort(**CONTROLLED_COHORT)
    table["age_years"] = table["age_years"].astype(object)
    table.loc[UNUSUAL_ROW - 2, ["patient_id", "age_years"]] = [UNUSUAL_ID, UNUSUAL_AGE]
    return table


@pytest.fixture(scope="session")
def controlled_run(tmp_path_factory):
    """One run on a generated cohort of 37 children: disclosure control on, another threshold;
    the report folder and what the run printed. The cohort file is the report's parent's."""
    return shared_report(tmp_path_factory, "controlled", lambda folder: write_cohort(
        # a file name a spreadsheet would run as a formula, with HTML in it: shown as text
        controlled_cohort(), folder / CONTROLLED_FILE_NAME), CONTROLLED_PARAMS)


@pytest.fixture(scope="session")
def controlled_report(controlled_run):
    """The report folder of :func:`controlled_run`."""
    return controlled_run[0]


@pytest.fixture(scope="session")
def teacher_report(tmp_path_factory):
    """One run on a generated cohort of 44 children with three parameters changed."""
    return shared_report(tmp_path_factory, "teacher", lambda folder: write_cohort(
        make_cohort(**TEACHER_COHORT), folder / "other_centre.csv"), TEACHER_PARAMS)[0]


def small_group_cohort(seed, generalized, missing_share=0.05):
    """60 children with a small generalized group, a few without follow-up, distinctive ids and
    free text among the etiologies."""
    table = make_cohort(60, mix={"focal": 30, "generalized": generalized,
                                 "both": 30 - generalized},
                        missing_followup_share=missing_share, seed=seed, id_prefix="ZQX-PRIV")
    table.loc[table.index[:2], "etiology"] = "structural lesion after a fall"  # free text
    return table


def attacked_report(tmp_path_factory, handling):
    """The report of the attacked cohort with ``missing_followup=handling`` and disclosure control
    on; its cohort file is the only CSV file in the report's parent folder."""
    seed, generalized = ATTACKED_COHORTS[handling]
    return shared_report(
        tmp_path_factory, f"attack-{handling}",
        lambda folder: write_cohort(small_group_cohort(seed, generalized), folder / "centre_c.csv"),
        [f"min_cell_count={ATTACK_MIN_CELL_COUNT}", f"missing_followup={handling}"])[0]


def assert_links_stay_in_report(folder, pages):
    """Every link and image of ``pages`` (file name: parsed page) leads to a file of the report in
    ``folder``, and a link to a place on a page to an element of that page."""
    for name, soup in pages.items():
        targets = [e["href"] for e in soup.find_all(href=True)]
        targets += [e["src"] for e in soup.find_all(src=True)]
        assert targets, name
        for target in targets:
            if target.startswith("data:"):
                continue
            parts = urlsplit(target)
            assert not parts.scheme and not parts.netloc, f"{name}: {target} leaves the report"
            path = folder / unquote(parts.path) if parts.path else folder / name
            assert path.is_file() and path.parent == folder, f"{name}: {target}"
            if parts.fragment:
                page = pages.get(path.name)
                assert page is not None and page.find(id=unquote(parts.fragment)) is not None, (
                    f"{name}: {target} points nowhere")


@pytest.fixture
def system_tmp(tmp_path, monkeypatch):
    """The system temporary folder of the runs, in this process and in child processes;
    afterwards it must hold no private folder of a run."""
    from ivig_helpers.app import runner

    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert not list(folder.glob(f"{runner.PRIVATE_PREFIX}*"))


@pytest.fixture
def user_cohort(tmp_path):
    """A cohort file of "another centre" in the user's own folder."""
    folder = tmp_path / "my files"
    folder.mkdir()
    return write_cohort(make_cohort(30, seed=3), folder / "mycohort.csv")
