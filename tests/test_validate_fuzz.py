"""Every input gets exit status 0 or 2 from ``validate``, never a traceback or a hang.

Property-based: arbitrary bytes, arbitrary text, and valid cohort files mutated the ways files go
wrong (junk in cells, stray separators, line ends, quotes and byte-order marks, columns dropped or
doubled, very long cells) go through the command line in this process. Then the cases found by
hand go through ``python -m ivig_helpers validate`` in another process, with bounds on the time and
the memory.
"""

import contextlib
import csv
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from ivig_helpers.app.cli import main
from ivig_helpers.contract import COLUMNS, ETIOLOGIES, SEIZURE_TYPES

# Hypothesis keeps caches (of characters, of constants) besides its example database: all of them
# go to a temporary folder, never into the repository.
_HYPOTHESIS_HOME = tempfile.TemporaryDirectory(prefix="hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME.name)

SECONDS_PER_FILE = 5  # in this process; a small file takes milliseconds
FUZZ = settings(max_examples=100, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_workdir = tempfile.TemporaryDirectory(prefix="validate-fuzz-")
_counter = iter(range(10**9))


def validate(content: bytes):
    """``python -m ivig_helpers validate --data FILE`` in this process: status, stdout, stderr."""
    path = Path(_workdir.name) / f"cohort-{next(_counter)}.csv"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["validate", "--data", str(path)])
        except SystemExit as exc:  # argparse; any other exception fails the test
            status = exc.code
    elapsed = time.perf_counter() - start
    assert path.read_bytes() == content  # the input is only read
    path.unlink()
    return status, out.getvalue(), err.getvalue(), elapsed


def assert_plain_outcome(content: bytes):
    status, out, err, elapsed = validate(content)
    assert status in (0, 2), (status, err)
    assert "Traceback" not in err
    assert elapsed < SECONDS_PER_FILE
    if status == 0:
        assert "meets the data contract" in out
    else:
        assert err.startswith("The file 'cohort-") and "does not meet the data contract" in err
    return status


# --- (a) anything at all -------------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(content):
    assert_plain_outcome(content)


# Characters drawn without st.characters(), whose table of Unicode Hypothesis would otherwise
# build (seconds) and cache on disk at every run.
CHARACTERS = (st.sampled_from(list(',;"\t\r\n \ufeff\x00\u2028\x85é🙂'))
              | st.integers(0x20, 0x7E).map(chr)
              | st.integers(0, 0x10FFFF).filter(lambda c: not 0xD800 <= c <= 0xDFFF).map(chr))
SYMBOLS = ["\r\n", "patient_id", "focal", "1", "-", "."]


def text(max_size):
    return st.text(alphabet=CHARACTERS, max_size=max_size)


@settings(FUZZ, max_examples=60)
@given(st.lists(st.sampled_from(SYMBOLS) | text(max_size=5), max_size=200),
       st.sampled_from([b"", b"\xef\xbb\xbf"]))
def test_arbitrary_text(pieces, prefix):
    assert_plain_outcome(prefix + "".join(pieces).encode("utf-8"))


# --- (b) valid files, then broken ----------------------------------------------------------------

def number(low, high, whole=False):
    if whole:
        return st.integers(int(low), int(high)).map(str)
    return st.floats(low, high, allow_nan=False).map(lambda x: f"{x:.1f}")


VALID_CELLS = {
    "seizure_type": st.sampled_from(SEIZURE_TYPES + ("Focal", " BOTH ")),
    "baseline_seizures_per_month": number(0.1, 600),
    "month12_seizures_per_month": number(0, 600) | st.just(""),
    "month3_seizures_per_month": number(0, 600) | st.just(""),
    "age_years": number(0, 119) | st.just(""),
    "sex": st.sampled_from(["F", "M", "f", ""]),
    "asm_count_baseline": number(0, 30, whole=True) | st.just(""),
    "asm_count_month12": number(0, 30, whole=True) | st.just(""),
    "etiology": st.sampled_from(ETIOLOGIES + ("", "Other", "cortical dysplasia")),
}
JUNK = st.sampled_from(["", " ", "inf", "-inf", "nan", "NaN", "-0", "1e400", "0x1A", "1,5", "31",
                        "1 000", '"', '""', "\x00", "\x1b[2J", "\u2028", "\ufeff", "é", "🙂",
                        "  P1  ", "P1"]) | text(max_size=30)
INSERTS = st.sampled_from([",", ";", "\t", "|", "\r", "\n", "\r\n", '"', "\ufeff", "\x00", " ",
                           "\n\n", ",,,"])


@st.composite
def valid_grid(draw):
    """A header (required columns, some optional ones, any order, any case) and valid rows."""
    optional = [c.name for c in COLUMNS if not c.required]
    names = [c.name for c in COLUMNS if c.required]
    names += draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    names = draw(st.permutations(names))
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        rows.append([f"P{i}" if name == "patient_id" else draw(VALID_CELLS[name])
                     for name in names])
    header = [draw(st.sampled_from([name, name.upper(), f" {name} "])) for name in names]
    return [header] + rows


def to_text(grid, line_end="\n", quoting=csv.QUOTE_MINIMAL):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end, quoting=quoting).writerows(grid)
    return buffer.getvalue()


LONG_CELLS = st.sampled_from(["x" * 140_000, "9" * 140_000, "1" + "0" * 400])
MUTATIONS = st.sampled_from(["junk", "junk", "junk", "long", "short row", "long row",
                             "drop column", "double column", "extra column", "insert", "insert"])


@st.composite
def near_valid_file(draw):
    grid = draw(valid_grid())
    mutations = draw(st.lists(MUTATIONS, max_size=5))
    for mutation in mutations:
        row = draw(st.integers(0, len(grid) - 1))
        column = draw(st.integers(0, max(len(grid[row]) - 1, 0)))
        if mutation in ("junk", "long") and grid[row]:
            grid[row][column] = draw(JUNK if mutation == "junk" else LONG_CELLS)
        elif mutation == "short row":
            grid[row] = grid[row][:column]
        elif mutation == "long row":
            grid[row] = grid[row] + [draw(JUNK)]
        elif mutation == "drop column":
            grid = [line[:column] + line[column + 1:] for line in grid]
        elif mutation == "double column":
            grid = [line + line[column:column + 1] for line in grid]
        elif mutation == "extra column":
            grid = [grid[0] + ["MRN_ZQX77 Smith John"]] + [line + ["x"] for line in grid[1:]]
    line_end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    text = to_text(grid, line_end, quoting)
    if draw(st.booleans()):
        text = "\ufeff" + text
    for _ in range(mutations.count("insert")):  # separators, line ends, quotes, BOMs anywhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(INSERTS) + text[at:]
    return text.encode("utf-8")


@FUZZ
@given(near_valid_file())
def test_near_valid_files(content):
    assert_plain_outcome(content)


@settings(FUZZ, max_examples=30)
@given(valid_grid(), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_valid_files_pass_whatever_their_line_ends(grid, line_end, bom):
    """The generator above starts from files that meet the contract."""
    content = ("\ufeff" if bom else "") + to_text(grid, line_end)
    assert assert_plain_outcome(content.encode("utf-8")) == 0


# --- (c) words for "no value" and unusual ages: named by row and value ----------------------------

NUMBER_COLUMNS = [c.name for c in COLUMNS if c.kind in ("number", "whole number")]
NO_VALUE = st.sampled_from(["na", "n/a", "#n/a", "nan", "-", "missing", "none", "null", "."])


@st.composite
def spelled(draw, words):
    """A word as a person types it: any case, spaces around."""
    word = draw(words)
    word = "".join(c.upper() if draw(st.booleans()) else c for c in word)
    return draw(st.sampled_from(["", " ", "  "])) + word + draw(st.sampled_from(["", " "]))


@settings(FUZZ, max_examples=50)
@given(valid_grid(), st.data())
def test_a_word_for_no_value_is_refused_with_its_row_and_what_to_write(grid, data):
    columns = [name.strip().lower() for name in grid[0]]
    column = data.draw(st.sampled_from([c for c in columns if c in NUMBER_COLUMNS]))
    row = data.draw(st.integers(1, len(grid) - 1))
    word = data.draw(spelled(NO_VALUE))
    grid[row][columns.index(column)] = word
    status, out, err, _ = validate(to_text(grid).encode())
    assert status == 2 and out == "" and "Traceback" not in err
    # row + 1: the grid's row 0 is the header, row 1 of the file
    assert f"row {row + 1}, column '{column}': value '{word.strip()}': a word for 'no value'" in err
    advice = {"baseline_seizures_per_month": "may not be blank",
              "month12_seizures_per_month": "leave the cell blank for a child without one-year "
                                            "follow-up"}.get(column, "leave the cell blank when")
    assert advice in err and "must be a number" not in err


@settings(FUZZ, max_examples=50)
@given(valid_grid())
def test_validate_names_the_row_and_value_of_every_age_outside_the_study_range(grid):
    status, out, err, _ = validate(to_text(grid).encode())
    assert status == 0, err
    columns = [name.strip().lower() for name in grid[0]]
    if "age_years" not in columns:
        return
    ages = [line[columns.index("age_years")].strip() for line in grid[1:]]
    unusual = [(i + 2, age) for i, age in enumerate(ages) if age and not 2 <= float(age) <= 18]
    if not [age for age in ages if age]:  # blank in every row: the column is dropped
        return
    named = re.findall(r"row (\d+), column 'age_years': value '([^']*)'", out)
    assert named == [(str(row), age) for row, age in unusual]


# --- the cases found by hand, as a user runs them ------------------------------------------------

HEADER = "patient_id,seizure_type,baseline_seizures_per_month,month12_seizures_per_month"
BY_HAND = {  # the file's content (made when the test runs) and words of the expected message
    "a lone carriage return": (lambda: b"\r", "the file is empty"),
    "mixed line ends": (lambda: f"{HEADER}\rP1,focal,10,4\nP2,both,3,3\r\n".encode(),
                        "line endings are mixed"),
    "only a byte-order mark": (lambda: b"\xef\xbb\xbf", "the file is empty"),
    "a field of 200,000 characters": (
        lambda: f"{HEADER}\nP1,focal,10,{'4' * 200_000}\n".encode(), "must be a number"),
    "a header of a million columns": (
        lambda: ",".join(f"c{i}" for i in range(10**6)).encode() + b"\n1\n",
        "the header has 1,000,000 columns"),
    "a single line of 50 MB": (lambda: b"x" * 50_000_000, "no patient rows"),
    "blank lines before the header": (lambda: f"\n\n{HEADER}\nP1,focal,10,4\n".encode(),
                                      "the first row is blank"),
}
SECONDS_PER_CASE = 30
TIMEOUT = 120  # all of them
PEAK_MEMORY_MB = 1024  # the million-column header once took 6.4 GB and did not finish

# One Python process runs ``python -m ivig_helpers validate --data FILE`` for every case, as
# ``-m`` does (runpy), each case's standard error (file descriptor 2) in its own file, an escaping
# exception printed as Python prints it: one import of the package instead of one a case.
DRIVER = """
import json, os, runpy, sys, time, traceback
cases, report = json.loads(sys.argv[1]), sys.argv[2]
results = []
for data, error_file in cases:
    with open(error_file, "w") as err:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        sys.argv = ["ivig_helpers", "validate", "--data", data]
        start = time.monotonic()
        try:
            runpy.run_module("ivig_helpers", run_name="__main__", alter_sys=True)
            status = 0
        except SystemExit as exc:
            status = exc.code
        except BaseException:
            traceback.print_exc()
            status = 1
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
    results.append([status, time.monotonic() - start])
try:  # this process's own peak (VmHWM): ru_maxrss also counts the parent's peak, which a
    # process started by vfork and exec inherits (a pytest worker's 1.4 GB once failed this)
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):  # not Linux
    peak = None
with open(report, "w") as out:
    json.dump({"results": results, "peak": peak, "platform": sys.platform}, out)
"""


def test_cases_found_by_hand_exit_2_without_traceback_in_bounded_time_and_memory(tmp_path):
    files = [(tmp_path / f"case{i}.csv", tmp_path / f"case{i}.err") for i in range(len(BY_HAND))]
    for (data, _), (make, _) in zip(files, BY_HAND.values(), strict=True):
        data.write_bytes(make())
    report_file = tmp_path / "report.json"
    command = [sys.executable, "-c", DRIVER, json.dumps([[str(d), str(e)] for d, e in files]),
               str(report_file)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        started = [case for case, (_, err) in zip(BY_HAND, files, strict=True) if err.exists()]
        pytest.fail(f"validate still running after {TIMEOUT} s, at: {started[-1]}")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    report = json.loads(report_file.read_text())
    for case, (_, error_file), (status, seconds) in zip(BY_HAND, files, report["results"],
                                                         strict=True):
        message = error_file.read_text()
        assert status == 2, (case, message)
        assert "Traceback" not in message, (case, message)
        assert BY_HAND[case][1] in message, (case, message)
        assert seconds < SECONDS_PER_CASE, (case, seconds)
    if report["peak"] is not None and report["platform"].startswith("linux"):  # kB there
        assert report["peak"] / 1024 < PEAK_MEMORY_MB, report["peak"]
