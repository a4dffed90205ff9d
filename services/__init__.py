"""Union Desk's domain services. Nothing here imports Streamlit.

Services take the SQLAlchemy session first and keyword arguments after, check the actor's
role and scope themselves, and raise `DomainError` with a message a user can read.
"""
