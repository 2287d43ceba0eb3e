"""Batch scoring of prerecorded answers: a folder or manifest in, an output folder out.

Owns the inputs (:mod:`.inputs`: manifest CSV, files and folders), the run (:mod:`.run`:
keys, worker processes, resume), result rows (:mod:`.rows`), the output folder (:mod:`.output`:
per-item files, ``results.jsonl``, ``summary.csv``) and its ``index.html`` (:mod:`.html`).

Exports: :func:`run_batch`, :func:`read_manifest`, :func:`expand_inputs`,
:class:`BatchInput`, :class:`BatchSummary`, :class:`Failed`, :func:`read_row`.
"""

from voicecoach.batch.inputs import BatchInput, expand_inputs, read_manifest
from voicecoach.batch.rows import Failed, read_row
from voicecoach.batch.run import BatchSummary, run_batch

__all__ = [
    "BatchInput",
    "BatchSummary",
    "Failed",
    "expand_inputs",
    "read_manifest",
    "read_row",
    "run_batch",
]
