"""Streamlit glue shared by the pages: database session, language, access guard, widgets."""
