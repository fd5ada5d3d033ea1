"""The release: every number a report shows, computed once from the rows and checked as a whole.

This is the one door between a cohort's rows and a report. :func:`build_release` reads the
checked cohort, computes every aggregate that any page, figure, table, sentence, note, JSON or
CSV file of the report will show, and applies disclosure control to all of them at once:

- **counts** go into one :class:`~ivig_helpers.ledger.CountLedger`, each under one name wherever
  it is shown, with every sum and order that links them, and are released together (small counts
  hidden, the others rounded to 5, and secondary suppression checked by integer programming
  across all tables);
- **magnitudes** (means, SDs, medians, quartiles) need enough children *with a value*
  (:func:`~ivig_helpers.privacy.release_magnitude`), and never show a youngest or oldest value;
- **statistics** (p-values, intervals, odds ratios) need at least 10 children in the test and
  are shown at a stated precision (:func:`~ivig_helpers.privacy.release_test_p`,
  :func:`~ivig_helpers.privacy.release_count_test`);
- **notes** are outputs too: a note that counts children says the count as released.

The result is plain data (:class:`Release`, saved as ``release.json``). The notebooks, figures,
sentences and files of a report read only the release: nothing downstream of this module holds
a row. With disclosure control off (the bundled synthetic cohort, or a centre's own team) the
release simply holds more: each child's values for the per-child figures (no identifiers), in
``children.parquet`` beside ``release.json``. Every output's class, rule and fate is listed in
:attr:`Release.checker`, the checker's summary of a shareable report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import release_figures, release_tables
from .contract import SEIZURE_TYPES, Cohort
from .ledger import CountLedger
from .narrative import TYPE_WORDS
from .parameters import RUN_SEED
from .plain import plain
from .privacy import (
    ROUNDING_BASE,
    SAFE_THRESHOLD,
    SUPPRESSED,
    is_number,
    release_count_test,
    too_few,
)

RELEASE_FILE = "release.json"
CHILDREN_FILE = "children.parquet"
RELEASE_FORMAT = 1
SWEEP_THRESHOLDS = (0.25, 0.5, 0.75, 1.0)
CHILD_COLUMNS = ("seizure_type", "percent_change", "has_followup", "responder", "seizure_free",
                 "baseline_score", "month12_score", "month3_score",
                 "baseline_seizures_per_month", "month3_seizures_per_month",
                 "month12_seizures_per_month", "age_years", "asm_count_baseline",
                 "asm_count_month12")
"""Each child's values the per-child figures draw, kept (with control off only) in the order of
the file: no identifier, no free text."""


@dataclass
class Release:
    """What a report may show, and nothing else: see the module doc.

    ``tables`` hold released tables (counts as numbers, ``"<N"`` or "suppressed"), ``results``
    and ``appraisal`` the objects of ``results.json``, ``texts`` released sentences and notes,
    ``checker`` one record per output, ``children`` each child's values for the per-child
    figures (None with disclosure control on).
    """

    meta: dict
    results: dict
    appraisal: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    texts: dict[str, object] = field(default_factory=dict)
    checker: list[dict] = field(default_factory=list)
    children: pd.DataFrame | None = None

    @property
    def min_cell_count(self) -> int:
        return int(self.meta["parameters"]["min_cell_count"])

    def table(self, name: str) -> pd.DataFrame:
        """A released table by name (a copy: changing it changes nothing in the release). It
        carries the release's ``min_cell_count`` in ``attrs``, so that what formats or draws it
        knows whether its counts are rounded."""
        table = self.tables[name].copy()
        table.attrs["min_cell_count"] = self.min_cell_count
        return table

    def save(self, folder: str | Path) -> Path:
        """Write ``release.json`` (and ``children.parquet`` when the release holds children)."""
        folder = Path(folder)
        data = {"format": RELEASE_FORMAT, "meta": self.meta, "results": self.results,
                "appraisal": self.appraisal, "texts": self.texts, "checker": self.checker,
                "tables": {name: {"columns": [str(c) for c in t.columns],
                                  "index": _index_of(t),
                                  "rows": [[plain(v) for v in row]
                                           for row in t.itertuples(index=False)]}
                           for name, t in self.tables.items()}}
        path = folder / RELEASE_FILE
        path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        if self.children is not None:
            self.children.to_parquet(folder / CHILDREN_FILE, index=False)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Release:
        path = Path(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != RELEASE_FORMAT:
            raise ValueError(f"{path.name} is not a release of this version of the collection")
        tables = {}
        for name, t in data["tables"].items():
            frame = pd.DataFrame(t["rows"], columns=t["columns"], dtype=object)
            frame = frame.infer_objects()
            if t.get("index") is not None:
                frame.index = pd.MultiIndex.from_tuples([tuple(i) for i in t["index"]])
            tables[name] = frame
        children_path = path.parent / CHILDREN_FILE
        children = pd.read_parquet(children_path) if children_path.is_file() else None
        return cls(meta=data["meta"], results=data["results"], appraisal=data["appraisal"],
                   tables=tables, texts=data["texts"], checker=data["checker"],
                   children=children)


def _index_of(table: pd.DataFrame):
    if isinstance(table.index, pd.MultiIndex):
        return [list(map(str, i)) for i in table.index]
    return None


# --- building ----------------------------------------------------------------------------------

def build_release(cohort: Cohort, responder_threshold: float = 0.5,
                  missing_followup: str = "nonresponder", min_cell_count: int = 0,
                  alpha: float = 0.05, seed: int = RUN_SEED, answers: bool = True) -> Release:
    """Compute and release every number of a report on ``cohort`` (see the module doc);
    without ``answers`` (a student's report), no worked answer of the exercises.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> release = build_release(load_cohort(BUNDLED_COHORT), min_cell_count=5)
    >>> results = release.results
    >>> results["responders"], results["subgroup_wilcoxon_frequency_p"]["generalized"]
    (20, 0.004)
    >>> results["subgroup_wilcoxon_p"]["generalized"]  # scores: fewer than 5 rose, hidden
    'suppressed'
    >>> release.children is None, build_release(load_cohort(BUNDLED_COHORT)).children.shape
    (True, (60, 14))
    """
    from .outcomes import add_outcomes, check_outcome_parameters

    check_outcome_parameters(responder_threshold, missing_followup)
    table = cohort.table
    if not cohort.is_bundled and "patient_id" in table:
        table = table.drop(columns="patient_id")  # private by default: no identifier past here
    table = table.assign(seizure_type=pd.Categorical(table["seizure_type"].astype(object),
                                                     categories=SEIZURE_TYPES))
    build = _Builder(table, add_outcomes(table, responder_threshold, missing_followup),
                     responder_threshold, missing_followup, min_cell_count, alpha, seed)
    return build.run(cohort, answers)


def collection_version() -> str:
    """The version of this collection (the installed package's), recorded in every release so
    that reports made with different versions are not pooled together; "unknown" when the
    package is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ivig_helpers")
    except PackageNotFoundError:
        return "unknown"


class _Builder:
    """The computation of one release: counts declared first, released together, then every
    table, sentence and result written from the released counts."""

    def __init__(self, table, patients, threshold, handling, mcc, alpha, seed):
        self.table, self.patients = table, patients
        self.threshold, self.handling, self.mcc = threshold, handling, mcc
        self.alpha, self.seed, self.confidence = alpha, seed, 1 - alpha
        self.ledger = CountLedger(mcc)
        self.tables: dict[str, pd.DataFrame] = {}
        self.texts: dict[str, object] = {}
        self.checker: list[dict] = []
        self.present = [t for t in SEIZURE_TYPES if (table["seizure_type"] == t).any()]

    # counts -----------------------------------------------------------------------------------
    def count(self, key, value) -> str:
        return self.ledger.count(key, value)

    def shown(self, key):
        return self.ledger.release()[key]

    def count_test(self, grid) -> dict:
        """Fisher's test of the table whose cells are the counts ``grid`` names (rows of keys),
        as :func:`~ivig_helpers.privacy.release_count_test` releases it; with a hidden cell,
        judged over every table the released counts and their links allow."""
        cells = [[self.ledger.values[key] for key in row] for row in grid]
        shown = [[self.shown(key) for key in row] for row in grid]
        hidden = any(not is_number(value) for row in shown for value in row)
        possible = self.ledger.possible_tables(grid) if self.mcc > 0 and hidden else None
        return release_count_test(cells, shown, self.mcc, self.seed, self.alpha, possible)

    def _declare_cohort(self) -> None:
        t, p, led = self.table, self.patients, self.ledger
        kinds = t["seizure_type"]
        self.count("patients", len(t))
        for k in SEIZURE_TYPES:
            self.count(f"type:{k}", int((kinds == k).sum()))
        led.total("patients", [f"type:{k}" for k in SEIZURE_TYPES])
        followed = t["month12_seizures_per_month"].notna()
        self.count("followed", int(followed.sum()))
        self.count("no_followup", int((~followed).sum()))
        led.total("patients", ["followed", "no_followup"])
        for k in SEIZURE_TYPES:
            self.count(f"followed:{k}", int((followed & (kinds == k)).sum()))
            led.at_most(f"followed:{k}", f"type:{k}")
        led.total("followed", [f"followed:{k}" for k in SEIZURE_TYPES])
        # the children analysed: every child (non-responders) or those followed (exclude)
        self.analysed = "patients" if self.handling == "nonresponder" else "followed"
        self.analysed_of = {k: (f"type:{k}" if self.handling == "nonresponder"
                                else f"followed:{k}") for k in SEIZURE_TYPES}
        responder, free = p["responder"].to_numpy(bool), p["seizure_free"].to_numpy(bool)
        pkinds = p["seizure_type"].to_numpy()
        self.count("responders", int(responder.sum()))
        self.count("seizure_free", int(free.sum()))
        for k in SEIZURE_TYPES:
            self.count(f"responders:{k}", int((responder & (pkinds == k)).sum()))
            self.count(f"nonresponders:{k}", int((~responder & (pkinds == k)).sum()))
            led.total(self.analysed_of[k], [f"responders:{k}", f"nonresponders:{k}"])
        led.total("responders", [f"responders:{k}" for k in SEIZURE_TYPES])
        led.at_most("seizure_free", "responders")
        led.at_most("responders", "followed")

    def _declare_sweep(self) -> None:
        from .outcomes import add_outcomes

        led = self.ledger
        self.sweep_thresholds = sorted({*SWEEP_THRESHOLDS, self.threshold})
        keys = []
        for threshold in self.sweep_thresholds:
            key = "responders" if threshold == self.threshold else f"responders@{threshold:g}"
            if threshold == 1.0 and threshold != self.threshold:
                key = "seizure_free_by_threshold"
            rated = add_outcomes(self.table, threshold, self.handling)
            self.count(key, int(rated["responder"].sum()))
            keys.append(key)
        for smaller, larger in zip(keys[1:], keys[:-1], strict=True):
            led.at_most(smaller, larger)
        if "seizure_free_by_threshold" in self.ledger.values:  # 100% fewer is seizure free
            led.total("seizure_free", ["seizure_free_by_threshold"])
        elif self.threshold == 1.0:
            led.total("seizure_free", ["responders"])
        self.sweep_keys = keys

    # the whole build ---------------------------------------------------------------------------
    def run(self, cohort: Cohort, answers: bool = True) -> Release:
        self._declare_cohort()
        self._declare_sweep()
        sections = [release_tables.Cohort(self), release_tables.Responders(self),
                    release_tables.SeizureTypes(self), release_tables.Medications(self),
                    release_figures.Figures(self)]
        for section in sections:
            section.declare()
        self.ledger.release()
        for section in sections:
            section.write()
        results = {"data_file": cohort.file_name,
                   "bundled_synthetic_cohort": cohort.is_bundled,
                   **release_tables.results(self)}
        if cohort.is_bundled:  # made-up children: their first rows may be shown
            self.tables["preview"] = cohort.table.head(5).astype(
                {"seizure_type": str}).reset_index(drop=True)
        appraisal = release_tables.appraisal(self, results)
        release_tables.exercises(self, results, appraisal, answers)
        meta = {
            "data_file": cohort.file_name,
            "bundled_synthetic_cohort": cohort.is_bundled,
            "parameters": {"responder_threshold": self.threshold, "alpha": self.alpha,
                           "missing_followup": self.handling, "min_cell_count": self.mcc,
                           "seed": self.seed},
            "rounding_base": ROUNDING_BASE if self.mcc > 0 else None,
            "safe_threshold": SAFE_THRESHOLD if self.mcc > 0 else None,
            "notes": released_notes(cohort.notes, self.mcc),
            "columns": [c for c in self.table.columns if c != "patient_id"],
            "types_present": self.present,
            "answers": answers,  # False: a student's report, without the exercises' answers
            "collection_version": collection_version(),  # which reports may be pooled together
        }
        children = None
        if self.mcc <= 0:
            children = self.patients[[c for c in CHILD_COLUMNS if c in self.patients]].copy()
            children["seizure_type"] = children["seizure_type"].astype(str)
        self._check_counts()
        return Release(meta=meta, results=results, appraisal=appraisal, tables=self.tables,
                       texts=self.texts, checker=self.checker, children=children)

    def record(self, output: str, kind: str, rule: str, status: str, why: str = "",
               keys: str = "") -> None:
        """One line of the checker's summary (``keys``: the ledger's names of its counts)."""
        self.checker.append({"output": output, "class": kind, "rule": rule, "status": status,
                             "why": why, "keys": keys})

    def _check_counts(self) -> None:
        if self.mcc <= 0:
            return
        shown = self.ledger.release()
        hidden = sum(isinstance(v, str) and v != SUPPRESSED for v in shown.values())
        withheld = sorted(self.ledger.withheld)
        self.record("every count of the report (one ledger)", "counts",
                    f"1 to {self.mcc - 1} children shown as <{self.mcc}; others rounded to the "
                    f"nearest {ROUNDING_BASE} (never below the first multiple of "
                    f"{ROUNDING_BASE} from {self.mcc}); secondary suppression checked by "
                    "integer programming across every linked table",
                    "rounded", f"{len(shown)} counts: {hidden} hidden, {len(withheld)} withheld "
                    "so that no hidden count can be worked out"
                    + (f" ({'; '.join(count_label(k) for k in withheld)})" if withheld else ""),
                    keys="; ".join(withheld))


_GROUP_WORDS = {"Overall": "all children", **{k.capitalize(): f"children with {w}"
                                              for k, w in TYPE_WORDS.items()}}
_MEASURE_WORDS = {"scores": "score", "frequencies": "seizure frequency"}
_ASM_COLUMNS = {"asm_count_baseline": "before IVIG", "asm_count_month12": "at one year"}


def count_label(key: str) -> str:
    """The plain name of a count of the ledger (its internal key), for the output checker's
    summary: what is counted and where the report shows it. An unknown key comes back as it
    is (a test checks that every key of a release has a name).

    Examples
    --------
    >>> count_label("table1:Sex=F:Focal")
    'Table 1, Sex F: children with focal seizures'
    >>> count_label("scores:both:rose")
    'Notebook 3, score of children with both focal and generalized seizures: children whose \
score rose'
    >>> count_label("asm band:responders:+2")
    'Notebook 4, medications at one year against before: 2 or more added, responders'
    """
    def kind(k):
        return TYPE_WORDS.get(k, k)

    def medications(level):
        level = int(level)
        if level == 0:
            return "the same number"
        many = f"{abs(level)} or more" if abs(level) >= 2 else "1"
        return f"{many} {'fewer' if level < 0 else 'added'}"

    fixed = {"patients": "children in the file", "followed": "children with one-year follow-up",
             "no_followup": "children without one-year follow-up",
             "responders": "responders at the run's responder definition",
             "seizure_free": "children seizure free at one year",
             "seizure_free_by_threshold": "responders at 100% fewer seizures (seizure free)",
             "age_n": "children with an age", "median_n": "children in the median percent change",
             "asm:both": "Notebook 4, children with a medication count before and at one year",
             "asm:changed": "Notebook 4, children whose number of medications changed",
             "asm:unchanged": "Notebook 4, children whose number of medications stayed the same",
             "asm:responders": "Notebook 4, responders with both medication counts",
             "asm:others": "Notebook 4, non-responders with both medication counts",
             "asm:fewer": "Notebook 4, children with fewer medications at one year",
             "asm:more": "Notebook 4, children with more medications at one year"}
    if key in fixed:
        return fixed[key]
    head, _, rest = key.partition(":")
    if head in ("type", "followed", "responders", "nonresponders") and rest in TYPE_WORDS:
        who = {"type": "children", "followed": "children followed for one year",
               "responders": "responders", "nonresponders": "non-responders"}[head]
        return f"{who} with {kind(rest)}"
    if head.startswith("responders@"):
        return f"responders at {100 * float(head[11:]):g}% fewer seizures"
    if head == "table1":
        variable, _, group = rest.rpartition(":")
        name, _, level = variable.partition("=")
        return f"Table 1, {name} {level}: {_GROUP_WORDS.get(group, group)}"
    if head == "table1 missing":
        return f"Table 1, {rest}: children without a value"
    if head == "age band":
        return f"Notebook 1, children aged {rest} years"
    if head in _MEASURE_WORDS:
        group, _, part = rest.partition(":")
        measure = _MEASURE_WORDS[head]
        what = {"pairs": "children with both values", "same": f"children whose {measure} "
                "stayed the same"}.get(part, f"children whose {measure} {part}")
        return f"Notebook 3, {measure} of children with {kind(group)}: {what}"
    if head == "friedman":
        return f"Notebook 3, Friedman test of children with {kind(rest)}: children"
    if head == "asm band":
        who, _, level = rest.rpartition(":")
        people = {"responders": ", responders", "others": ", non-responders", "": ""}[who]
        return (f"Notebook 4, medications at one year against before: {medications(level)}"
                f"{people}")
    if head == "asm" and rest.startswith("n:"):
        return f"Notebook 4, children with a medication count {_ASM_COLUMNS[rest[2:]]}"
    if head == "asm":
        name, _, who = rest.partition(":")
        people = {"responders": "responders", "others": "non-responders"}[who]
        changed = "changed" if name == "changed" else "stayed the same"
        return f"Notebook 4, {people} whose number of medications {changed}"
    if head == "waterfall":
        return f"Notebook 2, waterfall figure: children in the band {rest}"
    return key


_NOTE_COUNTS = (re.compile(r"^(Warning: )(\d+)( patient\(s\) are outside)"),
                re.compile(r"^()(\d+)( etiology values? outside)"))


def released_notes(notes: list[str], min_cell_count: int) -> list[str]:
    """The notes of reading a file, with any count of children in them as released.

    Examples
    --------
    >>> released_notes(["Warning: 1 patient(s) are outside the study's age range."], 5)
    ["Warning: fewer than 5 patient(s) are outside the study's age range."]
    >>> released_notes(["Warning: 12 patient(s) are outside the study's age range."], 5)
    ["Warning: about 10 patient(s) are outside the study's age range."]
    """
    from .privacy import release_count

    if min_cell_count <= 0:
        return list(notes)
    out = []
    for note in notes:
        for pattern in _NOTE_COUNTS:
            match = pattern.match(note)
            if match:
                shown = release_count(int(match.group(2)), min_cell_count)
                words = f"fewer than {min_cell_count}" if isinstance(shown, str) \
                    else f"about {shown}"
                note = pattern.sub(lambda m, w=words: m.group(1) + w + m.group(3), note)
        out.append(note)
    return out


# --- opening a release in a notebook -----------------------------------------------------------

def open_release(data_path: str, responder_threshold: float = 0.5,
                 missing_followup: str = "nonresponder", min_cell_count: int = 0,
                 alpha: float = 0.05, seed: int = RUN_SEED) -> Release:
    """The release a notebook shows: read from ``data_path`` when it is a release file (as the
    runner gives it), else built here from the cohort file (run by hand in JupyterLab). Either
    way the notebook holds no row of the file afterwards."""
    from .contract import load_cohort

    if str(data_path).endswith(".json"):
        release = Release.load(data_path)
        wanted = {"responder_threshold": responder_threshold, "alpha": alpha,
                  "missing_followup": missing_followup, "min_cell_count": min_cell_count,
                  "seed": seed}
        if release.meta["parameters"] != wanted:
            raise ValueError("the release was made with other parameters than this notebook's: "
                             f"{release.meta['parameters']}")
        return release
    return build_release(load_cohort(data_path), responder_threshold, missing_followup,
                         min_cell_count, alpha, seed)


CHECKER_FILE = "disclosure_check.csv"


def release_summary(release: Release) -> str:
    """What a release holds, in a few lines, for the terminal at the start of a run: counts as
    released, so a terminal or CI log of a shareable run holds no exact small count."""
    results, meta = release.results, release.meta
    lines = ["This is the bundled SYNTHETIC cohort (no real patients)."] \
        if meta["bundled_synthetic_cohort"] else []
    counts = results["seizure_type_counts"]
    optional = [c for c in meta["columns"] if c not in
                ("seizure_type", "baseline_seizures_per_month", "month12_seizures_per_month")]
    lines += [f"  patients: {results['n_patients']}",
              "  seizure types: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
              f"  without one-year follow-up: {results['missing_followup']}",
              "  optional columns present: " + (", ".join(optional) or "none")]
    if release.min_cell_count > 0:
        lines.append(f"  (counts rounded and small ones hidden, as in the report: "
                     f"min_cell_count={release.min_cell_count})")
        withheld = [r for r in release.checker if r["status"].startswith(("withheld", "1 ",
                                                                          "2 ", "3 "))]
        if withheld:
            lines.append("  withheld by disclosure control: "
                         + "; ".join(r["output"] for r in withheld))
    lines += [f"  note: {note}" for note in meta["notes"]]
    return "\n".join(lines)


def write_checker_summary(report: Path, release_path: Path) -> Path | None:
    """The checker's summary of a report, ``disclosure_check.csv``: each output, its class, the
    rule applied, what became of it and why, for the output checker who signs the report off.
    Written only for a report made with disclosure control on."""
    import csv

    from .privacy import spreadsheet_safe

    release = Release.load(release_path)
    if release.min_cell_count <= 0:
        return None
    path = Path(report) / CHECKER_FILE
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["output", "class", "rule", "status", "why",
                         "internal names (release.json and the code)"])
        for record in release.checker:
            writer.writerow([spreadsheet_safe(record.get(k, "")) for k in
                             ("output", "class", "rule", "status", "why", "keys")])
    return path


def withheld_line(release_path: Path) -> str:
    """One line for the landing page: what disclosure control withheld, and where the rules
    are; empty with disclosure control off."""
    release = Release.load(release_path)
    if release.min_cell_count <= 0:
        return ""
    withheld = [r["output"].split(" (")[0] for r in release.checker if "withheld" in r["status"]]
    what = ("Withheld or partly withheld: " + "; ".join(withheld) + ".") if withheld \
        else "Nothing was withheld beyond the hidden small counts."
    return f"{what} Every output, its rule and its fate are in `{CHECKER_FILE}`."


def sharing_preview(cohort: Cohort, min_cell_count: int = 5) -> str:
    """What a shareable report of this cohort (``min_cell_count``, 5 by default) will withhold,
    in a few lines for ``validate``: a cohort too small for its main tests is told before the
    run, not after. The rules are those of the release: a test or a summary needs
    :data:`~ivig_helpers.privacy.SAFE_THRESHOLD` children, and a count of 1 to N - 1 is
    hidden (so a test of counts with such a cell is shown as a side of alpha at best)."""
    from .outcomes import add_outcomes

    patients = add_outcomes(cohort.table)
    sizes = patients["seizure_type"].value_counts()
    small = [str(k) for k, n in sizes.items() if n > 0 and too_few(n, SAFE_THRESHOLD,
                                                                     min_cell_count)]
    responders = patients.groupby("seizure_type", observed=True)["responder"].agg(["sum", "size"])
    hidden = [str(k) for k, row in responders.iterrows()
              if 0 < row["sum"] < min_cell_count or 0 < row["size"] - row["sum"] < min_cell_count]
    head = f"If you share a report (--param min_cell_count={min_cell_count}):"
    lines = []
    if small:
        lines.append(f"  - the within-type tests and medians of {', '.join(small)} will be "
                     f"withheld (fewer than {SAFE_THRESHOLD} children, or a rounded count "
                     "that does not rule it out: with 5, a group of 10 to 12 reads 10, which "
                     "could be 8)")
    if hidden:
        lines.append(f"  - the test of the difference between types will be shown as a side of "
                     f"alpha (such as p < 0.05) or withheld: {', '.join(hidden)} "
                     f"{'has' if len(hidden) == 1 else 'have'} fewer than {min_cell_count} "
                     "responders or non-responders")
    if not lines:
        return f"{head} every test and summary can be shown; small counts read <{min_cell_count}."
    return "\n".join([f"{head} at least these outputs will be withheld or coarsened:", *lines,
                      "  (the run lists every one it withholds, and why, in disclosure_check.csv;"
                      " the rules: data/disclosure.md)"])
