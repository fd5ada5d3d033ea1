"""Nothing of the user's is ever lost: what ``python -m ivig_helpers run`` may replace, remove
and leave behind, as a user sees it (exit status, messages, files on disk).

The runs here execute small stand-in notebooks (``runner.notebook_paths`` replaced, in this
process or in a child process started by :func:`start_cli`), so each takes a second or two.
"""

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from ivig_helpers.app import folder as report_folder
from ivig_helpers.app import runner, site
from ivig_helpers.privacy import mode_statement

from .conftest import BUNDLED, cli_in_process, run_cli

FAST = """\
from pathlib import Path
rows = Path(data_path).read_text().count("\\n")
Path(output_dir, "figure.png").write_bytes(b"not really a figure")
"""

# Records where the kernel runs and what it sees, then waits to be stopped.
SLOW = """\
import json, os, stat, time
from pathlib import Path
here = Path.cwd()
record = {{"pid": os.getpid(), "cwd": str(here), "files": sorted(os.listdir(here)),
          "private_mode": stat.S_IMODE(here.parent.stat().st_mode)}}
Path({marker!r}).write_text(json.dumps(record))
time.sleep(120)
"""

# A child process that runs the command line as a user would, on the stand-in notebooks. SIGINT
# is set to raise KeyboardInterrupt as in a terminal (a test runner may start us with it ignored).
CHILD = """\
import signal, sys
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)
from ivig_helpers.app import cli, runner
notebooks = [Path(p) for p in sys.argv[1].split(",")]
runner.notebook_paths = lambda: notebooks
sys.exit(cli.main(sys.argv[2:]))
"""


def notebook(path, code):
    """Write a notebook with the parameters cell and one code cell."""
    content = nbformat.v4.new_notebook()
    content.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}
    params = nbformat.v4.new_code_cell('data_path = "x"\noutput_dir = "y"')
    params.metadata["tags"] = ["parameters"]
    content.cells = [params, nbformat.v4.new_code_cell(code)]
    nbformat.write(content, path)
    return path


def snapshot(folder):
    """Every file under ``folder`` with its SHA-256: to show that nothing was touched."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def earlier_report(folder):
    """A report as a run leaves it: some files and their manifest."""
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<html></html>")
    (folder / "results.json").write_text('{"from": "an earlier run"}')
    report_folder.write_manifest(folder)
    return snapshot(folder)


def leftovers(folder, out_name="report"):
    """What a run must not leave beside its report: staging folders and the lock file."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(f".{out_name}-building-") or p.name.endswith(".lock"))


# system_tmp and user_cohort, used here and by test_scale: see conftest


@pytest.fixture
def fast(tmp_path, monkeypatch):
    """Runs in this process execute one fast stand-in notebook."""
    path = notebook(tmp_path / "01_fast.ipynb", FAST)
    monkeypatch.setattr(runner, "notebook_paths", lambda: [path])
    return path


def run(capsys, *args):
    """``python -m ivig_helpers run ARGS`` in this process: exit status, stdout, stderr."""
    done = cli_in_process(capsys, "run", *args)
    return done.returncode, done.stdout, done.stderr


def start_cli(notebooks, *args, tmp):
    """Start the command line in a child process on the stand-in ``notebooks``."""
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, ",".join(map(str, notebooks)), "run", *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for(path, process, seconds=60):
    """Wait until the slow notebook's cell runs (it writes ``path``)."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the run ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the slow notebook did not start")
        time.sleep(0.05)
    time.sleep(0.2)  # the marker is written in one call, but let it be flushed
    return json.loads(path.read_text())


def gone(pid, seconds=5):
    """True when process ``pid`` has ended (within ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def copies_of(content, *folders):
    """Files under ``folders`` whose bytes are ``content``."""
    return [p for folder in folders for p in Path(folder).rglob("*")
            if p.is_file() and not p.is_symlink() and p.stat().st_size == len(content)
            and p.read_bytes() == content]


# --- what may be replaced ------------------------------------------------------------------------

def test_a_folder_with_an_index_html_among_the_users_files_is_refused(tmp_path, capsys):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("x")
    (site / "thesis.txt").write_text("thesis")
    done = cli_in_process(capsys, "run", "--data", BUNDLED, "--out", site)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is not an earlier report" in done.stderr and "manifest.json" in done.stderr
    assert "nothing was changed" in done.stderr
    assert (site / "thesis.txt").read_text() == "thesis"
    assert (site / "index.html").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no lock, no staging


@pytest.mark.parametrize("where", ["in the report", "in a subfolder", "through a link"])
def test_an_input_file_inside_the_report_folder_is_refused(where, tmp_path, user_cohort, capsys):
    out = tmp_path / "rep"
    earlier_report(out)
    inside = out / "mycohort.csv" if where == "in the report" else out / "sub" / "mycohort.csv"
    inside.parent.mkdir(exist_ok=True)
    inside.write_bytes(user_cohort.read_bytes())
    data = inside
    if where == "through a link":
        data = tmp_path / "link.csv"
        data.symlink_to(inside)
    before = snapshot(out)
    done = cli_in_process(capsys, "run", "--data", data, "--out", out)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is inside the report folder" in done.stderr
    assert snapshot(out) == before  # the input, and everything else, survives


@pytest.mark.parametrize("change, words", [
    ("edit", "changed after the run wrote them: results.json"),
    ("add", "files the run did not write: notes.txt"),
    ("remove", "missing: results.json"),
    ("manifest", "is not an earlier report"),
], ids=["a file edited", "a file added", "a file removed", "the manifest removed"])
def test_a_report_that_was_changed_is_refused(change, words, tmp_path, capsys):
    out = tmp_path / "report"
    earlier_report(out)
    if change == "edit":
        (out / "results.json").write_text('{"from": "my own edit"}')
    elif change == "add":
        (out / "notes.txt").write_text("my notes")
    elif change == "remove":
        (out / "results.json").unlink()
    else:
        (out / "manifest.json").unlink()
    before = snapshot(out)
    done = cli_in_process(capsys, "run", "--data", BUNDLED, "--out", out)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert words in done.stderr and "nothing was changed" in done.stderr
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_an_empty_folder_is_accepted(tmp_path, fast, system_tmp, capsys):
    out = tmp_path / "empty"
    out.mkdir()
    status, stdout, _ = run(capsys, "--data", BUNDLED, "--out", out)
    assert status == 0 and f"Report written to {out}" in stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == ["01_fast.html", "01_fast.ipynb", "figure.png",
                                         "index.html", "release.json", "report.html",
                                         "table1.csv"]
    assert leftovers(tmp_path, "empty") == []


def test_a_second_run_replaces_the_report_it_wrote(tmp_path, fast, system_tmp, capsys):
    out = tmp_path / "report"
    assert run(capsys, "--data", BUNDLED, "--out", out)[0] == 0
    first = snapshot(out)
    status, stdout, stderr = run(capsys, "--data", BUNDLED, "--out", out, "--param", "seed=7")
    assert status == 0, stderr
    assert snapshot(out).keys() == first.keys()
    assert json.loads((out / "01_fast.ipynb").read_text())["metadata"]["papermill"][
        "parameters"]["seed"] == 7  # the new report, not the old one
    assert leftovers(tmp_path) == []


def test_the_landing_page_states_the_disclosure_mode(tmp_path, fast, system_tmp, capsys,
                                                     user_cohort):
    out = tmp_path / "report"
    status, _, stderr = run(capsys, "--data", user_cohort, "--out", out,
                            "--param", "min_cell_count=5")
    assert status == 0, stderr
    page = (out / "index.html").read_text()
    statement = mode_statement(5, is_bundled=False)  # Markdown: **bold**
    assert f"<p>{site.inline_markdown(statement)}" in page
    assert "Disclosure control: <strong>on</strong>" in page
    assert "&lt;5" in page and "**" not in page
    assert '<a href="01_fast.html">01_fast</a>' in page


def test_a_failed_run_keeps_its_notebook_and_a_later_success_removes_it(
        tmp_path, fast, system_tmp, capsys, monkeypatch):
    broken = notebook(tmp_path / "01_broken.ipynb", "1 / 0")
    out = tmp_path / "report"
    kept = earlier_report(out)
    monkeypatch.setattr(runner, "notebook_paths", lambda: [broken])
    status, _, stderr = run(capsys, "--data", BUNDLED, "--out", out)
    assert status == 1 and "ZeroDivisionError" in stderr
    failed = tmp_path / "report.failed"
    assert sorted(p.name for p in failed.iterdir()) == ["01_broken.ipynb", "manifest.json"]
    assert snapshot(out) == kept
    monkeypatch.setattr(runner, "notebook_paths", lambda: [fast])
    status, _, stderr = run(capsys, "--data", BUNDLED, "--out", out)
    assert status == 0, stderr
    assert not failed.exists()  # exactly what the failed run kept: superseded


def test_a_failed_folder_that_holds_the_users_files_is_left_alone(
        tmp_path, fast, system_tmp, capsys, monkeypatch):
    failed = tmp_path / "report.failed"
    failed.mkdir()
    (failed / "my_notes.txt").write_text("notes")
    broken = notebook(tmp_path / "01_broken.ipynb", "1 / 0")
    monkeypatch.setattr(runner, "notebook_paths", lambda: [broken])
    status, _, stderr = run(capsys, "--data", BUNDLED, "--out", tmp_path / "report")
    assert status == 1
    assert sorted(p.name for p in failed.iterdir()) == ["my_notes.txt"]
    elsewhere = [p for p in tmp_path.glob("report.failed-*") if p.is_dir()]
    assert len(elsewhere) == 1 and (elsewhere[0] / "01_broken.ipynb").is_file()
    assert f"kept in {elsewhere[0] / '01_broken.ipynb'}" in stderr
    monkeypatch.setattr(runner, "notebook_paths", lambda: [fast])
    status, stdout, _ = run(capsys, "--data", BUNDLED, "--out", tmp_path / "report")
    assert status == 0 and f"{failed} was left as it was" in stdout
    assert (failed / "my_notes.txt").read_text() == "notes"


@pytest.mark.parametrize("problem", ["a malformed file", "a folder that is not a report"])
def test_a_refused_run_leaves_no_copy_of_the_input(problem, tmp_path, fast, system_tmp, capsys,
                                                   user_cohort):
    out = tmp_path / "report"
    data = user_cohort
    if problem == "a malformed file":
        data = user_cohort.with_name("broken.csv")
        data.write_text("patient_id;seizure_type\n1;focal\n")
    else:
        out.mkdir()
        (out / "thesis.txt").write_text("thesis")
    status, _, stderr = run(capsys, "--data", data, "--out", out)
    assert status == 2 and ("broken.csv" in stderr or "not an earlier report" in stderr)
    assert not list(system_tmp.iterdir())  # the private folder is gone
    assert leftovers(tmp_path) == []


def test_a_staging_folder_left_by_a_killed_run_is_removed_by_the_next_run(
        tmp_path, fast, system_tmp, capsys, user_cohort):
    out = tmp_path / "report"
    stale = tmp_path / ".report-building-k1ll3d_x"
    (stale / "work").mkdir(parents=True)
    (stale / "work" / "mycohort.csv").write_bytes(user_cohort.read_bytes())  # as runs left it
    (stale / report_folder.STAGING_MARK).write_text("made by a run")
    other = tmp_path / ".other-building-k1ll3d_x"  # another report's: not ours to remove
    other.mkdir()
    (other / report_folder.STAGING_MARK).write_text("made by a run")
    status, stdout, stderr = run(capsys, "--data", user_cohort, "--out", out)
    assert status == 0, stderr
    assert "Removed .report-building-k1ll3d_x" in stdout
    assert not stale.exists() and other.is_dir()
    assert copies_of(user_cohort.read_bytes(), tmp_path) == [user_cohort]


def test_the_users_files_named_like_a_lock_or_a_staging_folder_are_left_alone(
        tmp_path, fast, system_tmp, capsys):
    """Only what is provably the run's own is removed: a staging folder carries the runner's
    mark; a lock file the run did not make is never removed or emptied."""
    out = tmp_path / "report"
    lock = tmp_path / ".report.lock"
    lock.write_text("my notes on the lock of the ward door")
    mine = tmp_path / ".report-building-myfolder"  # the name of a staging folder, no mark
    mine.mkdir()
    (mine / "thesis.txt").write_text("thesis")
    for _ in range(2):  # a first run and one that replaces its report
        status, stdout, stderr = run(capsys, "--data", BUNDLED, "--out", out)
        assert status == 0, stderr
        assert "Note: .report-building-myfolder beside the report was left as it was" in stdout
    assert lock.read_text() == "my notes on the lock of the ward door"
    assert (mine / "thesis.txt").read_text() == "thesis"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".report-building-myfolder", ".report.lock", "01_fast.ipynb", "report", "system-tmp"]


# --- stopping, and one run at a time ------------------------------------------------------------

@pytest.fixture
def slow(tmp_path):
    marker = tmp_path / "cell-started.json"
    return notebook(tmp_path / "01_slow.ipynb", SLOW.format(marker=str(marker))), marker


@pytest.mark.parametrize("how, status, words", [
    (signal.SIGTERM, 143, "stopped (SIGTERM): the run was stopped"),
    (signal.SIGINT, 130, "interrupted (Ctrl-C): the run was stopped"),
    (signal.SIGHUP, 129, "stopped (SIGHUP: the terminal was closed): the run was stopped"),
], ids=["SIGTERM", "Ctrl-C", "the terminal closed"])
def test_a_stopped_run_cleans_up_and_leaves_the_earlier_report(
        how, status, words, tmp_path, slow, system_tmp, user_cohort):
    path, marker = slow
    out = tmp_path / "report"
    kept = earlier_report(out)
    process = start_cli([path], "--data", user_cohort, "--out", out, tmp=system_tmp)
    seen = wait_for(marker, process)
    # while the cell runs, the kernel sees the release only: no copy of the input is left
    cwd = Path(seen["cwd"])
    assert cwd.parent.parent == system_tmp and cwd.parent.name.startswith(runner.PRIVATE_PREFIX)
    assert "mycohort.csv" not in seen["files"] and seen["private_mode"] == 0o700
    assert "release.json" in seen["files"]
    assert copies_of(user_cohort.read_bytes(), tmp_path) == [user_cohort]
    stopped = time.monotonic()
    process.send_signal(how)
    stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - stopped < 10  # promptly
    assert process.returncode == status
    assert "Traceback" not in stderr and stderr.strip().splitlines() == [
        f"{words}; the earlier report in {out} was left as it was, and no copy of the input "
        "was left behind"]
    assert gone(seen["pid"]), "the kernel outlived the run"
    assert not cwd.parent.exists()
    assert copies_of(user_cohort.read_bytes(), tmp_path) == [user_cohort]
    assert leftovers(tmp_path) == []
    assert snapshot(out) == kept


def test_a_run_stopped_while_its_kernel_starts_leaves_no_kernel(
        tmp_path, slow, system_tmp, user_cohort):
    path, _ = slow
    process = start_cli([path], "--data", user_cohort, "--out", tmp_path / "report",
                        tmp=system_tmp)
    deadline = time.monotonic() + 60
    kernels = []
    while not kernels:  # stop it as soon as the kernel process exists
        assert process.poll() is None and time.monotonic() < deadline
        with contextlib.suppress(psutil.Error):
            kernels = psutil.Process(process.pid).children()
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert all(gone(kernel.pid, seconds=0) for kernel in kernels), "the kernel outlived the run"
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143
    assert stderr.strip().splitlines() == [
        f"stopped (SIGTERM): the run was stopped; no report was written to {tmp_path / 'report'}"
        ", and no copy of the input was left behind"]
    assert leftovers(tmp_path) == [] and not (tmp_path / "report").exists()


# A stop that arrives while the notebooks are being handed to their threads: the first one's
# cell runs, the second is about to be submitted. Before, the exception left the pool's threads
# running, and Python's exit waited for the slow cell (two minutes).
STOPPED_WHILE_SUBMITTING = """\
import os, signal, sys, time
from pathlib import Path
from ivig_helpers.app import cli, runner
notebooks = [Path(p) for p in sys.argv[1].split(",")]
runner.notebook_paths = lambda: notebooks
marker = Path(os.environ["IVIG_TEST_MARKER"])

class StoppedAtSecond(runner.ThreadPoolExecutor):
    def submit(self, *args, **kwargs):
        if self._thread_name_prefix == "notebook" and getattr(self, "_given", 0) == 1:
            while not marker.exists():  # the first notebook's slow cell runs
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)
        self._given = getattr(self, "_given", 0) + 1
        return super().submit(*args, **kwargs)

runner.ThreadPoolExecutor = StoppedAtSecond
sys.exit(cli.main(sys.argv[2:]))
"""


def test_a_run_stopped_while_it_hands_notebooks_to_threads_ends_at_once(
        tmp_path, slow, system_tmp, user_cohort):
    path, marker = slow
    second = notebook(tmp_path / "02_quick.ipynb", "x = 1")
    env = {**os.environ, "TMPDIR": str(system_tmp), "IVIG_TEST_MARKER": str(marker)}
    process = subprocess.Popen(
        [sys.executable, "-c", STOPPED_WHILE_SUBMITTING, f"{path},{second}", "run", "--data",
         str(user_cohort), "--out", str(tmp_path / "report"), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        _, stderr = process.communicate(timeout=60)  # the slow cell alone takes 120 s
    finally:
        process.kill()
    assert marker.exists()  # the stop came while the first notebook ran
    assert process.returncode == 143, stderr
    # one line, the stop's: nothing of a thread that went on after it
    assert stderr.strip().splitlines() == [
        f"stopped (SIGTERM): the run was stopped; no report was written to {tmp_path / 'report'}"
        ", and no copy of the input was left behind"]
    assert leftovers(tmp_path) == [] and not (tmp_path / "report").exists()


def test_a_second_run_into_the_same_report_is_refused_while_the_first_runs(
        tmp_path, slow, system_tmp, user_cohort):
    path, marker = slow
    out = tmp_path / "report"
    kept = earlier_report(out)
    first = start_cli([path], "--data", user_cohort, "--out", out, tmp=system_tmp)
    try:
        wait_for(marker, first)
        second = run_cli("run", "--data", BUNDLED, "--out", out)
        assert second.returncode == 2 and "Traceback" not in second.stderr
        assert f"another run is writing to '{out}'" in second.stderr
        assert snapshot(out) == kept
    finally:
        first.terminate()
        first.communicate(timeout=30)
    assert first.returncode == 143
    assert leftovers(tmp_path) == [] and snapshot(out) == kept


# --- kernels ------------------------------------------------------------------------------------

def test_a_run_uses_standard_kernels_even_in_a_large_environment(tmp_path, fast, system_tmp,
                                                                  capsys, monkeypatch):
    """240 KB of environment (a long PATH, a CI's secrets...): the fork server, the default
    before, failed every kernel ("Message too long"); standard kernels are the default now."""
    monkeypatch.delenv(runner.FAST_KERNELS_VARIABLE, raising=False)
    for index in range(8):
        monkeypatch.setenv(f"IVIG_TEST_LARGE_{index}", "x" * 30_000)
    status, stdout, stderr = run(capsys, "--data", BUNDLED, "--out", tmp_path / "report")
    assert status == 0, stderr
    assert "Kernels: standard (a new python3 kernel for each notebook)" in stdout
    assert (tmp_path / "report" / "figure.png").is_file()


def test_the_fast_start_is_used_only_when_asked_and_says_when_it_cannot_be(
        tmp_path, fast, system_tmp, capsys, monkeypatch):
    from ivig_helpers.app import kernels

    for index in range(8):  # 240 KB of environment: forked kernels all the same
        monkeypatch.setenv(f"IVIG_TEST_LARGE_{index}", "x" * 30_000)
    status, stdout, stderr = run(capsys, "--data", BUNDLED, "--out", tmp_path / "a",
                                 "--fast-kernels")
    assert status == 0, stderr
    assert "Kernels: fast start (python3 kernels forked from one process" in stdout
    assert "Kernels:" not in stderr  # no kernel started the standard way
    monkeypatch.setenv(runner.FAST_KERNELS_VARIABLE, "1")  # the same, asked by the environment
    monkeypatch.setattr(kernels, "PRELOADED", ("no_such_module_here",))  # a server that fails
    monkeypatch.setattr(runner, "notebook_paths", lambda: [notebook(
        tmp_path / "01_uses_the_library.ipynb", "import ivig_helpers\n" + FAST)])
    status, stdout, stderr = run(capsys, "--data", BUNDLED, "--out", tmp_path / "b")
    assert status == 0, stderr
    assert ("Kernels: standard; the fast start that was asked for (--fast-kernels) cannot be "
            "used: the fast-start server did not start (loading its libraries failed or took "
            f"over {kernels.START_TIMEOUT} s)") in stdout
    assert "Traceback" not in stdout + stderr


# --- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("params, words", [
    (["seed=-1"], "seed must be a whole number from 0 to 4294967295, not -1"),
    (["seed=4294967296"], "seed must be a whole number from 0 to 4294967295"),
    (["alpha=1e-300"], "alpha must be between 0.0001 and 0.5"),
    (["alpha=0.9"], "alpha must be between 0.0001 and 0.5"),
    (["alpha=nan"], "alpha must be between 0.0001 and 0.5"),
    (["seed=1", "seed=2"], "--param seed was given twice"),
    (["min_cell_count=2"], "min_cell_count must be 0 (off) or at least 3"),
    (["min_cell_count=1"], "min_cell_count must be 0 (off) or at least 3"),
    (["min_cell_count=-5"], "min_cell_count must be 0 (off) or at least 3"),
    (["seed=two"], "--param seed must be an int"),
], ids=["negative seed", "seed too large", "alpha 1e-300", "alpha 0.9", "alpha nan", "repeated",
        "min_cell_count 2", "min_cell_count 1", "negative count", "seed not a number"])
def test_parameters_that_would_fail_later_are_rejected_first(params, words, tmp_path, capsys):
    args = [arg for param in params for arg in ("--param", param)]
    done = cli_in_process(capsys, "run", "--data", BUNDLED, "--out", tmp_path / "r", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert words in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_kernel_never_sees_the_users_folder_or_the_rows(tmp_path, system_tmp, capsys,
                                                             monkeypatch, user_cohort):
    """The input is read once, checked and released: the kernel is given the release, in the
    private folder, and the copy of the input is gone before any notebook starts."""
    where = tmp_path / "seen.txt"
    path = notebook(tmp_path / "01_where.ipynb", textwrap.dedent(f"""\
        from pathlib import Path
        Path({str(where)!r}).write_text(str(Path(data_path).resolve()))
        """))
    monkeypatch.setattr(runner, "notebook_paths", lambda: [path])
    status, _, stderr = run(capsys, "--data", user_cohort, "--out", tmp_path / "report")
    assert status == 0, stderr
    seen = Path(where.read_text())
    assert seen.name == "release.json" and seen.parent.parent.parent == system_tmp.resolve()
    recorded = json.loads((tmp_path / "report" / "01_where.ipynb").read_text())
    assert recorded["metadata"]["papermill"]["parameters"]["data_path"] == "release.json"
    released = json.loads((tmp_path / "report" / "release.json").read_text())
    assert "patient_id" not in json.dumps(released) and "SYN-" not in json.dumps(released)


def test_a_killed_run_leaves_no_copy_of_the_input_and_the_next_run_sweeps_its_folder(
        tmp_path, slow, system_tmp, user_cohort, monkeypatch, capsys):
    """SIGKILL (or the out-of-memory killer) gives the run no chance to clean up: no copy of
    the input was ever written, and the private folder it leaves (the release only) is removed
    by the next run, once its process is proven gone."""
    path, marker = slow
    process = start_cli([path], "--data", user_cohort, "--out", tmp_path / "report",
                        tmp=system_tmp)
    seen = wait_for(marker, process)
    process.kill()
    process.communicate(timeout=30)
    # its kernel: a standard one outlives SIGKILL of the run; a forked one (IVIG_FAST_KERNELS)
    # ends with it
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(seen["pid"]).kill()
    assert gone(seen["pid"])
    assert copies_of(user_cohort.read_bytes(), tmp_path) == [user_cohort]
    stranded = list(system_tmp.glob(f"{runner.PRIVATE_PREFIX}*"))
    assert len(stranded) == 1 and (stranded[0] / "work" / "release.json").is_file()
    alive = tmp_path / "system-tmp" / f"{runner.PRIVATE_PREFIX}of-a-live-run"
    alive.mkdir()
    (alive / runner.OWNER_FILE).write_text(runner._process_identity(os.getpid()))
    fast = notebook(tmp_path / "01_fast.ipynb", FAST)
    monkeypatch.setattr(runner, "notebook_paths", lambda: [fast])
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    status, _, stderr = run(capsys, "--data", user_cohort, "--out", tmp_path / "again")
    assert status == 0, stderr
    assert not stranded[0].exists()  # the killed run's folder is gone
    assert alive.is_dir()  # a live run's folder is never touched
    shutil.rmtree(alive)
