"""The base class of errors caused by the user's input or machine, not by a bug.

The CLI prints ``str(err)`` as one line and exits with code 2; nothing else is printed.
"""


class UserError(Exception):
    """An error the user can fix; its message says what is wrong and how to fix it."""

    exit_code = 2
