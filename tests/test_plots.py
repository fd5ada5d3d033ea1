"""Figures: drawn from a release only, every text free of identifiers, small counts read <N."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from ivig_helpers import make_cohort, plots  # noqa: E402
from ivig_helpers.contract import Cohort  # noqa: E402
from ivig_helpers.release import build_release  # noqa: E402
from ivig_helpers.release_figures import CHANGE_BANDS  # noqa: E402


def drawn_text(figure):
    figure.canvas.draw()
    return " ".join(t.get_text() for t in figure.findobj(Text))


@pytest.fixture(scope="module")
def cohort():
    table = make_cohort(40, mix={"focal": 25, "generalized": 1, "both": 14}, seed=12,
                        id_prefix="ZQX-PRIV")
    return Cohort(table=table, file_name="centre.csv", is_bundled=False)


def all_figures(cohort, min_cell_count=0):
    release = build_release(cohort, min_cell_count=min_cell_count)
    return {
        "age": plots.age_histogram(release),
        "waterfall": plots.waterfall(release, 0.5),
        "course": plots.course(release),
        "forest": plots.forest(release.table("by_type"), min_cell_count=min_cell_count),
        "slope": plots.slope(release),
        "asm": plots.asm_change_plot(release),
    }


def test_no_figure_draws_an_identifier(cohort):
    for name, figure in all_figures(cohort).items():
        assert "ZQX-PRIV" not in drawn_text(figure), name
        plt.close(figure)


def test_with_disclosure_control_figures_draw_released_aggregates_only(cohort):
    figures = all_figures(cohort, min_cell_count=5)
    forest = drawn_text(figures["forest"])
    assert "Left out (fewer than 5 children or responders, or withheld so that such a count " \
        "cannot be worked out): Generalized" in forest
    assert "Generalized (" not in forest  # the one-child group is not drawn
    assert "Focal (5/25)" in forest  # 25 children, 6 responders: rounded to 5
    assert "Generalized (n <5)" in drawn_text(figures["slope"])
    assert "not shown" in drawn_text(figures["slope"])
    # per-child figures become bands: one bar per band of percent change, not one per child
    waterfall_bars = [p for p in figures["waterfall"].axes[0].patches if p.get_height() > 0]
    assert 0 < len(waterfall_bars) <= len(CHANGE_BANDS) + 1
    for figure in figures.values():  # every bar height is a released count: 0 or a multiple of 5
        for bar in figure.axes[0].patches:
            assert bar.get_height() % 5 == 0, bar.get_height()
    plt.close("all")


def test_course_plot_starts_at_zero(cohort):
    figure = plots.course(build_release(cohort))
    assert figure.axes[0].get_ylim()[0] == 0
    plt.close(figure)


def test_the_specification_curve_draws_p_values_that_underflow_to_zero():
    import pandas as pd

    curve = pd.DataFrame({"family": ["change within the group"] * 3,
                          "p_value": [0.0, 1e-300, 0.2]})
    fig = plots.specification_curve(curve, 0.05)
    ax = fig.axes[0]
    drawn = [float(y) for c in ax.collections for y in c.get_offsets()[:, 1]]
    assert sorted(drawn) == [1e-16, 1e-16, 0.2]  # every point is on the figure
    assert ax.get_ylim()[0] > 1e-18
    assert any("2 below 1e-16" in t.get_text() for t in ax.texts)


def test_a_specification_curve_with_nothing_to_draw_is_no_figure():
    """With disclosure control on the release holds no analysis (an empty table with the
    columns); on a cohort where none gives a p-value, only NaN or withheld p-values. Neither
    draws an empty figure (the notebook says why in words instead); one p-value is drawn."""
    import pandas as pd

    release = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False), min_cell_count=5)
    withheld = release.table("specifications")
    assert len(withheld) == 0 and "p_value" in withheld
    assert plots.specification_curve(withheld, 0.05) is None
    none_computed = pd.DataFrame({"family": ["test", "test"], "p_value": [float("nan"),
                                                                          "suppressed"]})
    assert plots.specification_curve(none_computed, 0.05) is None
    one = plots.specification_curve(none_computed.assign(p_value=[0.03, float("nan")]), 0.05)
    drawn = [float(y) for c in one.axes[0].collections for y in c.get_offsets()[:, 1]]
    assert drawn == [0.03]
    plt.close(one)


def test_figures_of_rounded_counts_say_their_exact_intervals_are_of_them():
    """The responder rate by definition and by type, and the benchmarks' band, label their exact
    intervals "of the rounded counts" when the release their table came from rounds counts (its
    ``attrs``); not otherwise."""
    release = build_release(Cohort(make_cohort(40, seed=7), "c.csv", False), min_cell_count=5)
    for mcc, said in ((0, False), (5, True)):
        sweep, by_type, placebo = (release.table(name) for name in ("sweep", "by_type",
                                                                     "placebo"))
        for table in (sweep, by_type, placebo):
            assert table.attrs["min_cell_count"] == 5
            table.attrs["min_cell_count"] = mcc  # as a release with control off would say
        fig = plots.threshold_plot(sweep)
        assert ("of the rounded counts" in fig.axes[0].get_ylabel()) is said
        plt.close(fig)
        fig = plots.forest(by_type, min_cell_count=mcc)
        assert ("of the rounded counts" in fig.axes[0].get_xlabel()) is said
        plt.close(fig)
        fig = plots.benchmarks(placebo.iloc[:1])
        labels = fig.axes[0].get_legend_handles_labels()[1]
        assert any("of the rounded counts" in label for label in labels) is said
        plt.close(fig)
