"""Altair chart builders for the partner network: pure functions of DataFrames."""

from __future__ import annotations

import altair as alt
import pandas as pd


def network_chart(frame: pd.DataFrame, *, titles: dict[str, str]) -> alt.Chart:
    """Partners per county, stacked by type. `frame`: "county_label", "type_label", "partners"."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "county_label:N",
                title=titles["county"],
                sort="-x",
                axis=alt.Axis(labelLimit=220),
            ),
            x=alt.X(
                "sum(partners):Q",
                title=titles["partners"],
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "type_label:N", title=titles["type"], legend=alt.Legend(orient="top", columns=5)
            ),
            tooltip=[
                alt.Tooltip("county_label:N", title=titles["county"]),
                alt.Tooltip("type_label:N", title=titles["type"]),
                alt.Tooltip("partners:Q", title=titles["partners"]),
            ],
        )
        .properties(height=alt.Step(24))
    )


def contacts_chart(frame: pd.DataFrame, *, titles: dict[str, str]) -> alt.Chart:
    """Contacts per month, stacked by partner type. `frame`: "month", "type_label", "contacts"."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title=titles["month"], axis=alt.Axis(format="%m.%Y")),
            y=alt.Y(
                "sum(contacts):Q",
                title=titles["contacts"],
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "type_label:N", title=titles["type"], legend=alt.Legend(orient="top", columns=5)
            ),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title=titles["month"], format="%m.%Y"),
                alt.Tooltip("type_label:N", title=titles["type"]),
                alt.Tooltip("contacts:Q", title=titles["contacts"]),
            ],
        )
        .properties(height=280)
    )
