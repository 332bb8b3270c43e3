"""Altair chart builders: pure functions of DataFrames, tested without Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd


def coverage_chart(frame: pd.DataFrame, *, label_column: str, titles: dict[str, str]) -> alt.Chart:
    """Specialists and clients side by side per row; hidden client counts draw no bar.

    `frame` has the label column, "specialists", "clients" (None when suppressed) and
    "clients_shown" (the text a reader may see, e.g. "<5"). `titles` names the axes and
    the two measures in the reader's language.
    """
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "label": frame[label_column],
                    "measure": titles["specialists"],
                    "value": frame["specialists"],
                    "shown": frame["specialists"].astype(str),
                }
            ),
            pd.DataFrame(
                {
                    "label": frame[label_column],
                    "measure": titles["clients"],
                    "value": frame["clients"],
                    "shown": frame["clients_shown"],
                }
            ),
        ],
        ignore_index=True,
    )
    long = long.dropna(subset=["value"])
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=titles["label"], sort=list(frame[label_column])),
            x=alt.X("value:Q", title=titles["value"]),
            yOffset=alt.YOffset("measure:N"),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("label:N", title=titles["label"]),
                alt.Tooltip("measure:N", title=titles["measure"]),
                alt.Tooltip("shown:N", title=titles["value"]),
            ],
        )
        .properties(height=max(200, 34 * len(frame)))
    )
