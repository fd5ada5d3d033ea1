"""Run the whole collection of notebooks on one cohort file, into one report folder.

Nothing of the user's is ever lost:

- The report folder is replaced as a whole, and only when every notebook has run; only a folder
  the runner wrote itself is ever replaced, and one run at a time writes to it
  (:mod:`ivig_helpers.app.folder`).
- The input is read once, into memory, checked, and released (:mod:`ivig_helpers.release`):
  no copy of it is ever written. The kernels are given the release (``release.json``) in a
  private temporary folder (mode 0700), which is removed on every way out: success, failure, an
  error, Ctrl-C and SIGTERM (turned into an exception, so the kernel is shut down). A folder
  that a killed run (SIGKILL, the out-of-memory killer) could not remove is removed by the next
  run, once the process that made it is proven gone.

The notebooks run side by side, ``jobs`` at a time (``--jobs``; by default as many as the machine
has cores, at most :data:`MAX_DEFAULT_JOBS`, and no more than the memory holds for a cohort of
this size): each in its own kernel, as before, so the report is the same bytes whatever the
number. A cohort too large for the machine's memory is refused before any kernel starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from ..bundled import IN_CHECKOUT, NOTEBOOKS_DIR
from ..contract import cohort_from_bytes, load_cohort, require_regular_file
from ..errors import EXIT_ANALYSIS_FAILED, EXIT_OK, Interrupted, UsageError
from ..outcomes import check_outcome_parameters
from ..parameters import ALPHA_RANGE, PARAMETER_DEFAULTS, PARAMETER_TYPES, SEED_RANGE
from ..privacy import mode_statement
from ..release import build_release, release_summary, withheld_line, write_checker_summary
from . import folder, pages

KERNEL = "python3"
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"  # what ipykernel's python3 kernelspec says
CELL_TIMEOUT = 600  # seconds
# A kernel that dies before its first cell is started again, twice at most: jupyter_client
# chooses its ports before the kernel takes them, and another kernel starting on the machine at
# that moment (another notebook, another run) may take one first ("Address already in use")
KERNEL_STARTS = 3
# The kernel talks to us over loopback only; its warning about unencrypted TCP is noise here, and
# so is what it logs when it is shut down in the middle of a cell (Ctrl-C, SIGTERM). A failing
# cell is reported from the notebook itself.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


MAX_DEFAULT_JOBS = 4  # notebooks at once unless --jobs says otherwise
# Memory of one kernel running the heaviest notebook, measured on generated cohorts (see
# BENCHMARKS.md: at 10^6 rows, 0.92 GB for the heaviest kernel, 0.57 GB for the runner, which
# holds one checked copy), with a margin: a base and a cost per patient row.
KERNEL_BASE_BYTES = 300 * 2**20
KERNEL_BYTES_PER_ROW = 1_000
RUNNER_BYTES_PER_ROW = 600
MEMORY_SHARE = 0.8  # of the memory available when the run starts, the most the run plans to use
GIB = 2**30


SET_BY_RUNNER = ("data_path", "output_dir")
PRIVATE_PREFIX = "ivig-input-"  # the private temporary folder of a run (its release)


ANSWERS_NOTEBOOK = "08_answers.ipynb"  # left out of a student's report (--without-answers)


def notebook_paths() -> list[Path]:
    """The collection, in reading order (``NN_topic.ipynb``)."""
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def report_notebooks(release_path: Path) -> list[Path]:
    """The notebooks of a report on the release at ``release_path``: the collection, without the
    answers notebook when the release is a student's (made without answers)."""
    answers = json.loads(release_path.read_text(encoding="utf-8"))["meta"].get("answers", True)
    return [n for n in notebook_paths() if answers or n.name != ANSWERS_NOTEBOOK]


def parse_parameters(pairs: list[str]) -> dict:
    """Turn ``NAME=VALUE`` strings into typed notebook parameters.

    Values are converted by the documented type of each parameter, so a string parameter stays a
    string whatever it looks like ("007" is not the number 7).

    Examples
    --------
    >>> parse_parameters(["responder_threshold=0.25", "missing_followup=exclude"])
    {'responder_threshold': 0.25, 'missing_followup': 'exclude'}
    """
    values = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep:
            raise UsageError(f"--param '{pair}' needs the form NAME=VALUE")
        if name in SET_BY_RUNNER:
            raise UsageError(f"--param {name} is set by --data and --out")
        if name not in PARAMETER_TYPES:
            known = ", ".join(n for n in PARAMETER_TYPES if n not in SET_BY_RUNNER)
            raise UsageError(f"unknown parameter '{name}'; the parameters are: {known}")
        if name in values:
            raise UsageError(f"--param {name} was given twice; give each parameter once")
        values[name] = convert_parameter(name, text)
    _check_values(values)
    return values


def convert_parameter(name: str, text: str):
    """A ``--param`` value as its documented type; a string parameter keeps the text as it is.

    Examples
    --------
    >>> convert_parameter("missing_followup", "007"), convert_parameter("min_cell_count", "007")
    ('007', 7)
    """
    kind = PARAMETER_TYPES[name]
    if kind is str:
        return text
    article = "an" if kind.__name__[0] in "aeiou" else "a"
    try:
        return kind(text.strip())
    except ValueError:
        raise UsageError(f"--param {name} must be {article} {kind.__name__}, not '{text}'") \
            from None


def _check_values(values: dict) -> None:
    try:
        check_outcome_parameters(values.get("responder_threshold", 0.5),
                                 values.get("missing_followup", "nonresponder"))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    low, high = ALPHA_RANGE
    if not low <= values.get("alpha", 0.05) <= high:
        raise UsageError(f"alpha must be between {low:g} and {high:g} (0.05 is the usual "
                         f"level), not {values['alpha']:g}")
    min_cell_count = values.get("min_cell_count", 0)
    if min_cell_count < 0 or min_cell_count in (1, 2):
        raise UsageError(f"min_cell_count must be 0 (off) or at least 3, not {min_cell_count}: "
                         "with 1 nothing would be hidden, and with 2 a count shown as <2 would "
                         "reveal that it is exactly 1")
    low, high = SEED_RANGE
    if not low <= values.get("seed", low) <= high:
        raise UsageError(f"seed must be a whole number from {low} to {high}, not {values['seed']}")


class NotebookFailed(Exception):
    def __init__(self, notebook: str, detail: str):
        super().__init__(f"{notebook}: {detail}")
        self.notebook, self.detail = notebook, detail


def default_jobs() -> int:
    """Notebooks run at once by default: the cores this process may use, at most
    :data:`MAX_DEFAULT_JOBS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_JOBS))


def run_collection(data: Path, out: Path, param_pairs: list[str],
                   jobs: int | None = None, fast_kernels: bool = False,
                   answers: bool = True) -> int:
    """Run every notebook on ``data`` and write the report into ``out`` (see module doc),
    ``jobs`` notebooks at a time (None: :func:`default_jobs`), in standard kernels, or with
    ``fast_kernels`` (or :data:`FAST_KERNELS_VARIABLE` set) in kernels forked from one process
    (:mod:`ivig_helpers.app.kernels`). Without ``answers``, a student's report: the exercises
    without their worked answers (:func:`report_notebooks`)."""
    require_regular_file(data)  # a device, a pipe or stdin is refused before anything reads it
    params = parse_parameters(param_pairs)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {jobs}")
    out = folder.report_folder(out)
    folder.refuse_input_inside(data, out)
    with _StopSignals() as signals:
        try:
            return _run(data, out, params, signals, jobs or default_jobs(),
                        fast_kernels or _fast_kernels_asked(), answers)
        except Interrupted as stop:
            stop.detail = _stopped(out)
            raise


def _outcome_parameters(params: dict) -> dict:
    names = ("responder_threshold", "missing_followup", "min_cell_count", "alpha", "seed")
    return {name: params.get(name, PARAMETER_DEFAULTS[name]) for name in names}


def _stopped(out: Path) -> str:
    kept = f"the earlier report in {out} was left as it was" if folder.has_report(out) \
        else f"no report was written to {out}"
    return f"the run was stopped; {kept}, and no copy of the input was left behind"


def _run(data: Path, out: Path, params: dict, signals: _StopSignals, jobs: int,
         fast_kernels: bool = False, answers: bool = True) -> int:
    failed_dir = out.parent / f"{out.name}.failed"
    with _private_folder(signals) as private:
        content, rows = _read_input(data)
        jobs = _jobs_that_fit(rows, jobs, data.name)  # a cohort too large is refused (exit 2)
        # rejects a bad file (exit 2) before any kernel starts
        cohort = cohort_from_bytes(content, data.name)
        del content
        # the one door: every number of the report is computed and released here, and the
        # notebooks read only the release; no copy of the input is ever written
        release = build_release(cohort, **_outcome_parameters(params), answers=answers)
        del cohort
        work = private / "work"
        work.mkdir()
        release_path = release.save(work)
        out.parent.mkdir(parents=True, exist_ok=True)
        with folder.lock(out):
            problem = folder.why_not_replaceable(out)
            if problem:
                raise UsageError(f"--out '{out}' {problem}. A run replaces its --out folder as a "
                                 "whole, so nothing was changed: move what you want to keep out "
                                 "of it, or name a new or empty folder with --out")
            print(f"Cohort {release.meta['data_file']}:")
            print(release_summary(release))
            if not answers:
                print("A student's report (--without-answers): the exercises without their "
                      f"answers ({ANSWERS_NOTEBOOK} and the answers' tables are left out)")
            folder.remove_unfinished(out, signals)
            with signals.held():
                staging = folder.new_staging(out)
            try:
                try:
                    report = _execute_all(release_path, staging, params,
                                          release.meta["bundled_synthetic_cohort"], signals,
                                          jobs, rows, fast_kernels)
                except NotebookFailed as failure:
                    folder.report_failure(failure, staging, out, failed_dir, signals)
                    return EXIT_ANALYSIS_FAILED
                with signals.held():
                    problem = folder.swap_into_place(report, out, staging / "previous")
                    signals.done = problem is None  # from here on, nothing is left to stop
                if problem:
                    raise UsageError(f"'{out}' changed while the notebooks ran: it {problem}. It "
                                     "was left as it was and the new report was not kept; move "
                                     "what you want to keep out of it and run again")
                folder.remove_failed_if_ours(failed_dir, staging)
            finally:
                with signals.held():
                    shutil.rmtree(staging, ignore_errors=True)
    print(f"Report written to {out}")
    print(f"  HTML reports (no code): {out}/index.html")
    if not answers:
        print("  a student's report: no answers to the exercises in it")
    return EXIT_OK


# --- the input: one read, no copy -----------------------------------------------------------

@contextlib.contextmanager
def _private_folder(signals: _StopSignals):
    """A private temporary folder (mode 0700, in the system's temporary folder), removed on
    every way out; it records the process that made it, so that a later run can remove it
    when that process was killed before it could (:func:`_sweep_stranded`)."""
    _sweep_stranded()
    with signals.held():
        folder = Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX))
        (folder / OWNER_FILE).write_text(_process_identity(os.getpid()), encoding="utf-8")
    try:
        yield folder
    finally:
        with signals.held():
            shutil.rmtree(folder, ignore_errors=True)


OWNER_FILE = "owner"


def _process_identity(pid: int) -> str:
    """A process as ``PID START``: a PID reused by a later process has another start time."""
    import psutil

    try:
        return f"{pid} {psutil.Process(pid).create_time():.3f}"
    except psutil.Error:
        return f"{pid} gone"


def _sweep_stranded() -> list[Path]:
    """Remove the private folders of earlier runs whose process is proven gone (killed before
    it could remove them); a folder without an owner record, or of a live run, is left alone.
    Returns the folders removed."""
    removed = []
    for stranded in Path(tempfile.gettempdir()).glob(f"{PRIVATE_PREFIX}*"):
        try:
            if stranded.is_symlink() or stranded.stat().st_uid != os.getuid():
                continue
            owner = (stranded / OWNER_FILE).read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            continue
        if len(owner) == 2 and owner[0].isdigit() and \
                _process_identity(int(owner[0])) != " ".join(owner):
            shutil.rmtree(stranded, ignore_errors=True)
            removed.append(stranded)
    return removed


def _read_input(data: Path) -> tuple[bytes, int]:
    """Read the input once, into memory; return its bytes and its number of lines (the rows of
    a cohort, give or take the header and blank lines).

    The checks and the release both use these bytes, so a file changed during the run cannot
    slip past the checks, and no copy of it is written anywhere. A file far too large for the
    machine is refused from its size and first megabyte, before it is read whole.
    """
    try:
        with data.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            _jobs_that_fit(_estimated_rows(handle.read(2**20), size), 1, data.name)
            handle.seek(0)
            content = handle.read()
    except OSError:
        load_cohort(data)  # says what is wrong in plain words: not found, a folder, unreadable
        raise
    return content, _lines(content)


def _lines(content: bytes) -> int:
    return content.count(b"\n") or content.count(b"\r")


def _estimated_rows(start: bytes, size: int) -> int:
    """Rows of a file of ``size`` bytes from its first bytes (all of it for a small file)."""
    if not start:
        return 0
    if len(start) >= size:
        return _lines(start)
    return int(size * max(_lines(start), 1) / len(start))


# --- memory: how many notebooks at once, and whether the cohort fits at all -------------------

def kernel_bytes(rows: int) -> int:
    """The memory one notebook's kernel needs for a cohort of ``rows`` patients (measured)."""
    return KERNEL_BASE_BYTES + KERNEL_BYTES_PER_ROW * rows


def available_bytes() -> int:
    """Memory the run may plan on: a share of what is available now."""
    try:
        import psutil

        available = psutil.virtual_memory().available
    except ImportError:  # pragma: no cover - psutil is a dependency
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(MEMORY_SHARE * available)


def _jobs_that_fit(rows: int, jobs: int, name: str) -> int:
    """How many notebooks can run at once on ``rows`` patients (at most ``jobs``); a cohort for
    which not even one fits is refused in plain words (exit status 2), before any kernel starts
    and, for a very large file, before it is read."""
    budget = available_bytes() - RUNNER_BYTES_PER_ROW * rows
    fit = budget // kernel_bytes(rows) if budget > 0 else 0
    if fit >= 1:
        return int(min(jobs, fit))
    need = kernel_bytes(rows) + RUNNER_BYTES_PER_ROW * rows
    largest = max(0, int((available_bytes() - KERNEL_BASE_BYTES)
                         // (KERNEL_BYTES_PER_ROW + RUNNER_BYTES_PER_ROW)))
    raise UsageError(
        f"the file '{name}' has about {rows:,} rows: too many for this machine's memory. The "
        f"collection needs about {need / GIB:.1f} GB for it and {available_bytes() / GIB:.1f} "
        f"GB are available, enough for about {largest:,} rows; nothing was run. Run it on a "
        "machine with more memory, or on a sample of the rows")


# --- stopping cleanly ---------------------------------------------------------------------------

class _StopSignals:
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal was closed) as :class:`Interrupted`, so
    that every ``finally`` block runs: papermill shuts its kernel down, the private folder of the
    input and the staging folder are removed.

    Inside :meth:`held` (a rename, a removal) a signal waits until the step is done. Once the
    report is in place (``done``) there is nothing left to stop, and signals are ignored.
    """

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                    if hasattr(signal, name))  # Windows has no SIGHUP

    def __init__(self):
        self.done = False
        self._holding = 0
        self._pending: int | None = None
        self._previous: dict = {}

    def __enter__(self) -> _StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:  # nohup: leave it ignored
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum, frame) -> None:
        if self.done:
            return
        if self._holding:
            self._pending = signum
            return
        raise Interrupted(signum)

    @contextlib.contextmanager
    def held(self):
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if not self._holding and self._pending is not None:
            signum, self._pending = self._pending, None
            if not self.done:
                raise Interrupted(signum)


# --- executing the notebooks -------------------------------------------------------------------

FAST_KERNELS_VARIABLE = "IVIG_FAST_KERNELS"
"""Set to 1 (or yes, true), it asks for the fast start of kernels, as ``run --fast-kernels``."""


def _fast_kernels_asked() -> bool:
    return os.environ.get(FAST_KERNELS_VARIABLE, "").strip().lower() in ("1", "yes", "true")


def _execute_all(release_path: Path, staging: Path, params: dict, is_bundled: bool,
                 signals: _StopSignals, jobs: int = 1, rows: int = 0,
                 fast: bool = False) -> Path:
    """Execute every notebook (see :func:`_execute_in`), each in a standard kernel that
    jupyter_client starts (the ``python3`` kernel), or, when ``fast`` is asked for, in the same
    kernel provisioned by forking (:class:`ivig_helpers.app.kernels.ForkProvisioner`, Linux
    only): its server is started first, so that it imports the libraries the notebooks use
    (only those) while this process imports papermill. Where the fast start cannot be used, the
    run says why and uses standard kernels. One line says which kernels the run used."""
    if not fast:
        print("Kernels: standard (a new python3 kernel for each notebook)", flush=True)
        return _execute_in(None, release_path, staging, params, is_bundled, signals, jobs, rows)
    from . import kernels

    preload = kernels.preload_for(notebook_paths())
    try:  # a stop from here on stops the server too
        why = kernels.start_server(preload, wait=False)
        import papermill  # noqa: F401 (while the server imports)

        why = why or kernels.start_server(preload)
        if why:
            print("Kernels: standard; the fast start that was asked for (--fast-kernels) "
                  f"cannot be used: {why}", flush=True)
            return _execute_in(None, release_path, staging, params, is_bundled, signals, jobs,
                               rows)
        print("Kernels: fast start (python3 kernels forked from one process that has loaded "
              "the libraries; --fast-kernels)", flush=True)
        return _execute_in(kernels.manager_class(preload=preload), release_path, staging,
                           params, is_bundled, signals, jobs, rows)
    finally:
        kernels.stop_servers(preload)  # it stops any kernel it still has


def _execute_in(manager, release_path: Path, staging: Path, params: dict, is_bundled: bool,
                signals: _StopSignals, jobs: int = 1, rows: int = 0) -> Path:
    """Execute every notebook on the release at ``release_path`` (its folder is the kernels'
    working folder), ``jobs`` at a time; figures and results go to ``staging/report`` through a
    link beside it, so the notebooks record only relative paths.

    Each notebook runs in a thread of this process (papermill, its own kernel); the pages are
    written by one more thread, each as soon as its notebook is done, while the next notebooks
    run. A line per finished notebook, in the order they finish, says how many are done. On a
    failure, notebooks not yet started are not started, those running finish, and the first
    failed notebook in reading order is reported.
    """
    import nbconvert  # noqa: F401 (imported once, here, before the threads that use it)
    import papermill  # noqa: F401

    _register_engine()

    report = staging / "report"
    report.mkdir()
    work = release_path.parent
    (work.parent / "report").symlink_to(report, target_is_directory=True)
    notebooks = report_notebooks(release_path)
    described = pages.describe(notebooks)
    total, jobs = len(notebooks), max(1, min(jobs, len(notebooks)))
    started, since = time.monotonic(), time.time()
    parameters = {**params, "data_path": release_path.name, "output_dir": "../report"}
    stop, stopping = threading.Event(), threading.Event()  # start no more; kernels killed
    failures: dict[int, NotebookFailed] = {}
    print(f"Running {total} notebooks, " + ("one at a time:" if jobs == 1 else
                                            f"{jobs} at a time:"), flush=True)
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook")
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page")
    futures, written = {}, []
    try:  # from the first thread on: a stop while notebooks are handed out stops the first too
        for index, notebook in enumerate(notebooks):
            futures[pool.submit(_execute_one, notebook, report, work, parameters, stop,
                                stopping, rows, manager)] = index
        running, done = dict(futures), 0
        while running:
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                index = running.pop(future)
                if future.cancelled() or (future.exception() is None and not future.result()):
                    continue  # not started: an earlier notebook failed
                done += 1
                failure = future.exception()
                print(f"[{done}/{total}] {notebooks[index].name} "
                      f"{'failed' if failure else 'done'} "
                      f"({time.monotonic() - started:.0f} s elapsed)", flush=True)
                if failure is None:
                    written.append(writer.submit(pages.write_html,
                                                 report / notebooks[index].name, described,
                                                 index, is_bundled))
                    continue
                if not isinstance(failure, NotebookFailed):
                    raise failure
                failures[index] = failure
                stop.set()
                for other in running:  # those not yet started are not started at all
                    other.cancel()
        if failures:
            raise failures[min(failures)]
        for page in written:
            page.result()  # a page that could not be written: its error
    except BaseException as exc:  # Ctrl-C, SIGTERM...: stop every kernel, wait for the threads
        if not isinstance(exc, NotebookFailed):
            stop.set()
            stopping.set()
            print("stopped", flush=True)
            with signals.held():
                _stop_kernels_until_done(list(futures), since)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True, cancel_futures=True)
    min_cell_count = params.get("min_cell_count", PARAMETER_DEFAULTS["min_cell_count"])
    disclosure = " ".join(filter(None, (mode_statement(min_cell_count, is_bundled),
                                        withheld_line(release_path))))
    # the released aggregates themselves, for a checker and for pooling across centres
    # (never the children's values a release holds with disclosure control off)
    shutil.copyfile(release_path, report / release_path.name)
    write_checker_summary(report, release_path)
    pages.write_table_one(report, release_path)
    pages.write_index(report, described, disclosure, is_bundled,
                      {**PARAMETER_DEFAULTS, **params, "data_path": release_path.name})
    pages.write_single_file(report, described)  # last of the pages: it holds them all
    folder.write_manifest(report)  # last: the landing page is one of the files it lists
    return report


def _stop_kernels_until_done(futures: list, since: float) -> None:
    """Stop the kernels of the running notebooks until their threads have ended (a thread may
    be starting a kernel just as the others are stopped)."""
    import logging

    for future in futures:
        future.cancel()
    # nbclient logs "Kernel died while waiting for execute reply" through papermill's logger:
    # here that is the run stopping, as asked, not news
    quiet = [logging.getLogger(name) for name in ("papermill", "nbclient", "traitlets")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        deadline = time.monotonic() + 30
        while not all(future.done() for future in futures) and time.monotonic() < deadline:
            _stop_leftover_kernels(since)
            wait(futures, timeout=0.1)
        _stop_leftover_kernels(since)
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


ENGINE = "ivig"  # papermill's nbclient engine, saving the notebook as it ends
_CELLS_STARTED: set[str] = set()  # the notebooks (their output paths) in which a cell started


def _register_engine() -> None:
    """papermill's nbclient engine, but the executed notebook is written when it ends, however
    it ends (a failed cell, a dead kernel, a timeout, a stop), not as each cell starts and again
    as it ends: each of those writes was the whole notebook, figures and all, a seventh of a
    run. The notebook written at the end still says which cells started
    (:func:`_last_started_cell`); :data:`_CELLS_STARTED` says it without reading the file."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class SavedAtEnd(NotebookExecutionManager):
        ended = False

        def notebook_start(self, **kwargs):
            # file names, not the absolute paths of the private copy, in papermill's record
            record = self.nb.metadata.get("papermill", {})
            for key in ("input_path", "output_path"):
                if record.get(key):
                    record[key] = Path(record[key]).name
            super().notebook_start(**kwargs)

        def save(self, **kwargs):
            if self.ended:
                super().save(**kwargs)

        def cell_start(self, cell, cell_index=None, **kwargs):
            _CELLS_STARTED.add(str(self.output_path))
            super().cell_start(cell, cell_index, **kwargs)

        def notebook_complete(self, **kwargs):
            self.ended = True
            super().notebook_complete(**kwargs)

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                             log_output=False, autosave_cell_every=30, **kwargs):
            # papermill's Engine.execute_notebook, with the manager above
            manager = SavedAtEnd(nb, output_path=output_path, progress_bar=progress_bar,
                                 log_output=log_output, autosave_cell_every=autosave_cell_every)
            manager.notebook_start()
            try:
                cls.execute_managed_notebook(manager, kernel_name, log_output=log_output,
                                             **kwargs)
            finally:
                manager.cleanup_pbar()
                manager.notebook_complete()
            return manager.nb

    papermill_engines.register(ENGINE, Engine)


def _execute_one(notebook: Path, report: Path, work: Path, parameters: dict,
                 stop: threading.Event, stopping: threading.Event, rows: int,
                 manager=None) -> bool:
    """Run one notebook with papermill into ``report``, in a kernel of the kernel manager class
    ``manager`` (None: jupyter_client's own, a standard kernel); raise :class:`NotebookFailed`
    naming the cell that failed and why. False when it was not run (``stop``) or its kernel was
    stopped on purpose (``stopping``)."""
    import papermill

    if stop.is_set():
        return False
    target = report / notebook.name
    forked = {"kernel_manager_class": manager} if manager is not None else {}
    try:
        for attempt in range(1, KERNEL_STARTS + 1):
            try:
                # the kernel starts in the folder of the input's copy (nbclient's resources
                # path), not this process's working folder: papermill's cwd would change that
                # for every thread
                papermill.execute_notebook(
                    notebook, target, kernel_name=KERNEL, progress_bar=False,
                    execution_timeout=CELL_TIMEOUT, extra_arguments=KERNEL_ARGUMENTS,
                    parameters=parameters, resources={"metadata": {"path": str(work)}},
                    engine_name=ENGINE, **forked)
                break
            except papermill.PapermillExecutionError:
                raise
            except Exception:
                if (attempt == KERNEL_STARTS or stop.is_set() or stopping.is_set()
                        or str(target) in _CELLS_STARTED):
                    raise
    except papermill.PapermillExecutionError as exc:
        code = [line for line in exc.source.splitlines() if line.strip()
                and not line.lstrip().startswith("#")]
        first_line = code[0].strip() if code else ""
        message = str(exc.evalue).splitlines()[0] if exc.evalue else ""
        detail = f"cell {exc.exec_count} ({first_line}) raised {exc.ename}: {message}"
        raise NotebookFailed(notebook.name, detail) from None
    except Exception as exc:  # the kernel died, a cell timed out...
        if stopping.is_set():
            return False  # its kernel was stopped on purpose: the run is ending
        raise NotebookFailed(notebook.name, _why_stopped(exc, target, rows)) from None
    return not stopping.is_set()


def _why_stopped(exc: Exception, target: Path, rows: int) -> str:
    """A kernel that died or a cell that timed out, in words: the cell (its execution count
    and first line of code, from the notebook papermill saved) and the likely cause."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    cell = _last_started_cell(target)
    where = f"cell {cell[0]} ({cell[1]})" if cell else "the kernel's start"
    if isinstance(exc, DeadKernelError):
        return (f"the kernel died in {where}; the likely cause is memory: this machine has "
                f"{_total_memory() / GIB:.0f} GB and the cohort has {rows:,} rows (the "
                f"notebook needs about {kernel_bytes(rows) / GIB:.1f} GB). Try --jobs 1, or a "
                "machine with more memory")
    if isinstance(exc, CellTimeoutError | TimeoutError):
        return (f"{where} did not finish within {CELL_TIMEOUT} s; the likely cause is the size "
                f"of the cohort ({rows:,} rows) for this machine's memory and cores")
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{where}: {type(exc).__name__}: {text}"


def _last_started_cell(target: Path) -> tuple[object, str] | None:
    """The execution count and first line of code of the last cell that started, from the
    notebook papermill saved as it ran."""
    try:
        content = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    started = [cell for cell in content.get("cells", []) if cell.get("cell_type") == "code"
               and cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return None
    cell = started[-1]
    source = "".join(cell.get("source", ""))
    code = [line.strip() for line in source.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    return cell.get("execution_count") or "?", code[0] if code else ""


def _total_memory() -> int:
    try:
        import psutil

        return psutil.virtual_memory().total
    except ImportError:  # pragma: no cover
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _stop_leftover_kernels(since: float) -> None:
    """Stop the kernels this run started that are still running (its own children, or those of
    its fork server): papermill shuts its kernel down when a run is stopped, except in the moment
    while the kernel starts."""
    try:
        import psutil
    except ImportError:  # the kernel stops itself within a second of the runner's exit
        return
    me = str(os.getpid())
    forked = sys.modules.get(f"{__package__}.kernels")  # imported when the fast start was asked
    servers = set(forked.server_pids()) if forked is not None else set()
    kernels = []
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if child.pid in servers:  # a fork server's children are kernels of this process
                kernels.extend(child.children())
            elif child.create_time() >= since - 1 and child.environ().get("JPY_PARENT_PID") == me:
                kernels.append(child)
    for kernel in kernels:
        with contextlib.suppress(psutil.Error):
            kernel.terminate()
    _, alive = psutil.wait_procs(kernels, timeout=2)
    for kernel in alive:
        with contextlib.suppress(psutil.Error):
            kernel.kill()
    psutil.wait_procs(alive, timeout=2)


def refresh_notebooks() -> int:
    """Re-execute the committed notebooks in place on the bundled cohort, top to bottom.

    nbclient runs them (not papermill), so no run record or timing is written into the files,
    and the kernelspec stays ``python3``.
    """
    import nbformat
    from nbclient import NotebookClient

    if not IN_CHECKOUT:
        raise UsageError("refresh-notebooks rewrites the committed notebooks of a checkout of the "
                         "repository; this installation has none (run it in a checkout)")
    for notebook in notebook_paths():
        print(f"executing {notebook.name}", flush=True)
        content = nbformat.read(notebook, as_version=4)
        NotebookClient(content, timeout=CELL_TIMEOUT, kernel_name=KERNEL, record_timing=False,
                       extra_arguments=KERNEL_ARGUMENTS,
                       resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
        content.metadata.pop("papermill", None)
        # the installed kernel's own name ("Python 3 (ipykernel)"): with any other, JupyterLab
        # rewrites it on opening and marks the notebook modified
        content.metadata["kernelspec"] = {"display_name": KERNEL_DISPLAY_NAME, "language": "python",
                                          "name": KERNEL}
        nbformat.write(content, notebook)
    return EXIT_OK
