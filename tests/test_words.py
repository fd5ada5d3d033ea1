"""Every generated sentence says only what its numbers support, on any cohort and parameters.

Hypothesis generates cohorts (zero or all responders, a seizure type of one child or none,
missing follow-up) and parameters (threshold, alpha, disclosure control on and off); each
sentence is checked against the numbers it was written from: how many groups were tested, on
which side of alpha a p-value lies, and why a test is missing.
"""

import functools
import io
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ivig_helpers import exercises, make_cohort, narrative, narrative_appraisal
from ivig_helpers.contract import cohort_from_bytes
from ivig_helpers.narrative import p_number, p_text, p_words
from ivig_helpers.parameters import ALPHA_RANGE
from ivig_helpers.privacy import release_p
from ivig_helpers.release import build_release

TYPES = ("focal", "generalized", "both")


@pytest.fixture(scope="module", autouse=True)
def fewer_simulations():
    """The releases of this module run the appraisal's permutation tests and no-effect
    simulations with fewer draws (999 permutations, 2,000 simulated cohorts, as the appraisal's
    own example does): most of a release's time, and no sentence checked here rests on their
    precision; the sentences are written by the same code from whatever numbers they give.
    The releases of a report keep the full counts (test_appraisal checks them)."""
    import ivig_helpers.appraisal as appraisal

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(appraisal, "appraisal_results", functools.partial(
            appraisal.appraisal_results, n_permutations=999, n_cohorts=2000))
        yield


def side(value: float, alpha: float) -> int:
    return (value > alpha) - (value < alpha)


# --- printed p-values never land on or across alpha ------------------------------------------

alphas = st.floats(*ALPHA_RANGE)
p_values = st.floats(0, 1)


@given(p=p_values, alpha=alphas)
@example(p=0.0499, alpha=0.05).via("the issue's example")
@example(p=0.04996, alpha=0.05).via("four decimals would still round onto alpha")
@example(p=0.0007, alpha=0.0005).via("alpha below the printing floor")
def test_a_printed_p_value_is_on_the_same_side_of_alpha_as_the_p_value(p, alpha):
    printed = p_words(p, alpha)
    assert side(read_back(printed), alpha) == side(p, alpha) or p == alpha, (p, alpha, printed)


def read_back(printed: str) -> float:
    """The number a reader takes from "p = 0.0499" or "p < 0.001" (just below the edge)."""
    relation, number = printed.split(" ")[1:3]
    return p_number(f"<{number}") if relation == "<" else float(number)


@given(p=p_values, alpha=alphas, cells=st.sampled_from([5, 10]))
@example(p=0.0499, alpha=0.05, cells=5)
@example(p=0.052, alpha=0.05, cells=5)
@example(p=0.0096, alpha=0.01, cells=5)
def test_a_released_p_value_is_on_the_same_side_of_alpha_as_the_p_value(p, alpha, cells):
    released = release_p(p, cells, alpha)
    assert p_number(released) is not None
    assert narrative.p_below(released, alpha) == (p < alpha), (p, alpha, released)
    if p_number(released) == alpha:  # shown as alpha itself only when it is alpha
        assert p == alpha or isinstance(released, str), (p, alpha, released)


def test_a_p_value_is_printed_with_three_decimals_where_that_is_enough():
    assert p_text(0.0191, 0.05) == "0.019" and p_text(0.0499, 0.05) == "0.0499"
    assert p_text(0.05, 0.05) == "0.05" and p_text(0.512, 0.05) == "0.512"


# --- sentences against the numbers they were written from ------------------------------------

def cohort_of(n, mix, rates, missing, seed):
    table = make_cohort(n, mix=mix, responder_rates=rates, missing_followup_share=missing,
                        seed=seed)
    text = io.StringIO()
    table.to_csv(text, index=False)
    return cohort_from_bytes(text.getvalue().encode(), "generated.csv")


mixes = st.sampled_from([
    {"focal": 23, "generalized": 22, "both": 15},
    {"focal": 20, "generalized": 1, "both": 19},   # a group of one
    {"focal": 30, "generalized": 10, "both": 0},   # a type missing
    {"focal": 0, "generalized": 25, "both": 0},    # one type only
])
rates = st.sampled_from([
    None,
    {"focal": 0.0, "generalized": 0.0, "both": 0.0},  # no responder at all
    {"focal": 1.0, "generalized": 1.0, "both": 1.0},  # every child a responder
    {"focal": 0.2, "generalized": 0.6, "both": 0.4},
])


def sentences(release) -> dict[str, str]:
    results, appraisal = release.results, release.appraisal
    alpha = results["alpha"]
    planned = exercises.prespecified_or_not(results["subgroup_wilcoxon_p"], results["holm_p"])
    return {
        "subgroup_story": narrative.subgroup_story(results, alpha),
        "subgroups_shows": narrative.subgroups_shows(results, alpha),
        "medications_story": narrative.medications_story(results, alpha),
        "appraisal_story": narrative_appraisal.appraisal_story(appraisal),
        "exercise_3": exercises.answer_words(3, planned, alpha),
    }


def check_sentences(release, control_on: bool) -> None:
    results, appraisal = release.results, release.appraisal
    alpha = results["alpha"]
    texts = sentences(release)
    n_holm = sum(p is not None for p in results["holm_p"].values())
    n_raw = sum(p is not None for p in appraisal["holm_raw_p"].values())
    for name, text in texts.items():
        # the number of groups in Holm's family is the number that were tested
        for found in re.findall(r"testing (\d+) groups|(\d+) groups were tested|one of (?:the )?"
                                r"(\d+) (?:groups|tests)", text):
            said = int(next(f for f in found if f))
            assert said == (n_raw if "were tested" in text and name == "appraisal_story"
                            else n_holm), (name, said, text)
        assert "smallest of three" not in text or n_holm == 3, (name, text)
        # a missing number blames disclosure control only when it is on
        if not control_on:
            assert "disclosure control" not in text.lower(), (name, text)
        # "p = x (below alpha)" only for a p-value below alpha
        for printed in re.findall(r"p = ([0-9.]+)\)? \(below alpha\)", text):
            assert float(printed) < alpha, (name, printed, alpha, text)
        for printed in re.findall(r"p = ([0-9.]+)", text):
            value = float(printed.rstrip("."))
            assert value != alpha or any(
                p == alpha for p in _p_values(results)), (name, printed, text)


def _p_values(results):
    found = []
    for key in ("subgroup_wilcoxon_p", "holm_p", "subgroup_wilcoxon_frequency_p"):
        found += [v for v in (results.get(key) or {}).values() if isinstance(v, float)]
    return found


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(mix=mixes, rates=rates, missing=st.sampled_from([0.0, 0.25]),
       threshold=st.sampled_from([0.3, 0.5, 0.75]), alpha=st.sampled_from([0.01, 0.05, 0.1]),
       handling=st.sampled_from(["nonresponder", "exclude"]), seed=st.integers(1, 50))
def test_sentences_state_only_what_their_numbers_support(mix, rates, missing, threshold, alpha,
                                                         handling, seed):
    n = sum(mix.values())
    cohort = cohort_of(n, mix, rates, missing, seed)
    control_off = build_release(cohort, threshold, handling, 0, alpha)
    check_sentences(control_off, control_on=False)
    control_on = build_release(cohort, threshold, handling, 5, alpha)
    check_sentences(control_on, control_on=True)
    # a p-value released with control on is on the same side of alpha as the exact one
    for key in ("subgroup_wilcoxon_p", "subgroup_wilcoxon_frequency_p", "holm_p"):
        for kind, exact in (control_off.results.get(key) or {}).items():
            shown = (control_on.results.get(key) or {}).get(kind)
            if exact is not None and p_number(shown) is not None:
                assert narrative.p_below(shown, alpha) == (exact < alpha), (key, kind, exact,
                                                                             shown)


def test_zero_and_all_responders_do_not_blame_disclosure_control():
    for responders in (0.0, 1.0):
        cohort = cohort_of(60, None, dict.fromkeys(TYPES, responders), 0.0, 3)
        check_sentences(build_release(cohort), control_on=False)


def test_two_testable_groups_are_corrected_for_two():
    # no "both" group: Holm's family has two members, and every sentence says two
    cohort = cohort_of(50, {"focal": 25, "generalized": 25, "both": 0}, None, 0.0, 4)
    release = build_release(cohort)
    assert sum(p is not None for p in release.results["holm_p"].values()) == 2
    texts = sentences(release)
    assert "testing 2 groups" in texts["subgroup_story"]
    assert "one of the 2 groups tested" in texts["exercise_3"]
    assert "2 groups were tested" in texts["appraisal_story"]


# --- the words of page 6 define every method it names -----------------------------------------

METHODS = {  # a method as the page names it -> what its definition must contain
    "exact conditional": "The *exact conditional* interval",
    "Newcombe": "Newcombe's interval is built from",
    "Wilson": "*Wilson*",
    "Clopper-Pearson": "*Clopper-Pearson*",
    "Fisher's exact test": "**Fisher's exact test**",
    "Fisher-Freeman-Halton": "**Fisher-Freeman-Halton test**",
    "Mann-Whitney": "**Mann-Whitney test**",
    "sign test": "**Sign test**",
    "binomial": "**Exact binomial test**",
    "Wald": "*Wald*",
    "Kruskal-Wallis": "**Kruskal-Wallis test**",
    "Holm": "**Holm's method**",
    "Pratt": "(*Pratt*)",
    "Paule-Mandel": "*Paule-Mandel*",
    "Hartung-Knapp": "*Hartung-Knapp*",
    "prediction interval": "*prediction interval*",
    "pooled-variance": "*pooled-variance*",
    "Fleiss": "*Fleiss'",
    "arcsine": "*arcsine*",
    "Cohen's h": "*Cohen's h*",
    "risk ratio": "**Risk ratio**",
    "one-sided": "*one-sided*",
    "regression to the mean": "regression to the mean**",
}


def test_the_words_of_page_6_define_every_method_it_names():
    """Each method named on page 6 (its markdown, or the sentences written for the bundled
    cohort) has a plain definition in the cell "Words used on this page"."""
    import nbformat

    from ivig_helpers import BUNDLED_COHORT, load_cohort
    from ivig_helpers.bundled import NOTEBOOKS_DIR

    notebook = nbformat.read(NOTEBOOKS_DIR / "06_appraisal.ipynb", as_version=4)
    words = next(c.source for c in notebook.cells
                 if c.source.startswith("## Words used on this page"))
    release = build_release(load_cohort(BUNDLED_COHORT))
    page = "\n".join(c.source for c in notebook.cells if c.source != words) + \
        narrative_appraisal.appraisal_story(release.appraisal)
    page, words = " ".join(page.split()).lower(), " ".join(words.split())
    named = [name for name in METHODS if name.lower() in page]
    assert {"exact conditional", "Newcombe", "Fisher's exact test"} <= set(named)
    missing = [name for name in named if METHODS[name] not in words]
    assert missing == []
