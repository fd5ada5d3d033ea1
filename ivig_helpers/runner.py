"""Run the whole collection of notebooks on one cohort file, into one report folder.

The report folder is replaced as a whole, and only when every notebook has run: the run is built
in a hidden folder beside it and swapped in at the end, so a failed run leaves an earlier report
exactly as it was. The kernel sees a copy of the input under its file name only, so no executed
notebook records where the input lives.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .cli import EXIT_ANALYSIS_FAILED, EXIT_OK, UsageError, cohort_summary
from .contract import load_cohort
from .outcomes import check_outcome_parameters

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
KERNEL = "python3"
CELL_TIMEOUT = 600  # seconds
# The kernel talks to us over loopback only; its warning about unencrypted TCP is noise here.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


@dataclass(frozen=True)
class Parameter:
    name: str
    type: type
    default: object
    help: str


# The documented parameters, the same in every notebook (a test checks each notebook against this).
PARAMETERS = (
    Parameter("data_path", str, "../data/synthetic_cohort.csv",
              "cohort CSV file; contract in data/README.md"),
    Parameter("responder_threshold", float, 0.5,
              "fall that makes a responder: 0.5 means 50% fewer seizures"),
    Parameter("alpha", float, 0.05, "significance level of the tests"),
    Parameter("missing_followup", str, "nonresponder",
              "no one-year follow-up: nonresponder or exclude"),
    Parameter("min_cell_count", int, 0,
              "counts below this show as <N in tables and results; 0 is off"),
    Parameter("seed", int, 2024, "seed of every random step (bootstrap, Monte Carlo p-values)"),
    Parameter("output_dir", str, "../reports/notebooks", "folder for figures and result files"),
)
PARAMETER_TYPES = {p.name: p.type for p in PARAMETERS}
SET_BY_RUNNER = ("data_path", "output_dir")
REPORT_MARKER = "index.html"  # every report has one; a folder without it is not ours to replace


def notebook_paths() -> list[Path]:
    """The collection, in reading order (``NN_topic.ipynb``)."""
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


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
    try:
        return kind(text.strip())
    except ValueError:
        raise UsageError(f"--param {name} must be a {kind.__name__}, not '{text}'") from None


def _check_values(values: dict) -> None:
    try:
        check_outcome_parameters(values.get("responder_threshold", 0.5),
                                 values.get("missing_followup", "nonresponder"))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not 0 < values.get("alpha", 0.05) < 1:
        raise UsageError("alpha must be between 0 and 1")
    if values.get("min_cell_count", 0) < 0:
        raise UsageError("min_cell_count must be 0 or more")


class NotebookFailed(Exception):
    def __init__(self, notebook: str, detail: str, kept: Path):
        super().__init__(f"{notebook}: {detail}")
        self.notebook, self.detail, self.kept = notebook, detail, kept


def run_collection(data: Path, out: Path, param_pairs: list[str]) -> int:
    """Run every notebook on ``data`` and write the report into ``out`` (see module doc)."""
    params = parse_parameters(param_pairs)
    cohort = load_cohort(data)  # rejects a bad file (exit 2) before any kernel starts
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out '{out}' is a file; it must be a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / REPORT_MARKER).is_file():
        # the folder is replaced as a whole: never one that holds anything but a report
        raise UsageError(f"--out '{out}' holds other files and is not an earlier report; "
                         "name a new or empty folder for the report")
    print(f"Cohort {cohort.file_name}:")
    print(cohort_summary(cohort))
    out.parent.mkdir(parents=True, exist_ok=True)
    failed_dir = out.parent / f"{out.name}.failed"
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    try:
        report = _execute_all(data, staging, params, failed_dir)
        _swap_into_place(report, out)
    except NotebookFailed as failure:
        print(f"The analysis failed in {failure.notebook}: {failure.detail}", file=sys.stderr)
        print(f"The partly executed notebook is kept in {failure.kept}", file=sys.stderr)
        if out.exists():
            print(f"The earlier report in {out} was left as it was.", file=sys.stderr)
        return EXIT_ANALYSIS_FAILED
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if failed_dir.is_dir():  # an earlier failure of this report, now superseded
        shutil.rmtree(failed_dir)
    print(f"Report written to {out}")
    print(f"  HTML reports (no code): {out}/index.html")
    return EXIT_OK


def _execute_all(data: Path, staging: Path, params: dict, failed_dir: Path) -> Path:
    import papermill

    work, report = staging / "work", staging / "report"
    work.mkdir()
    report.mkdir()
    shutil.copyfile(data, work / data.name)  # the kernel knows the input by its name only
    notebooks = notebook_paths()
    started = time.monotonic()
    for number, notebook in enumerate(notebooks, start=1):
        print(f"[{number}/{len(notebooks)}] {notebook.name} ... ", end="", flush=True)
        target = report / notebook.name
        try:
            papermill.execute_notebook(
                notebook, target, cwd=work, kernel_name=KERNEL, progress_bar=False,
                execution_timeout=CELL_TIMEOUT, extra_arguments=KERNEL_ARGUMENTS,
                parameters={**params, "data_path": data.name, "output_dir": "../report"})
        except papermill.PapermillExecutionError as exc:
            print("failed")
            code = [line for line in exc.source.splitlines() if line.strip()
                    and not line.lstrip().startswith("#")]
            first_line = code[0].strip() if code else ""
            message = str(exc.evalue).splitlines()[0] if exc.evalue else ""
            detail = f"cell {exc.exec_count} ({first_line}) raised {exc.ename}: {message}"
            raise NotebookFailed(notebook.name, detail, _keep_failed(target, failed_dir)) from None
        except Exception as exc:  # the kernel died, a cell timed out...
            print("failed")
            detail = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
            raise NotebookFailed(notebook.name, detail, _keep_failed(target, failed_dir)) from None
        _strip_paths(target)
        _write_html(target)
        print(f"done ({time.monotonic() - started:.0f} s elapsed)")
    _write_index(report, notebooks)
    return report


def _keep_failed(target: Path, failed_dir: Path) -> Path:
    failed_dir.mkdir(parents=True, exist_ok=True)
    kept = failed_dir / target.name
    if target.exists():
        _strip_paths(target)
        shutil.copyfile(target, kept)
    return kept


def _strip_paths(notebook: Path) -> None:
    """Keep file names, not absolute paths, in papermill's record of the run."""
    content = json.loads(notebook.read_text(encoding="utf-8"))
    record = content.get("metadata", {}).get("papermill", {})
    for key in ("input_path", "output_path"):
        if record.get(key):
            record[key] = Path(record[key]).name
    notebook.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")


def _write_html(notebook: Path) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    notebook.with_suffix(".html").write_text(body, encoding="utf-8")


def _write_index(report: Path, notebooks: list[Path]) -> None:
    links = "\n".join(f'<li><a href="{n.with_suffix(".html").name}">{n.stem}</a></li>'
                      for n in notebooks)
    (report / REPORT_MARKER).write_text(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>IVIG replication report"
        "</title></head><body>\n<h1>IVIG replication report</h1>\n<ol>\n" + links +
        "\n</ol>\n<p>Results: <a href=\"results.json\">results.json</a>, "
        "<a href=\"scorecard.csv\">scorecard.csv</a>.</p>\n</body></html>\n", encoding="utf-8")


def _swap_into_place(report: Path, out: Path) -> None:
    """Replace ``out`` by ``report`` with two renames on the same file system."""
    if not out.exists():
        report.rename(out)
        return
    retired = report.parent / "previous"
    out.rename(retired)
    try:
        report.rename(out)
    except OSError:
        retired.rename(out)  # put the earlier report back before giving up
        raise


def refresh_notebooks() -> int:
    """Re-execute the committed notebooks in place on the bundled cohort, top to bottom.

    nbclient runs them (not papermill), so no run record or timing is written into the files,
    and the kernelspec stays ``python3``.
    """
    import nbformat
    from nbclient import NotebookClient

    for notebook in notebook_paths():
        print(f"executing {notebook.name}", flush=True)
        content = nbformat.read(notebook, as_version=4)
        NotebookClient(content, timeout=CELL_TIMEOUT, kernel_name=KERNEL, record_timing=False,
                       extra_arguments=KERNEL_ARGUMENTS,
                       resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
        content.metadata.pop("papermill", None)
        content.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                          "name": KERNEL}
        nbformat.write(content, notebook)
    return EXIT_OK
