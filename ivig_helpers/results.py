"""The headline results of one run, and the scorecard that sets them beside the published ones.

:func:`compute_results` is the one place that turns a cohort into the numbers of
``results.json``; every notebook that shows one of these numbers calls the same helpers, so the
notebooks and the results file cannot disagree.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .comparisons import fisher_exact, holm, paired_wilcoxon
from .contract import DATA_DIR, SEIZURE_TYPES
from .medications import asm_checks, has_asm_counts
from .outcomes import add_outcomes, count_missing_followup, median_change_interval, rate_table
from .parameters import RUN_SEED
from .privacy import SUPPRESSED

PUBLISHED_TARGETS = DATA_DIR / "published_targets.csv"


def load_published() -> pd.DataFrame:
    """The study's published numbers, one row each, from ``data/published_targets.csv``.

    Returns
    -------
    DataFrame
        ``quantity``, ``description``, ``published``, ``decimals`` (the published precision),
        ``rule`` ("equal": matches when rounded to ``decimals``; "at_least": matches when not
        below), ``source``.

    Examples
    --------
    >>> float(load_published().set_index("quantity").loc["responders", "published"])
    22.0
    """
    return pd.read_csv(PUBLISHED_TARGETS, dtype={"published": float, "decimals": int})


def _none_if_nan(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def compute_results(table: pd.DataFrame, responder_threshold: float = 0.5,
                    missing_followup: str = "nonresponder", seed: int = RUN_SEED,
                    alpha: float = 0.05) -> dict:
    """Every headline number of the study, recomputed on a cohort.

    Parameters
    ----------
    table : DataFrame
        A checked cohort (``load_cohort(...).table``).
    responder_threshold, missing_followup
        As in :func:`ivig_helpers.add_outcomes`.
    seed : int
        Seed of the bootstrap and of any Monte Carlo p-value.
    alpha : float
        Significance level; every interval is a (1 - alpha) confidence interval.

    Returns
    -------
    dict
        Plain JSON-ready values: ``n_patients`` (rows in the file), ``n_analysed``,
        ``missing_followup``, ``seizure_type_counts``, ``age_*``, ``responders``,
        ``responder_rate`` (a proportion) with ``responder_rate_ci`` (exact) and
        ``responder_rate_wilson_ci``, ``seizure_free`` and its shares,
        ``median_percent_change`` with a bootstrap interval, ``subgroup_wilcoxon_p`` (scores)
        and ``subgroup_wilcoxon_frequency_p`` (type -> p, None when not testable),
        ``responder_rate_by_type``, ``seizure_type_vs_responder_p`` (the Fisher-Freeman-Halton
        test of the difference between types) with ``seizure_type_vs_responder_method``,
        ``asm_wilcoxon_p`` and
        ``asm_fisher_p`` (None without ASM counts), and the parameters used.

    Examples
    --------
    >>> from ivig_helpers import load_cohort, BUNDLED_COHORT
    >>> results = compute_results(load_cohort(BUNDLED_COHORT).table)
    >>> results["responders"], [round(x, 3) for x in results["responder_rate_ci"]]
    (22, [0.246, 0.501])
    """
    # every seizure type gets a key, even one this cohort lacks
    table = table.assign(seizure_type=pd.Categorical(table["seizure_type"],
                                                     categories=SEIZURE_TYPES))
    patients = add_outcomes(table, responder_threshold, missing_followup)
    confidence = 1 - alpha
    overall = rate_table(patients, confidence=confidence).iloc[0]
    by_type = rate_table(patients, by="seizure_type", confidence=confidence).set_index("group")
    counts = table["seizure_type"].value_counts().reindex(SEIZURE_TYPES, fill_value=0)
    median = median_change_interval(patients, confidence=confidence, seed=seed).iloc[0]
    scores = paired_wilcoxon(patients, "baseline_score", "month12_score", by="seizure_type")
    freqs = paired_wilcoxon(patients, "baseline_seizures_per_month",
                            "month12_seizures_per_month", by="seizure_type")
    responders, seizure_free = int(overall["events"]), int(patients["seizure_free"].sum())
    between = fisher_exact(patients, "seizure_type", "responder", seed=seed).iloc[0]
    results = {
        "n_patients": len(table),
        "n_analysed": len(patients),
        "missing_followup": count_missing_followup(table),
        "missing_followup_handling": missing_followup,
        "responder_threshold": responder_threshold,
        "alpha": alpha,
        "confidence_level": confidence,
        "seed": seed,
        "seizure_type_counts": {k: int(v) for k, v in counts.items()},
        "age_min": None, "age_max": None, "age_mean": None, "age_sd": None,
        "responders": responders,
        "responder_rate": _none_if_nan(overall["rate"]),
        "responder_rate_ci": [_none_if_nan(overall["exact_low"]),
                              _none_if_nan(overall["exact_high"])],
        "responder_rate_wilson_ci": [_none_if_nan(overall["wilson_low"]),
                                     _none_if_nan(overall["wilson_high"])],
        "seizure_free": seizure_free,
        "seizure_free_rate": _none_if_nan(seizure_free / len(patients)) if len(patients) else None,
        "seizure_free_share_of_responders": seizure_free / responders if responders else None,
        "seizure_free_all_responders": bool((patients["seizure_free"] <= patients["responder"])
                                            .all()),
        "median_percent_change": _none_if_nan(median["median"]),
        "median_percent_change_ci": [_none_if_nan(median["ci_low"]),
                                     _none_if_nan(median["ci_high"])],
        "median_percent_change_n": int(median["n"]),
        "median_percent_change_ci_method": median["method"],
        "subgroup_wilcoxon_p": _p_by_group(scores),
        "holm_p": holm(_p_by_group(scores)),
        "subgroup_wilcoxon_pairs": _pairs_by_group(scores),
        "subgroup_wilcoxon_frequency_p": _p_by_group(freqs),
        "subgroup_wilcoxon_frequency_pairs": _pairs_by_group(freqs),
        "responder_rate_by_type": {
            kind: {"n": int(row["n"]), "responders": int(row["events"]),
                   "rate": _none_if_nan(row["rate"]),
                   "ci": [_none_if_nan(row["exact_low"]), _none_if_nan(row["exact_high"])]}
            for kind, row in by_type.iterrows()},
        "seizure_type_vs_responder_p": _none_if_nan(between["p_value"]),
        "seizure_type_vs_responder_method": between["note"] if between["testable"] else None,
        "asm_wilcoxon_p": None,
        "asm_fisher_p": None,
        "age_n": 0,
    }
    if "age_years" in table and table["age_years"].notna().any():
        ages = table["age_years"].dropna()
        results.update(age_n=len(ages), age_min=float(ages.min()), age_max=float(ages.max()),
                       age_mean=float(ages.mean()), age_sd=_none_if_nan(ages.std(ddof=1)))
    if has_asm_counts(patients):
        checks = asm_checks(patients, seed=seed)
        results.update(asm_wilcoxon_p=_none_if_nan(checks["p_value"].iloc[0]),
                       asm_fisher_p=_none_if_nan(checks["p_value"].iloc[1]),
                       # the counts each test rests on, so that the release can gate them
                       asm_counts_behind_tests={"wilcoxon": checks["counts"].iloc[0],
                                                "fisher": checks["counts"].iloc[1]})
    return results


def _pairs_by_group(tests: pd.DataFrame) -> dict:
    return {row["group"]: dict(zip(("n", "n_changed", "n_fell", "n_rose"),
                                   map(int, row["counts"]), strict=True))
            for _, row in tests.iterrows()}


def _p_by_group(tests: pd.DataFrame) -> dict:
    return {row["group"]: (_none_if_nan(row["p_value"]) if row["testable"] else None)
            for _, row in tests.iterrows()}


def reproduced_values(results: dict) -> dict:
    """The results under the names of ``published_targets.csv`` (None where not computable)."""
    n = results["n_patients"]
    counts = results["seizure_type_counts"]
    p = results["subgroup_wilcoxon_p"]

    def percent(share):
        return share if share is None or isinstance(share, str) else 100.0 * share

    def percent_of_n(count):  # from released counts when disclosure control is on
        if isinstance(count, str) or isinstance(n, str):
            return SUPPRESSED
        return 100.0 * count / n if n else None

    values = {
        "n_patients": results.get("n_analysed", n),  # the study's "patients in the analysis"
        "age_min": results["age_min"], "age_max": results["age_max"],
        "age_mean": results["age_mean"], "age_sd": results["age_sd"],
        "responders": results["responders"],
        "responder_percent": percent(results["responder_rate"]),
        "seizure_free": results["seizure_free"],
        "seizure_free_percent_of_responders": percent(results["seizure_free_share_of_responders"]),
        "asm_wilcoxon_p": results["asm_wilcoxon_p"], "asm_fisher_p": results["asm_fisher_p"],
    }
    for kind in SEIZURE_TYPES:
        values[f"{kind}_n"] = counts.get(kind, 0)
        values[f"{kind}_percent"] = percent_of_n(counts.get(kind, 0))
        values[f"{kind}_wilcoxon_p"] = p.get(kind)
    return values


def scorecard(results: dict, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every published number beside the reproduced one.

    Returns
    -------
    DataFrame
        ``quantity``, ``description``, ``published``, ``reproduced``, ``difference``
        (reproduced minus published), ``match`` (True when the reproduced number, rounded to the
        published precision, equals the published one; for "not significant" claims, when
        p >= 0.05). On another cohort the published column stays the reference and
        ``difference`` shows how the new cohort differs.

    Examples
    --------
    >>> from ivig_helpers import load_cohort, BUNDLED_COHORT
    >>> card = scorecard(compute_results(load_cohort(BUNDLED_COHORT).table))
    >>> bool(card["match"].all())
    True
    """
    published = load_published() if published is None else published
    values = reproduced_values(results)
    card = published[["quantity", "description", "published"]].copy()
    threshold = results.get("responder_threshold", 0.5)
    if threshold != 0.5:  # label the rows by the definition this run used
        card["description"] = card["description"].str.replace(
            "at least 50% fewer seizures", f"at least {100 * threshold:g}% fewer seizures here; "
            "the study used 50%", regex=False)
    shown = [values.get(q) for q in published["quantity"]]
    reproduced = pd.to_numeric(pd.Series(shown, dtype=object), errors="coerce").astype(float)
    withheld = [isinstance(v, str) for v in shown]  # redacted or suppressed by the release
    card["reproduced"] = pd.Series([v if w else r for v, w, r in zip(
        shown, withheld, reproduced, strict=True)], dtype=object if any(withheld) else float)
    card["difference"] = reproduced - card["published"]
    rounded = np.array([round(v, d) if not math.isnan(v) else v
                        for v, d in zip(reproduced, published["decimals"], strict=True)])
    equal = np.isclose(rounded, card["published"], rtol=0, atol=1e-9)
    card["match"] = np.where(published["rule"] == "at_least",
                             reproduced >= card["published"], equal)
    card.loc[published["rule"] == "at_least", "difference"] = np.nan
    # a withheld number neither matches nor fails: the reader cannot see it
    card["match"] = card["match"].astype(object).where(~np.array(withheld), None)
    card["source"] = [_source_of(q, results) for q in card["quantity"]]
    intervals = percent_intervals(results)
    card["ci_low"] = [intervals.get(q, (np.nan, np.nan))[0] for q in card["quantity"]]
    card["ci_high"] = [intervals.get(q, (np.nan, np.nan))[1] for q in card["quantity"]]
    inside = (card["published"] >= card["ci_low"]) & (card["published"] <= card["ci_high"])
    card["published_inside_ci"] = inside.astype(object).where(card["ci_low"].notna(), None)
    return card


RESULT_KEY_OF = {"responder_percent": "responder_rate",
                 "seizure_free_percent_of_responders": "seizure_free_share_of_responders"}
"""The results key behind a scorecard quantity, where the names differ."""


def _source_of(quantity: str, results: dict) -> str:
    """Where the reproduced number comes from on the bundled synthetic cohort (published,
    built in or assumed); empty on any other cohort."""
    from .narrative import source

    kind, _, rest = quantity.partition("_")
    if kind in SEIZURE_TYPES and rest in ("n", "percent"):
        key = "seizure_type_counts"
    elif kind in SEIZURE_TYPES and rest == "wilcoxon_p":
        key = f"subgroup_wilcoxon_p.{kind}"
    else:
        key = RESULT_KEY_OF.get(quantity, quantity)
    return source(results, key).strip(" *()")


def percent_intervals(results: dict) -> dict:
    """This cohort's exact confidence interval, in percent, of every published percentage,
    from the released counts (the level is the run's: 1 - alpha).

    Examples
    --------
    >>> from ivig_helpers import load_cohort, BUNDLED_COHORT
    >>> low, high = percent_intervals(compute_results(load_cohort(BUNDLED_COHORT).table))[
    ...     "responder_percent"]
    >>> round(low, 1), round(high, 1)
    (24.6, 50.1)
    """
    from .outcomes import proportion_ci
    from .privacy import is_number

    level = results.get("confidence_level", 0.95)

    def exact(events, n):
        if not (is_number(events) and is_number(n)) or not n:
            return None
        low, high = proportion_ci(min(int(events), int(n)), int(n), "exact", level)
        return (100 * low, 100 * high)

    found = {"responder_percent": exact(results["responders"],
                                        results.get("n_analysed", results["n_patients"])),
             "seizure_free_percent_of_responders": exact(results["seizure_free"],
                                                         results["responders"])}
    for kind in SEIZURE_TYPES:
        found[f"{kind}_percent"] = exact(results["seizure_type_counts"].get(kind, 0),
                                         results["n_patients"])
    return {k: v for k, v in found.items() if v is not None}


def write_results(results: dict, card: pd.DataFrame, output_dir: str | Path) -> None:
    """Write ``results.json`` and ``scorecard.csv`` into ``output_dir``."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n",
                                             encoding="utf-8")
    from .privacy import spreadsheet_safe

    columns = ["quantity", "description", "published", "reproduced", "match", "ci_low",
               "ci_high", "published_inside_ci", "source"]  # description: the row in words
    card[columns].astype(object).map(spreadsheet_safe).to_csv(
        output_dir / "scorecard.csv", index=False, lineterminator="\n")
