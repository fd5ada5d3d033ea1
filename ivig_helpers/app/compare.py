"""Two reports side by side: ``python -m ivig_helpers compare REPORT_A REPORT_B --out DIR``.

A teacher changes a parameter and re-runs; a centre sets its cohort beside another run. This
writes ``compare.html`` (the same look as the reports, with a link to each report) and
``compare.csv``: the parameters of the two runs and every headline number (those of
:func:`ivig_helpers.narrative.headline_table`, the Holm-corrected p-values, and the appraisal's
numbers that both runs have) with its interval; and ``compare-manifest.json``, so that a later
comparison into the same folder replaces those files, and never a file of the user's that happens
to bear one of their names.

Each number is marked ``changed`` when its text differs, and ``conclusion_changed`` when what a
reader concludes from it differs (:func:`conclusion`): a p-value below its run's own alpha in one
run and not in the other, or the responder rate's interval including the published rate in one
run and excluding it in the other. A withheld number cannot change a conclusion that can be seen:
such a row says "cannot tell". ``why`` says it in plain words. Only the released results are read
(``results.json``), never a child's row.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from urllib.parse import quote

from ..benchmarks_published import BENCHMARKS, PLACEBO_RATE
from ..contract import SEIZURE_TYPES
from ..narrative import (
    TYPE_WORDS,
    count_words,
    headline_table,
    interval,
    p_below,
    p_number,
    p_words,
    percent,
)
from ..privacy import is_number
from ..results import load_published
from . import site

PARAMETER_KEYS = (("data_file", "Cohort file"), ("responder_threshold", "Responder threshold"),
                  ("missing_followup_handling", "Children without one-year follow-up"),
                  ("alpha", "Significance level alpha"), ("min_cell_count", "min_cell_count"),
                  ("seed", "Random seed"))

CANNOT_TELL = "cannot tell"
"""``conclusion_changed`` of a row whose conclusion is withheld in a run."""

WRITTEN = ("compare.csv", "compare.html")
RECORD = "compare-manifest.json"
"""What ``compare`` wrote into its ``--out`` folder, with a SHA-256 of each file: a later
``compare`` replaces those files only while they are unchanged, never a file of the user's."""

COLUMNS = ("section", "quantity", "what", "A", "A interval", "B", "B interval", "changed",
           "conclusion_changed", "why")
"""The columns of ``compare.csv``, one row per parameter and per number."""


class NotAReport(ValueError):
    """A folder without the results.json of a report, or with one this project did not write."""


class WouldOverwrite(ValueError):
    """A file in ``--out`` that ``compare`` would replace but did not write itself."""


def read_results(folder: Path) -> dict:
    """The results.json of a report folder, or NotAReport in words."""
    path = Path(folder) / "results.json"
    if not path.is_file():
        raise NotAReport(f"'{folder}' is not a report folder (it has no results.json); "
                         "give the folders that `python -m ivig_helpers run --out` wrote")
    not_ours = (f"'{path}' is not a results file written by this project (or it was changed "
                "after the run wrote it); give the folders that `python -m ivig_helpers run "
                "--out` wrote")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not JSON, not UTF-8, unreadable
        raise NotAReport(not_ours) from None
    if not isinstance(results, dict):
        raise NotAReport(not_ours)
    try:
        headline_table(results)  # every number the comparison shows is there and readable
        _alpha(results)
        numbers(results)
    except KeyError as missing:
        raise NotAReport(f"{not_ours}: it has no '{missing.args[0]}'") from None
    except (TypeError, ValueError, AttributeError, IndexError):
        raise NotAReport(not_ours) from None
    return results


def _refuse_overwriting(out: Path) -> None:
    """Raise WouldOverwrite naming the first file in ``out`` that ``compare`` would replace but
    did not write, or that was changed since (compared with :data:`RECORD`)."""
    try:
        listed = json.loads((out / RECORD).read_text(encoding="utf-8"))["files"]
        listed = listed if isinstance(listed, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        listed = {}
    for name in (RECORD, *WRITTEN):
        path = out / name
        if not path.exists() and not path.is_symlink():
            continue
        ours = path.is_file() and not path.is_symlink() and (
            name == RECORD and bool(listed) or name in listed
            and listed[name] == hashlib.sha256(path.read_bytes()).hexdigest())
        if not ours:
            raise WouldOverwrite(
                f"'{path}' already exists and was not written by an earlier compare (or was "
                "changed since); nothing was written. Move the file, or name another folder "
                "with --out")


# --- the numbers of one run ----------------------------------------------------------------------

_MISSING = object()


def _alpha(results: dict) -> float:
    """The run's significance level (KeyError when the results have none)."""
    alpha = results["alpha"]
    if not is_number(alpha) or not 0 < alpha < 1:
        raise ValueError(f"alpha {alpha!r}")
    return float(alpha)


def _get(source, *keys):
    """``source[k1][k2]...``, or :data:`_MISSING` where a level is not there."""
    for key in keys:
        if not isinstance(source, dict) or key not in source:
            return _MISSING
        source = source[key]
    return source


def _method(appraisal: dict, key: str, default: str) -> str:
    found = _get(appraisal, "methods", key)
    return found if isinstance(found, str) and found else default


def _appraisal_numbers(results: dict) -> list[tuple]:
    """(quantity, what, raw value, kind, interval pair or None) of the appraisal's headline
    numbers that this run has; kind is "p", "share", "count" or "ratio"."""
    appraisal = results.get("appraisal")
    appraisal = appraisal if isinstance(appraisal, dict) else {}
    holm = _get(appraisal, "holm_p")
    holm = results.get("holm_p", _MISSING) if holm is _MISSING else holm
    found = []
    for kind in SEIZURE_TYPES:
        found.append((f"{kind}_holm_p", f"Within-group change in score, {TYPE_WORDS[kind]}, "
                      "Holm-corrected for the groups tested (Wilcoxon, asymptotic)",
                      _get(holm, kind) if isinstance(holm, dict) else _MISSING, "p", None))
    tests = (("kruskal_score_change", "Change in score differs between seizure types "
              "(Kruskal-Wallis", "asymptotic"),
             ("kruskal_score_change_permutation", "Change in score differs between seizure "
              "types (Kruskal-Wallis, permutations", "Monte Carlo"),
             ("kruskal_percent_change", "Percent change in seizure frequency differs between "
              "seizure types (Kruskal-Wallis", "asymptotic"),
             ("kruskal_percent_change_permutation", "Percent change in seizure frequency "
              "differs between seizure types (Kruskal-Wallis, permutations", "Monte Carlo"),
             ("logistic_likelihood_ratio", "Responder status differs between seizure types "
              "(logistic regression, likelihood-ratio test", "asymptotic"))
    for key, what, method in tests:
        found.append((f"appraisal_{key}_p", f"{what}, {_method(appraisal, key, method)})",
                      _get(appraisal, "interaction_tests", key), "p", None))
    found.append(("generalized_exact_p", "Within-group change in score, generalized seizures "
                  "(Wilcoxon, exact)", _get(appraisal, "generalized_exact_p"), "p", None))
    placebo = _get(appraisal, "placebo_rate")
    placebo = placebo if is_number(placebo) else PLACEBO_RATE
    found.append(("placebo_binomial_p", f"Responder rate above the {percent(placebo, 0)} of "
                  "children who respond to a placebo in trials (Rheims et al. 2008; one-sided "
                  "binomial test, exact)", _get(appraisal, "placebo_binomial_p"), "p", None))
    for benchmark in BENCHMARKS:
        label, rate = benchmark["benchmark"], benchmark["rate"]
        found.append((f"benchmark_p: {label}", f"Responder rate above {percent(rate)}, "
                      f"{label} (one-sided binomial test, exact)",
                      _get(appraisal, "placebo_benchmark_p", label), "p", None))
    itt = _get(appraisal, "itt_placebo_p")
    if isinstance(itt, dict):  # by position: the study's inclusion (67/60), identification (74/60)
        for (total, p), stage in zip(sorted(itt.items(), key=lambda kv: int(kv[0])),
                                     ("included", "identified"), strict=False):
            found.append((f"itt_placebo_p_{stage}", "Responder rate above the placebo rate, "
                          f"counting as non-responders as many children as the study lost "
                          f"between being {stage} and analysed ({total} children counted; "
                          "one-sided binomial test, exact)", p, "p", None))
    found += [
        ("detectable_difference", "Smallest rise in the generalized group's responder rate "
         "over the focal group's that groups of these sizes would detect with 80% power "
         "(asymptotic)", _get(appraisal, "detectable_difference", "difference"), "share",
         None),
        ("type_difference", "Responder rate, generalized minus focal (Newcombe interval)",
         _get(appraisal, "type_difference", "risk_difference"), "difference",
         _get(appraisal, "type_difference", "risk_difference_ci")),
        ("null_simulation_grid_min", "Fewest simulated no-effect cohorts reaching this "
         "responder rate, over the grid of assumed settings (Monte Carlo)",
         _get(appraisal, "null_simulation_grid", "share_min"), "share", None),
        ("null_simulation_grid_max", "Most simulated no-effect cohorts reaching this responder "
         "rate, over the grid of assumed settings (Monte Carlo)",
         _get(appraisal, "null_simulation_grid", "share_max"), "share", None),
        ("null_simulation_share", "Share of simulated cohorts in which IVIG does nothing that "
         "reach this responder rate (Monte Carlo)", _get(appraisal, "null_simulation_share"),
         "share", None),
        ("pooled_responder_rate", "Responder rate pooled with the published IVIG cohorts "
         "(random effects, Hartung-Knapp interval)",
         _get(appraisal, "pooled_responder_rate", "rate"), "share",
         _get(appraisal, "pooled_responder_rate", "ci")),
        ("rct_n_per_arm_80", "Children per arm a trial needs to tell the published 37% from "
         "the 19% placebo rate with 80% power", _get(appraisal, "rct_n_per_arm_80"), "count",
         None),
        ("rct_power_30_per_arm", "Power of such a trial as large as the study (30 children "
         "per arm)", _get(appraisal, "rct_power_30_per_arm"), "share", None),
        ("pooled_responder_rate_without_overlap", "Responder rate pooled with the published "
         "IVIG cohorts, without the one that may share the study's children",
         _get(appraisal, "pooled_responder_rate_without_overlap", "rate"), "share",
         _get(appraisal, "pooled_responder_rate_without_overlap", "ci")),
        ("trial_placebo_p", "Responder rate above the placebo arm of the one IVIG trial "
         "(5 of 18, reconstructed; one-sided binomial test, exact)",
         _get(appraisal, "trial_placebo_p"), "p", None),
        ("single_arm_n", "Children a single-arm study needs to tell 37% from 19% with 80% "
         "power (exact binomial)", _get(appraisal, "single_arm_n"), "count", None)]
    odds = _get(appraisal, "odds_ratios")
    for kind in SEIZURE_TYPES if isinstance(odds, dict) else ():
        row = odds.get(kind)
        if isinstance(row, dict) and row.get("reference") not in (None, kind):
            found.append((f"{kind}_odds_ratio", f"Odds of responding, {TYPE_WORDS[kind]} "
                          f"against {TYPE_WORDS.get(row['reference'], row['reference'])} "
                          "(odds ratio)", row.get("odds_ratio"), "ratio", row.get("ci")))
    return [row for row in found if row[2] is not _MISSING]


def _text(value, kind: str, alpha: float) -> str:
    if kind == "p":
        return p_words(value, alpha)
    if value is None:
        return "not available"
    if not is_number(value):
        return "not shown"
    if kind == "share":
        return percent(value)
    if kind == "count":
        return count_words(value)
    if kind == "difference":
        return f"{100 * value:+.1f} points"
    return f"{value:.2f}"


def _interval_text(pair, kind: str, level: str) -> str:
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return ""
    if kind == "share":
        return interval(pair, level)
    if not all(is_number(v) for v in pair):
        return f"{level} CI not shown"
    if kind == "difference":
        return f"{level} CI {100 * pair[0]:+.1f} to {100 * pair[1]:+.1f} points"
    return f"{level} CI {pair[0]:.2f} to {pair[1]:.2f}"


def numbers(results: dict) -> dict[str, dict]:
    """Every headline number of a run, by a stable key (``quantity``): ``what``, ``value`` and
    ``interval`` as a reader sees them, ``raw`` (as released: a p-value may be a bracket such
    as "<0.05" or "suppressed") and ``kind`` ("p" for a p-value, "rate" for the responder
    rate, else "number").

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort
    >>> found = numbers(compute_results(load_cohort(BUNDLED_COHORT).table))
    >>> found["generalized_wilcoxon_p"]["value"], found["generalized_holm_p"]["value"]
    ('p = 0.019', 'p = 0.056')
    """
    alpha = _alpha(results)
    raw_p = {f"{kind}_wilcoxon_p": results["subgroup_wilcoxon_p"].get(kind)
             for kind in SEIZURE_TYPES}
    raw_p |= {f"{kind}_wilcoxon_frequency_p": p for kind, p in
              (results.get("subgroup_wilcoxon_frequency_p") or {}).items()}
    raw_p["between_types_p"] = results["seizure_type_vs_responder_p"]
    found = {}
    for row in headline_table(results).to_dict("records"):
        quantity = row["quantity"]
        kind = "p" if quantity in raw_p else "rate" if quantity == "responders" else "number"
        found[quantity] = {"what": row["what"], "value": row["value"],
                           "interval": row["interval"], "kind": kind,
                           "raw": raw_p.get(quantity, row["number"])}
    level = f"{100 * (1 - alpha):g}%"
    for quantity, what, raw, kind, pair in _appraisal_numbers(results):
        found[quantity] = {"what": what, "value": _text(raw, kind, alpha),
                           "interval": _interval_text(pair, kind, level) if pair is not None
                           else "", "kind": "p" if kind == "p" else "number", "raw": raw}
    return found


# --- what a reader concludes ---------------------------------------------------------------------

def _side(p, alpha: float):
    """Whether a released p-value is below alpha: True, False (a p-value not testable counts as
    not below: nothing is shown), or a reason it cannot be told."""
    if p is None:
        return False
    if isinstance(p, str) and p.startswith(("<", ">=")):  # a bracket of disclosure control
        edge = p_number(p)
        decides = edge is not None and (edge < alpha if p.startswith("<") else edge >= alpha)
        return p_below(p, alpha) if decides else f"shown only as {p_words(p)}"
    if p_number(p) is None:
        return "withheld by disclosure control (it could give a count away)"
    return p_below(p, alpha)


def _significance_words(run: str, p, alpha: float, below: bool) -> str:
    if p is None:
        return f"in {run} it could not be tested"
    if below:
        return f"in {run} it counts as significant ({p_words(p, alpha)}, below alpha {alpha:g})"
    return (f"in {run} it does not count as significant ({p_words(p, alpha)}, not below alpha "
            f"{alpha:g})")


def _p_conclusion(a, alpha_a: float, b, alpha_b: float) -> tuple[object, str]:
    side_a, side_b = _side(a, alpha_a), _side(b, alpha_b)
    if isinstance(side_a, str) and side_a == side_b:
        return CANNOT_TELL, (f"In A and B the p-value is {side_a}, so whether the "
                             "conclusion changed cannot be told.")
    unclear = [f"in {run} the p-value is {side}" for run, side in (("A", side_a), ("B", side_b))
               if isinstance(side, str)]
    if unclear:
        text = " and ".join(unclear) + ", so whether the conclusion changed cannot be told."
        return CANNOT_TELL, text[0].upper() + text[1:]

    if side_a != side_b:
        text = (f"{_significance_words('A', a, alpha_a, side_a)}; "
                f"{_significance_words('B', b, alpha_b, side_b)}.")
        return True, text[0].upper() + text[1:]
    if a is None and b is None:
        return False, "Not testable in either run."
    if a is None or b is None:
        return False, (f"Not significant in either run: not testable in {'A' if a is None else 'B'}"
                       ", p not below alpha in the other.")
    if side_a:
        return False, "Significant in both runs: p below each run's alpha."
    return False, "Not significant in either run: p not below its run's alpha in either."


def published_responder_rate() -> tuple[float, str]:
    """The study's responder rate (responders of children analysed) and its words.

    Examples
    --------
    >>> published_responder_rate()
    (0.36666666666666664, '36.7% (22 of 60, published: Journal abstract)')
    """
    targets = load_published().set_index("quantity")
    responders = targets.loc["responders", "published"]
    analysed = targets.loc["n_patients", "published"]
    return (float(responders / analysed), f"{percent(responders / analysed)} ({responders:g} of "
            f"{analysed:g}, published: {targets.loc['responders', 'source']})")


def _rate_conclusion(a: dict, b: dict) -> tuple[object, str]:
    published, words = published_responder_rate()
    inside = {}
    for run, results in (("A", a), ("B", b)):
        low, high = results["responder_rate_ci"]
        inside[run] = (low <= published <= high if is_number(low) and is_number(high)
                       else None)
    if None in inside.values():
        hidden = " and ".join(run for run, v in inside.items() if v is None)
        return CANNOT_TELL, (f"The interval is withheld by disclosure control in {hidden}, so "
                             f"whether it includes the published responder rate {words} in "
                             "both runs cannot be told.")
    definition = ""
    if a["responder_threshold"] != b["responder_threshold"]:
        definition = (" The runs count responders differently (at least "
                      f"{100 * a['responder_threshold']:g}% and "
                      f"{100 * b['responder_threshold']:g}% fewer seizures; the study used 50%),"
                      " so part of this is the definition, not the children.")
    if inside["A"] != inside["B"]:
        keeps = "A" if inside["A"] else "B"
        loses = "B" if keeps == "A" else "A"
        return True, (f"Run {keeps}'s interval includes the published responder rate {words}, "
                      f"so its cohort is consistent with the study's; run {loses}'s interval "
                      "excludes it, so its cohort is not." + definition)
    return False, (f"Both intervals {'include' if inside['A'] else 'exclude'} the published "
                   f"responder rate {words}." + definition)


def conclusion(one: dict, two: dict, a: dict, b: dict) -> tuple[object, str]:
    """Whether what a reader concludes from a number differs between two runs: True, False or
    :data:`CANNOT_TELL`, and why in plain words ("" for a number that carries no conclusion of
    its own). ``one`` and ``two`` are its entries of :func:`numbers` of the results ``a`` and
    ``b``. Each p-value is held against its own run's alpha."""
    if one["kind"] == "p":
        return _p_conclusion(one["raw"], _alpha(a), two["raw"], _alpha(b))
    if one["kind"] == "rate":
        return _rate_conclusion(a, b)
    return False, ""


def comparison_rows(a: dict, b: dict) -> tuple[list[dict], list[dict]]:
    """The parameter rows and the number rows of two runs, each marked ``changed`` (its text
    differs) and ``conclusion_changed`` (True, False or "cannot tell", with ``why``).

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort
    >>> table = load_cohort(BUNDLED_COHORT).table
    >>> params, rows = comparison_rows(compute_results(table),
    ...                                compute_results(table, responder_threshold=0.75))
    >>> [row["parameter"] for row in params if row["changed"]]
    ['Responder threshold']
    >>> [row["quantity"] for row in rows if row["changed"]][:2]
    ['responders', 'between_types_p']
    """
    params = [{"parameter": label, "A": a.get(key, ""), "B": b.get(key, ""),
               "changed": a.get(key) != b.get(key), "conclusion_changed": False, "why": ""}
              for key, label in PARAMETER_KEYS]
    left, right = numbers(a), numbers(b)
    rows = []
    for quantity in [q for q in left if q in right]:  # the numbers both runs have
        one, two = left[quantity], right[quantity]
        flag, why = conclusion(one, two, a, b)
        rows.append({
            "quantity": quantity, "what": one["what"] if one["what"] == two["what"]
            else f"{one['what']} / {two['what']}",
            "A": one["value"], "A interval": one["interval"],
            "B": two["value"], "B interval": two["interval"],
            "changed": (one["value"], one["interval"]) != (two["value"], two["interval"]),
            "conclusion_changed": flag, "why": why})
    return params, rows


# --- the files -----------------------------------------------------------------------------------

_ORDER = {True: 0, CANNOT_TELL: 1, False: 2}
_MARK = {True: "Conclusion changed", CANNOT_TELL: "Cannot tell", False: ""}
_CONCLUSION_STYLE = "background:#ffd8d3"  # stronger than the yellow of a changed number


def report_link(report: Path, out: Path) -> str:
    """The link from a page in ``out`` to the report in ``report``: its ``index.html`` (its
    ``results.json`` when it has none), relative, so that it still works when both folders are
    moved together (an absolute file address where no relative path exists, as across drives)."""
    target = Path(report) / "index.html"
    target = (target if target.is_file() else Path(report) / "results.json").resolve()
    try:
        relative = os.path.relpath(target, Path(out).resolve())
    except ValueError:  # another drive
        return target.as_uri()
    return quote(Path(relative).as_posix())


def _number_table(rows: list[dict]) -> str:
    """The numbers as an HTML table: changed conclusions first and marked in words and colour,
    then those that cannot be told, then the rest; a changed number highlighted."""
    columns = ["Conclusion", "what", "A", "A interval", "B", "B interval"]
    head = "".join(f"<th>{site.escape(c)}</th>" for c in columns)
    body = []
    for row in sorted(rows, key=lambda r: _ORDER[r["conclusion_changed"]]):
        flag = row["conclusion_changed"]
        mark = (f"<strong>{_MARK[flag]}</strong>: {site.escape(row['why'])}" if flag
                else site.escape(row["why"]))
        style = f' style="{_CONCLUSION_STYLE}"' if flag is True else ""
        cells = [f"<td{style}>{mark}</td>"] + [f"<td{style}>{site.escape(row[c])}</td>"
                                               for c in columns[1:]]
        classes = " ".join(name for name, on in (("ivig-conclusion-changed", flag is True),
                                                 ("ivig-cannot-tell", flag == CANNOT_TELL),
                                                 ("ivig-changed", row["changed"])) if on)
        body.append(f'<tr class="{classes}">' if classes else "<tr>")
        body[-1] += "".join(cells) + "</tr>"
    return (f'<table class="ivig-table"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table>")


def _conclusions_summary(rows: list[dict], a: dict, b: dict) -> str:
    changed = [r for r in rows if r["conclusion_changed"] is True]
    unclear = [r for r in rows if r["conclusion_changed"] == CANNOT_TELL]
    alphas = (f"Each p-value is held against its own run's significance level (alpha "
              f"{_alpha(a):g} in A, {_alpha(b):g} in B).")
    if changed:
        lead = (f"<p><strong>{len(changed)} conclusion{'s' if len(changed) > 1 else ''} "
                f"changed</strong> between the runs. {alphas}</p><ul>"
                + "".join(f"<li><strong>{site.escape(r['what'])}</strong>: "
                          f"{site.escape(r['why'])}</li>" for r in changed) + "</ul>")
    else:
        rate = next((r for r in rows if r["quantity"] == "responders"), None)
        rate = (", and the responder rate's interval includes or excludes the published rate in "
                "both" if rate is not None and rate["conclusion_changed"] is False else "")
        lead = (f"<p><strong>No conclusion changed</strong> among the numbers both runs show: "
                f"every p-value shown in both is on the same side of alpha in both{rate}. "
                f"{alphas}</p>")
    if unclear:
        many = len(unclear) > 1
        lead += (f"<p>For {len(unclear)} number{'s' if many else ''} this cannot be told, "
                 f"because a run withheld {'them' if many else 'it'} (marked \"Cannot tell\" "
                 "below).</p>")
    return lead


def write_comparison(report_a: Path, report_b: Path, out: Path) -> Path:
    """Write ``compare.html`` and ``compare.csv`` into ``out``; returns the HTML path."""
    a, b = read_results(report_a), read_results(report_b)
    params, rows = comparison_rows(a, b)
    _refuse_overwriting(out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "compare.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in params:
            writer.writerow(["parameter", row["parameter"], row["parameter"], row["A"], "",
                             row["B"], "", row["changed"], row["conclusion_changed"], ""])
        for row in rows:
            writer.writerow(["result", row["quantity"], row["what"], row["A"], row["A interval"],
                             row["B"], row["B interval"], row["changed"],
                             row["conclusion_changed"], row["why"]])
    changed = sum(row["changed"] for row in rows)
    warnings = "".join(
        f'<p class="ivig-banner">Report {label} was made from real data with disclosure control '
        "off: this comparison shows its exact counts and is for the centre's own team, not for "
        "sharing.</p>" for label, results in (("A", a), ("B", b))
        if not results.get("bundled_synthetic_cohort") and not results.get("min_cell_count"))
    links = "<br>".join(
        f'<strong>{label}</strong>: <a href="{site.escape(report_link(folder, out))}">'
        f"{site.escape(Path(folder).resolve().name)}</a>, made from "
        f"{site.escape(results.get('data_file') or 'a cohort file')}"
        for label, folder, results in (("A", report_a, a), ("B", report_b, b)))
    body = (f"<p>{links}</p>" + warnings
            + "<h2>Conclusions</h2>" + _conclusions_summary(rows, a, b)
            + "<h2>Parameters</h2>"
            + site.table(params, ["parameter", "A", "B"], "changed")
            + f"<h2>Headline numbers</h2><p>{changed} of {len(rows)} numbers differ "
              "(highlighted in yellow); a changed conclusion is marked in the first column and "
              "in red, and comes first.</p>"
            + _number_table(rows)
            + "<p>Numbers are as each report released them: with disclosure control on, counts "
              "are rounded and small ones hidden, and a p-value is shown with one digit or only "
              "as below or above alpha.</p>")
    path = out / "compare.html"
    path.write_text(site.page("Two runs side by side", body), encoding="utf-8")
    record = {"written_by": "python -m ivig_helpers compare",
              "about": "The files compare wrote here, with their SHA-256: a later compare "
                       "replaces them only while they are unchanged.",
              "files": {name: hashlib.sha256((out / name).read_bytes()).hexdigest()
                        for name in WRITTEN}}
    (out / RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path
