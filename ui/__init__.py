"""Streamlit glue shared by the pages: guard, navigation, language, formatting, widgets."""
