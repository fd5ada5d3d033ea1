"""Helpers for the IVIG replication notebooks.

The notebooks tell the story; this package computes. Modules by family:

- ``contract``: the data contract, loading and checking a cohort file
- ``outcomes``: percent change, responders, seizure freedom, scores, rates with intervals
- ``comparisons``: paired Wilcoxon and Friedman tests, Fisher's exact test
- ``medications``: the checks of the antiseizure-medication claim
- ``results``: the headline numbers of a run and the scorecard against the publication
- ``appraisal``: the critical appraisal, a module per family: ``multiplicity``, ``interaction``,
  ``fragility``, ``placebo`` (and regression to the mean), ``evidence`` (other cohorts pooled),
  ``trial_size``
- ``exercises``: the teachers' exercises and their answers
- ``narrative``: what these data show, in sentences written from the numbers of the run
  (the appraisal's paragraphs in ``narrative_appraisal``)
- ``parameters``: the notebooks' parameters, declared once
- ``release``: the one door between rows and a report: every number of a report computed once
  and released together (``release_tables``, ``release_figures``; counts in one ``ledger``)
- ``privacy``: the rules of disclosure control, by class of output (counts, magnitudes,
  statistics)
- ``reporting``: what a notebook shows, formatted from the release (no rows)
- ``table1``: Table 1 as clinical papers print it
- ``plots``: the figures
- ``bundled``: where the bundled cohort, published numbers and notebooks are (checkout or wheel)
- ``errors``: the errors and exit statuses the library and the application share

The application that runs the collection (``python -m ivig_helpers run`` and the other
commands: ``cli``, ``runner``, ``folder``, ``pages``, ``compare``, ``pool``, ``kernels``) is
``ivig_helpers.app``; the library never imports it.
- ``synthetic``: the bundled synthetic cohort and cohorts of any size and mix
"""

# Each public name and its module. Names are imported on first use (PEP 562), so that
# `python -m ivig_helpers validate` starts without SciPy, matplotlib or tableone.
_WHERE = {
    **dict.fromkeys(("fisher_exact", "friedman", "paired_wilcoxon"), "comparisons"),
    **dict.fromkeys(("BUNDLED_COHORT", "Cohort", "CohortError", "COLUMNS", "load_cohort",
                    "SEIZURE_TYPES"), "contract"),
    **dict.fromkeys(("add_asm_change", "asm_checks", "has_asm_counts",
                    "responders_by_asm_change"), "medications"),
    **dict.fromkeys(("add_outcomes", "count_missing_followup", "frequency_score",
                    "median_change_interval", "percent_change", "proportion_ci", "rate_table",
                    "threshold_sweep"), "outcomes"),
    **dict.fromkeys(("mode_statement", "release_count"), "privacy"),
    **dict.fromkeys(("Release", "build_release", "open_release"), "release"),
    **dict.fromkeys(("age_summary", "asm_summary", "describe_median", "describe_rate",
                    "describe_test", "level_words", "open_notebook", "plain_table",
                    "preview_rows", "result_table", "scorecard_summary", "scorecard_view",
                    "source_note", "specifications_note", "versions"), "reporting"),
    **dict.fromkeys(("table_one",), "table1"),
    **dict.fromkeys(("compute_results", "load_published", "scorecard", "write_results"),
                    "results"),
    **dict.fromkeys(("make_cohort", "make_published_cohort", "write_cohort"), "synthetic"),
}


def __getattr__(name: str):
    if name in _WHERE:
        from importlib import import_module

        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # the next use is a plain lookup
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = sorted(_WHERE)
