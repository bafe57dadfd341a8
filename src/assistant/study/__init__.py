"""Group study sessions (学习会): excerpt compilations, the daily quote, quizzes and saved quotes.

Everything here is independent of the chat adapter; user state lives in the state database (state.py),
apart from the corpus database that re-ingest replaces.
"""
