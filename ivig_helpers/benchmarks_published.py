"""Published responder rates that a cohort's rate is set against, defined once, each with its
interval as published (or as derived, and labelled so) and its source; and what must be said
wherever the other published IVIG cohorts are pooled.

Used by the appraisal (:mod:`ivig_helpers.appraisal`) and by the sentences of
:mod:`ivig_helpers.narrative`; this module imports nothing, so either may import it. The facts
are those of the project's FACTS sheet (sections 3 and 4).

Every placebo benchmark below comes from blinded randomized add-on trials: the drug trials of
Rheims, Zaccara and Romero in focal epilepsy with 12 to 18 weeks of maintenance, and the one
trial of IVIG (van Rijckevorsel-Harmant et al. 1994; mostly adults, responders at 6 months).
None is like an open-label, one-year cohort of children with mostly generalized or combined
seizures: they are rough yardsticks, not this cohort's missing control group.
"""

PLACEBO_RATE = 0.19
"""Placebo 50% responder rate in children, drug-resistant focal epilepsy (Rheims et al. 2008)."""

TRIAL_PLACEBO = (5, 18)
"""The placebo arm of the one randomized trial of IVIG (van Rijckevorsel-Harmant et al. 1994):
5 responders of 18, **reconstructed**, not published: the only 2x2 table with 40 IVIG and 18
placebo patients that gives the Cochrane review's risk ratio 1.89 (0.85-4.21) is 21/40 against
5/18."""

TRIAL_LABEL = ("placebo arm of the IVIG trial (van Rijckevorsel-Harmant et al. 1994), "
               "reconstructed")
"""The benchmark's name wherever it is shown: the word "reconstructed" goes with it."""

BENCHMARKS = (
    {"benchmark": "placebo, children (Zaccara et al. 2014)", "rate": 0.197,
     "low": 0.160, "high": 0.234, "interval": "95% CI, published", "status": "published",
     "source": "Zaccara et al. 2014, Epilepsy Res 108:1685 (7 paediatric trials, 634 "
               "placebo-treated children)",
     "finding": "concludes that children's placebo response does not differ from adults'"},
    {"benchmark": "placebo arms, historical (Romero et al. 2020)", "rate": 0.211,
     "low": 0.111, "high": 0.311,
     "interval": "published mean +/- 1 SD between trials (10.0 points): a spread of trials' "
                 "placebo arms, not a confidence interval",
     "status": "published",
     "source": "Romero et al. 2020, Epilepsy Res 162:106306 (historical placebo arms)",
     "finding": "placebo arms vary from trial to trial (SD 10.0 points)"},
    {"benchmark": TRIAL_LABEL, "rate": TRIAL_PLACEBO[0] / TRIAL_PLACEBO[1],
     "low": None, "high": None,  # the exact interval of 5/18, computed where it is shown
     "interval": "exact (Clopper-Pearson) 95% CI of 5/18", "status": "reconstructed",
     "source": "van Rijckevorsel-Harmant et al. 1994, Int J Clin Lab Res, "
               "doi:10.1007/BF02592447; 5/18 reconstructed from the Cochrane review's risk "
               "ratio 1.89 (95% CI 0.85-4.21), CD008557",
     "finding": "58 patients analysed, mostly adults (46 of 61 with partial epilepsy), placebo "
                "infusions, response at 6 months; overall P = 0.095"},
    {"benchmark": "active add-on drugs, children (Rheims et al. 2008)", "rate": 0.372,
     "low": None, "high": None, "interval": "none in our sources", "status": "published",
     "source": "Rheims et al. 2008, PLoS Med 5:e166 (32 randomized trials)",
     "finding": "active add-on drugs in children; 30.4% in adults"},
)
"""Further responder rates that the cohort's rate is set against (after Rheims' 19%, the first
row of :func:`ivig_helpers.appraisal.placebo_comparison`): ``benchmark``, ``rate``, ``low`` and
``high`` (the interval's ends, None when none is published), ``interval`` (what kind of
interval), ``status`` ("published" or "reconstructed"), ``source``, ``finding``."""

RHEIMS = {"benchmark": "placebo, children (Rheims et al. 2008)", "rate": PLACEBO_RATE,
          "low": None, "high": None, "interval": "none in our sources", "status": "published",
          "source": "Rheims et al. 2008, PLoS Med 5:e166 (32 randomized trials, 5 paediatric)",
          "finding": "finds that children respond more to placebo than adults (19% against "
                     "9.9%)"}
"""The first benchmark, :data:`PLACEBO_RATE`, described as the others."""

SETTING = ("All these benchmarks come from blinded, randomized add-on trials: the drug trials in "
           "focal epilepsy with 12 to 18 weeks of maintenance, the IVIG trial in mostly adults "
           "with response at 6 months. The Calgary study was open-label, followed children for "
           "a year, and most had generalized or combined seizures: the benchmarks are rough "
           "yardsticks, not its missing control group.")
"""What every benchmark has in common, and how it differs from the study (FACTS section 4)."""

OVERLAPPING = "Bello-Espinosa et al. 2015"
"""The cohort that may share children with the Calgary study: its authors were at the same
centre (University of Calgary / Alberta Children's Hospital), treated 2006-2012; the Calgary
review's years are not published."""

SELECTION = ("The other cohorts are a targeted list from the project's fact sheet, not a "
             "systematic search: no database was searched with recorded terms, so the pooled "
             "rate is not a systematic-review estimate (how they were found, and which "
             "candidates were left out and why: data/evidence_search.md).")
"""How the cohorts were chosen, said wherever they are pooled."""

POOLED_MEANS = ("The pooled rate is an average of the cohorts' responder proportions (random "
                "effects on the logit scale), not the responder rate of any one population: "
                "the cohorts measured response at different times (the best response at about "
                "10 weeks; the end of a 3-month course, in patients up to 25.8 years old; after "
                "at least 6 cycles; within a year) and chose their patients differently.")
"""What the pooled rate means, and what it does not."""
