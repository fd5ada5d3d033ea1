"""The notebooks of one run share the cohort and the results the first of them computed.

Under the runner, ``IVIG_SHARED_FOLDER`` names a private folder; ``start_notebook``,
``run_results`` and ``run_appraisal`` compute once there and read the copy after. Outside a run
(JupyterLab, nbval) each call computes.
"""

import json

import pytest

import ivig_helpers as ivig
from ivig_helpers import appraisal, results
from ivig_helpers.parameters import SHARED_FOLDER_VARIABLE

from .conftest import BUNDLED

SETTINGS = dict(responder_threshold=0.5, missing_followup="nonresponder", min_cell_count=0,
                seed=2024, alpha=0.05)


@pytest.fixture
def counted(monkeypatch):
    """How often the headline results and the appraisal are really computed."""
    calls = {"results": 0, "appraisal": 0}

    def counting(module, name, key):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls[key] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(results, "compute_results", "results")
    counting(appraisal, "appraisal_results", "appraisal")
    return calls


def _notebook(path=BUNDLED):
    """What the first cell of every notebook does."""
    cohort, patients = ivig.start_notebook(str(path), 0.5, "nonresponder", 0, 0.05, 2024)
    found = ivig.run_results(cohort, **SETTINGS)
    return cohort, patients, found


def test_outside_a_run_every_notebook_computes(monkeypatch, counted):
    monkeypatch.delenv(SHARED_FOLDER_VARIABLE, raising=False)
    _notebook()
    _notebook()
    assert counted["results"] == 2


def test_within_a_run_the_first_notebook_computes_and_the_others_read(
        monkeypatch, tmp_path, counted):
    monkeypatch.delenv(SHARED_FOLDER_VARIABLE, raising=False)
    alone = _notebook()
    monkeypatch.setenv(SHARED_FOLDER_VARIABLE, str(tmp_path))
    first, second = _notebook(), _notebook()
    assert counted["results"] == 2  # once alone, once for the whole run
    for shared in (first, second):
        assert shared[0].table.equals(alone[0].table) and shared[1].equals(alone[1])
        assert json.dumps(shared[2], sort_keys=True) == json.dumps(alone[2], sort_keys=True)
    cohort = second[0]
    found = [ivig.run_appraisal(cohort, **SETTINGS) for _ in range(2)]
    assert counted["appraisal"] == 1 and found[0] == found[1]
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".lock"] * 3 + [".pickle"] * 3


def test_other_parameters_or_another_table_are_never_served_a_shared_result(
        monkeypatch, tmp_path, counted):
    monkeypatch.setenv(SHARED_FOLDER_VARIABLE, str(tmp_path))
    cohort, _, found = _notebook()
    stricter = ivig.run_results(cohort, **{**SETTINGS, "responder_threshold": 0.75})
    assert counted["results"] == 2 and stricter["responders"] < found["responders"]
    # a table changed after loading is not the loaded cohort: computed again, not read
    cohort.table = cohort.table.iloc[:30]
    part = ivig.run_results(cohort, **SETTINGS)
    assert counted["results"] == 3 and part["n_patients"] == 30
