"""``make bench``: how long the collection and the helpers take, at the bundled size and at scale.

Prints a table, then, as its last line, one JSON object (BENCHMARKS.md explains each figure):

- ``floor_seconds``: as many kernels as there are notebooks, one after the other, each only
  importing what its notebook imports (the least a run of the collection can cost);
- ``collection_seconds`` (``--jobs 1``) and ``collection_parallel_seconds`` (the default
  ``--jobs``) on the bundled cohort, in standard kernels, and their ratios to the floor;
  ``collection_fast_kernels_seconds`` the default ``--jobs`` with ``--fast-kernels`` (kernels
  provisioned by forking, ``kernels.ForkProvisioner``), and ``fast_kernels_mode`` the line that
  run printed about its kernels (a fallback to standard kernels shows there);
- ``scale_1e5_collection_seconds`` (and its exit status and peak memory): the whole collection
  on 10^5 generated patients; ``scale_1e6_collection_seconds`` the same on 10^6;
- ``scale_1e6_seconds`` and ``scale_1e6_peak_mb``: the helpers on 10^6 generated patients
  (validation, outcomes, responder rate and interval, subgroup tests, Table 1 inputs), in a
  process of their own, timed once the libraries are imported;
- ``make_test_seconds``: with ``--tests``, the time of ``make test``.

Every time is the best of ``--repeat`` runs (the machine may be shared). Options: ``--quick``
skips the 10^6 collection; ``--bundled`` stops after the bundled cohort (standard kernels and
the fork provisioner side by side); ``--timeout`` bounds each collection at scale.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BUNDLED = ROOT / "data" / "synthetic_cohort.csv"
IMPORT = re.compile(r"^(import |from \S+ import )")

HELPERS = """\
import json, resource, sys, time
import ivig_helpers as ivig
from ivig_helpers.privacy import age_bands
# the libraries first (the package imports them on first use): their cost is the floor's
import ivig_helpers.comparisons, ivig_helpers.reporting, pyarrow.compute, pyarrow.csv, scipy.stats  # noqa
steps, start = {}, time.perf_counter()
def step(name, work):
    began = time.perf_counter()
    result = work()
    steps[name] = round(time.perf_counter() - began, 3)
    return result
cohort = step("validation (load_cohort)", lambda: ivig.load_cohort(sys.argv[1]))
table = cohort.table
patients = step("outcomes (add_outcomes)", lambda: ivig.add_outcomes(table))
step("responder rate and intervals", lambda: (ivig.rate_table(patients),
     ivig.rate_table(patients, by="seizure_type"), ivig.median_change_interval(patients)))
step("subgroup tests", lambda: (
    ivig.paired_wilcoxon(patients, "baseline_score", "month12_score", by="seizure_type"),
    ivig.paired_wilcoxon(patients, "baseline_seizures_per_month", "month12_seizures_per_month",
                         by="seizure_type"),
    ivig.friedman(patients, ["baseline_score", "month3_score", "month12_score"],
                  by="seizure_type"),
    ivig.fisher_exact(patients, "seizure_type", "responder")))
step("Table 1 inputs", lambda: (
    age_bands(table["age_years"].dropna()),
    table.select_dtypes("number").groupby(table["seizure_type"], observed=True).agg(
        ["count", "median", "mean", "std", "min", "max"]),
    [table.groupby("seizure_type", observed=True)[c].value_counts() for c in ("sex",
                                                                              "etiology")]))
step("release, min_cell_count 5 (every number of a shared report)",
     lambda: ivig.build_release(cohort, min_cell_count=5))
print(json.dumps({"seconds": round(time.perf_counter() - start, 3), "steps": steps,
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


# --- measuring ---------------------------------------------------------------------------------

class PeakMemory:
    """The largest resident memory of a process and all its children, sampled every 0.1 s."""

    def __init__(self, pid: int):
        import psutil

        self.process, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        import psutil

        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                total = 0
                for proc in tree:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.1)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def run_collection(data: Path, jobs: int | None = None, timeout: float | None = None,
                   keep: Path | None = None, fast: bool = False) -> dict:
    """``python -m ivig_helpers run`` on ``data`` (``fast``: with ``--fast-kernels``): seconds,
    exit status, peak memory (MB)."""
    out = Path(tempfile.mkdtemp(prefix="bench-")) / "report"
    args = [PYTHON, "-m", "ivig_helpers", "run", "--data", str(data), "--out", str(out)]
    if jobs:
        args += ["--jobs", str(jobs)]
    if fast:
        args.append("--fast-kernels")
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT)
    memory = PeakMemory(process.pid)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        status = process.returncode
    except subprocess.TimeoutExpired:
        process.terminate()
        stdout, stderr = process.communicate()
        status = "timeout"
    seconds = time.perf_counter() - start
    peak = memory.stop()
    said = [line for line in (stdout + stderr).splitlines() if line.startswith("Kernels:")]
    result = {"seconds": round(seconds, 2), "status": status, "peak_mb": round(peak),
              "cells": cell_times(out), "stderr": stderr.strip().splitlines()[-3:],
              "kernels": said}
    if keep is not None and out.is_dir():
        shutil.copytree(out, keep, dirs_exist_ok=True)
    shutil.rmtree(out.parent, ignore_errors=True)
    return result


def cell_times(report: Path) -> dict:
    """Seconds per notebook, and its slowest cells (from papermill's record in the notebook)."""
    found = {}
    for path in sorted(report.glob("*.ipynb")):
        content = json.loads(path.read_text(encoding="utf-8"))
        cells = [(cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0,
                  next((line.strip() for line in "".join(cell["source"]).splitlines()
                        if line.strip() and not line.startswith("#")), ""))
                 for cell in content["cells"] if cell["cell_type"] == "code"]
        found[path.stem] = {
            "seconds": round(content["metadata"].get("papermill", {}).get("duration") or 0, 2),
            "slowest": [(round(d, 2), text[:60]) for d, text in sorted(cells, reverse=True)[:2]]}
    return found


def notebook_imports(path: Path) -> str:
    """The import statements of a notebook's code cells, in order, once each."""
    import nbformat

    lines = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = cell.source.splitlines()
        index = 0
        while index < len(source):
            if IMPORT.match(source[index]):
                statement = source[index]
                while statement.rstrip().endswith(("\\", ",", "(")) and index + 1 < len(source):
                    index += 1
                    statement += "\n" + source[index]
                lines.append(statement)
            index += 1
    return "\n".join(dict.fromkeys(lines))


def floor_seconds() -> float:
    """As many kernels as notebooks, one after the other, each only importing the libraries its
    notebook imports, started as the runner starts them."""
    import nbformat
    from nbclient import NotebookClient

    from ivig_helpers.app import runner

    start = time.perf_counter()
    for path in runner.notebook_paths():
        content = nbformat.v4.new_notebook()
        content.cells = [nbformat.v4.new_code_cell(notebook_imports(path))]
        with tempfile.TemporaryDirectory() as folder:
            NotebookClient(content, kernel_name=runner.KERNEL,
                           extra_arguments=runner.KERNEL_ARGUMENTS,
                           resources={"metadata": {"path": folder}}).execute()
    return time.perf_counter() - start


def helpers_at(path: Path) -> dict:
    done = subprocess.run([PYTHON, "-c", HELPERS, str(path)], capture_output=True, text=True,
                          cwd=ROOT)
    if done.returncode:
        return {"seconds": None, "peak_mb": None, "error": done.stderr.strip()[-500:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def cohort_file(n: int, folder: Path) -> Path:
    from ivig_helpers import make_cohort, write_cohort

    return write_cohort(make_cohort(n, seed=1), folder / f"generated_{n}.csv")


def machine() -> dict:
    import psutil

    return {"date": datetime.datetime.now().isoformat(timespec="minutes"),
            "python": platform.python_version(), "cores": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "processor": platform.processor() or platform.machine()}


# --- the run -----------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each bundled figure")
    parser.add_argument("--quick", action="store_true", help="skip the 10^6 collection")
    parser.add_argument("--bundled", action="store_true",
                        help="only the bundled cohort: standard kernels and forked ones")
    parser.add_argument("--tests", action="store_true", help="also time make test")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds allowed to each collection at scale")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the reports made at scale in this folder")
    args = parser.parse_args(argv)
    info = machine()
    rows: list[tuple[str, str]] = []
    figures: dict = {"machine": info}

    def show(label, value):
        rows.append((label, value))
        print(f"{label:<58} {value}", flush=True)

    print(f"Benchmark of the IVIG collection, {info['date']}: {info['cores']} cores, "
          f"{info['memory_gb']} GB, load average {info['load_average_at_start']}", flush=True)
    floor = min(floor_seconds() for _ in range(args.repeat))
    show("floor: kernels importing the notebooks' libraries (s)", f"{floor:.1f}")
    sequential = [run_collection(BUNDLED, jobs=1) for _ in range(args.repeat)]
    parallel = [run_collection(BUNDLED) for _ in range(args.repeat)]
    forked = [run_collection(BUNDLED, fast=True) for _ in range(args.repeat)]
    seq = min(r["seconds"] for r in sequential)
    par = min(r["seconds"] for r in parallel)
    fast = min(r["seconds"] for r in forked)
    show("bundled collection, standard kernels, --jobs 1 (s)",
         f"{seq:.1f}  ({seq / floor:.2f} x floor)")
    show("bundled collection, standard kernels, default --jobs (s)",
         f"{par:.1f}  ({par / floor:.2f} x floor)")
    show("bundled collection, fork provisioner (--fast-kernels) (s)",
         f"{fast:.1f}  ({fast / floor:.2f} x floor)")
    modes = sorted({line for r in forked for line in r["kernels"]})
    for line in modes:  # the run's own words: forked, or why not
        show("  said", line)
    figures.update(floor_seconds=round(floor, 2), collection_seconds=seq,
                   collection_parallel_seconds=par, collection_fast_kernels_seconds=fast,
                   fast_kernels_mode=modes,
                   collection_ratio=round(seq / floor, 3),
                   collection_parallel_ratio=round(par / floor, 3),
                   bundled_cells=sequential[0]["cells"])
    if args.bundled:
        figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(figures))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-cohorts-") as folder:
        folder = Path(folder)

        def at_scale(label: str, key: str, path: Path) -> dict:
            result = run_collection(path, timeout=args.timeout,
                                    keep=args.keep / key if args.keep else None)
            show(f"{label}: whole collection (s, exit status, peak MB)",
                 f"{result['seconds']:.1f}, {result['status']}, {result['peak_mb']}")
            figures.update({f"scale_{key}_collection_seconds": result["seconds"],
                            f"scale_{key}_collection_status": result["status"],
                            f"scale_{key}_collection_peak_mb": result["peak_mb"],
                            f"scale_{key}_cells": result["cells"]})
            return result

        result = at_scale("10^5 patients", "1e5", cohort_file(100_000, folder))
        figures["scale_1e5_ratio_to_bundled"] = round(result["seconds"] / par, 2)
        huge = cohort_file(1_000_000, folder)
        # each in a fresh process, the best of --repeat like the bundled figures: the first
        # use of large arrays in a process varies by a few tenths of a second
        runs = [helpers_at(huge) for _ in range(args.repeat)]
        helpers = min(runs, key=lambda r: r["seconds"] if r["seconds"] is not None else math.inf)
        show("10^6 patients: helpers (s, peak MB; best of "
             f"{args.repeat}: {', '.join(str(r['seconds']) for r in runs)})",
             f"{helpers['seconds']}, {helpers['peak_mb']}")
        for step, seconds in helpers.get("steps", {}).items():
            show(f"  {step} (s)", f"{seconds}")
        figures.update(scale_1e6_seconds=helpers["seconds"], scale_1e6_peak_mb=helpers["peak_mb"],
                       scale_1e6_steps=helpers.get("steps"))
        if not args.quick:
            at_scale("10^6 patients", "1e6", huge)
    if args.tests:
        start = time.perf_counter()
        done = subprocess.run(["make", "test"], cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        summary = (done.stdout.strip().splitlines() or [""])[-1]
        show("make test (s)", f"{seconds:.0f}  ({summary})")
        figures.update(make_test_seconds=round(seconds, 1), make_test_summary=summary)
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
