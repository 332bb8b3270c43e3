"""TTTVT töölaud domain: models, services, rules, statistics, command line.

Never imports streamlit.
"""
