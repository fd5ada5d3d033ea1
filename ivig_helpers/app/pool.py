"""Several centres' shareable reports in one evidence synthesis:
``python -m ivig_helpers pool REPORT_DIR... --out DIR``.

Each centre runs the collection on its own cohort with disclosure control on
(``run --data ... --out REPORT --param min_cell_count=5``) and sends the report folder. The
coordinator pools the folders. Only each report's released aggregates are read (``release.json``,
the numbers the report may show, and ``results.json``); never a row, never a notebook.

Before anything is pooled, every folder is checked, and the command stops (exit status 2, a
plain message naming the folder and the reason) when:

- a folder is not a report that ``run`` wrote (no ``manifest.json``, ``release.json`` or
  ``results.json``);
- a report was changed after its run: a file differs from the SHA-256 its ``manifest.json``
  lists, a file is missing or was added (the check of :mod:`ivig_helpers.app.folder`);
- the reports count responders differently (responder threshold, children without one-year
  follow-up) or were made by incompatible versions of the collection (the release format, and
  the collection's version recorded in ``release.json``: the same major and minor version);
- a report was made from real data with disclosure control off: its exact counts are for the
  centre's own team, so it is refused unless ``--allow-unshared`` (then the pooled page says it
  is not for sharing). The bundled synthetic cohort (made-up children) is accepted;
- the same report is given twice (the same ``release.json``, by its checksum).

What is pooled (:mod:`ivig_helpers.appraisal.pooling`, one :class:`Quantity` each, in
:data:`QUANTITIES`): the responder rate (random effects on the logit scale, Paule-Mandel tau^2,
Hartung-Knapp interval, prediction interval, I^2, Q, leave-one-centre-out), the same within each
seizure type, the odds ratio of responding, generalized against focal seizures (the same, on the
log odds ratio), and, with ``--with-published``, the responder rate with the published IVIG
cohorts. A count a centre withheld leaves that centre out of the quantity that needs it (listed
on the page); a quantity only one centre released is that centre's value, not a pool; rounded
counts are pooled as released, and the pool is recomputed at the ends of each rounded count's
possible range to show how far rounding can move it. The within-type changes (medians before
and at one year, children whose value fell or rose, Wilcoxon p-values) are shown side by side
and not pooled (:data:`NOT_POOLED` says why).

Written into ``--out``: ``index.html`` (the reports' look), ``pooled.csv``, ``pooled.json``,
a forest plot per pooled quantity (PNG), and ``manifest.json`` (a later pool replaces only a
folder that still holds exactly those files). Centres are named by their report folders' names,
shown as text; no data file's name is shown.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..appraisal.evidence import (
    THIS_STUDY,
    exact_intervals,
    load_ivig_cohorts,
    pooled_responder_rate,
    pooled_view,
    pooled_with_and_without,
)
from ..appraisal.pooling import (
    CONTINUITY,
    leave_one_out,
    log_odds_ratios,
    pooled_odds_ratio,
    rounding_envelope,
)
from ..benchmarks_published import OVERLAPPING, POOLED_MEANS, SELECTION
from ..errors import UsageError
from ..narrative import TYPE_WORDS
from ..plain import plain
from ..privacy import SUPPRESSED, count_bounds, is_number, spreadsheet_safe
from ..release import RELEASE_FILE, RELEASE_FORMAT, Release
from . import folder as report_folder
from . import site

RESULTS_FILE = "results.json"
ALPHA = 0.05
LEVEL = "95%"
PAGE = "index.html"
CSV_FILE, JSON_FILE = "pooled.csv", "pooled.json"
RATE_FIGURE, ODDS_FIGURE, PUBLISHED_FIGURE = ("pooled_rate.png", "pooled_odds_ratio.png",
                                              "pooled_with_published.png")
TYPE_FIGURE = "pooled_rate_{}.png"
RATE_NAME = "responder rate"
TYPE_ORDER = ("generalized", "focal", "both")
"""The seizure types, in the page's order, in the words of the reports."""
TYPE_COLUMNS = {"generalized": "Generalized", "focal": "Focal",
                "both": "Both focal and generalized"}
CSV_COLUMNS = ("section", "quantity", "centres", "k", "estimate", "ci_low", "ci_high",
               "pi_low", "pi_high", "tau2", "i2", "q", "q_p_value", "note")
"""The columns of ``pooled.csv``: one row per pooled value, per centre's released value, per
leave-one-out pool and per rounding envelope."""


@dataclass
class Report:
    """One centre's report as the pool reads it: its folder's name (the centre's label), the
    release and the checksum of its ``release.json``."""

    name: str
    path: Path
    release: Release
    checksum: str
    left_out: list[str] = field(default_factory=list)

    @property
    def results(self) -> dict:
        return self.release.results

    @property
    def min_cell_count(self) -> int:
        return int(self.results.get("min_cell_count") or 0)

    @property
    def bundled(self) -> bool:
        return bool(self.release.meta.get("bundled_synthetic_cohort"))

    def withheld(self) -> list[str]:
        """What the centre's disclosure control withheld, as its checker's summary says."""
        return [r["output"].split(" (")[0] for r in self.release.checker
                if "withheld" in str(r.get("status", ""))]


# --- reading and checking the reports ---------------------------------------------------------

def read_report(path: Path) -> Report:
    """A report folder, checked against its manifest, or UsageError saying why not."""
    path = Path(path)
    where = f"'{path}'"
    if not path.is_dir():
        raise UsageError(f"{where} is not a folder; give the report folders that `python -m "
                         "ivig_helpers run --out` wrote")
    for name in (report_folder.MANIFEST, RELEASE_FILE, RESULTS_FILE):
        if not (path / name).is_file():
            raise UsageError(f"{where} is not a report written by `python -m ivig_helpers run`"
                             f" (it has no {name}); give the folder each centre's run wrote")
    listed = report_folder._read_manifest(path)
    if listed is None:
        raise UsageError(f"{where} is not a report written by `python -m ivig_helpers run` "
                         f"(its {report_folder.MANIFEST} cannot be read)")
    problem = report_folder.why_not_replaceable(path)
    if problem:
        problem = problem.removeprefix("is an earlier report, but ")
        raise UsageError(f"{where} was changed after its run, so its numbers cannot be "
                         f"trusted: {problem}. Ask the centre to send the folder again, as "
                         "the run wrote it")
    if RELEASE_FILE not in listed or RESULTS_FILE not in listed:
        raise UsageError(f"{where}: its {report_folder.MANIFEST} does not list {RELEASE_FILE} "
                         "and results.json, so they were not written by the run")
    try:
        release = Release.load(path / RELEASE_FILE)
        results = release.results
        for key in ("responder_threshold", "missing_followup_handling", "responders",
                    "n_analysed", "responder_rate_by_type"):
            results[key]  # noqa: B018 (a KeyError says which is missing)
    except (ValueError, KeyError, TypeError, OSError):
        raise UsageError(f"{where}: its {RELEASE_FILE} was written by another version of the "
                         f"collection (release format other than {RELEASE_FORMAT}) or cannot be "
                         "read; re-run the report with this version") from None
    if not release.meta.get("collection_version"):
        raise UsageError(f"{where} was made by an earlier version of the collection, which did "
                         "not record its version in the release; re-run the report with this "
                         "version so that the reports can be checked against each other")
    return Report(path.resolve().name, path, release, listed[RELEASE_FILE])


def _major_minor(version: str) -> str:
    return ".".join(str(version).split(".")[:2])


def check_together(reports: list[Report], allow_unshared: bool = False) -> None:
    """Refuse (UsageError) reports that must not be pooled together: see the module doc."""
    seen: dict[str, Report] = {}
    for report in reports:
        if report.checksum in seen:
            raise UsageError(f"'{report.path}' and '{seen[report.checksum].path}' are the same "
                             "report (the same release.json): a centre would be counted twice")
        seen[report.checksum] = report
    for key, words in (("responder_threshold", "responder thresholds"),
                       ("missing_followup_handling",
                        "ways of counting children without one-year follow-up")):
        values = {json.dumps(r.results[key]) for r in reports}
        if len(values) > 1:
            each = "; ".join(f"'{r.path}': {r.results[key]}" for r in reports)
            raise UsageError(f"the reports use different {words}, so their responders are not "
                             f"the same thing and cannot be pooled ({each}). Ask the centres to "
                             "run with the same --param settings")
    versions = {_major_minor(r.release.meta["collection_version"]) for r in reports}
    if len(versions) > 1:
        each = "; ".join(f"'{r.path}': {r.release.meta['collection_version']}" for r in reports)
        raise UsageError(f"the reports were made by incompatible versions of the collection "
                         f"(major and minor versions differ: {each}); ask the centres to run "
                         "the same version")
    for report in reports:
        if report.min_cell_count <= 0 and not report.bundled and not allow_unshared:
            raise UsageError(
                f"'{report.path}' was made from real data with disclosure control off: its "
                "exact counts are for the centre's own team, not for sharing. Ask the centre "
                "for a shareable report (run with --param min_cell_count=5), or, if the pool "
                "stays within that team, add --allow-unshared")


def _labels(reports: list[Report]) -> None:
    """Two folders of the same name get (2), (3)... so that every centre reads differently."""
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.name] = counts.get(report.name, 0) + 1
        if counts[report.name] > 1:
            report.name = f"{report.name} ({counts[report.name]})"


# --- the released counts of each centre -------------------------------------------------------

def _count(value) -> int | None:
    return int(value) if is_number(value) else None


def _possible(value, report: Report) -> tuple[int, int]:
    """The true counts a released count allows (itself when the report's counts are exact)."""
    if report.min_cell_count <= 0:
        return int(value), int(value)
    low, high = count_bounds(value, report.min_cell_count)
    return int(low), int(high)


def _shown(value) -> str:
    return "not released" if value is None else str(value)


def _released_rate(report: Report, group: str | None):
    """A centre's released responders and children: of everyone analysed, or of one seizure
    type (``group``)."""
    if group is None:
        return report.results["responders"], report.results["n_analysed"]
    found = report.results["responder_rate_by_type"].get(group) or {}
    return found.get("responders"), found.get("n")


def rate_rows(reports: list[Report], group: str | None = None
              ) -> tuple[pd.DataFrame, list[list[dict]], list[dict]]:
    """The centres' released responders and children analysed (``study``, ``n``,
    ``responders``), of everyone or of one seizure type (``group``), the possible true counts
    of each (the ends of each rounded count's range, for :func:`rounding_envelope`), and the
    centres left out, with why (``centre``, ``why``, ``withheld``: a count was not released)."""
    rows, candidates, left = [], [], []
    name = RATE_NAME if group is None else f"{RATE_NAME}, {TYPE_WORDS[group]}"
    for report in reports:
        shown_r, shown_n = _released_rate(report, group)
        r, n = _count(shown_r), _count(shown_n)
        if r is None or n is None or n < 1:
            who = "child" if group is None else f"{group} child"
            why = (f"no {who} analysed" if n == 0 else
                   f"responders shown as {_shown(shown_r)}, children analysed shown as "
                   f"{_shown(shown_n)}")
            left.append({"centre": report.name, "why": why, "withheld": n != 0})
            report.left_out.append(f"{name} ({why})")
            continue
        rows.append({"study": report.name, "n": n, "responders": min(r, n)})
        (r_lo, r_hi), (n_lo, n_hi) = _possible(r, report), _possible(n, report)
        corners = {(min(rr, nn), nn) for rr in (r_lo, r_hi) for nn in (max(n_lo, 1), n_hi)}
        candidates.append([{"study": report.name, "n": nn, "responders": rr}
                           for rr, nn in sorted(corners, key=lambda c: c[0] / c[1])])
    return pd.DataFrame(rows, columns=["study", "n", "responders"]), candidates, left


def odds_rows(reports: list[Report]) -> tuple[pd.DataFrame, list[list[dict]], list[dict]]:
    """The centres' released responders and children, generalized (a) and focal (b), the ends
    of their possible true odds ratios, and the centres left out, with why."""
    rows, candidates, left = [], [], []
    for report in reports:
        by_type = report.results["responder_rate_by_type"]
        cells, why, withheld = {}, [], False
        for group, tag in (("generalized", "a"), ("focal", "b")):
            found = by_type.get(group) or {}
            r, n = _count(found.get("responders")), _count(found.get("n"))
            if n == 0:
                why.append(f"no {group} child analysed")
            elif r is None or n is None:
                withheld = True
                why.append(f"{group}: responders shown as {_shown(found.get('responders'))}, "
                           f"children shown as {_shown(found.get('n'))}")
            else:
                cells[tag] = (min(r, n), n, _possible(r, report), _possible(n, report))
        if why:
            left.append({"centre": report.name, "why": "; ".join(why), "withheld": withheld})
            report.left_out.append("generalized against focal (" + "; ".join(why) + ")")
            continue
        (ra, na, (ra_lo, ra_hi), (na_lo, na_hi)) = cells["a"]
        (rb, nb, (rb_lo, rb_hi), (nb_lo, nb_hi)) = cells["b"]
        rows.append({"study": report.name, "events_a": ra, "n_a": na, "events_b": rb,
                     "n_b": nb})
        na_lo, nb_lo = max(na_lo, 1), max(nb_lo, 1)
        lowest = {"study": report.name, "events_a": min(ra_lo, na_hi), "n_a": na_hi,
                  "events_b": min(rb_hi, nb_lo), "n_b": nb_lo}
        highest = {"study": report.name, "events_a": min(ra_hi, na_lo), "n_a": na_lo,
                   "events_b": min(rb_lo, nb_hi), "n_b": nb_hi}
        candidates.append([lowest, highest] if lowest != highest else [lowest])
    columns = ["study", "events_a", "n_a", "events_b", "n_b"]
    return pd.DataFrame(rows, columns=columns), candidates, left


def _centre_odds(odds: pd.DataFrame) -> list[dict]:
    if not len(odds):
        return []
    found = log_odds_ratios(odds)
    crit = stats.norm.isf(ALPHA / 2)  # each centre's Wald interval
    se = np.sqrt(found["variance"])
    return found.assign(odds_ratio=np.exp(found["log_or"]),
                        ci_low=np.exp(found["log_or"] - crit * se),
                        ci_high=np.exp(found["log_or"] + crit * se)).to_dict("records")


# --- the pooled quantities ------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    """One pooled quantity: where it sits in ``pooled.json`` (``key``), its name in
    ``pooled.csv`` (``name``) and in the page's sentences (``what``), how it is pooled
    (``pooler``, a function of the rows and alpha returning one row, whose value is
    ``estimate``), each centre's value and interval (``centres``, ``centre_interval``,
    ``interval``: the interval's method), and its section of the page and forest plot."""

    key: tuple[str, ...]
    name: str
    what: str
    title: str
    intro: str
    rows: Callable[[list[Report]], tuple[pd.DataFrame, list[list[dict]], list[dict]]]
    pooler: Callable
    estimate: str
    centres: Callable[[pd.DataFrame], list[dict]]
    centre_interval: tuple[str, str]
    interval: str
    figure: str
    alt: str


def _rate_centres(rates: pd.DataFrame) -> list[dict]:
    return exact_intervals(rates).to_dict("records")


def _rate_quantity(group: str | None) -> Quantity:
    if group is None:
        return Quantity(
            ("responder_rate",), RATE_NAME, RATE_NAME, "Responder rate, pooled", "",
            rate_rows, pooled_responder_rate, "rate", _rate_centres,
            ("exact_low", "exact_high"), "exact (Clopper-Pearson)", RATE_FIGURE,
            "Forest plot: each centre's responder rate (released counts, exact interval) and "
            "the pooled rate")
    words = TYPE_WORDS[group]
    return Quantity(
        ("responder_rate_by_type", group), f"{RATE_NAME}, {words}",
        f"responder rate of children with {words}", f"Responder rate, {words}",
        f"<p>Only the children with {words}: each centre's responders among them, as "
        "released, pooled the same way.</p>",
        lambda reports: rate_rows(reports, group), pooled_responder_rate, "rate", _rate_centres,
        ("exact_low", "exact_high"), "exact (Clopper-Pearson)", TYPE_FIGURE.format(group),
        f"Forest plot: each centre's responder rate of children with {words} (released "
        "counts, exact interval) and the pooled rate")


ODDS_QUANTITY = Quantity(
    ("generalized_vs_focal_odds_ratio",), "odds ratio of responding, generalized against focal",
    "odds ratio", "Generalized against focal seizures",
    "<p>The odds ratio of responding, children with generalized seizures against children with "
    "focal seizures, in each centre and pooled: above 1, generalized seizures responded more "
    "often; 1, no difference. Where a centre has a group in which no child or every child "
    f"responded, {CONTINUITY:g} is added to each of its four counts (assumed, the usual "
    "correction); other centres are used as released.</p>",
    odds_rows, pooled_odds_ratio, "odds_ratio", _centre_odds, ("ci_low", "ci_high"), "Wald",
    ODDS_FIGURE, "Forest plot: each centre's odds ratio, generalized against focal (released "
    "counts, Wald interval), and the pooled odds ratio")

QUANTITIES = (_rate_quantity(None), *(_rate_quantity(g) for g in TYPE_ORDER), ODDS_QUANTITY)
"""Every pooled quantity, in the page's order: the responder rate, the same within each seizure
type, and the odds ratio of responding, generalized against focal."""


def part_of(found: dict, quantity: Quantity) -> dict:
    """A quantity's part of ``pooled.json``."""
    for key in quantity.key:
        found = found[key]
    return found


def _pooled_part(quantity: Quantity, reports: list[Report]) -> dict:
    """A quantity's part of ``pooled.json``: ``pooled`` (None with fewer than 2 centres: one
    centre is not pooled), ``centres`` (each centre's released value), ``left_out``,
    ``leave_one_out`` (3 centres or more) and ``rounding`` (the envelope, when a centre's
    counts in it are rounded)."""
    table, candidates, left = quantity.rows(reports)
    pooler, k = quantity.pooler, len(table)
    return {"pooled": pooler(table, ALPHA).iloc[0].to_dict() if k >= 2 else None,
            "centres": quantity.centres(table) if k else [], "left_out": left,
            "leave_one_out": leave_one_out(table, pooler, ALPHA).to_dict("records")
            if k >= 3 else [],
            "rounding": rounding_envelope(candidates, pooler, quantity.estimate, ALPHA)
            if any(len(c) > 1 for c in candidates) else None}


def pool(reports: list[Report], with_published: bool = False) -> dict:
    """Every pooled quantity of the reports (plain data: ``pooled.json``), and the within-type
    changes side by side."""
    found: dict = {"confidence_level": 1 - ALPHA, "responder_rate_by_type": {}}
    for quantity in QUANTITIES:
        *parents, last = quantity.key
        where = found
        for key in parents:
            where = where[key]
        where[last] = _pooled_part(quantity, reports)
    found["generalized_vs_focal_odds_ratio"]["continuity_correction"] = CONTINUITY
    found["within_type_changes"] = within_type_changes(reports)
    found["with_published"] = None
    if with_published:
        rates = pd.DataFrame([{"study": c["study"], "n": c["n"], "responders": c["events"]}
                              for c in found["responder_rate"]["centres"]],
                             columns=["study", "n", "responders"])
        published = load_ivig_cohorts()
        published = published[published["study"] != THIS_STUDY][["study", "n", "responders"]]
        combined = pd.concat([rates, published], ignore_index=True)
        found["with_published"] = {
            "studies": combined.to_dict("records"),
            "pooled": pooled_with_and_without(combined, ALPHA, OVERLAPPING).to_dict("records"),
            "left_out_published": THIS_STUDY, "overlapping": OVERLAPPING,
            "selection": SELECTION, "meaning": POOLED_MEANS}
    return plain(found)


CHANGE_MEASURES = {
    "frequencies": ("Seizures per month, before IVIG and at one year", "seizures per month"),
    "scores": ("Seizure frequency score, before IVIG and at one year",
               "seizure frequency score")}
"""The within-type changes each report releases (its tables ``frequencies`` and ``scores``),
shown side by side: a title and the unit of each."""

NOT_POOLED = (
    "These are shown side by side, as each centre released them, and are not pooled. A centre "
    "releases its medians before IVIG and at one year without any measure of their spread, so "
    "there is nothing to weigh one centre's median against another's and no honest pooled "
    "interval to give. Its Wilcoxon signed-rank p-value (asymptotic) says how surprising its "
    "change would be if nothing had changed, not how large the change is: combining p-values "
    "would only ask whether some centre changed, and with disclosure control on they are "
    "released to one significant digit, or withheld. The numbers of children whose value fell "
    "or rose are shown for reading (rounded to 5 with disclosure control on). The responder "
    "rate within each seizure type, above, is the within-type result that can be pooled.")


def within_type_changes(reports: list[Report]) -> dict:
    """Each centre's released within-type changes (its tables ``frequencies`` and ``scores``:
    children with both values, how many fell and rose, the medians before and at one year, the
    Wilcoxon p-value and the centre's note), one row per centre and seizure type, values as
    released; and why they are not pooled (``not_pooled_because``)."""
    out: dict = {"not_pooled_because": NOT_POOLED}
    for measure, (_, unit) in CHANGE_MEASURES.items():
        rows = []
        for report in reports:
            table = report.release.tables.get(measure)
            if table is None:
                continue
            for row in table.to_dict("records"):
                rows.append({"centre": report.name, "seizure_type": row.get("group"),
                             "unit": unit, **{c: row.get(c) for c in (
                                 "n", "n_fell", "n_rose", "median_before", "median_after",
                                 "p_value")},
                             "p_value_method": "Wilcoxon signed-rank, asymptotic",
                             "note": row.get("note") or ""})
        out[measure] = rows
    return out


# --- the files ------------------------------------------------------------------------------------

def _pct(value) -> str:
    return f"{100 * value:.1f}%" if is_number(value) else "not available"


def _ratio(value) -> str:
    if not is_number(value):
        return "not available"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def _between(low, high, show) -> str:
    return f"{show(low)} to {show(high)}" if is_number(low) and is_number(high) \
        else "not available"


def _show(quantity: Quantity):
    return _pct if quantity.estimate == "rate" else _ratio


def csv_rows(found: dict) -> list[dict]:
    """The rows of ``pooled.csv`` (:data:`CSV_COLUMNS`)."""
    rows = []

    def add(section, quantity, centres, row, estimate):
        rows.append({"section": section, "quantity": quantity, "centres": "; ".join(centres),
                     "k": row.get("k", len(centres)), "estimate": row.get(estimate),
                     **{c: row.get(c) for c in CSV_COLUMNS[5:13]}, "note": row.get("note", "")})

    for q in QUANTITIES:
        part, estimate, (low, high) = part_of(found, q), q.estimate, q.centre_interval
        names = [c["study"] for c in part["centres"]]
        if part["pooled"] is not None:
            add("pooled", q.name, names, part["pooled"], estimate)
        for centre in part["centres"]:
            add("centre", q.name, [centre["study"]],
                {"k": 1, estimate: centre[estimate], "ci_low": centre[low],
                 "ci_high": centre[high], "note": f"as released; {q.interval} interval"},
                estimate)
        for left in part["left_out"]:
            add("left out", q.name, [left["centre"]], {"k": 0, "note": left["why"]}, estimate)
        for row in part["leave_one_out"]:
            add("leave one centre out", q.name, [n for n in names if n != row["left_out"]],
                {**row, "note": f"without {row['left_out']}"}, estimate)
        envelope = part["rounding"]
        if envelope:
            add("rounding envelope", q.name, names,
                {"k": len(names), "ci_low": envelope["ci_low"], "ci_high": envelope["ci_high"],
                 "note": f"pooled value from {envelope['estimate_low']:.4g} to "
                         f"{envelope['estimate_high']:.4g} over {envelope['combinations']} "
                         "combinations of possible true counts; ci_low and ci_high: the "
                         "widest interval"}, estimate)
    published = found["with_published"]
    if published:
        for row in published["pooled"]:
            add("with the published cohorts", f"responder rate, {row['studies']}",
                [s["study"] for s in published["studies"]
                 if row["studies"] == "all cohorts" or s["study"] != OVERLAPPING], row, "rate")
    return rows


def _forest(quantity: Quantity, part: dict):
    """A quantity's forest plot: each centre's released value and the pooled one."""
    from .. import plots

    if quantity.estimate == "rate":
        fig = plots.evidence_forest(_plain_names(pd.DataFrame(part["centres"])),
                                    pd.DataFrame([part["pooled"]]), LEVEL)
        what = quantity.what[0].upper() + quantity.what[1:]
        fig.axes[0].set_title(f"{what}: each centre (released counts) and pooled")
        return fig
    rows = pd.DataFrame([{"label": f"{_text(c['study'])} ({c['events_a']}/{c['n_a']} against "
                                   f"{c['events_b']}/{c['n_b']})",
                          "estimate": c["odds_ratio"], "low": c["ci_low"], "high": c["ci_high"]}
                         for c in part["centres"]])
    return plots.ratio_forest(rows, pd.Series(part["pooled"]),
                              f"Odds ratio of responding, generalized against focal (log "
                              f"scale, {LEVEL} CI)",
                              "Generalized against focal seizures, each centre and pooled", LEVEL)


def _figures(found: dict, out: Path) -> list[str]:
    """A forest plot per pooled quantity (two centres or more), from the released counts only;
    returns the files written."""
    import matplotlib.pyplot as plt

    from .. import plots

    written = []
    for quantity in QUANTITIES:
        part = part_of(found, quantity)
        if len(part["centres"]) < 2:
            continue
        fig = _forest(quantity, part)
        fig.savefig(out / quantity.figure, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        written.append(quantity.figure)
    published = found["with_published"]
    if published:
        table = pd.DataFrame(published["studies"])
        fig = plots.evidence_forest(_plain_names(exact_intervals(table)),
                                    pd.DataFrame(published["pooled"]),
                                    LEVEL)
        fig.axes[0].set_title("The centres with the published IVIG cohorts (not a systematic "
                              "search)")
        fig.savefig(out / PUBLISHED_FIGURE, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        written.append(PUBLISHED_FIGURE)
    return written


def _text(name: str) -> str:
    """A centre's name as matplotlib draws it: as written (a ``$`` is not mathematics)."""
    return str(name).replace("$", r"\$")


def _plain_names(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(study=table["study"].map(_text))


def _figure(name: str, alt: str) -> str:
    return (f'<figure><img src="{site.escape(name)}" alt="{site.escape(alt)}" '
            f'style="max-width:100%"><figcaption>{site.escape(alt)}</figcaption></figure>')


def _pooled_sentence(part: dict, quantity: Quantity) -> str:
    what, show, centres, row = quantity.what, _show(quantity), part["centres"], part["pooled"]
    if not centres:
        return (f"<p>The {what} could not be pooled: no centre released the counts it needs."
                "</p>")
    if len(centres) == 1 or row is None:
        centre = centres[0]
        low, high = (centre[c] for c in quantity.centre_interval)
        return (f"<p>Only one centre ({site.escape(centre['study'])}) released the counts the "
                f"{what} needs. One centre cannot be pooled: there is no pooled value, no "
                "pooled interval and no measure of how centres differ. That centre's own value "
                f"is {show(centre[quantity.estimate])} ({LEVEL} {quantity.interval} interval "
                f"{_between(low, high, show)}), as released.</p>")
    text = (f"<p>Pooled over {len(centres)} centres, the {what} is "
            f"<strong>{show(row[quantity.estimate])}</strong> ({LEVEL} confidence interval "
            f"{_between(row['ci_low'], row['ci_high'], show)}, Hartung-Knapp). ")
    normal = _normal_interval(row, quantity)
    if normal and _narrower(row, normal):
        text += ("That interval is narrower than the usual random-effects interval "
                 f"({_between(*normal, show)}, normal): Hartung-Knapp's interval follows how "
                 "far the centres' values lie from the pooled one, and when a few centres "
                 "happen to agree closely it shrinks, down to nothing when they agree exactly. "
                 "The wider one is the safer reading. ")
    if is_number(row.get("pi_low")):
        text += (f"A new centre's value would be expected within "
                 f"{_between(row['pi_low'], row['pi_high'], show)} ({LEVEL} prediction "
                 "interval). ")
    else:
        text += "A prediction interval needs at least 3 centres. "
    text += (f"How much the centres differ beyond chance: I² = {_pct(row['i2'])}, "
             f"tau² = {row['tau2']:.3f} (Paule-Mandel), Q = {row['q']:.2f} "
             f"(chi-square test of heterogeneity, asymptotic: p = {row['q_p_value']:.2g})."
             " With few centres these measures are themselves very uncertain.</p>")
    return text


def _normal_interval(row: dict, quantity: Quantity) -> tuple[float, float] | None:
    """The random-effects interval without Hartung-Knapp's adjustment (normal, the random-effects
    standard error), back on the quantity's scale."""
    scale = "logit" if quantity.estimate == "rate" else "log_or"
    middle, se = row.get(scale), row.get(f"{scale}_se")
    if not (is_number(middle) and is_number(se)):
        return None
    half = float(stats.norm.isf(ALPHA / 2)) * se
    back = (lambda x: 1 / (1 + math.exp(-x))) if scale == "logit" else math.exp
    return back(middle - half), back(middle + half)


def _narrower(row: dict, normal: tuple[float, float]) -> bool:
    """Whether the Hartung-Knapp interval of ``row`` lies inside the normal one."""
    return is_number(row.get("ci_low")) and row["ci_low"] > normal[0] \
        and row["ci_high"] < normal[1]


def _rounding_sentence(part: dict, quantity: Quantity) -> str:
    envelope, show = part["rounding"], _show(quantity)
    if not envelope:
        return ""
    how = "every combination" if envelope["exhaustive"] else \
        "each centre at the ends of its range (all at once, and one at a time)"
    rounding = ("<p>Rounding: centres with disclosure control on release counts rounded to "
                "the nearest 5 (a shown 20 is a true 18 to 22). ")
    if len(part["centres"]) == 1:
        return (rounding + f"Within its rounded counts' possible range, that centre's "
                f"{quantity.what} could be anywhere from {show(envelope['estimate_low'])} to "
                f"{show(envelope['estimate_high'])}.</p>")
    return (rounding + f"Pooled again at the ends of each rounded count's possible range "
            f"({how}: {envelope['combinations']} pools), the pooled {quantity.what} lies "
            f"between {show(envelope['estimate_low'])} and {show(envelope['estimate_high'])}, "
            f"and its {LEVEL} interval reaches from {show(envelope['ci_low'])} to "
            f"{show(envelope['ci_high'])} at the widest.</p>")


def _leave_one_out_table(part: dict, quantity: Quantity) -> str:
    if not part["leave_one_out"]:
        return ""
    show = _show(quantity)
    rows = [{"Without": row["left_out"], "Pooled": show(row[quantity.estimate]),
             f"{LEVEL} CI": _between(row["ci_low"], row["ci_high"], show),
             "I²": _pct(row["i2"])} for row in part["leave_one_out"]]
    text = ("<p>Leaving one centre out at a time (does one centre carry the result?):</p>"
            + site.table(rows, ["Without", "Pooled", f"{LEVEL} CI", "I²"]))
    if any(_narrower(row, normal) for row in part["leave_one_out"]
           if (normal := _normal_interval(row, quantity))):
        text += ("<p>Some of these intervals (Hartung-Knapp) are narrower than the usual "
                 "random-effects interval: the centres that remain happen to agree closely, "
                 "which is not the same as knowing the value that well.</p>")
    return text


def _left_out_list(part: dict) -> str:
    text = ""
    for withheld, heading in ((True, "Left out because the centre withheld a count it needs"),
                              (False, "Left out because the centre has no such child")):
        left = [c for c in part["left_out"] if bool(c.get("withheld", True)) == withheld]
        if left:
            text += (f"<p>{heading}:</p><ul>"
                     + "".join(f"<li>{site.escape(c['centre'])}: {site.escape(c['why'])}</li>"
                               for c in left) + "</ul>")
    if any(c.get("withheld", True) for c in part["left_out"]) and part["centres"]:
        text += ("<p>Leaving a centre out is not neutral: a count is withheld because it is "
                 "small (or would give a small one away), so the centres left out tend to be "
                 "those with few children in the group, or where few or nearly all responded. "
                 "The value of the centres that remain can lean away from theirs.</p>")
    return text


def _section(quantity: Quantity, part: dict, figures: list[str]) -> str:
    """A pooled quantity's part of the page: the pooled value (or why there is none), how far
    rounding moves it, who was left out, leave-one-out and the forest plot."""
    text = (f"<h2>{site.escape(quantity.title)}</h2>{quantity.intro}"
            + _pooled_sentence(part, quantity) + _rounding_sentence(part, quantity)
            + _left_out_list(part) + _leave_one_out_table(part, quantity))
    if quantity.figure in figures:
        text += _figure(quantity.figure, quantity.alt)
    return text


def _released(value, digits: str = "") -> str:
    """A released value as the page shows it: a withheld one says so."""
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return "withheld"
    if isinstance(value, str):
        return value
    return format(value, digits) if digits else str(value)


def _changes_table(rows: list[dict]) -> str:
    shown = [{"Centre": r["centre"], "Seizure type": TYPE_WORDS.get(r["seizure_type"],
                                                                    r["seizure_type"]),
              "Children with both values": _released(r["n"]), "Fell": _released(r["n_fell"]),
              "Rose": _released(r["n_rose"]),
              "Median before IVIG": _released(r["median_before"], ".1f"),
              "Median at one year": _released(r["median_after"], ".1f"),
              "Wilcoxon p (asymptotic)": _released(r["p_value"], ".2g")
              if r["p_value"] is not None else "not tested",
              "Note (the centre's)": r["note"] or ""} for r in rows]
    return site.table(shown, list(shown[0]) if shown else ["Centre"])


def _changes_section(changes: dict) -> str:
    text = ("<h2>Changes within each seizure type, side by side (not pooled)</h2>"
            f"<p>{site.escape(changes['not_pooled_because'])}</p>")
    for measure, (title, _) in CHANGE_MEASURES.items():
        rows = changes[measure]
        text += f"<h3>{site.escape(title)}</h3>"
        text += _changes_table(rows) if rows else "<p>No centre released this.</p>"
    return text


def _centre_rows(reports: list[Report]) -> list[dict]:
    rows = []
    for r in reports:
        by_type = r.results["responder_rate_by_type"]

        def pair(group, by_type=by_type):
            found = by_type.get(group) or {}
            return f"{found.get('responders', '–')} of {found.get('n', '–')}"

        rows.append({
            "Centre (report folder)": r.name,
            "Disclosure control": ("not needed (bundled synthetic cohort)" if r.bundled
                                   and r.min_cell_count <= 0 else
                                   f"on (min_cell_count={r.min_cell_count}, counts rounded "
                                   "to 5)" if r.min_cell_count > 0 else "OFF: not for sharing"),
            "Responders of children analysed": f"{r.results['responders']} of "
                                               f"{r.results['n_analysed']}",
            **{TYPE_COLUMNS[group]: pair(group) for group in TYPE_ORDER},
            "Left out of": "; ".join(r.left_out) or "nothing",
            "Withheld by the centre": "; ".join(r.withheld()) or "nothing beyond small counts"
            if r.min_cell_count > 0 else "nothing (exact counts)"})
    return rows


def page(reports: list[Report], found: dict, figures: list[str]) -> str:
    """The body of ``index.html``."""
    first = reports[0].results
    handling = {"nonresponder": "counted as non-responders",
                "exclude": "left out"}.get(first["missing_followup_handling"],
                                           str(first["missing_followup_handling"]))
    body = [f"<p>{len(reports)} centres' reports pooled. Only each report's released "
            "aggregates were read (its <code>release.json</code>, checked against the "
            "checksums of its <code>manifest.json</code>): no child's row, no notebook. "
            "Centres are named by their report folders.</p>"]
    unshared = [r.name for r in reports if r.min_cell_count <= 0 and not r.bundled]
    if unshared:
        body.append('<p class="ivig-banner">Made with --allow-unshared: '
                    + site.escape(", ".join(unshared)) + " released exact counts of real "
                    "children (disclosure control off). This pooled report is for those "
                    "centres' own teams, not for sharing.</p>")
    body.append(site.table([
        {"Setting": "Responder", "Value": f"at least {100 * first['responder_threshold']:g}% "
                                          "fewer seizures at one year (assumed, the same in "
                                          "every report)"},
        {"Setting": "Children without one-year follow-up", "Value": handling},
        {"Setting": "Version of the collection",
         "Value": reports[0].release.meta["collection_version"]},
        {"Setting": "Intervals", "Value": f"{LEVEL} (assumed)"}], ["Setting", "Value"]))
    body.append("<h2>The centres, as released</h2>")
    columns = list(_centre_rows(reports[:1])[0])
    body.append(site.table(_centre_rows(reports), columns))
    body.extend(_section(q, part_of(found, q), figures) for q in QUANTITIES)
    body.append(_changes_section(found["within_type_changes"]))
    published = found["with_published"]
    if published:
        body.append("<h2>With the published IVIG cohorts</h2>")
        view = pooled_view(pd.DataFrame(published["pooled"]), LEVEL)
        body.append(site.table(view.to_dict("records"), list(view.columns)))
        body.append(f"<p>{site.escape(SELECTION)} {site.escape(POOLED_MEANS)} The published "
                    f"row of the Calgary study ({site.escape(THIS_STUDY)}) is left out: the "
                    "centres replicate its analysis, and the bundled cohort is a synthetic "
                    f"reconstruction of it. {site.escape(OVERLAPPING)} may share children with "
                    "the Calgary study (its authors were at the same centre), so with a "
                    "Calgary centre among the reports it may count children twice: the pool is "
                    "shown with and without it.</p>")
        if PUBLISHED_FIGURE in figures:
            body.append(_figure(PUBLISHED_FIGURE, "Forest plot: the centres and the published "
                                                  "cohorts, with the pooled rate"))
    body.append("<h2>Method</h2><p>Random effects, inverse-variance weights: the responder rate "
                "(of all children and within each seizure type) on the logit scale, the odds "
                "ratio on the log scale; the between-centre "
                "variance tau² by Paule-Mandel; the confidence interval by Hartung-Knapp (t "
                "with k - 1 degrees of freedom); the prediction interval with t on k - 2 "
                "degrees of freedom (needs 3 centres). Counts are used as each centre released "
                "them; for a responder rate, a centre where no child or every child responded "
                "has 0.5 added to its responders and to its non-responders (assumed, the usual "
                "correction). Files: <code>pooled.csv</code>, <code>pooled.json</code>.</p>")
    return "".join(body)


def _prepare_out(out: Path, reports: list[Report]) -> Path:
    out = report_folder.report_folder(out)
    for report in reports:
        source = report.path.resolve()
        if out == source or out.is_relative_to(source) or source.is_relative_to(out):
            raise UsageError(f"--out '{out}' is inside or around the report folder "
                             f"'{report.path}'; name a folder of its own for the pool")
    problem = report_folder.why_not_replaceable(out)
    if problem:
        raise UsageError(f"--out '{out}' {problem}; nothing was written. Name a new or empty "
                         "folder, or an earlier pool")
    if (out / RELEASE_FILE).exists():
        raise UsageError(f"--out '{out}' is a report; name a folder of its own for the pool")
    if out.exists():  # an earlier pool, unchanged: its files go
        for name in report_folder._read_manifest(out) or {}:
            (out / name).unlink(missing_ok=True)
        (out / report_folder.MANIFEST).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_pool(folders: list[Path], out: Path, with_published: bool = False,
               allow_unshared: bool = False) -> Path:
    """Check the report folders, pool them and write the files; returns ``index.html``."""
    if len(folders) < 2:
        raise UsageError("give at least two report folders to pool")
    reports = [read_report(Path(f)) for f in folders]
    check_together(reports, allow_unshared)
    _labels(reports)
    found = pool(reports, with_published)
    found["centres"] = [{"centre": r.name, "min_cell_count": r.min_cell_count,
                         "bundled_synthetic_cohort": r.bundled,
                         "responders": r.results["responders"],
                         "n_analysed": r.results["n_analysed"],
                         "by_type": {k: {"responders": v.get("responders"), "n": v.get("n")}
                                     for k, v in r.results["responder_rate_by_type"].items()},
                         "left_out_of": r.left_out, "withheld": r.withheld()}
                        for r in reports]
    found["settings"] = {"responder_threshold": reports[0].results["responder_threshold"],
                         "missing_followup_handling":
                             reports[0].results["missing_followup_handling"],
                         "collection_version": reports[0].release.meta["collection_version"]}
    out = _prepare_out(out, reports)
    figures = _figures(found, out)
    with (out / CSV_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in csv_rows(found):
            writer.writerow([spreadsheet_safe(_cell(row[c])) for c in CSV_COLUMNS])
    (out / JSON_FILE).write_text(json.dumps(plain(found), indent=1, allow_nan=False) + "\n",
                                 encoding="utf-8")
    path = out / PAGE
    path.write_text(site.page("Several centres pooled", page(reports, found, figures)),
                    encoding="utf-8")
    report_folder.write_manifest(out, "python -m ivig_helpers pool")
    return path


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value
