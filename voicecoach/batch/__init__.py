"""Batch scoring of prerecorded answers: a folder or manifest in, an output folder out.

Owns the inputs (:mod:`.inputs`: manifest CSV, files and folders; :mod:`.sessions`: practice
sessions recorded to be scored later), result keys (:mod:`.keys`), the run (:mod:`.run`:
bookkeeping, resume), where files are scored (:mod:`.pool`: this machine; :mod:`.cluster`: a
Dask cluster, the only module that imports Dask; :mod:`.worker`: what a worker runs), result
rows (:mod:`.rows`), the output folder (:mod:`.output`: per-item files; :mod:`.aggregate`:
``results.jsonl``, ``summary.csv``, ``inputs.jsonl``; :mod:`.lock`: one run at a time) and its
``index.html`` (:mod:`.html`).

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
