"""Figures: every text a figure draws is free of identifiers, and small counts read <N."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from ivig_helpers import add_asm_change, add_outcomes, make_cohort, plots, rate_table  # noqa: E402


def drawn_text(figure):
    figure.canvas.draw()
    return " ".join(t.get_text() for t in figure.findobj(Text))


@pytest.fixture(scope="module")
def patients():
    table = make_cohort(40, mix={"focal": 25, "generalized": 1, "both": 14}, seed=12,
                        id_prefix="ZQX-PRIV")
    table["seizure_type"] = table["seizure_type"].astype("category")
    return add_outcomes(table)


def all_figures(patients, min_cell_count=0):
    return {
        "age": plots.age_histogram(patients),
        "waterfall": plots.waterfall(patients, 0.5, min_cell_count),
        "course": plots.course(patients),
        "forest": plots.forest(rate_table(patients, by="seizure_type"),
                               min_cell_count=min_cell_count),
        "slope": plots.slope(patients, min_cell_count=min_cell_count),
        "asm": plots.asm_change_plot(add_asm_change(patients)),
    }


def test_no_figure_draws_an_identifier(patients):
    for name, figure in all_figures(patients).items():
        assert "ZQX-PRIV" not in drawn_text(figure), name
        plt.close(figure)


def test_small_counts_in_figure_labels_are_suppressed(patients):
    figures = all_figures(patients, min_cell_count=5)
    assert "Generalized (0/<5)" in drawn_text(figures["forest"])
    assert "Generalized (n=<5)" in drawn_text(figures["slope"])
    assert "(1)" not in drawn_text(figures["forest"])
    plt.close("all")
