"""The appraisal's findings (notebook 6, "How strong is the evidence?") in sentences written from
the numbers of the run: one bullet per question (multiplicity, the difference between types, the
fragility of the generalized group's p-value, placebo and regression to the mean, the other
published cohorts, the trial that would settle it).

The words of the other pages, and the small helpers every page shares (:func:`p_words`,
:func:`percent`, :func:`source` ...), are in :mod:`ivig_helpers.narrative`; this module only adds
the appraisal's paragraphs, so that each stays under the project's size limit. Every function
returns Markdown; a notebook shows it with :func:`ivig_helpers.narrative.show`.
"""

from __future__ import annotations

from .benchmarks_published import BENCHMARKS, POOLED_MEANS, RHEIMS, SELECTION, SETTING, TRIAL_LABEL
from .narrative import (
    STUDY_THRESHOLD,
    TYPE_WORDS,
    _level,
    count_words,
    interval,
    p_below,
    p_number,
    p_text,
    p_words,
    percent,
    share_words,
    source,
)
from .privacy import is_number


def appraisal_story(appraisal: dict) -> str:
    """The appraisal's findings in plain words, one bullet per question, from the numbers of the
    run (``appraisal_results``); a withheld number says so."""
    alpha = appraisal["alpha"]
    holm = appraisal.get("holm_p") or {}
    raw = appraisal.get("holm_raw_p") or {}
    lines = []
    tested = {k: p_number(p) for k, p in raw.items() if p_number(p) is not None}
    n_tested = sum(p is not None for p in raw.values())  # a withheld p was tested too
    if tested and n_tested > 1:
        kind = min(tested, key=tested.get)
        lines.append(
            f"- **{n_tested} groups were tested, so a p-value below alpha turns up by chance "
            f"more often than alpha ({alpha:g}) says.** The smallest within-group p here "
            f"({TYPE_WORDS[kind]}, "
            f"{p_words(raw[kind], alpha)}{source(appraisal, f'subgroup_wilcoxon_p.{kind}')}) "
            f"becomes {p_words(holm.get(kind), alpha)}{source(appraisal, f'holm_p.{kind}')} "
            "once the number of groups tested is taken into account (Holm's method).")
    elif n_tested > 1:  # tested, but every p-value withheld
        lines.append(
            f"- **{n_tested} groups were tested, so a p-value below alpha turns up by chance "
            f"more often than alpha ({alpha:g}) says.** Here the within-group p-values are "
            "withheld (disclosure control: they could give a count away), and so is their "
            "correction for the number of groups tested.")
    elif n_tested == 1:
        kind = next(k for k, p in raw.items() if p is not None)
        lines.append(
            f"- **Only one group could be tested** ({TYPE_WORDS[kind]}, "
            f"{p_words(raw[kind], alpha)}), so there is nothing to correct for: the others had "
            "too few children with a one-year score, or none whose score changed.")
    interaction = appraisal.get("interaction_p")
    verdict = ("below alpha: the types do differ" if p_below(interaction, alpha)
               else "not below alpha: no difference between the types is shown"
               if p_number(interaction) is not None else "withheld by disclosure control, so "
               "this report draws no conclusion from it")
    method = (appraisal.get("methods") or {}).get("interaction_p") or "exact"
    test = ("Pearson's chi-square test, asymptotic" if method == "asymptotic"
            else f"Fisher-Freeman-Halton test, {method}")
    text = (f"- **Do the seizure types differ?** Compared directly, responder status by "
            f"seizure type gives {p_words(interaction, alpha)} ({test})"
            f"{source(appraisal, 'appraisal.interaction_p')}, {verdict}.")
    if interaction is None:  # nothing to compare: one type, or everyone on one side of the line
        text = ("- **Do the seizure types differ?** Responder status could not be compared "
                "between seizure types here: there is only one type, or no child on one side "
                "of the responder line.")
    elif p_number(interaction) is None:
        text = ("- **Do the seizure types differ?** The direct comparison of responder status "
                f"by seizure type ({test}) is {verdict}: its p-value could give a count away.")
    text += _difference_words(appraisal)
    score = (appraisal.get("interaction_tests") or {}).get("kruskal_score_change")
    if (p_number(interaction) is not None and p_number(score) is not None
            and p_below(score, alpha) != p_below(interaction, alpha)):
        text += (" The change in score itself (Kruskal-Wallis test, asymptotic), which keeps "
                 f"more than a yes or no at the responder line, gives {p_words(score)}: "
                 + ("below alpha, so on the score the types do differ; the two tests ask "
                    "different questions." if p_below(score, alpha) else
                    "not below alpha, so on the score no difference is shown; the two tests "
                    "ask different questions."))
    lines.append(text)
    lines += _fragility_lines(appraisal, alpha)
    threshold = appraisal.get("responder_threshold", STUDY_THRESHOLD)
    lines.append(_placebo_story(appraisal, threshold))
    pooled = _pooled_story(appraisal, threshold)
    if pooled:
        lines.append(pooled)
    n80 = appraisal.get("rct_n_per_arm_80")
    if is_number(n80):
        per_arm = appraisal.get("rct_study_n_per_arm", 30)
        text = (f"- **The trial that would settle it**, designed to tell the study's published "
                f"37% from the 19% placebo rate with 80% power at alpha = {alpha:g}, needs about "
                f"{n80} children per arm{source(appraisal, 'appraisal.rct_n_per_arm_80')}; a "
                f"trial the size of the study (two arms of {per_arm}) "
                f"would have "
                f"{percent(appraisal.get('rct_power_30_per_arm'), 0)} power.")
        sizes = [row["n_per_arm_80"] for row in appraisal.get("sceptical_trial") or []
                 if is_number(row.get("n_per_arm_80"))]
        rates = [row["p_control"] for row in appraisal.get("sceptical_trial") or []]
        if sizes:
            text += (f" A single-arm study's rate flatters a treatment, so a sceptic would plan "
                     f"for less: with IVIG's true rate only halfway between the study's published "
                     f"rate and the placebo rate (an assumption), and placebo rates from "
                     f"{percent(min(rates))} to {percent(max(rates))} (published trials, and "
                     f"the placebo arm of the one IVIG trial, reconstructed), 80% power needs "
                     f"{min(sizes):,} to {max(sizes):,} children per arm.")
        lines.append(text)
    return "\n".join(lines)


def _signed_points(value) -> str:
    return f"{100 * value:+.0f}"


def _difference_words(appraisal: dict) -> str:
    """The interval of the difference between two types and the smallest difference their
    sizes would detect, in words; nothing for a withheld or missing number."""
    level = _level(appraisal)
    found = appraisal.get("type_difference") or {}
    text = ""
    group, reference = found.get("group"), found.get("reference")
    low, high = found.get("risk_difference_ci") or [None, None]
    seen = found.get("risk_difference")
    if found.get("estimable") and all(is_number(v) for v in (seen, low, high)):
        text += (f" The difference itself: the responder rate with "
                 f"{TYPE_WORDS.get(group, group)} minus that with "
                 f"{TYPE_WORDS.get(reference, reference)} is {_signed_points(seen)} percentage "
                 f"points ({level} CI {_signed_points(low)} to {_signed_points(high)}, "
                 "Newcombe)")
        text += (": the interval holds no difference, but also differences as large as "
                 f"{100 * max(-low, high):.0f} points, so the data cannot say the types respond "
                 "alike." if low <= 0 <= high else ": the interval leaves out no difference.")
        if appraisal.get("min_cell_count"):
            text = text[:-1] + " (from the rounded counts)."
    elif isinstance(seen, str):
        text += (" The interval of the difference between the types is withheld: a count it "
                 "rests on is hidden (disclosure control).")
    detectable = appraisal.get("detectable_difference") or {}
    difference, base = detectable.get("difference"), detectable.get("base_rate")
    sizes = detectable.get("n") or {}
    if not (is_number(base) and all(is_number(sizes.get(k)) and sizes[k] > 0
                                    for k in (group, reference))):
        return text
    groups = (f"Groups of {count_words(sizes[group])} {group} and "
              f"{count_words(sizes[reference])} {reference} children")
    assumed = f"{reference} at {percent(base, 0)}, the overall rate: an assumption"
    exact = detectable.get("difference_exact")
    if is_number(exact):
        text += (f" {groups} would detect (80% power, Fisher's exact test, power worked out "
                 f"exactly) only a true difference of about {100 * exact:.0f} points or more "
                 f"({assumed}).")
    elif exact is None and is_number(detectable.get("attained_power_exact")):
        text += (f" {groups} are too small to detect (with 80% power, Fisher's exact test, "
                 f"power worked out exactly) any higher {group} rate, even 100%, if "
                 f"{reference} were at {percent(base, 0)} (the overall rate: an assumption).")
    elif is_number(difference):
        text += (f" {groups} would detect (80% power, by a normal approximation"
                 + (", accurate for groups this large" if "not enumerated" in
                    (detectable.get("note_exact") or "") else "")
                 + f") only a true difference of about {100 * difference:.0f} points or more "
                 f"({assumed}).")
    elif difference is None and detectable.get("rate") is None:
        text += (f" {groups} are too small to detect (with 80% power, by a normal "
                 f"approximation) any higher {group} rate, even 100%, if {reference} were at "
                 f"{percent(base, 0)} (the overall rate: an assumption).")
    return text


FAMILY_WORDS = {
    "test": "Which test of the score change",
    "score scale and cut-points": "How the change is measured (the score's cut-points, "
                                  "seizures per 28 days, their logarithm, the percent change)",
    "missing follow-up": "How a missing one-year visit is counted",
    "exclusions": "Which children are included",
    "responder rate against placebo": "The group's responder rate against the 19% of children "
                                      "who respond to a placebo in trials (one-sided tests; "
                                      "threshold, missing follow-up, children not analysed)",
    "between the types": "The generalized group against the other seizure types (Fisher's "
                         "exact test of responders, Mann-Whitney tests of the change)",
}
"""The families of the multiverse in plain words (``specification_families``)."""


def _p_at(p: float, alpha: float) -> str:
    """A p-value as text (:func:`p_text`: never rounded onto alpha), "below" for "<"."""
    return p_text(p, alpha).replace("<", "below ")


def _p_range(low, high, alpha: float) -> str:
    """"p = 0.02", or "p from 0.01 to 0.04" (never a range whose ends print alike, never an
    end that prints as alpha when it is not).

    Examples
    --------
    >>> _p_range(0.0123, 0.0499, 0.05), _p_range(0.3, 0.3, 0.05), _p_range(1e-5, 0.2, 0.05)
    ('p from 0.012 to 0.0499', 'p = 0.3', 'p from below 0.001 to 0.2')
    """
    if _p_at(low, alpha) == _p_at(high, alpha):
        shown = _p_at(low, alpha)
        return f"p {shown}" if shown.startswith("below") else f"p = {shown}"
    return f"p from {_p_at(low, alpha)} to {_p_at(high, alpha)}"


def _count_below(count: int, total: int, alpha: float) -> str:
    if count == 0:
        return f"none below {alpha:g}"
    return (f"all {total}" if count == total else f"{count}") + f" below {alpha:g}"


def _family_line(family: str, found: dict, alpha: float) -> str:
    """One family of the multiverse in words: its distinct analyses and their spread."""
    words = FAMILY_WORDS.get(family, family)
    n, tested = found.get("analyses") or 0, found.get("testable") or 0
    if not tested:
        return f"  - {words}: no analysis could be tested on this cohort."
    methods = (found.get("methods") or "exact").replace("; ", " and ")
    if n == 1:
        p = found["p_min"]
        text = (f"  - {words}: on this cohort every choice of this family gives the same test "
                f"(1 distinct analysis), {_p_range(p, p, alpha)} ({methods}), "
                + ("below" if p < alpha else "not below") + f" {alpha:g}")
    else:
        text = (f"  - {words}: {n} distinct analyses"
                + (f" ({n - tested} not testable)" if tested < n else "")
                + f", {_count_below(found['below_alpha'], tested, alpha)}, "
                + f"{_p_range(found['p_min'], found['p_max'], alpha)} ({methods})")
    groups = found.get("holm_groups") or 0
    if groups >= 2 and found.get("p_holm_min") is not None:
        text += (f"; after Holm's correction for testing each seizure type (up to {groups}), "
                 f"{_p_range(found['p_holm_min'], found['p_holm_max'], alpha)}"
                 + (f", {_count_below(int(found['holm_below_alpha']), tested, alpha)}"
                    if n > 1 else ""))
    elif groups == 1:
        text += "; only one seizure type could be tested, so Holm's correction changes nothing"
    return text + "."


def _fragility_lines(appraisal: dict, alpha: float) -> list[str]:
    """The paragraph "How fragile is the generalized group's p-value?": each family of the
    multiverse with its spread, never one share pooled over families."""
    families = appraisal.get("specification_families")
    if not families:
        return []
    head = "- **How fragile is the generalized group's p-value?**"
    if any(not isinstance(v, dict) for v in families.values()):
        return [head + " The analyses that vary one choice at a time are withheld with "
                "disclosure control on: their exact p-values rest on the counts of a few "
                "children."]
    text = (head + " Each family below changes one choice of the analysis and counts each "
            "distinct analysis once (choices that come down to the same test on the same "
            "numbers are one analysis). The families ask different questions, so their "
            "analyses are not pooled into one share.")
    exact = appraisal.get("generalized_exact_p")
    if p_number(exact) is not None:
        text += (f" The exact version of the within-group test gives {p_words(exact, alpha)}"
                 f"{source(appraisal, 'appraisal.generalized_exact_p')} (the "
                 "asymptotic one, which the study most likely used, is an approximation meant "
                 f"for more changed children than the {appraisal.get('generalized_n_changed')} "
                 "here).")
    lines = [text]
    within = [f for f, v in families.items() if v.get("question") == "change within the group"]
    if within:
        reference = families[within[0]].get("p_reference")
        lines.append("  - *Change within the generalized group*, one choice at a time from the "
                     "reference analysis (the 0-5 score, Wilcoxon signed-rank test as SPSS "
                     f"gives it, {p_words(reference)}):")
        lines += ["  " + _family_line(f, families[f], alpha) for f in within]
    lines += [_family_line(f, v, alpha) for f, v in families.items() if f not in within]
    return lines


def _benchmark_words(item: dict) -> str:
    """A benchmark's rate, its interval and its source, in a few words."""
    name = item["benchmark"].split("(")[-1].rstrip(")") if "(" in item["benchmark"] else ""
    if item["benchmark"] == TRIAL_LABEL:
        return ("27.8% (5/18, the placebo arm of the one randomized trial of IVIG, van "
                "Rijckevorsel-Harmant et al. 1994, reconstructed from the Cochrane review's "
                "risk ratio; mostly adults, response at 6 months)")
    if item["low"] is not None and item["interval"].startswith("95% CI"):
        return (f"{percent(item['rate'])} ({name}, published 95% confidence interval "
                f"{percent(item['low'])} to {percent(item['high'])})")
    if item["low"] is not None:
        return (f"{percent(item['rate'])} ({name}; the trials' placebo arms spread with an SD "
                "of 10.0 points)")
    return f"{percent(item['rate'], 0)} ({name}, no interval published)"


def _placebo_story(appraisal: dict, threshold: float) -> str:
    """The bullet "Placebo and regression to the mean": every placebo benchmark with its
    uncertainty and p-value, the sources' disagreement, and the no-effect simulation as the
    range over its grid of assumptions."""
    by_name = appraisal.get("placebo_benchmark_p") or {}
    limits = appraisal.get("placebo_benchmark_limit_p") or {}
    placebo = [RHEIMS, *(b for b in BENCHMARKS if b["benchmark"].startswith("placebo"))]
    parts, tested = [], False
    for item in placebo:
        if item["benchmark"] not in by_name and item is not RHEIMS:
            continue  # not among this run's numbers
        p = by_name.get(item["benchmark"], appraisal.get("placebo_binomial_p"))
        tested = tested or p is not None
        alpha = appraisal["alpha"]
        words = f"{_benchmark_words(item)}: {p_words(p, alpha)}"
        if item is RHEIMS:
            words += source(appraisal, "appraisal.placebo_binomial_p")
        limit = limits.get(item["benchmark"])
        if item["interval"].startswith("95% CI, published") and limit is not None:
            words += (f", and against its upper limit, {percent(item['high'])}, "
                      f"{p_words(limit, alpha)}")
        parts.append(words)
    against = ("Against each published placebo rate, the responder rate here gives (one-sided "
               "exact binomial tests): " + "; ".join(parts) + "." if tested else
               "With no child analysed, there is no responder rate to set against the published "
               "placebo rates.")
    text = ("- **Placebo and regression to the mean.** Children given a placebo in trials also "
            f"\"respond\". {against} The sources disagree "
            "about children: Rheims et al. 2008 found that they respond to placebo more than "
            "adults (19% against 9.9%), while Zaccara et al. 2014 concluded that they do not "
            "differ. " + SETTING)
    if threshold != STUDY_THRESHOLD:
        text += (f" The trials counted children with at least 50% fewer seizures; this run "
                 f"counts {100 * threshold:g}%, so the comparison is only "
                 "a rough guide.")
    text += _null_words(appraisal)
    if appraisal.get("min_cell_count"):
        text += (" These numbers come from the rounded counts: near the benchmark the exact "
                 "counts can lead to another conclusion.")
    return text


def _null_words(appraisal: dict) -> str:
    """The no-effect simulation: the range over its grid of assumptions, then the project's
    central setting; empty when its numbers are withheld."""
    grid = appraisal.get("null_simulation_grid") or {}
    low, mid, high = (grid.get(k) for k in ("share_min", "share_median", "share_max"))
    if not all(is_number(v) for v in (low, mid, high)) or not grid.get("settings"):
        return ""
    rates = grid.get("rate_min"), grid.get("rate_max")
    typical = ""
    if all(is_number(r) for r in rates):  # regression to the mean, in responders
        typical = ("a typical no-effect cohort of this size still has "
                   + (f"about {percent(rates[0], 0)}" if percent(rates[0], 0) ==
                      percent(rates[1], 0) else
                      f"from {percent(rates[0], 0)} to {percent(rates[1], 0)}")
                   + " responders, and ")
    values = grid.get("grid") or {}
    exponents = values.get("sd_exponent") or []
    spread = (f"from {share_words(low)} to {share_words(high)} of such cohorts reach this "
              f"responder rate (median {share_words(mid)}; at least "
              f"{percent(grid.get('often'), 0)} of them in {grid.get('settings_often')} of the "
              f"{grid['settings']} settings)" if share_words(low) != share_words(high)
              else f"{share_words(low)} of such cohorts reach this responder rate in every "
                   "setting")
    text = (" If IVIG did nothing, but treatment started after a bad stretch, how often would a "
            "cohort of this size reach this responder rate by chance and regression to the "
            "mean? The answer rests on choices nobody published, so the simulation (Monte "
            f"Carlo, each setting seeded) was run over {grid['settings']} combinations of them, "
            "all assumed: how much seizure counts vary from month to month (SD = mean^"
            + " to mean^".join(f"{e:g}" for e in exponents) + ", the range Goldenholz et "
            "al. 2018 found), how bad the stretch before treatment was (none, above the child's "
            "own average, or half as much again), counting windows of 1 or 3 months, and how "
            f"alike the children's seizure rates are. Across them, {typical}{spread}.")
    central = appraisal.get("null_simulation_share")
    if is_number(central):
        settings = appraisal.get("null_simulation_settings") or {}
        how = (f"one child's chance estimated from {settings['simulated_children']:,} simulated "
               "children, the cohort binomial" if settings.get("simulated_children") else
               f"{settings.get('n_cohorts') or 0:,} simulated cohorts")
        text += (" With the project's central choice (SD = mean^0.7, a baseline month above "
                 f"the child's own average; {how}), {share_words(central)} do.")
    return text + (" A single-arm study cannot separate IVIG from these effects; only a "
                   "comparison group can.")


def _pooled_story(appraisal: dict, threshold: float) -> str:
    """The bullet "Other IVIG cohorts": the pooled rate with and without the cohort that may
    share children with the Calgary study, what it means, and the trial apart."""
    pooled = appraisal.get("pooled_responder_rate") or {}
    if not is_number(pooled.get("rate")):
        return ""
    level = _level(appraisal)
    i2 = pooled.get("i2")
    spread = ("they disagree far more than chance explains" if is_number(i2) and i2 >= 0.5
              else "they disagree somewhat more than chance explains" if is_number(i2)
              and i2 >= 0.25 else "they agree about as well as chance allows")
    studies = pooled.get("studies")
    mine = studies is None or "this cohort" in studies
    text = (f"- **Other IVIG cohorts.** {SELECTION} "
            + ("Pooled with this one" if mine else "This cohort has no child analysed, so they "
               "are pooled alone")
            + " (random effects on the logit scale, Paule-Mandel, Hartung-Knapp interval), they "
            "give "
            f"{percent(pooled['rate'], 0)} ({interval(pooled['ci'], level)})"
            f"{source(appraisal, 'appraisal.pooled_responder_rate')}; {spread} "
            f"(I² = {percent(i2, 0)}).")
    without = appraisal.get("pooled_responder_rate_without_overlap") or {}
    if is_number(without.get("rate")) and without.get("k", 0) < pooled.get("k", 0):
        text += (f" Without {without.get('left_out')}, which comes from the Calgary study's "
                 "centre and may share its children, the pooled rate is "
                 f"{percent(without['rate'], 0)} ({interval(without['ci'], level)}).")
    text += (f" {POOLED_MEANS} The one randomized trial of IVIG (van Rijckevorsel-Harmant et "
             "al. 1994, mostly adults) is not pooled with them: it found a responder risk ratio "
             "of 1.89 (95% confidence interval 0.85 to 4.21), low-quality evidence.")
    if threshold != STUDY_THRESHOLD:
        text += (f" This cohort's responders are counted at "
                 f"{100 * threshold:g}%, the others' at 50%: the "
                 "pooled rate mixes two definitions.")
    return text
