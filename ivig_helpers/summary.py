"""The clinician's summary of a run, for the top of the landing page: the answer in plain words,
the headline numbers beside the study's, and whether this cohort is consistent with the published
one. Written from a run's released results (``results.json``, its ``appraisal`` inside), never
from rows, so that it holds on every cohort and with disclosure control on.
"""

from __future__ import annotations

import pandas as pd

from .narrative import (
    TYPE_WORDS,
    between_types_method,
    count_words,
    interval,
    p_below,
    p_number,
    p_words,
    percent,
    responder_definition,
)
from .privacy import is_number

STUDY_CITATION = (
    "Ebdalla A, Scantlebury M, Jacobs-LeVan J, et al. A retrospective chart review of children "
    "with drug-resistant epilepsy treated with IVIG for at least a year, Alberta Children's "
    "Hospital, University of Calgary: the journal abstract (reproduced at "
    "biocloudy.com/literatureDetail/ODEzODUxMQ==), and the American Epilepsy Society abstracts "
    "1.219 of 2021 (\"Efficacy of Intravenous Immunoglobulin for Treating Children with "
    "Refractory Epilepsy\") and 3.233 of 2022 (\"The Effects of IVIG on Seizure Frequency and "
    "EEG Activity in Refractory Childhood Epilepsy\"). The journal's name, the year and the DOI "
    "were not found in the project's sources; the numbers quoted here are the journal "
    "abstract's.")
"""How the report cites the study (FACTS section 1: the journal's name is not in our sources)."""

PUBLISHED_RATE = 22 / 60
PUBLISHED_SIGNIFICANT = "generalized"  # the one type the study found a significant change in


def _level(results: dict) -> str:
    return f"{100 * results.get('confidence_level', 0.95):g}%"


def _about(count, min_cell_count: int) -> str:
    """A count in words, "about" it when disclosure control rounded it (to the nearest 5).

    >>> _about(15, 5), _about(15, 0), _about("<5", 5), _about(0, 5)
    ('about 15', '15', 'fewer than 5', '0')
    """
    if min_cell_count and is_number(count) and count:
        return f"about {count_words(count)}"
    return count_words(count)


def bottom_line(results: dict) -> str:
    """Three bullets in plain words: what this cohort shows, how strong it is, what it cannot
    show (Markdown). Every number is the run's, as released.

    Examples
    --------
    >>> results = {"responders": 22, "n_analysed": 60, "responder_rate": 22 / 60,
    ...            "responder_rate_ci": [0.246, 0.501], "seizure_free": 8, "alpha": 0.05,
    ...            "responder_threshold": 0.5, "confidence_level": 0.95,
    ...            "subgroup_wilcoxon_p": {"focal": 0.07, "generalized": 0.019, "both": 0.24},
    ...            "holm_p": {"focal": 0.14, "generalized": 0.056, "both": 0.24},
    ...            "seizure_type_vs_responder_p": 0.256, "appraisal": {}}
    >>> print(bottom_line(results))  # doctest: +ELLIPSIS
    - **What this cohort shows.** 22 of 60 children (36.7%, 95% CI 24.6% to 50.1%) had ...
    """
    alpha = results["alpha"]
    appraisal = results.get("appraisal") or {}
    lines = []
    responders, analysed = results["responders"], results["n_analysed"]
    mcc = results.get("min_cell_count") or 0
    rounded = " of the counts rounded to 5" if mcc else ""
    rate = (f"{_about(responders, mcc)} of {_about(analysed, mcc)} children "
            f"({percent(results['responder_rate'])}, "
            f"{interval(results['responder_rate_ci'], _level(results))}{rounded})")
    free = results.get("seizure_free")
    lines.append(
        f"- **What this cohort shows.** {rate} had "
        f"{responder_definition(results['responder_threshold'])} after a year of IVIG"
        + (f"; {_about(free, mcc)} had no seizures at all at one year." if free is not None
           else "."))

    raw, holm = results.get("subgroup_wilcoxon_p") or {}, results.get("holm_p") or {}
    below = [k for k, p in raw.items() if p_below(p, alpha)]
    n_tested = sum(p is not None for p in holm.values())
    if below:
        parts = []
        for kind in below:
            after = holm.get(kind)
            if n_tested < 2:
                parts.append(f"children with {TYPE_WORDS[kind]} ({p_words(raw[kind], alpha)}; "
                             "the only group that could be tested)")
                continue
            verdict = ("still below alpha" if p_below(after, alpha) else
                       "no longer below alpha" if p_number(after) is not None else
                       "its corrected value is not shown")
            parts.append(f"children with {TYPE_WORDS[kind]} ({p_words(raw[kind], alpha)}; "
                         f"{p_words(after, alpha)} once the {n_tested} groups tested are taken "
                         f"into account, Holm's method: {verdict})")
        strength = ("Within seizure types, the score changed more than chance would easily "
                    "explain in " + "; and in ".join(parts) + ".")
    elif any(p_number(p) is not None for p in raw.values()):
        strength = (f"No seizure type's change in score is below alpha = {alpha:g} in these "
                    "data.")
    else:
        strength = ("The within-type changes are not shown (too few children, or withheld by "
                    "disclosure control).")
    between = results.get("seizure_type_vs_responder_p")
    if p_number(between) is not None:
        strength += (" Compared directly, the types' responder rates "
                     + ("differ" if p_below(between, alpha) else "do not differ clearly")
                     + f" ({p_words(between, alpha)}, {between_types_method(results)}).")
    placebo = appraisal.get("placebo_binomial_p")
    if p_number(placebo) is not None and results["responder_threshold"] == 0.5:
        strength += (" Against the 19% of children who respond to a placebo in drug trials "
                     f"(Rheims 2008), the responder rate gives {p_words(placebo, alpha)} "
                     "(one-sided exact binomial test"
                     # with disclosure control on, the test is of the released (rounded) counts
                     + (" of the rounded counts)" if results.get("min_cell_count") else ")"))
        trial = appraisal.get("trial_placebo_p")
        strength += (f"; against the 28% placebo arm of the one randomized IVIG trial "
                     f"(reconstructed), {p_words(trial, alpha)} (page 6)."
                     if p_number(trial) is not None else
                     "; other placebo benchmarks reach about 28% (page 6).")
    lines.append(f"- **How strong.** {strength}")
    lines.append(
        "- **What it cannot show.** That IVIG caused the improvement. There is no comparison "
        "group, children often start a new treatment when their seizures are at their worst "
        "(after which seizures tend to ease by themselves), and the study looked back at "
        "records. Only a randomized trial can settle it (page 6).")
    return "\n".join(lines)


def published_beside(results: dict, published: pd.DataFrame) -> list[dict]:
    """The headline numbers of the run beside the study's, each with whether the published value
    is consistent with this run: inside its interval, or on the same side of alpha.

    Returns rows of ``What``, ``This run``, ``Published (the study)`` and ``Consistent?``
    ("yes", "no", or "" where nothing can be judged).
    """
    alpha = results["alpha"]
    mcc = results.get("min_cell_count") or 0
    study = published.set_index("quantity")["published"]
    level = _level(results)
    rows = []
    low, high = results["responder_rate_ci"]
    same_definition = results["responder_threshold"] == 0.5
    consistent = ""
    if is_number(low) and is_number(high) and same_definition:
        consistent = ("yes: inside the interval" if low <= PUBLISHED_RATE <= high
                      else "no: outside the interval")
    rows.append({"What": f"Responders: {responder_definition(results['responder_threshold'])}",
                 "This run": f"{_about(results['responders'], mcc)} of "
                             f"{_about(results['n_analysed'], mcc)} "
                             f"({percent(results['responder_rate'])}), "
                             f"{interval(results['responder_rate_ci'], level)}"
                             + (" (of the rounded counts)" if results.get("min_cell_count")
                                else ""),
                 "Published (the study)": f"{study['responders']:.0f} of "
                                          f"{study['n_patients']:.0f} (36.7%)",
                 "Consistent?": consistent})
    rows.append({"What": "Seizure free at one year",
                 "This run": _about(results.get("seizure_free"), mcc),
                 "Published (the study)": f"{study['seizure_free']:.0f} (all among responders)",
                 "Consistent?": ""})
    raw, holm = results.get("subgroup_wilcoxon_p") or {}, results.get("holm_p") or {}
    for kind in ("generalized", "focal", "both"):
        p = raw.get(kind)
        study_p = ("p = 0.019" if kind == PUBLISHED_SIGNIFICANT else "not significant")
        consistent = ""
        if p_number(p) is not None:
            consistent = ("yes" if p_below(p, alpha) == (kind == PUBLISHED_SIGNIFICANT)
                          else "no") + (": below alpha" if p_below(p, alpha)
                                        else ": not below alpha")
        rows.append({"What": f"Change in score within {TYPE_WORDS[kind]} (Wilcoxon, asymptotic)",
                     "This run": p_words(p, alpha)
                     + (f"; Holm-corrected {p_words(holm.get(kind), alpha)}"
                        if p_number(holm.get(kind)) is not None else ""),
                     "Published (the study)": study_p, "Consistent?": consistent})
    between = results.get("seizure_type_vs_responder_p")
    rows.append({"What": "Responders differ between seizure types "
                         f"({between_types_method(results)})",
                 "This run": p_words(between, alpha),
                 "Published (the study)": "not tested", "Consistent?": ""})
    return rows


def consistency_sentence(rows: list[dict], bundled: bool) -> str:
    """One sentence: is this cohort consistent with the published one (from the intervals and
    the sides of alpha, not a count of matching digits)?"""
    judged = [r for r in rows if r["Consistent?"]]
    if not judged:
        return ("**Is this cohort consistent with the published one?** It cannot be judged "
                "here: the numbers it rests on are withheld or not comparable.")
    agree = [r for r in judged if r["Consistent?"].startswith("yes")]
    differ = [r["What"].split(" (")[0].lower() for r in judged if r not in agree]
    text = ("**Is this cohort consistent with the published one?** "
            + (f"On {len(agree)} of the {len(judged)} comparisons that can be judged, yes"
               if len(judged) > 1 else
               "On the one comparison that can be judged here, "
               + ("yes" if agree else "no")))
    text += (f"; it differs on: {'; '.join(differ)}." if differ else ".")
    if bundled:
        text += (" (This synthetic cohort was built to reproduce the published numbers, so "
                 "agreement is expected.)")
    return text
