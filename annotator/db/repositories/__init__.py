"""Functions ``(session, ...) -> entities``. They never commit; services own transactions."""
