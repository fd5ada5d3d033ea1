"""The appraisal is a package of one module a statistical family (issue 17): each module stays
small, the siblings import one another without a circle, and everything the notebooks and the
other modules reach as ``appraisal.X`` is still there."""

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

from ivig_helpers import appraisal, benchmarks_published, narrative

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ivig_helpers" / "appraisal"
FAMILIES = ["multiplicity", "interaction", "fragility", "placebo", "evidence", "trial_size"]

# every public name of the former ivig_helpers/appraisal.py
PUBLIC = [
    "BENCHMARKS", "IVIG_COHORTS", "MAX_EXACT_PAIRS", "PERMUTATION_LIMIT", "PLACEBO_RATE",
    "SIMULATION_COHORT_LIMIT", "SPECIFICATION_COLUMNS", "STUDY_ATTRITION", "THIS_STUDY",
    "appraisal_results", "cohorts_with", "exact_intervals", "exact_signed_rank_p", "holm_table",
    "holm_view", "interaction_tests", "interaction_view", "itt_totals",
    "load_ivig_cohorts", "null_simulation", "odds_ratio_view", "placebo_comparison",
    "pooled_responder_rate", "power_curve", "rct_sample_size", "released_pair",
    "responder_odds_ratios", "single_arm_sample_size", "specification_curve",
    "specification_share"]


def _modules():
    return sorted(PACKAGE.glob("*.py"))


def test_the_families_are_modules_of_the_package():
    assert {p.stem for p in _modules()} >= {"__init__", *FAMILIES}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_every_module_of_the_package_is_under_1000_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 1000


def test_the_siblings_import_one_another_without_a_circle():
    """A family may import a sibling (fragility uses placebo's attrition); only __init__ imports
    them all, and no sibling imports __init__ (the package itself)."""
    graph = {}
    for path in _modules():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= ({node.module} if node.module else {a.name for a in node.names})
        graph[path.stem] = found
    siblings = set(graph) - {"__init__"}
    for name, found in graph.items():  # a name that is no sibling comes from __init__
        assert found <= siblings, (name, found - siblings)

    def visit(name, trail):
        assert name not in trail, " -> ".join([*trail, name])
        for nxt in graph.get(name, ()):
            visit(nxt, [*trail, name])

    for name in graph:
        visit(name, [])


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_of_the_old_module_is_still_importable_both_ways(name):
    assert hasattr(appraisal, name)
    assert getattr(importlib.import_module("ivig_helpers.appraisal"), name) is getattr(
        appraisal, name)
    assert name in appraisal.__all__


def test_the_package_exposes_every_name_the_notebooks_use():
    used = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                used |= set(re.findall(r"\bappraisal\.([A-Za-z_]\w*)", "".join(cell["source"])))
    assert {"holm_view", "interaction_view", "odds_ratio_view", "cohorts_with",
            "pooled_with_and_without", "exact_intervals", "rct_sample_size",
            "power_curve"} <= used
    assert sorted(n for n in used if not hasattr(appraisal, n)) == []


def test_the_placebo_rate_is_defined_once():
    assert appraisal.PLACEBO_RATE is benchmarks_published.PLACEBO_RATE
    assert narrative.PLACEBO_RATE is benchmarks_published.PLACEBO_RATE
    assert appraisal.placebo.BENCHMARKS is benchmarks_published.BENCHMARKS
    assert not hasattr(narrative, "PLACEBO_RATE_CHILDREN")
