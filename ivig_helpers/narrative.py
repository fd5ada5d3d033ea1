"""What these data show, in sentences written from the numbers of the run.

The notebooks keep two kinds of text apart. What the *study* reported is fixed text, quoted with
its source, in markdown cells tagged ``study-claim``. What *these data* show is written here, from
the released results (:mod:`ivig_helpers.release`), so that no sentence can
contradict the numbers above it on any cohort or with any parameter. Every function returns
Markdown; a notebook shows it with :func:`show`. The appraisal's paragraphs (notebook 6) are in
:mod:`ivig_helpers.narrative_appraisal`.
"""

from __future__ import annotations

import math

from .benchmarks_published import PLACEBO_RATE
from .contract import SEIZURE_TYPES
from .parameters import PARAMETER_DEFAULTS
from .privacy import P_BELOW_FLOOR, P_FLOOR, is_number

TYPE_WORDS = {"focal": "focal seizures", "generalized": "generalized seizures",
              "both": "both focal and generalized seizures"}
STUDY_THRESHOLD = 0.5


THRESHOLD_KEYS = ("responders", "responder_rate", "seizure_free_share_of_responders",
                  "holm_p", "seizure_type_vs_responder_p", "responder_rate_by_type")


def source(results: dict, key: str) -> str:
    """On the bundled synthetic cohort, where a number comes from, as a tag to put after it:
    *published* (a number of the study), *built in* (a constraint the generator enforced) or
    *assumed* (an output of the generator's assumptions); on any other cohort, nothing.

    Examples
    --------
    >>> source({"bundled_synthetic_cohort": True, "responder_threshold": 0.5}, "responders")
    ' *(published)*'
    >>> source({"bundled_synthetic_cohort": True, "responder_threshold": 0.75}, "responders")
    ' *(assumed)*'
    >>> source({"bundled_synthetic_cohort": False}, "responders")
    ''
    """
    if not results.get("bundled_synthetic_cohort"):
        return ""
    from .synthetic import provenance

    kind = provenance(key)[0]
    other_threshold = results.get("responder_threshold", STUDY_THRESHOLD) != STUDY_THRESHOLD
    if other_threshold and (key.startswith(THRESHOLD_KEYS) and key != "holm_p" or key in (
            "appraisal.placebo_binomial_p", "appraisal.pooled_responder_rate")):
        kind = "assumed"  # the study published these at its own threshold only
    return f" *({kind})*"


def show(markdown: str):
    """Display Markdown as the output of a cell (rendered in JupyterLab and the HTML report)."""
    from IPython.display import Markdown

    return Markdown(markdown)


def count_words(value) -> str:
    """A released count in words: ``"<5"`` reads "fewer than 5", a withheld one "not shown".

    Examples
    --------
    >>> count_words(35), count_words(100000), count_words("<5"), count_words("suppressed")
    ('35', '100,000', 'fewer than 5', 'a number not shown')
    """
    if isinstance(value, str):
        return f"fewer than {value[1:]}" if value.startswith("<") else "a number not shown"
    return f"{int(value):,}"


def share_words(share) -> str:
    """A small share as a percentage, "fewer than 0.1%" rather than "0.0%".

    Examples
    --------
    >>> share_words(0.0), share_words(0.0153), share_words("suppressed")
    ('fewer than 0.1%', '1.5%', 'not shown')
    """
    return "fewer than 0.1%" if is_number(share) and share < 0.001 else percent(share, 1)


def power_words(power: float) -> str:
    """The power of a test as a percentage, never "100%" (it only comes near).

    Examples
    --------
    >>> power_words(0.1449), power_words(0.99996)
    ('14%', 'more than 99%')
    """
    return "more than 99%" if power > 0.99 else f"{100 * power:.0f}%"


def percent(rate, decimals: int = 1) -> str:
    """A proportion as a percentage.

    Examples
    --------
    >>> percent(0.36666), percent("suppressed"), percent(None)
    ('36.7%', 'not shown', 'not available')
    """
    if rate is None:
        return "not available"
    if not is_number(rate):
        return "not shown"
    return f"{100 * rate:.{decimals}f}%"


def interval(pair, level: str = "95%") -> str:
    """A confidence interval as "95% CI a% to b%".

    Examples
    --------
    >>> interval([0.2459, 0.5010])
    '95% CI 24.6% to 50.1%'
    """
    low, high = pair
    if not (is_number(low) and is_number(high)):
        return f"{level} CI not shown"
    return f"{level} CI {percent(low)} to {percent(high)}"


def p_words(p, alpha: float | None = None) -> str:
    """A p-value as it is printed: up to three decimals (no more digits than it has: with
    disclosure control on a p-value is released with one), more where three would round it onto
    or across ``alpha`` or a usual significance level (:func:`p_text`), or "p < 0.001".

    Examples
    --------
    >>> p_words(0.01912), p_words(0.0004), p_words(0.2), p_words("<0.001"), p_words(1.0)
    ('p = 0.019', 'p < 0.001', 'p = 0.2', 'p < 0.001', 'p = 1')
    >>> p_words(0.0499), p_words(0.0301, alpha=0.03)
    ('p = 0.0499', 'p = 0.0301')
    >>> p_words("suppressed"), p_words(None), p_words("<0.05"), p_words(">=0.05")
    ('p not shown (disclosure control: it could give a count away)', 'not testable', \
'p < 0.05', 'p ≥ 0.05')
    """
    if p is None:
        return "not testable"
    if isinstance(p, str) and p.startswith("<"):  # "<0.001", or a bracket of disclosure control
        return f"p < {p[1:]}"
    if isinstance(p, str) and p.startswith(">="):
        return f"p ≥ {p[2:]}"
    if not is_number(p):
        return "p not shown (disclosure control: it could give a count away)"
    text = p_text(p, alpha)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


SIGNIFICANCE_LEVELS = (0.01, 0.025, 0.05, 0.1)
"""Levels a reader may hold a p-value against: a printed p-value never rounds onto or across
one of them (nor onto the run's alpha)."""


def p_text(p: float, alpha: float | None = None) -> str:
    """A p-value as a table cell: three decimals, no trailing zero a released p lacks, and more
    digits (up to six) where three would round it onto or across ``alpha`` or one of
    :data:`SIGNIFICANCE_LEVELS` (0.0499 is not printed as 0.05); "<0.001" below 0.001, or
    "<alpha" when alpha is below 0.001 and the p-value below alpha.

    Examples
    --------
    >>> p_text(0.25), p_text(0.0191), p_text(0.5), p_text(3e-7), p_text(0.05)
    ('0.25', '0.019', '0.5', '<0.001', '0.05')
    >>> p_text(0.04996), p_text(0.0501), p_text(0.0099), p_text(0.0004, alpha=0.0005)
    ('0.04996', '0.0501', '0.0099', '<0.0005')
    """
    floor = P_FLOOR if alpha is None or alpha > P_FLOOR else alpha
    if p < floor:
        return P_BELOW_FLOOR if floor == P_FLOOR else f"<{float(floor)!r}"
    levels = (*SIGNIFICANCE_LEVELS, *([alpha] if alpha is not None else []))

    def side(value, level):
        return (value > level) - (value < level)

    for decimals in range(3, 7):
        shown = round(p, decimals)
        if all(side(shown, level) == side(p, level) for level in levels):
            break
    return f"{shown:.{decimals}f}".rstrip("0").rstrip(".")


def p_number(p) -> float | None:
    """A shown p-value as a number to compare with alpha: "<0.001" as just below 0.001; None
    for a p-value that is withheld or was not testable.

    Examples
    --------
    >>> p_number(0.02), p_number("<0.001") < 0.001, p_number("suppressed"), p_number(">=0.05")
    (0.02, True, None, 0.05)
    """
    if isinstance(p, str) and p.startswith("<"):  # "<0.001", or a bracket: just below it
        return math.nextafter(float(p[1:]), 0)
    if isinstance(p, str) and p.startswith(">="):  # a bracket: at least its edge
        return float(p[2:])
    return float(p) if is_number(p) else None


def p_below(p, alpha: float) -> bool:
    """True when a shown p-value is below alpha (False when it is withheld)."""
    number = p_number(p)
    return number is not None and number < alpha


def responder_definition(threshold: float) -> str:
    """The responder definition in words, and how it relates to the study's.

    Examples
    --------
    >>> print(responder_definition(0.5))
    at least 50% fewer seizures (the study's definition)
    >>> responder_definition(0.75)
    'at least 75% fewer seizures (the study used 50%)'
    """
    words = f"at least {100 * threshold:g}% fewer seizures"
    if abs(threshold - STUDY_THRESHOLD) < 1e-12:
        return words + " (the study's definition)"
    return words + f" (the study used {100 * STUDY_THRESHOLD:g}%)"


def _level(results: dict) -> str:
    level = results.get("confidence_level", 1 - results.get("alpha", 0.05))
    return f"{100 * level:g}%"


def _rounded_note(results: dict) -> str:
    if results.get("min_cell_count"):
        return (f" (counts rounded to the nearest {results['rounding_base']}; fewer than "
                f"{results['min_cell_count']} is not shown)")
    return ""


def _types_present(results: dict) -> list[str]:
    return [t for t in SEIZURE_TYPES if results["seizure_type_counts"].get(t) != 0]


def group_sizes(results: dict) -> str:
    """The sizes of the seizure-type groups in words ("seizure-type groups sized 14 to 23").

    Examples
    --------
    >>> group_sizes({"seizure_type_counts": {"focal": 23, "generalized": 22, "both": 15}})
    'seizure-type groups sized 15 to 23'
    >>> group_sizes({"seizure_type_counts": {"focal": 30, "generalized": "<5", "both": 25}})
    'seizure-type groups sized fewer than 5 to 30'
    """
    sizes = [results["seizure_type_counts"][t] for t in _types_present(results)]
    numbers = [s for s in sizes if is_number(s)]
    if len(sizes) == 1:
        return f"one seizure-type group, sized {count_words(sizes[0])}"
    low = next((s for s in sizes if isinstance(s, str) and s.startswith("<")), None)
    low_words = count_words(low) if low else (count_words(min(numbers)) if numbers
                                              else "an unknown")
    high_words = count_words(max(numbers)) if numbers else "an unknown size"
    return f"seizure-type groups sized {low_words} to {high_words}"


def run_statement(responder_threshold: float, missing_followup: str, alpha: float,
                  seed: int) -> str:
    """The parameters of this run in words, marking where they differ from the defaults.

    Examples
    --------
    >>> text = run_statement(0.75, "nonresponder", 0.05, 2024)
    >>> "at least 75% fewer seizures (the study used 50%; changed from the default 0.5)" in text
    True
    >>> "alpha = 0.05, intervals at 95%; random seed 2024." in text
    True
    """
    def note(name, value):
        default = PARAMETER_DEFAULTS[name]
        return "" if value == default else f" (changed from the default {default})"

    handling = ("counted as non-responders (and as no change in the median and the paired "
                "tests)" if missing_followup == "nonresponder" else "left out of every analysis")
    definition = responder_definition(responder_threshold)
    if note("responder_threshold", responder_threshold):
        definition = definition[:-1] + "; changed from the default 0.5)"
    return (f"**This run:** a responder has {definition}; children without one-year follow-up "
            f"are {handling}{note('missing_followup', missing_followup)}; significance level "
            f"alpha = {alpha:g}{note('alpha', alpha)}, intervals at {100 * (1 - alpha):g}%; "
            f"random seed {seed}{note('seed', seed)}.")


def cohort_story(results: dict) -> str:
    """Who is in this cohort, from the numbers of the run."""
    counts = results["seizure_type_counts"]
    parts = ", ".join(f"{count_words(counts[t])} with {TYPE_WORDS[t]}" for t in SEIZURE_TYPES)
    text = (f"**In these data:** {count_words(results['n_patients'])} children"
            f"{_rounded_note(results)}: {parts}{source(results, 'seizure_type_counts')}.")
    if is_number(results.get("age_mean")):
        text += (f" Their mean age at the first infusion was {results['age_mean']:.1f} years "
                 f"(SD {results['age_sd']:.2f}){source(results, 'age_mean')}.")
    elif results.get("age_mean") is None:
        text += " The file has no ages."
    return text


def responders_story(results: dict) -> str:
    """How many children responded, with the interval and how missing follow-up was handled."""
    threshold = results["responder_threshold"]
    missing = results["missing_followup"]
    handling = ("counted as non-responders" if results["missing_followup_handling"]
                == "nonresponder" else "left out of the analysis")
    ci = interval(results["responder_rate_ci"], _level(results))
    text = (f"**In these data:** {count_words(results['responders'])} of "
            f"{count_words(results['n_analysed'])} children had "
            f"{responder_definition(threshold)} at one year: "
            f"{percent(results['responder_rate'])} ({ci}, exact Clopper-Pearson)"
            f"{_rounded_note(results)}{source(results, 'responder_rate')}.")
    if missing != 0:
        text += (f" {count_words(missing).capitalize()} children had no one-year follow-up; they"
                 f" are {handling}.")
    else:
        text += " Every child had one-year follow-up."
    share = (f", {percent(results['seizure_free_rate'])} of all analysed"
             if is_number(results["seizure_free_rate"]) else "")
    text += (f" Seizure free at one year: {count_words(results['seizure_free'])} children"
             f"{share}{source(results, 'seizure_free_rate')}.")
    return text


def placebo_comparison(results: dict) -> str:
    """Where the responder rate's interval lies against the placebo rate reported for children."""
    low, high = results["responder_rate_ci"]
    if not (is_number(low) and is_number(high)):
        return ""
    reference = (f"the {percent(PLACEBO_RATE, 0)} responder rate of children given a "
                 "placebo in trials (Rheims et al. 2008)")
    if results["responder_threshold"] != STUDY_THRESHOLD:
        return (f"The placebo rate of {percent(PLACEBO_RATE, 0)} (Rheims et al. 2008) "
                "counts 50% responders, so it does not compare with the definition used here.")
    rounded = (" This interval comes from the rounded counts: near 19% the exact counts can "
               "lead to another conclusion." if results.get("min_cell_count") else "")
    if low > PLACEBO_RATE:
        return f"The whole interval lies above {reference}.{rounded}"
    if high < PLACEBO_RATE:
        return f"The whole interval lies below {reference}.{rounded}"
    return f"The interval includes {reference}: these data cannot tell the two apart.{rounded}"


def responders_shows(results: dict) -> str:
    """The closing "what this shows, and what it cannot" of the responder notebook."""
    low, high = results["responder_rate_ci"]
    width = (f" The interval is wide, {percent(low)} to {percent(high)}: a different group of "
             "children from the same centre could give a quite different rate."
             if is_number(low) and is_number(high) and high - low > 0.2 else "")
    return "\n".join([
        f"- **It shows** that {percent(results['responder_rate'])} of these children had "
        f"{responder_definition(results['responder_threshold'])} after a year.{width}",
        f"- {placebo_comparison(results)}" if placebo_comparison(results) else "",
        "- **It cannot show** that IVIG caused the improvement: there is no comparison group. "
        "Children are often started on a new treatment when their seizures are at their worst, "
        "and seizures then tend to ease by themselves (regression to the mean).",
    ]).replace("\n\n", "\n")


def subgroup_story(results: dict, alpha: float) -> str:
    """The within-type tests and the test of the difference between types, in words."""
    lines = [f"**In these data:** {group_sizes(results)}."]
    tested = []
    for kind in _types_present(results):
        p = results["subgroup_wilcoxon_p"].get(kind)
        verdict = " (below alpha)" if p_below(p, alpha) else ""
        tested.append(f"{TYPE_WORDS[kind]}: {p_words(p, alpha)}{verdict}"
                      f"{source(results, f'subgroup_wilcoxon_p.{kind}')}")
    lines.append("Within each seizure type, the score before IVIG against the score at one "
                 "year (Wilcoxon signed-rank test, asymptotic): " + "; ".join(tested) + ".")
    holm = results.get("holm_p") or {}
    shown = {k: p_number(v) for k, v in holm.items() if p_number(v) is not None}
    n_tested = sum(v is not None for v in holm.values())  # a withheld p was tested too
    if shown and n_tested > 1:
        kind = min(shown, key=shown.get)
        lines.append(f"Corrected for testing {n_tested} groups (Holm's method), the smallest "
                     f"becomes {p_words(holm[kind], alpha)} ({TYPE_WORDS[kind]})"
                     f"{source(results, f'holm_p.{kind}')}.")
    between = results["seizure_type_vs_responder_p"]
    if between is None:
        lines.append("The types could not be compared with each other (only one type, or no "
                     "responder at all).")
    elif p_number(between) is None:
        lines.append("The test of the difference between types is not shown: a count behind "
                     "it is hidden.")
    else:
        method = results.get("seizure_type_vs_responder_method") or "Fisher's exact test"
        verdict = ("significant: the responder rates differ between types more than chance "
                   "would easily explain" if p_below(between, alpha) else
                   "not significant: these data do not show that the types respond differently")
        lines.append(f"Compared with each other, responder status by seizure type ({method}): "
                     f"{p_words(between, alpha)}, {verdict} (alpha = {alpha:g})"
                     f"{source(results, 'seizure_type_vs_responder_p')}.")
    return " ".join(lines)


LARGE_COHORT = 1_000  # children: above this, a p-value below alpha says little about size


def medications_story(results: dict, alpha: float) -> str:
    """The two tests of the medication claim, in words."""
    wilcoxon, fisher = results["asm_wilcoxon_p"], results["asm_fisher_p"]
    if wilcoxon is None and fisher is None:
        return "**In these data:** the medication checks could not be run."
    words = []
    for name, p in (("the number of ASMs before IVIG against one year (Wilcoxon signed-rank, "
                     "asymptotic)", wilcoxon),
                    ("responder status against an ASM change (Fisher's exact test)", fisher)):
        verdict = ""
        if p_number(p) is not None:
            verdict = " (below alpha)" if p_below(p, alpha) else " (not significant)"
        words.append(f"{name}: {p_words(p, alpha)}{verdict}")
    text = "**In these data:** " + "; ".join(words) + source(results, "asm_wilcoxon_p") + "."
    n = results.get("n_analysed")
    if is_number(n) and n > LARGE_COHORT and any(p_below(p, alpha) for p in (wilcoxon, fisher)):
        text += (f" With {n:,} children even a very small change gives a p-value below alpha: "
                 "judge it by its size (the summary above), not by the p-value alone.")
    return text


def scorecard_story(matched: int, total: int, withheld: int, is_bundled: bool) -> str:
    """What the scorecard's count of matches means for this cohort."""
    text = f"**In these data:** {matched} of {total} published numbers matched"
    if withheld:
        text += f"; {withheld} are not shown (disclosure control)"
    text += "."
    if is_bundled:
        text += (" This synthetic cohort was built to reproduce the published numbers, so a "
                 "match checks that they are consistent with one another and with the tests "
                 "named here, not that the study's own data looked like this.")
    else:
        text += (" On another cohort a mismatch is a finding about that cohort, not an error: "
                 "the published column stays as the reference.")
    return text



def cohort_shows(results: dict, is_bundled: bool) -> str:
    """The closing "what this shows, and what it cannot" of the cohort notebook."""
    lines = [
        f"- **It shows** who these results apply to: {count_words(results['n_patients'])} "
        f"children, in {group_sizes(results)}. Table 1 is the place to judge "
        "whether your own patients resemble them.",
        "- **It cannot show** how the children in the file were chosen. A child who stopped "
        "IVIG early because it did not help is missing from any cohort that requires a year "
        "of treatment.",
    ]
    if is_bundled:
        lines.append("- Sex, etiology and medication counts of this synthetic cohort are "
                     "assumptions of the project (`data/README.md`), not the study's data.")
    return "\n".join(lines)


def subgroups_shows(results: dict, alpha: float) -> str:
    """The closing "what this shows, and what it cannot" of the seizure-type notebook."""
    below = [TYPE_WORDS[k] for k, p in results["subgroup_wilcoxon_p"].items()
             if p_below(p, alpha)]
    withheld = [TYPE_WORDS[k] for k, p in results["subgroup_wilcoxon_p"].items()
                if p is not None and p_number(p) is None]
    found = ("only in children with " + " and ".join(below) if len(below) == 1 else
             "in children with " + ", ".join(below) if below else "in no seizure type")
    if withheld:
        found = (("in children with " + ", ".join(below) if below else "in none of the types")
                 + " whose test is shown (withheld by disclosure control: "
                 + ", ".join(withheld) + ")")
    shown = [k for k, p in results["subgroup_wilcoxon_p"].items() if p_number(p) is not None]
    between = results["seizure_type_vs_responder_p"]
    if p_number(between) is not None:
        direct = (f"the direct comparison gives {p_words(between, alpha)}, "
                  + ("below alpha: here the types do differ in responder rate."
                     if p_below(between, alpha) else "not below alpha: these data do not show that "
                     "the types differ."))
    else:
        direct = "the direct comparison could not be shown for these data."
    frequency = results.get("subgroup_wilcoxon_frequency_p", {})
    on_frequency = [TYPE_WORDS[k] for k, p in frequency.items() if p_below(p, alpha)]
    frequency_shown = [k for k, p in frequency.items() if p_number(p) is not None]
    if shown or not withheld:
        shows = (f"- **It shows** that a within-group test on a coarse score, in "
                 f"{group_sizes(results)}, finds a change below alpha = {alpha:g} {found}.")
    elif frequency_shown:
        shows = ("- **It shows** no test of the coarse score here: disclosure control withholds "
                 "them (their p-values could give a count away). On the seizure frequencies "
                 f"themselves, the within-group test finds a change below alpha = {alpha:g} "
                 + ("in children with " + ", ".join(on_frequency) if on_frequency
                    else "in none of the types whose test is shown") + ".")
    else:
        shows = ("- **It shows** no within-group test here: disclosure control withholds every "
                 "one of them (their p-values could give a count away), so this report says "
                 "nothing about a change within a type.")
    return "\n".join([
        shows,
        "- **It cannot show**, from within-group tests alone, that one type responds better: "
        "\"significant in one group, not in another\" is not a test of the difference (Altman "
        f"and Bland, BMJ 2003). For that, {direct}",
        "- Without a control group, a fall within a group may be placebo response or "
        "regression to the mean rather than an effect of IVIG.",
    ])


def scorecard_shows(is_bundled: bool) -> str:
    """The closing "what this shows, and what it cannot" of the scorecard."""
    if is_bundled:
        return "\n".join([
            "- **It shows** that the published numbers are consistent with one another: a "
            "cohort exists (this synthetic one) in which all of them hold at once, with the "
            "tests named in each notebook.",
            "- **It cannot show** that the study's own analysis was done this way. The score "
            "scale, the test behind the published p-value and every per-group count are "
            "assumptions, so a match checks arithmetic and consistency, not the study's data.",
        ])
    return "\n".join([
        "- **It shows** where this cohort lies beside the published one, number by number.",
        "- **It cannot show** why they differ: the centres, the children chosen, the follow-up "
        "and the definitions may all differ, and chance alone moves the numbers of a small "
        "study a long way.",
    ])


def headline_table(results: dict):
    """The headline numbers of a run, one row each, as a reader sees them.

    Returns
    -------
    DataFrame
        ``quantity`` (a stable key), ``what`` (in words), ``value`` and ``interval`` (text, as
        released), ``number`` (the value as a float, or NaN when withheld or not available).

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort
    >>> table = headline_table(compute_results(load_cohort(BUNDLED_COHORT).table))
    >>> table.set_index("quantity").loc["responders", ["value", "interval"]].tolist()
    ['22 of 60 (36.7%)', 'exact 95% CI 24.6% to 50.1%']
    """
    import pandas as pd

    level = _level(results)
    alpha = results.get("alpha")
    rows = [("children", "Children in the file", count_words(results["n_patients"]), "",
             results["n_patients"]),
            ("responders", "Responders: "
             f"{responder_definition(results['responder_threshold'])}",
             f"{count_words(results['responders'])} of {count_words(results['n_analysed'])} "
             f"({percent(results['responder_rate'])})",
             "exact " + interval(results["responder_rate_ci"], level) + (
                 " (of the rounded counts)" if results.get("min_cell_count") else ""),
             results["responder_rate"]),
            ("seizure_free", "Seizure free at one year, of all analysed children",
             f"{count_words(results['seizure_free'])} ({percent(results['seizure_free_rate'])})",
             "", results["seizure_free_rate"]),
            ("median_change", "Median change in seizure frequency",
             f"{results['median_percent_change']:.1f}%"
             if is_number(results["median_percent_change"]) else "not shown",
             _bootstrap(results, level), results["median_percent_change"]),
            ("missing_followup", "Without one-year follow-up", count_words(
                results["missing_followup"]), "", results["missing_followup"])]
    for kind in SEIZURE_TYPES:
        p = results["subgroup_wilcoxon_p"].get(kind)
        rows.append((f"{kind}_wilcoxon_p", f"Within-group change in score, {TYPE_WORDS[kind]} "
                     "(Wilcoxon, asymptotic)", p_words(p, alpha), "", p))
    for kind in SEIZURE_TYPES:  # the same test on the frequencies themselves
        p = results.get("subgroup_wilcoxon_frequency_p", {}).get(kind)
        if p is not None:
            rows.append((f"{kind}_wilcoxon_frequency_p", f"Within-group change in frequency, "
                         f"{TYPE_WORDS[kind]} (Wilcoxon, asymptotic)", p_words(p, alpha), "", p))
    rows.append(("between_types_p", f"Responders differ between types "
                 f"({between_types_method(results)})",
                 p_words(results["seizure_type_vs_responder_p"], alpha), "",
                 results["seizure_type_vs_responder_p"]))
    table = pd.DataFrame(rows, columns=["quantity", "what", "value", "interval", "number"])
    table["number"] = [float(v) if is_number(v) else math.nan for v in table["number"]]
    return table


def between_types_method(results: dict) -> str:
    """The test of the difference between types, named with its method where the name does
    not say it ("Fisher-Freeman-Halton exact test", "..., Monte Carlo").

    Examples
    --------
    >>> between_types_method({"seizure_type_vs_responder_method": "Fisher's exact test"})
    "Fisher's exact test"
    """
    method = results.get("seizure_type_vs_responder_method")  # "<test>, <detail>"
    if not method:
        return "Fisher's exact test"
    parts = method.split(":")[0].split(", ")
    return ", ".join(parts[:1] + [p for p in parts[1:2] if p in ("asymptotic", "Monte Carlo")])


def _bootstrap(results: dict, level: str) -> str:
    low, high = results["median_percent_change_ci"]
    if not (is_number(low) and is_number(high)):
        return ""
    kind = ("bootstrap" if results.get("median_percent_change_ci_method", "bootstrap")
            == "bootstrap" else "order-statistic")
    return f"{kind} {level} CI {low:.1f}% to {high:.1f}%"
