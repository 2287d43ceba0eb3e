"""Review: scored sessions and batches read back, in the terminal, as HTML and as Markdown.

Owns loading session folders and batch results (:mod:`.source`), the marks over a transcript
and the one walk that nests them (:mod:`.marks`), shared figures, series and score bands
(:mod:`.figures`), the terminal views (:mod:`.terminal`), the self-contained HTML report
(:mod:`.html`, :mod:`.history_html`, :mod:`.svg`), the Markdown report (:mod:`.markdown`) and
writing either one (:mod:`.report`). Nothing here imports speech libraries.

Exports: :func:`load_source`, :class:`Source`, :class:`Answer`, :func:`write_report`,
:func:`print_review`, :func:`print_result`.
"""

from voicecoach.review.report import write_report
from voicecoach.review.source import Answer, Source, load_source
from voicecoach.review.terminal import print_result, print_review

__all__ = ["Answer", "Source", "load_source", "print_result", "print_review", "write_report"]
