"""The command line: ``python -m ivig_helpers COMMAND``.

Exit status: 0 success; 2 the input was rejected (every problem is listed on standard error, with
no traceback); 1 the analysis itself failed; 130 stopped by Ctrl-C, 143 by SIGTERM, 129 by SIGHUP
(the terminal was closed).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from ..contract import (
    BUNDLED_COHORT,
    COLUMNS,
    CohortError,
    cohort_summary,
    load_cohort,
    warnings_text,
)
from ..errors import EXIT_INPUT_REJECTED, EXIT_OK, Interrupted, UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ivig_helpers",
        description="Replicate the IVIG study on the bundled synthetic cohort or on your own.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run every notebook on a cohort file")
    run.add_argument("--data", required=True, help="the cohort CSV file")
    run.add_argument("--out", required=True,
                     help="folder for the report: a new or empty one, or an earlier report of "
                          "this command (replaced as a whole)")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="set a notebook parameter, for example responder_threshold=0.25")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="notebooks run at once (default: the cores, at most 4; fewer when a "
                          "large cohort needs the memory)")
    run.add_argument("--fast-kernels", action="store_true",
                     help="start the notebooks' kernels faster, forked from one process that has "
                          "loaded the libraries (Linux only; also IVIG_FAST_KERNELS=1). "
                          "Without it, each notebook gets a standard python3 kernel")
    run.add_argument("--without-answers", action="store_true",
                     help="a student's report: the exercises (notebook 7) without their worked "
                          "answers (notebook 8 and the answers' tables are left out)")

    validate = commands.add_parser("validate", help="check a cohort file against the contract")
    validate.add_argument("--data", required=True, help="the cohort CSV file")

    template = commands.add_parser("template", help="write an empty cohort file to fill in")
    template.add_argument("--out", required=True, help="the CSV file to write")

    synthesize = commands.add_parser("synthesize", help="write a synthetic cohort")
    synthesize.add_argument("--out", required=True, help="the CSV file to write")
    synthesize.add_argument("--n", type=int, default=None,
                            help="number of patients; without it, the bundled published cohort")
    synthesize.add_argument("--seed", type=int, default=None, help="random seed")
    synthesize.add_argument("--missing-followup", type=float, default=None, metavar="SHARE",
                            help="share of patients (0 to 1) left without one-year follow-up "
                                 "(their 12-month frequency blank), chosen at random; needs --n "
                                 "(exercise 2: --n 60 --missing-followup 0.1 --seed 7)")

    compare = commands.add_parser("compare", help="set two reports side by side")
    compare.add_argument("report_a", help="the first report folder")
    compare.add_argument("report_b", help="the second report folder")
    compare.add_argument("--out", required=True,
                         help="folder for compare.html and compare.csv")

    pool = commands.add_parser("pool", help="pool several centres' shareable reports")
    pool.add_argument("reports", nargs="+", metavar="REPORT_DIR",
                      help="the report folders the centres' runs wrote (at least two)")
    pool.add_argument("--out", required=True,
                      help="folder for index.html, pooled.csv, pooled.json and the forest "
                           "plots: a new or empty one, or an earlier pool (replaced)")
    pool.add_argument("--with-published", action="store_true",
                      help="also pool the responder rate with the published IVIG cohorts")
    pool.add_argument("--allow-unshared", action="store_true",
                      help="accept reports made from real data with disclosure control off "
                           "(their exact counts: the pool is then not for sharing)")

    commands.add_parser("refresh-notebooks",
                        help="re-execute the committed notebooks in place on the bundled cohort")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "validate":
            return _validate(Path(args.data))
        if args.command == "template":
            return _template(Path(args.out))
        if args.command == "synthesize":
            return _synthesize(Path(args.out), args.n, args.seed, args.missing_followup)
        if args.command == "compare":
            return _compare(Path(args.report_a), Path(args.report_b), Path(args.out))
        if args.command == "pool":
            return _pool(args)
        from . import runner  # imported here: papermill is slow to import

        if args.command == "run":
            return runner.run_collection(Path(args.data), Path(args.out), args.param,
                                         args.jobs, args.fast_kernels,
                                         answers=not args.without_answers)
        if args.command == "refresh-notebooks":
            return runner.refresh_notebooks()
    except CohortError as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_INPUT_REJECTED
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_REJECTED
    except OSError as exc:  # a folder that cannot be written, a full disk...
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_INPUT_REJECTED
    except Interrupted as stop:
        print(stop.message(), file=sys.stderr)
        return stop.status
    except KeyboardInterrupt:
        stop = Interrupted(Interrupted.CTRL_C)
        print(stop.message(), file=sys.stderr)
        return stop.status
    return EXIT_OK


def _compare(report_a: Path, report_b: Path, out: Path) -> int:
    from .compare import NotAReport, WouldOverwrite, write_comparison

    try:
        page = write_comparison(report_a, report_b, out)
    except (NotAReport, WouldOverwrite) as exc:
        raise UsageError(str(exc)) from None
    print(f"Wrote {page} and {page.with_suffix('.csv')}")
    return EXIT_OK


def _pool(args) -> int:
    from .pool import write_pool

    page = write_pool([Path(f) for f in args.reports], Path(args.out), args.with_published,
                      args.allow_unshared)
    print(f"Wrote {page}, pooled.csv and pooled.json in {page.parent}")
    return EXIT_OK


def _validate(path: Path) -> int:
    cohort = load_cohort(path)
    print(f"{cohort.file_name}: meets the data contract.")
    print(cohort_summary(cohort))
    if cohort.warnings:  # rows and values: the user's own terminal, never a report
        print(warnings_text(cohort))
    if not cohort.is_bundled:
        from ..release import sharing_preview

        print(sharing_preview(cohort))
    return EXIT_OK


def _refuse_overwrite(path: Path) -> None:
    if path.exists():
        raise UsageError(f"'{path}' already exists; choose another name or remove it first")


def _template(path: Path) -> int:
    dictionary = path.with_name(path.stem + "_dictionary.csv")
    _refuse_overwrite(path)
    _refuse_overwrite(dictionary)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerow([c.name for c in COLUMNS])
    with dictionary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["column", "meaning", "unit", "type", "allowed values", "required"])
        for c in COLUMNS:
            writer.writerow([c.name, c.meaning, c.unit, c.kind, c.allowed,
                             "required" if c.required else "optional"])
    print(f"Wrote {path} (the header: one row per patient goes below it)")
    print(f"Wrote {dictionary} (what each column means and which values it may hold)")
    return EXIT_OK


def _synthesize(path: Path, n: int | None, seed: int | None,
                missing_followup: float | None = None) -> int:
    from ..parameters import SEED_RANGE
    from ..synthetic import (
        DEFAULT_SEED,
        MAX_PATIENTS,
        make_cohort,
        make_published_cohort,
        write_cohort,
    )

    if n is not None and not 1 <= n <= MAX_PATIENTS:
        raise UsageError(f"--n must be a number of patients from 1 to {MAX_PATIENTS}, not {n}")
    seed = DEFAULT_SEED if seed is None else seed
    if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise UsageError(f"--seed must be a whole number from {SEED_RANGE[0]} to "
                         f"{SEED_RANGE[1]}, not {seed}")
    if missing_followup is not None:
        if n is None:
            raise UsageError("--missing-followup needs --n: the bundled published cohort has "
                             "every child's follow-up")
        if not 0 <= missing_followup <= 1:
            raise UsageError("--missing-followup must be a share from 0 to 1 (0.1: one child in "
                             f"ten), not {missing_followup:g}")
    table = make_published_cohort(seed) if n is None else make_cohort(
        n, missing_followup_share=missing_followup or 0.0, seed=seed)
    if path.resolve() != BUNDLED_COHORT.resolve():
        _refuse_overwrite(path)
    write_cohort(table, path)
    missing = int(table["month12_seizures_per_month"].isna().sum())
    print(f"Wrote {len(table)} SYNTHETIC patients to {path}"
          + (f" ({missing} without one-year follow-up)" if missing_followup is not None else ""))
    return EXIT_OK
