"""Two runs side by side, as a teacher uses them: the changed parameter, what it moved, and which
conclusions changed (a p-value on the other side of its run's alpha, the responder rate's interval
on the other side of the published rate)."""

import csv
import json
import shutil
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from scipy import stats

from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort
from ivig_helpers.app.compare import CANNOT_TELL, comparison_rows, write_comparison

from .conftest import BUNDLED, run_cli, shared_report

PUBLISHED_GENERALIZED_P = "p = 0.019"  # FACTS.md: generalized only, p = 0.019 (journal abstract)
PUBLISHED_RESPONDERS = (22, 60)  # FACTS.md: 22 of 60 responders (36.7%)


def fake_report(folder, results):
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(results))
    return folder


def read_csv(folder):
    return {r["quantity"]: r for r in csv.DictReader((folder / "compare.csv").open())}


@pytest.fixture(scope="module")
def table():
    return load_cohort(BUNDLED_COHORT).table


@pytest.fixture(scope="session")
def strict_alpha_report(tmp_path_factory):
    """The bundled cohort run at alpha 0.01 (the shared bundled report is at 0.05)."""
    return shared_report(tmp_path_factory, "bundled-alpha-0.01", lambda folder: BUNDLED,
                         ["alpha=0.01"])[0]


def test_comparison_marks_the_changed_parameter_and_the_numbers_it_moved(tmp_path, table):
    a = fake_report(tmp_path / "a", compute_results(table))
    b = fake_report(tmp_path / "b", compute_results(table, responder_threshold=0.75))
    page = write_comparison(a, b, tmp_path / "out")
    rows = list(csv.DictReader((tmp_path / "out" / "compare.csv").open()))
    changed = {r["quantity"] for r in rows if r["changed"] == "True"}
    assert "Responder threshold" in changed and "Random seed" not in changed
    responders = next(r for r in rows if r["quantity"] == "responders")
    assert responders["A"] == "22 of 60 (36.7%)"  # the published 22 responders at 50%
    expected = int(compute_results(table, responder_threshold=0.75)["responders"])
    assert responders["B"].startswith(f"{expected} of 60")
    assert "children" not in changed and "median_change" not in changed  # not moved by it
    html = page.read_text()
    assert "<title>Two runs side by side</title>" in html and 'class="ivig-changed"' in html
    assert "http://" not in html and "https://" not in html


def test_the_alpha_001_run_marks_the_generalized_p_as_no_longer_significant(
        bundled_report, strict_alpha_report, tmp_path):
    out = tmp_path / "compare"
    done = run_cli("compare", bundled_report, strict_alpha_report, "--out", out)
    assert done.returncode == 0, done.stderr
    rows = read_csv(out)
    generalized = rows["generalized_wilcoxon_p"]
    assert generalized["A"] == generalized["B"] == PUBLISHED_GENERALIZED_P
    assert generalized["conclusion_changed"] == "True" and generalized["changed"] == "False"
    assert "significant" in generalized["why"] and "0.01" in generalized["why"]
    # every p-value the runs share, enumerated here from results.json: a conclusion changes
    # exactly where p lies in [0.01, 0.05), below the first run's alpha and not the second's
    results = json.loads((bundled_report / "results.json").read_text())
    appraisal = results["appraisal"]
    raw = {f"{k}_wilcoxon_p": p for k, p in results["subgroup_wilcoxon_p"].items()}
    raw |= {f"{k}_wilcoxon_frequency_p": p
            for k, p in results["subgroup_wilcoxon_frequency_p"].items()}
    raw |= {f"{k}_holm_p": p for k, p in appraisal["holm_p"].items()}
    raw["between_types_p"] = results["seizure_type_vs_responder_p"]
    raw["generalized_exact_p"] = appraisal["generalized_exact_p"]
    raw["placebo_binomial_p"] = appraisal["placebo_binomial_p"]
    for total, stage in zip(sorted(appraisal["itt_placebo_p"], key=int),
                            ["included", "identified"], strict=True):
        raw[f"itt_placebo_p_{stage}"] = appraisal["itt_placebo_p"][total]
    for name, p in appraisal["interaction_tests"].items():
        if name != "fisher_freeman_halton":  # the same test as between_types_p
            raw[f"appraisal_{name}_p"] = p
    for label, p in appraisal["placebo_benchmark_p"].items():
        if f"benchmark_p: {label}" in rows:
            raw[f"benchmark_p: {label}"] = p
    assert set(raw) <= set(rows)
    flipped = {q for q, p in raw.items() if 0.01 <= p < 0.05}
    assert flipped == {q for q, r in rows.items() if r["conclusion_changed"] == "True"}
    assert "generalized_holm_p" not in flipped  # Holm's 0.056: not significant at either alpha
    # the 99% interval of 22 of 60 still includes the published rate: no change there
    low, high = stats.binomtest(*PUBLISHED_RESPONDERS).proportion_ci(0.99, "exact")
    assert low < 22 / 60 < high and rows["responders"]["conclusion_changed"] == "False"
    assert f"{100 * low:.1f}% to {100 * high:.1f}%" in rows["responders"]["B interval"]
    # the page: changed conclusions first, marked in words, and both reports linked
    soup = BeautifulSoup((out / "compare.html").read_text(), "html.parser")
    body_rows = soup.find_all("table")[-1].tbody.find_all("tr")
    marked = [r for r in body_rows if "ivig-conclusion-changed" in (r.get("class") or [])]
    assert len(marked) == len(flipped) and body_rows[:len(marked)] == marked
    assert all(r.td.get_text().startswith("Conclusion changed") for r in marked)
    assert any("generalized seizures (Wilcoxon, asymptotic)" in r.get_text() for r in marked)
    summary = soup.find("h2", string="Conclusions").find_next("p").get_text()
    assert summary.startswith(f"{len(flipped)} conclusions changed")
    assert_links_reach(soup, out, [bundled_report, strict_alpha_report])


def assert_links_reach(soup, out, reports):
    links = [a["href"] for a in soup.find_all("a", href=True) if "index.html" in a["href"]]
    assert [(out / unquote(href)).resolve() for href in links] == [
        (report / "index.html").resolve() for report in reports]
    assert all((out / unquote(href)).is_file() and not href.startswith("/") for href in links)


def test_the_links_work_with_the_output_inside_a_report(bundled_report, tmp_path):
    a = shutil.copytree(bundled_report, tmp_path / "my reports" / "run a")
    b = fake_report(tmp_path / "b", json.loads((a / "results.json").read_text()))
    (b / "index.html").write_text("<p>report b</p>")
    for out in (a / "compare", b / "deeper" / "compare"):
        page = write_comparison(a, b, out)
        assert_links_reach(BeautifulSoup(page.read_text(), "html.parser"), out, [a, b])


def test_two_identical_runs_mark_no_conclusion(bundled_report, tmp_path):
    write_comparison(bundled_report, bundled_report, tmp_path / "out")
    rows = read_csv(tmp_path / "out")
    assert {r["conclusion_changed"] for r in rows.values()} == {"False"}
    assert {r["changed"] for r in rows.values()} == {"False"}
    assert len(rows) > 40  # parameters, headline numbers, Holm and the appraisal's numbers
    html = (tmp_path / "out" / "compare.html").read_text()
    assert "No conclusion changed" in html and "ivig-conclusion-changed" not in html


def test_identical_runs_with_disclosure_control_cannot_tell_where_a_p_is_withheld(
        controlled_report, tmp_path):
    write_comparison(controlled_report, controlled_report, tmp_path / "out")
    rows = read_csv(tmp_path / "out")
    results = json.loads((controlled_report / "results.json").read_text())
    withheld = {f"{k}_wilcoxon_p" for k, p in results["subgroup_wilcoxon_p"].items()
                if p == "suppressed"}
    unclear = {q for q, r in rows.items() if r["conclusion_changed"] == CANNOT_TELL}
    assert withheld <= unclear and "True" not in {r["conclusion_changed"] for r in rows.values()}
    assert all("withheld" in rows[q]["why"] for q in unclear)
    soup = BeautifulSoup((tmp_path / "out" / "compare.html").read_text(), "html.parser")
    text = " ".join(soup.get_text(" ").split())
    assert "No conclusion changed among the numbers both runs show" in text
    assert (f"For {len(unclear)} numbers this cannot be told" in text) == (len(unclear) > 1)


def test_a_withheld_p_value_cannot_tell_and_a_bracket_counts_by_what_it_shows(table):
    a = compute_results(table)  # generalized p = 0.019, alpha 0.05
    withheld = {**a, "subgroup_wilcoxon_p": {**a["subgroup_wilcoxon_p"],
                                             "generalized": "suppressed"}}
    rows = {r["quantity"]: r for r in comparison_rows(a, withheld)[1]}
    assert rows["generalized_wilcoxon_p"]["conclusion_changed"] == CANNOT_TELL
    assert "withheld" in rows["generalized_wilcoxon_p"]["why"]
    assert rows["focal_wilcoxon_p"]["conclusion_changed"] is False
    # a bracket of disclosure control at the run's own alpha says on which side p lies
    below = {**a, "subgroup_wilcoxon_p": {**a["subgroup_wilcoxon_p"], "generalized": "<0.05"}}
    strict = compute_results(table, alpha=0.01)
    flag = {r["quantity"]: r["conclusion_changed"] for r in comparison_rows(below, strict)[1]}
    assert flag["generalized_wilcoxon_p"] is True
    flag = {r["quantity"]: r["conclusion_changed"] for r in comparison_rows(below, a)[1]}
    assert flag["generalized_wilcoxon_p"] is False  # below 0.05 in both
    # "<0.05" does not say whether p is below an alpha of 0.01
    loose = {**below, "alpha": 0.01}
    flag = {r["quantity"]: r["conclusion_changed"] for r in comparison_rows(loose, strict)[1]}
    assert flag["generalized_wilcoxon_p"] == CANNOT_TELL


def test_an_interval_that_now_excludes_the_published_rate_is_a_changed_conclusion(table):
    strict = compute_results(table, responder_threshold=0.75)
    events = int(strict["responders"])
    low, high = stats.binomtest(events, 60).proportion_ci(0.95, "exact")
    assert not low <= 22 / 60 <= high  # SciPy: at 75% the interval excludes the published rate
    row = {r["quantity"]: r for r in comparison_rows(compute_results(table), strict)[1]}
    assert row["responders"]["conclusion_changed"] is True
    assert "36.7% (22 of 60" in row["responders"]["why"]
    assert "definition" in row["responders"]["why"]  # the runs count responders differently
    hidden = {**strict, "responder_rate_ci": ["suppressed", "suppressed"]}
    row = {r["quantity"]: r for r in comparison_rows(compute_results(table), hidden)[1]}
    assert row["responders"]["conclusion_changed"] == CANNOT_TELL


def test_a_folder_that_is_not_a_report_is_refused_with_status_2(tmp_path):
    (tmp_path / "a").mkdir()
    done = run_cli("compare", tmp_path / "a", tmp_path / "a", "--out", tmp_path / "out")
    assert done.returncode == 2 and "not a report folder" in done.stderr
    assert "Traceback" not in done.stderr
