"""The worked answers of the exercises (notebooks 7 and 8), computed on the cohort of the run.

Each answer is one function returning a one-row DataFrame (or a few rows), so that the answers
notebook shows numbers, not claims, and the tests can check them against pandas and SciPy.
"""

from __future__ import annotations

import pandas as pd

from .outcomes import add_outcomes, count_missing_followup, rate_table
from .synthetic import make_cohort

EXERCISE_COHORT = {"n": 60, "missing_followup_share": 0.1, "seed": 7}
"""The synthetic cohort with missing follow-up used when the run's cohort has none."""


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
