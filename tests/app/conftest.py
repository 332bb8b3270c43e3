"""AppTest helpers: a fresh Streamlit cache per test, sign-in through the real form."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.config import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    # Caches live in the process and would leak one test's database into the next.
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def new_app(lang: str = "et") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.session_state["lang"] = lang
    return app


def sign_in(app: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    app.run()
    inputs = {box.label: box for box in app.text_input}
    username_box = inputs.get("Kasutajanimi") or inputs["Username"]
    password_box = inputs.get("Parool") or inputs["Password"]
    username_box.input(username)
    password_box.input(password)
    submit = next(b for b in app.button if b.label in ("Logi sisse", "Sign in"))
    submit.click().run()
    return app


def all_text(app: AppTest) -> str:
    """Every text the run produced, for assertions about what a reader can see."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "info",
        "success",
        "warning",
        "error",
        "metric",
    ):
        for element in getattr(app, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    for frame in app.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(parts)
