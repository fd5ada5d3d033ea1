"""Published responder rates that a cohort's rate is set against, defined once.

Used by the appraisal (:mod:`ivig_helpers.appraisal`) and by the sentences of
:mod:`ivig_helpers.narrative`; this module imports nothing, so either may import it.
"""

PLACEBO_RATE = 0.19
"""Placebo 50% responder rate in children, drug-resistant focal epilepsy (Rheims et al. 2008)."""

BENCHMARKS = (
    ("placebo, children (Zaccara et al. 2014)", 0.197,
     "Zaccara et al. 2014, Epilepsy Res 108:1685 (634 placebo-treated children)"),
    ("active add-on drugs, children (Rheims et al. 2008)", 0.372,
     "Rheims et al. 2008, PLoS Med 5:e166 (32 randomized trials)"),
)
"""Further responder rates that the cohort's rate is set against."""
