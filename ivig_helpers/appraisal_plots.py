"""Figures of the critical appraisal (notebook 6), drawn from the tables of
:mod:`ivig_helpers.appraisal`. Each function returns a matplotlib Figure; none draws a patient.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .privacy import is_number

FAMILY_COLORS = {"change within the group": "#4c72b0",
                 "responder rate against placebo": "#dd8452"}


def specification_curve(curve: pd.DataFrame, alpha: float = 0.05) -> plt.Figure:
    """Every analytic choice's p-value for the same claim, smallest to largest, on a log scale,
    with the significance level drawn: how many choices would have given "p < alpha"?"""
    shown = curve.loc[curve["p_value"].map(is_number).astype(bool)].copy()
    shown["p_value"] = shown["p_value"].astype(float)
    shown = shown.dropna(subset=["p_value"]).sort_values("p_value", kind="stable")
    fig, ax = plt.subplots(figsize=(9, 4))
    if shown.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, "Not shown: no analysis could be computed, or disclosure control "
                "withholds them (their exact tests would give counts back).",
                ha="center", transform=ax.transAxes)
        return fig
    x = np.arange(len(shown))
    for family, color in FAMILY_COLORS.items():
        part = (shown["family"] == family).to_numpy()
        ax.scatter(x[part], shown["p_value"][part], color=color, label=family, zorder=3)
    other = ~shown["family"].isin(list(FAMILY_COLORS)).to_numpy()
    if other.any():
        ax.scatter(x[other], shown["p_value"][other], color="gray", label="other", zorder=3)
    ax.axhline(alpha, color="firebrick", linestyle="--", linewidth=1)
    below = int((shown["p_value"] < alpha).sum())
    ax.set_yscale("log")
    ax.set(title=f"The same claim under {len(shown)} reasonable analyses: {below} give "
                 f"p < {alpha:g}",
           xlabel="Analyses, ordered by p-value (details in the table below)",
           ylabel="p-value (log scale)", xticks=[])
    ax.legend(loc="lower right", frameon=True, fontsize=8)
    return fig


def benchmarks(placebo: pd.DataFrame, level: str = "95%",
               responder_threshold: float = 0.5) -> plt.Figure:
    """This cohort's responder rate with its exact interval against the benchmark rates of
    children in randomized trials (placebo, and active add-on drugs)."""
    fig, ax = plt.subplots(figsize=(8, 2.8))
    row = placebo.iloc[0]
    if not all(is_number(row[c]) for c in ("rate", "exact_low", "exact_high")):
        ax.axis("off")
        ax.text(0.5, 0.5, "The responder rate is not shown (disclosure control).",
                ha="center", transform=ax.transAxes)
        return fig
    rate, low, high = (100 * float(row[c]) for c in ("rate", "exact_low", "exact_high"))
    ax.errorbar([rate], [0], xerr=[[rate - low], [high - rate]], fmt="s", color="#4c72b0",
                capsize=5, label=f"these data (exact {level} CI)")
    colors = ["firebrick", "darkorange", "seagreen"]
    for (_, bench), color in zip(placebo.iterrows(), colors, strict=False):
        ax.axvline(100 * bench["benchmark_rate"], color=color, linestyle="--", linewidth=1,
                   label=f"{bench['benchmark']}: {100 * bench['benchmark_rate']:.1f}%")
    ax.set(xlim=(0, 100), yticks=[],
           xlabel=f"Children with at least {100 * responder_threshold:g}% fewer seizures (%); "
                  "the trials counted 50%",
           title="The responder rate against children in randomized trials")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2, fontsize=8,
              frameon=False)
    return fig


def evidence_forest(intervals: pd.DataFrame, pooled: pd.DataFrame,
                    level: str = "95%") -> plt.Figure:
    """The published IVIG cohorts' responder rates with exact intervals, and the random-effects
    pooled rate with its confidence and prediction intervals."""
    rows = intervals.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 2.2))
    y = np.arange(len(rows)) + 2
    shown = rows["rate"].map(is_number).astype(bool)
    rate = 100 * rows.loc[shown, "rate"].astype(float)
    ax.errorbar(rate, y[shown.to_numpy()],
                xerr=[rate - 100 * rows.loc[shown, "exact_low"].astype(float),
                      100 * rows.loc[shown, "exact_high"].astype(float) - rate],
                fmt="s", color="#4c72b0", capsize=4)
    labels = [f"{s} ({e}/{n})" for s, e, n in zip(rows["study"], rows["events"], rows["n"],
                                                  strict=True)]
    pool = pooled.iloc[0]
    if is_number(pool["rate"]) and pd.notna(pool["rate"]):
        ax.errorbar([100 * pool["rate"]], [0.8], xerr=[[100 * (pool["rate"] - pool["ci_low"])],
                                                       [100 * (pool["ci_high"] - pool["rate"])]],
                    fmt="D", color="black", capsize=4,
                    label=f"pooled, {level} CI (Hartung-Knapp)")
        if pd.notna(pool["pi_low"]):
            ax.plot([100 * pool["pi_low"], 100 * pool["pi_high"]], [0.3, 0.3], color="gray",
                    linewidth=3, label=f"{level} prediction interval (a new cohort)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize=8,
                  frameon=False)
    ax.set(yticks=list(y) + [0.8], yticklabels=labels + ["Pooled (random effects)"],
           xlim=(0, 100), xlabel=f"Responders (%, exact {level} CI)",
           title="Responder rates of the published IVIG cohorts")
    return fig


def power_curves(curve: pd.DataFrame, target: float = 0.8) -> plt.Figure:
    """Power of a two-arm trial against the number of children per arm, for each formula."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for test, part in curve.groupby("test", sort=False):
        ax.plot(part["n_per_arm"], 100 * part["power"], label=test)
    ax.axhline(100 * target, color="gray", linestyle=":", linewidth=1)
    ax.set(ylim=(0, 100), xlabel="Children per arm", ylabel="Power (%)",
           title="How many children a randomized trial would need")
    ax.legend(fontsize=8, loc="lower right")
    return fig
