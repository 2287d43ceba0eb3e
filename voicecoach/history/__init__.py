"""History: every scored answer (practice, score, batch) in one SQLite database, for trends.

Owns the database file and its schema migrations (:mod:`.db`), recording answers with their
provenance and importing session folders or batch results (:mod:`.record`), rebuilding the
database from those files (:mod:`.rebuild`), trend queries (:mod:`.trends`) and the terminal
tables of ``voicecoach history`` (:mod:`.view`).

Exports: :class:`Provenance`, :func:`record`, :func:`record_quietly`, :func:`import_path`,
:func:`trends`, :func:`question_detail`, :func:`db_path`, :class:`HistoryError`.
"""

from voicecoach.history.db import HistoryError, db_path
from voicecoach.history.record import Provenance, import_path, record, record_quietly
from voicecoach.history.trends import question_detail, trends

__all__ = [
    "HistoryError",
    "Provenance",
    "db_path",
    "import_path",
    "question_detail",
    "record",
    "record_quietly",
    "trends",
]
