"""What a user can get wrong, refused in plain words: exit status 2 and a message naming what to
change, never a traceback, a hang or a file of the user's overwritten (issue 17)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort

from .conftest import BUNDLED, HEADER, cli_in_process


def refused(done, *words):
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    return True


# --- the cohort file ----------------------------------------------------------------------------

def test_a_row_with_fewer_values_than_the_header_is_refused_with_its_row(write_csv, capsys):
    # the last value of P2 was lost: read as blank, the child would quietly lose follow-up
    path = write_csv(f"{HEADER}\nP1,focal,10,4\nP2,focal,10\n\nP3,both,3,\n")
    done = cli_in_process(capsys, "validate", "--data", path)
    assert refused(done, "row 3: this row has 3 values but the header has 4 columns")
    assert "row 5" not in done.stderr  # a blank value with its comma is fine


def test_a_short_row_is_counted_in_rows_as_a_spreadsheet_numbers_them(write_csv, capsys):
    # a quoted value over two lines is one row of a spreadsheet
    path = write_csv(f'{HEADER}\n"P1\nsecond line",focal,10,4\nP2,focal,10\n')
    assert refused(cli_in_process(capsys, "validate", "--data", path), "row 3: this row has 3")


def test_a_baseline_beyond_any_diary_is_refused(write_csv, capsys):
    path = write_csv(f"{HEADER}\nP1,focal,1e12,4\nP2,focal,10,4\n")
    assert refused(cli_in_process(capsys, "validate", "--data", path),
                   "row 2, column 'baseline_seizures_per_month'", "100,000 or fewer")


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "cohort.csv"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("what", ["/dev/zero", "a named pipe", "a folder", "-"])
def test_data_that_is_not_a_file_is_refused_at_once(command, what, tmp_path, fifo, capsys):
    data = {"a named pipe": fifo, "a folder": tmp_path}.get(what, what)
    args = ["--out", tmp_path / "report"] if command == "run" else []
    # a child process, so that a hang or a read until memory runs out fails the test, not the run
    done = subprocess.run(
        [sys.executable, "-m", "ivig_helpers", command, "--data", str(data), *map(str, args)],
        capture_output=True, text=True, timeout=60, stdin=subprocess.PIPE)
    words = {"/dev/zero": "this is a device, not a file",
             "a named pipe": "this is a named pipe or the output of another command",
             "a folder": "this is a folder", "-": "reading from standard input"}[what]
    assert refused(done, words)
    assert not (tmp_path / "report").exists()


# --- synthesize and run parameters --------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--n", "0"], "--n must be a number of patients from 1 to 1000000, not 0"),
    (["--n", "-5"], "--n must be a number of patients from 1 to 1000000, not -5"),
    (["--n", "10000000000"], "--n must be a number of patients from 1 to 1000000"),
    (["--n", "10", "--seed", "-1"], "--seed must be a whole number from 0 to 4294967295"),
    (["--n", "10", "--seed", "4294967296"], "--seed must be a whole number from 0 to"),
])
def test_synthesize_refuses_sizes_and_seeds_it_cannot_make(args, words, tmp_path, capsys):
    out = tmp_path / "synthetic.csv"
    assert refused(cli_in_process(capsys, "synthesize", "--out", out, *args), words)
    assert not out.exists()


# --- compare -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def results():
    return compute_results(load_cohort(BUNDLED_COHORT).table)


def report(folder, content):
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(content if isinstance(content, str)
                                         else json.dumps(content))
    return folder


@pytest.mark.parametrize("content, words", [
    ("{not json", "is not a results file written by this project"),
    ("[1, 2, 3]", "is not a results file written by this project"),
    ('{"n_patients": 60}', "it has no 'responder_threshold'"),
    ("null", "is not a results file written by this project"),
    (b"\xff\xfe".decode("latin-1"), "is not a results file written by this project"),
], ids=["not JSON", "a list", "keys missing", "null", "not UTF-8"])
def test_compare_refuses_a_malformed_results_file(content, words, tmp_path, results, capsys):
    good = report(tmp_path / "good", results)
    bad = report(tmp_path / "bad", content)
    done = cli_in_process(capsys, "compare", good, bad, "--out", tmp_path / "out")
    assert refused(done, words, str(bad / "results.json"))
    assert not (tmp_path / "out").exists()


def test_a_wrong_value_type_in_results_is_refused_too(tmp_path, results, capsys):
    broken = {**results, "responder_rate_ci": "wide"}
    done = cli_in_process(capsys, "compare", report(tmp_path / "a", results),
                          report(tmp_path / "b", broken), "--out", tmp_path / "out")
    assert refused(done, "is not a results file written by this project")


@pytest.mark.parametrize("name", ["compare.csv", "compare.html", "compare-manifest.json"])
def test_compare_never_overwrites_a_file_it_did_not_write(name, tmp_path, results, capsys):
    a, b = report(tmp_path / "a", results), report(tmp_path / "b", results)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("my own notes")
    done = cli_in_process(capsys, "compare", a, b, "--out", out)
    assert refused(done, f"'{out / name}' already exists and was not written by an earlier "
                         "compare")
    assert sorted(p.name for p in out.iterdir()) == [name]
    assert (out / name).read_text() == "my own notes"


def test_compare_replaces_what_it_wrote_but_not_once_it_was_edited(tmp_path, results, capsys):
    a, b = report(tmp_path / "a", results), report(tmp_path / "b", results)
    out = tmp_path / "out"
    assert cli_in_process(capsys, "compare", a, b, "--out", out).returncode == 0
    assert cli_in_process(capsys, "compare", b, a, "--out", out).returncode == 0  # again: fine
    (out / "compare.html").write_text("edited by hand")
    done = cli_in_process(capsys, "compare", a, b, "--out", out)
    assert refused(done, f"'{out / 'compare.html'}' already exists")
    assert (out / "compare.html").read_text() == "edited by hand"


# --- Ctrl-C while the command line starts --------------------------------------------------------

def test_ctrl_c_while_the_libraries_load_prints_no_traceback():
    # Ctrl-C arrives while pandas is being imported, the slowest part of the start: made
    # certain by a finder that raises KeyboardInterrupt there, as the signal would
    code = textwrap.dedent("""\
        import runpy, sys

        class CtrlC:
            def find_spec(self, name, path=None, target=None):
                if name == "pandas":
                    raise KeyboardInterrupt
                return None

        sys.meta_path.insert(0, CtrlC())
        sys.argv = ["ivig_helpers", "validate", "--data", sys.argv[1]]
        runpy.run_module("ivig_helpers", run_name="__main__", alter_sys=True)
        """)
    done = subprocess.run([sys.executable, "-c", code, str(BUNDLED)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "interrupted (Ctrl-C)"
