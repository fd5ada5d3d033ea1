"""The exercises of notebook 7, their checks, and the worked answers of notebook 8.

A student answers each exercise in a code cell (``answer = ...``) from what the report releases
(its tables and results, never a child's row), and :func:`check` says whether the answer is
right, with a hint when it is not, without ever printing the answer. The answers' tables
(``exercise_1``, ``exercise_2``, ``exercise_4`` of the release) are built only for a teacher's
report: a student's report (``run --without-answers``) holds only what the exercises need
(``exercise_2_counts``), and the checks work from that and the release's other numbers.

Each worked answer is one function returning a one-row DataFrame (or a few rows), so that the
answers notebook shows numbers, not claims, and the tests can check them against pandas and
SciPy.
"""

from __future__ import annotations

import math

import pandas as pd

from .outcomes import add_outcomes, count_missing_followup, rate_table
from .synthetic import make_cohort

EXERCISE_COHORT = {"n": 60, "missing_followup_share": 0.1, "seed": 7}
"""The synthetic cohort with missing follow-up used when the run's cohort has none."""

VARIANT_COMMAND = (f"python -m ivig_helpers synthesize --n {EXERCISE_COHORT['n']} "
                   f"--missing-followup {EXERCISE_COHORT['missing_followup_share']:g} "
                   f"--seed {EXERCISE_COHORT['seed']} --out variant.csv")
"""The command that writes :data:`EXERCISE_COHORT` as a cohort file, to run the collection on."""

ANSWER_TABLES = ("exercise_1", "exercise_2", "exercise_4")
"""The release's tables that hold worked answers: left out of a student's report."""


def threshold_change(table: pd.DataFrame, threshold: float = 0.75,
                     missing_followup: str = "nonresponder") -> pd.DataFrame:
    """Exercise 1: responders at the study's 50% and at another threshold, side by side.

    Returns
    -------
    DataFrame
        One row per threshold: ``threshold``, ``events``, ``n``, ``rate``, ``exact_low``,
        ``exact_high``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> threshold_change(load_cohort(BUNDLED_COHORT).table)["events"].tolist()
    [22, 12]
    """
    rows = [rate_table(add_outcomes(table, t, missing_followup)).assign(threshold=t)
            for t in (0.5, threshold)]
    result = pd.concat(rows, ignore_index=True)
    return result[["threshold", "events", "n", "rate", "exact_low", "exact_high"]]


def missing_followup_choice(table: pd.DataFrame,
                            responder_threshold: float = 0.5) -> tuple[pd.DataFrame, bool]:
    """Exercise 2: the responder rate (at ``responder_threshold``, the run's) with missing
    follow-up counted as non-response and with those children left out. On a cohort without
    missing follow-up, a synthetic one with some (:data:`EXERCISE_COHORT`) is used instead; the
    second value says which.

    Returns
    -------
    (DataFrame, bool)
        One row per choice: ``missing_followup``, ``events``, ``n``, ``rate``, ``exact_low``,
        ``exact_high``; and True when the run's own cohort was used.
    """
    own = count_missing_followup(table) > 0
    data = table if own else make_cohort(**EXERCISE_COHORT)
    rows = [rate_table(add_outcomes(data, responder_threshold, choice)).assign(
        missing_followup=choice)
            for choice in ("nonresponder", "exclude")]
    result = pd.concat(rows, ignore_index=True)
    return result[["missing_followup", "events", "n", "rate", "exact_low", "exact_high"]], own


def followup_counts(table: pd.DataFrame, responder_threshold: float = 0.5) -> pd.DataFrame:
    """What exercise 2 needs, for a student to compute from: the children, those with one-year
    follow-up and the responders (at ``responder_threshold``) of :data:`EXERCISE_COHORT`, the
    made-up cohort used when the run's cohort has no child without follow-up. (On a cohort with
    some, the release writes the same table from its own released counts.)

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> followup_counts(load_cohort(BUNDLED_COHORT).table)[["children", "followed",
    ...                                                     "responders"]].values.tolist()
    [[60, 54, 19]]
    """
    del table  # the made-up cohort does not depend on the run's: one table for every run
    data = make_cohort(**EXERCISE_COHORT)
    rated = add_outcomes(data, responder_threshold, "nonresponder")
    return pd.DataFrame([{"cohort": "made-up variant", "children": len(data),
                          "followed": int(data["month12_seizures_per_month"].notna().sum()),
                          "responders": int(rated["responder"].sum())}])


def prespecified_or_not(p_by_type: dict, holm_p: dict, group: str = "generalized") -> pd.DataFrame:
    """Exercise 3: one group's p-value as one prespecified test and as one of the tests done.

    Examples
    --------
    >>> planned = prespecified_or_not({"generalized": 0.019, "focal": 0.4, "both": None},
    ...                               {"generalized": 0.038, "focal": 0.4, "both": None})
    >>> planned["p_value"].tolist(), planned["n_tests"].tolist()
    ([0.019, 0.038], [1, 2])
    """
    n_tests = sum(p is not None for p in holm_p.values())  # Holm's family: the testable groups
    return pd.DataFrame([
        {"analysis": f"{group} only, planned before seeing the data", "p_value":
         p_by_type.get(group), "n_tests": 1},
        {"analysis": f"{group} as one of {n_tests} tests (Holm)", "p_value":
         holm_p.get(group), "n_tests": n_tests},
    ])


def smallest_difference(appraisal: dict) -> pd.DataFrame:
    """Exercise 4: the smallest true difference between the generalized and focal groups'
    responder rates that groups of their sizes would detect (80% power), beside the difference
    seen and its interval: both from the released appraisal (results.json's
    ``detectable_difference`` and ``type_difference``), so a withheld number stays withheld.

    Returns
    -------
    DataFrame
        One row: ``group``, ``reference``, ``n``, ``n_reference`` (as released), ``base_rate``
        (the cohort's overall rate, assumed for the reference group), ``detectable_rate``,
        ``detectable_difference``, ``power``, ``risk_difference`` (seen), ``ci_low``,
        ``ci_high`` (Newcombe), ``alpha``, ``note``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort
    >>> from ivig_helpers.appraisal import appraisal_results
    >>> found = appraisal_results(load_cohort(BUNDLED_COHORT).table, n_permutations=99,
    ...                           n_cohorts=200)
    >>> row = smallest_difference(found).iloc[0]
    >>> round(float(row["detectable_difference"]), 3), round(float(row["risk_difference"]), 3)
    (0.401, 0.239)
    """
    detectable = appraisal.get("detectable_difference") or {}
    seen = appraisal.get("type_difference") or {}
    group, reference = detectable.get("group"), detectable.get("reference")
    sizes = detectable.get("n") or {}
    low, high = seen.get("risk_difference_ci") or [None, None]
    return pd.DataFrame([{
        "group": group, "reference": reference, "n": sizes.get(group),
        "n_reference": sizes.get(reference), "base_rate": detectable.get("base_rate"),
        "detectable_rate": detectable.get("rate"),
        "detectable_difference": detectable.get("difference"),
        "power": detectable.get("power"), "risk_difference": seen.get("risk_difference"),
        "ci_low": low, "ci_high": high, "alpha": appraisal.get("alpha", 0.05),
        "note": detectable.get("note") or ""}])


def answer_words(number: int, table: pd.DataFrame, alpha: float = 0.05,
                 rounded: bool = False) -> str:
    """The answer to exercise ``number`` in a sentence written from its table (Markdown);
    ``rounded``: the table's counts are rounded by disclosure control, so no sum of them is
    stated as a count."""
    from .narrative import count_words, p_below, p_number, p_words, percent
    from .privacy import is_number

    def c(value):  # a count as released, in words (a row of mixed types holds it as a float)
        return count_words(value) if isinstance(value, str) else str(int(value))

    if number == 1:
        study, other = table.iloc[0], table.iloc[1]
        return (f"**Answer.** At least {100 * other['threshold']:g}% fewer seizures: "
                f"{c(other['events'])} of {c(other['n'])} children ({percent(other['rate'])}), "
                "against "
                f"{c(study['events'])} ({percent(study['rate'])}) at the study's 50%. The placebo "
                "rate of 19% was measured with the 50% definition, so it is no benchmark for "
                "the stricter one: a definition and its benchmark go together.")
    if number == 2:
        counted, left_out = table.iloc[0], table.iloc[1]
        text = (f"**Answer.** Counted as non-responders: {c(counted['events'])} of "
                f"{c(counted['n'])} ({percent(counted['rate'])}); left out: "
                f"{c(left_out['events'])} of {c(left_out['n'])} ({percent(left_out['rate'])}). "
                "Leaving children out assumes they would have done as well as the others; "
                "counting them as non-responders assumes none of them responded.")
        counts = [counted["events"], counted["n"], left_out["n"]]
        if not rounded and all(is_number(v) for v in counts):  # both bounds, from the counts
            events, n, missing = int(counts[0]), int(counts[1]), int(counts[1] - counts[2])
            text += (f" Had every one of the {missing} responded, it would be {events + missing} "
                     f"of {n} ({percent((events + missing) / n)}): the true rate lies between "
                     f"{percent(events / n)} and {percent((events + missing) / n)}, and a "
                     "report must say which choice it made.")
        else:
            text += (" The true rate lies between the first and the rate had every one of them "
                     "responded; a report must say which choice it made.")
        return text
    if number == 3:
        planned, among = table["p_value"].tolist()
        n_tests = int(table["n_tests"].iloc[1])
        if n_tests < 2:
            return (f"**Answer.** Planned in advance as the only test: {p_words(planned, alpha)}. "
                    "Here no other group could be tested, so there is nothing to correct for.")
        return (f"**Answer.** Planned in advance as the only test: {p_words(planned, alpha)}. As "
                f"one of the {n_tests} groups tested (Holm's correction): {p_words(among, alpha)}"
                + (" — no longer below alpha." if p_number(among) is not None
                   and not p_below(among, alpha) and p_below(planned, alpha) else ".")
                + " The study did not say it planned the generalized test alone, so the "
                "corrected value is the fair one.")
    return _answer_4(table.iloc[0])


def _points(value) -> str:
    """A difference of two rates in percentage points, signed."""
    return f"{100 * value:+.0f}"


def _answer_4(row) -> str:
    from .narrative import count_words, percent
    from .privacy import is_number

    def c(value):
        return count_words(value) if isinstance(value, str) else f"{int(value):,}"

    group, reference = row["group"], row["reference"]
    if isinstance(row["detectable_difference"], str):
        return ("**Answer.** Not shown: a count it rests on is hidden (disclosure control).")
    if not (is_number(row["n"]) and is_number(row["n_reference"]) and row["n"] > 0
            and row["n_reference"] > 0):
        return (f"**Answer.** There are no {group} or no {reference} children here: the two "
                "types cannot be compared.")
    sizes = f"{c(row['n'])} {group} and {c(row['n_reference'])} {reference} children"
    if not is_number(row["detectable_difference"]) or pd.isna(row["detectable_difference"]):
        text = (f"**Answer.** With {sizes}, no higher {group} rate, even 100%, would be found "
                f"4 times in 5 (80% power) if the {reference} rate were "
                f"{percent(row['base_rate'])}: the groups are too small to detect any "
                "difference reliably.")
    else:
        text = (f"**Answer.** With {sizes}, a true difference would have to be about "
                f"{100 * row['detectable_difference']:.0f} percentage points ({group} "
                f"{percent(row['detectable_rate'])} against {reference} "
                f"{percent(row['base_rate'])}, the cohort's overall rate: an assumption) for a "
                f"two-sided test at alpha = {row['alpha']:g} to find it 4 times in 5 (80% "
                "power).")
    low, high, seen = row["ci_low"], row["ci_high"], row["risk_difference"]
    level = f"{100 * (1 - row['alpha']):g}%"
    if isinstance(seen, str) or isinstance(low, str):
        return text + " The difference seen is not shown (disclosure control)."
    if not (is_number(low) and is_number(high) and is_number(seen)):
        return text
    text += (f" The difference seen is {_points(seen)} points ({level} CI {_points(low)} to "
             f"{_points(high)} points, Newcombe; positive: {group} higher)")
    if low <= 0 <= high:
        return text + (": the interval holds no difference, but also differences as large as "
                       f"{100 * max(-low, high):.0f} points, so a test that finds no "
                       "difference does not show that the types respond alike.")
    return text + ": the interval leaves out no difference."


# --- the checks of notebook 7 -------------------------------------------------------------------

TOLERANCE = 0.001
"""How far a student's number may be from the release's: a rate or a p-value rounded to three
decimals is right."""

RIGHT, NOT_YET, NO_CHECK = "Right", "Not yet", "Nothing to check on this run"


def check(number: int, answer, release) -> None:
    """Say whether ``answer`` to exercise ``number`` is right, from the numbers of ``release``:
    one line, "Right: ...", "Not yet: ..." with a hint, or "Nothing to check on this run: ..."
    when the run withholds or lacks what the exercise needs. It never prints the answer."""
    status, message = verdict(number, answer, release)
    print(f"{status}: {message}")


def verdict(number: int, answer, release) -> tuple[str, str]:
    """:func:`check`'s verdict as (status, message), for tests."""
    checks = {1: _check_1, 2: _check_2, 3: _check_3, 4: _check_4}
    if number not in checks:
        raise ValueError(f"there is no exercise {number}; the exercises are 1 to 4")
    found = _reference(number, release)
    if isinstance(found, str):
        return NO_CHECK, found
    if answer is ... or answer is None:
        return NOT_YET, ("replace the `...` after `answer =` with your code, then run that "
                         "cell and this one again.")
    numbers = _numbers(answer)
    if numbers is None:
        return NOT_YET, ("`answer` should be " + _SHAPES[number] + "; it is "
                         f"{type(answer).__name__}.")
    if len(numbers) != _LENGTHS[number]:
        return NOT_YET, (f"`answer` should be {_SHAPES[number]}; it holds {len(numbers)} "
                         f"number{'s' if len(numbers) != 1 else ''}.")
    if number != 4 and any(v > 1 for v in numbers) and all(v <= 100 for v in numbers):
        return NOT_YET, ("give rates and p-values as proportions between 0 and 1 (0.25, not "
                         "25%).")
    return checks[number](numbers, found, release)


_LENGTHS = {1: 2, 2: 3, 3: 1, 4: 2}
_SHAPES = {1: "two numbers, (low, high)", 2: "three rates, (counted, left_out, all_responded)",
           3: "one number, the corrected p-value", 4: "two numbers, (low, high)"}


def _numbers(answer) -> list[float] | None:
    """The numbers of an answer: one number, a tuple or list of them, a NumPy array, or SciPy's
    interval (``.low``, ``.high``); None when it is none of these."""
    import numpy as np

    if hasattr(answer, "low") and hasattr(answer, "high"):
        answer = (answer.low, answer.high)
    values = np.atleast_1d(np.asarray(answer, dtype=object)).ravel().tolist()
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return None
    if any(isinstance(v, (str, bool)) for v in values) or any(math.isnan(v) for v in numbers):
        return None
    return numbers


def _close(numbers, expected, tolerance: float = TOLERANCE) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(numbers, expected, strict=True))


def _reference(number: int, release):
    """What exercise ``number`` is checked against, from the release; a sentence saying why not
    when the release withholds it or the run lacks it."""
    from .privacy import is_number

    hidden = " (disclosure control)" if release.min_cell_count > 0 else ""
    if number == 1:
        sweep = release.table("sweep")
        row = sweep[sweep["threshold"] == 0.75].iloc[0]
        if not all(is_number(row[k]) for k in ("events", "n", "exact_low", "exact_high")):
            return ("a count at 75% fewer seizures is hidden" + hidden
                    if hidden else "no child was analysed: there is no rate")
        return row
    if number == 2:
        row = release.table("exercise_2_counts").iloc[0]
        counts = [row[k] for k in ("children", "followed", "responders")]
        if not all(is_number(v) for v in counts):
            return "a count this exercise needs is hidden" + hidden
        if counts[1] <= 0:
            return "no child has one-year follow-up, so leaving them out leaves no one"
        return [float(v) for v in counts]
    if number == 3:
        raw = {k: v for k, v in release.results["subgroup_wilcoxon_p"].items() if v is not None}
        corrected = release.results["holm_p"].get("generalized")
        if "generalized" not in raw:
            return "the generalized group could not be tested here"
        if not (all(is_number(v) for v in raw.values()) and is_number(corrected)):
            return "a p-value this exercise needs is withheld or shown only as a range" + hidden
        return raw, float(corrected)
    seen = release.appraisal.get("type_difference") or {}
    interval = seen.get("risk_difference_ci") or [None, None]
    if not all(is_number(v) for v in interval):
        return ("the release withholds this interval: a count of the generalized or focal "
                "group (responders, non-responders or children) is hidden" + hidden if hidden
                else "there are no generalized or no focal children: nothing to compare")
    return [float(v) for v in interval]


def _check_1(numbers, row, release) -> tuple[str, str]:
    from .outcomes import proportion_ci

    if _close(numbers, [row["exact_low"], row["exact_high"]]):
        return RIGHT, ("your interval is the exact (Clopper-Pearson) interval of the responder "
                       "rate at 75% fewer seizures, from the released counts.")
    alpha = float(release.results["alpha"])
    events, n = int(row["events"]), int(row["n"])
    if _close(numbers, [row["wilson_low"], row["wilson_high"]]):
        return NOT_YET, ("that is the Wilson interval; the question asks for the exact "
                         "(Clopper-Pearson) one: method='exact' in SciPy's proportion_ci.")
    if alpha != 0.05 and _close(numbers, proportion_ci(events, n, "exact", 0.95)):
        return NOT_YET, (f"that is a 95% interval; this run's intervals are "
                         f"{100 * (1 - alpha):g}% ones (confidence_level = 1 - alpha).")
    study = release.table("sweep").set_index("threshold")
    if 0.5 in study.index and _close(numbers, [study.loc[0.5, "exact_low"],
                                               study.loc[0.5, "exact_high"]]):
        return NOT_YET, ("that is the interval at the study's 50%; the question asks about at "
                         "least 75% fewer seizures (the row of threshold 0.75).")
    return NOT_YET, ("take the responders (`events`) and the children analysed (`n`) in the row "
                     "of threshold 0.75 of `release.table(\"sweep\")`, and compute "
                     "`scipy.stats.binomtest(k, n).proportion_ci(confidence_level=1 - alpha, "
                     "method=\"exact\")`; give (low, high).")


def _check_2(numbers, counts, release) -> tuple[str, str]:
    children, followed, responders = counts
    missing = children - followed
    expected = [responders / children, responders / followed, (responders + missing) / children]
    names = ("the first rate (children without follow-up counted as non-responders)",
             "the second rate (those children left out)",
             "the third rate (had every child without follow-up responded)")
    wrong = [name for name, a, b in zip(names, numbers, expected, strict=True)
             if abs(a - b) > TOLERANCE]
    if not wrong:
        return RIGHT, ("all three rates. Whatever happened to the children without "
                       "follow-up, the true rate lies between the first and the third.")
    if _close(numbers[:2], expected[1::-1]) and expected[0] != expected[1]:
        return NOT_YET, ("the first two are swapped: counted as non-responders, the children "
                         "without follow-up stay in the denominator (all children).")
    return NOT_YET, (f"{wrong[0][0].upper()}{wrong[0][1:]} is not right. Use the counts above: "
                     "every child in the denominator when they count as non-responders, only "
                     "the children followed when they are left out; for the third, add the "
                     "children without follow-up to the responders.")


def _check_3(numbers, found, release) -> tuple[str, str]:
    raw, corrected = found
    answer = numbers[0]
    low, high = _holm_range(raw, release.min_cell_count > 0)
    if low - TOLERANCE / 2 <= answer <= high + TOLERANCE / 2 or abs(answer - corrected) <= \
            TOLERANCE / 2:
        return RIGHT, (f"that is the generalized group's p-value corrected by Holm's method for "
                       f"the {len(raw)} groups tested.")
    planned = raw["generalized"]
    if abs(answer - planned) <= TOLERANCE / 2:
        return NOT_YET, ("that is the p-value of the generalized test alone, uncorrected; "
                         "correct it for every group tested (Holm).")
    if abs(answer - min(1.0, len(raw) * planned)) <= TOLERANCE / 2:
        return NOT_YET, ("that is Bonferroni's correction (the p-value times the number of "
                         "tests); Holm's multiplies the smallest p by the number of tests, the "
                         "next by one fewer, and never lets a corrected p fall below the one "
                         "before it.")
    return NOT_YET, ("correct the p-values of every group that was tested (not None in "
                     "`results[\"subgroup_wilcoxon_p\"]`) together, with "
                     "`statsmodels.stats.multitest.multipletests(p_values, method=\"holm\")`, "
                     "and give the generalized group's corrected value.")


def _holm_range(raw: dict, rounded: bool) -> tuple[float, float]:
    """The generalized group's Holm-corrected p-value from the p-values as released; with
    disclosure control on (one significant digit) the lowest and highest it can be, from the
    lowest and highest values that round to each (Holm's correction rises with each p)."""
    from .comparisons import holm

    if not rounded:
        value = holm(raw)["generalized"]
        return value, value

    def ends(p):
        if p <= 0:
            return 0.0, 0.0
        half = 0.5 * 10 ** math.floor(math.log10(p))
        return max(0.0, p - half), min(1.0, p + half)

    low = holm({k: ends(v)[0] for k, v in raw.items()})["generalized"]
    high = holm({k: ends(v)[1] for k, v in raw.items()})["generalized"]
    return low, high


def _check_4(numbers, interval, release) -> tuple[str, str]:
    if _close(numbers, interval):
        return RIGHT, ("that is Newcombe's interval of the difference between the generalized "
                       "and the focal responder rates, from the released counts.")
    if _close(numbers, [-interval[1], -interval[0]]):
        return NOT_YET, ("the sign is turned round: subtract the focal rate from the "
                         "generalized one (generalized first).")
    return NOT_YET, ("take the responders and children of the generalized and focal groups from "
                     "`results[\"responder_rate_by_type\"]`, and compute "
                     "`statsmodels.stats.proportion.confint_proportions_2indep(count1, nobs1, "
                     "count2, nobs2, method=\"newcomb\", compare=\"diff\", alpha=alpha)`.")


def exercise_2_source(release) -> str:
    """Which cohort exercise 2's counts come from, in Markdown."""
    if release.texts.get("exercise_2_own_cohort"):
        return ("The counts below are this run's cohort's, as released: it has children "
                "without one-year follow-up.")
    share = EXERCISE_COHORT["missing_followup_share"]
    return ("This run's cohort has no child without one-year follow-up, so the counts below "
            f"come from a **made-up variant**: {EXERCISE_COHORT['n']} generated children, "
            f"{100 * share:g}% of them without follow-up (seed {EXERCISE_COHORT['seed']}), "
            "neither this cohort nor the study. To make it and run the whole collection on it "
            f"(where the counts are the run's own):\n\n```bash\n{VARIANT_COMMAND}\n"
            "python -m ivig_helpers run --data variant.csv --out reports/variant\n```")
