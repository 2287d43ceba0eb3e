"""The spoken rehearsal loop behind ``voicecoach practice``.

For each question: read it aloud, record the answer while transcribing it live, score it the
moment recording stops, save audio + result at once, show feedback, and offer the model
answer or another try. The session folder is the source of truth (docs/session-format.md).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from voicecoach.answer import decode_context, prime, score_text
from voicecoach.asr.live import LiveTranscriber
from voicecoach.banks import Bank, Question
from voicecoach.display import clean
from voicecoach.errors import UserError
from voicecoach.history.record import Provenance, practice_key
from voicecoach.practice.check import Check, Pending
from voicecoach.practice.keys import KeyReader, feedback_menu
from voicecoach.practice.screen import meter, print_summary, spoken_summary
from voicecoach.practice.session import RESERVE, Session
from voicecoach.practice.setup import (
    PracticeOptions,
    interrupt_on_term,
    process_start_age,
)
from voicecoach.scoring.score import Settings
from voicecoach.storage import now_iso

if TYPE_CHECKING:
    from voicecoach.tts import Speaker


LOW_SPACE = 50 * 2**20  # warn before an answer when less is free


class Practice:
    def __init__(
        self,
        bank: Bank,
        opts: PracticeOptions,
        console: Console | None = None,
        history: bool = True,
    ) -> None:
        self.bank = bank
        self.opts = opts
        self.console = console or Console()
        self.history = history  # record each scored answer in the progress history
        self.session: Session | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self.model: Future | None = None
        self.speaker: Speaker | None = None
        self.startup: dict = {}
        self._check: Pending | None = None  # the last answer's whole-recording check

    # ---------------------------------------------------------------- set-up
    def prepare(self) -> None:
        """Check devices, start loading the model, open the speaker. Nothing is written to
        disk until these succeed."""
        from voicecoach.sound.devices import resolve_device

        resolve_device(self.opts.input_device, "input")  # raises AudioDeviceError
        if not self.opts.record_only:  # recording only: no model is loaded at all
            from voicecoach.asr.transcribe import get_transcriber

            self.model = self._pool.submit(get_transcriber, self.opts.model)
        from voicecoach.tts import PrintSpeaker, make_speaker

        self.speaker = make_speaker(self.opts.voice, self.opts.output_device, self.opts.speak)
        if isinstance(self.speaker, PrintSpeaker) and self.opts.speak:
            self.console.print(
                f"[yellow]Questions will be printed, not spoken: {self.speaker.reason}[/yellow]"
            )

    def open_session(self) -> Session:
        settings = {
            k: v for k, v in asdict(self.opts).items() if k not in ("question_ids", "sessions_dir")
        }
        self.session = Session.create(
            self.bank.id,
            str(self.bank.path),
            self.opts.model or "tiny.en (bundled)",
            settings,
            self.opts.sessions_dir,
        )
        return self.session

    # ---------------------------------------------------------------- the loop
    def run(self, questions: list[Question]) -> Session:
        self.prepare()
        with interrupt_on_term():
            return self._run(questions)

    def _run(self, questions: list[Question]) -> Session:
        session = self.open_session()
        self.console.print(
            f"[bold]Practice session[/bold] {session.id}: {len(questions)} "
            f"question(s). Answers are saved in {session.folder}"
        )
        try:
            for i, q in enumerate(questions, 1):
                if self._ask(q, i, len(questions)) == "quit":
                    break
        except KeyboardInterrupt:
            session.finish("interrupted")
            self.console.print(
                f"\nStopped. Everything recorded so far is saved in {session.folder}"
            )
            raise
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if session.data["status"] == "running":
            session.finish("finished")
        self._summary()
        return session

    def _say(self, text: str) -> None:
        if not self.startup:
            self.startup["first_question_s"] = round(process_start_age(), 3)
            if self.session is not None:
                self.session.data.setdefault("timing", {}).update(self.startup)
                self.session.save()
        from voicecoach.tts import PrintSpeaker

        if self.speaker is not None and not isinstance(self.speaker, PrintSpeaker):
            self.speaker.say(text)  # the text is on screen already when printed

    def _ask(self, q: Question, i: int, total: int) -> str:
        self.console.rule(f"Question {i}/{total} · {q.kind}")
        self.console.print(Text(clean(q.text), style="bold"))
        self._say(q.text)
        while True:
            outcome = self._record_and_score(q)
            if outcome == "redo":
                self.console.print("[dim]Discarded. Answer again when ready.[/dim]")
                continue
            if outcome == "skip":
                self.console.print("[dim]Skipped; the next question follows.[/dim]")
                return outcome
            if outcome == "quit":
                return outcome
            after = self._after_feedback(q)
            if self._check is not None:  # keep the checked result before going on
                assert self.session is not None
                self._check.settle(self.session, self.console)
                self._check = None
            if after == "again":
                assert self.session is not None
                attempt = self.session.audio_name(q.id)[2]
                self.console.print(
                    Text.assemble((f"Attempt {attempt}: ", "bold cyan"), (clean(q.text), "bold"))
                )
                continue
            return after

    def _record_and_score(self, q: Question) -> str:
        from voicecoach.sound.recorder import Recorder

        assert self.session is not None
        s = self.session
        self._check_space()
        name, n, attempt = s.audio_name(q.id)
        settings = Settings(company=self.opts.company, judge=self.opts.judge)
        live = None
        if self.model is not None:  # None: --record-only
            live = LiveTranscriber(
                self.model,
                context=decode_context(q, self.opts.company),
                on_piece=lambda text: prime(q, text, settings),
            )
        rec = Recorder(
            s.folder / name,
            device=self.opts.input_device,
            auto_stop_s=self.opts.auto_stop_s,
            max_seconds=self.opts.max_seconds,
            chunk_seconds=0.5,  # the live transcriber sees the end of a phrase within 0.5 s
            on_chunk=live.feed if live else None,
            reserve=s.folder / RESERVE,
        )
        rec.start()
        started = now_iso()
        s.add_answer(
            {
                "n": n,
                "question_id": q.id,
                "question": q.text,
                "attempt": attempt,
                "audio": name,
                "started_at": started,
                "status": "recording",
                "stop_reason": None,
                "timing": {},
                "result": None,
                "error": None,
            }
        )
        try:
            action = self._watch(rec)
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP
            self._keep_partial(rec, live, n, name, "interrupt")
            raise
        if action == "quit":  # q mid-answer: kept as a partial answer, like Ctrl-C
            self._keep_partial(rec, live, n, name, "quit")
            return "quit"
        res = rec.result()
        t_stop = time.monotonic()
        if res.disk_full:  # the reserve went to finish the recording: stop after this answer
            s.disk_full = True
        if action in ("redo", "skip"):
            if live:
                live.abort()
            if action == "redo":
                self._discard(n, name)
            else:
                s.update_answer(
                    n,
                    status="skipped",
                    stop_reason="skip",
                    timing={"recorded_s": round(res.duration, 2)},
                )
            return action
        if res.digital_silence:
            if live:
                live.abort()
            self._discard(n, name, drop_empty_session=True)
            raise UserError(
                "the microphone gives only digital silence (muted?): unmute it, "
                "or pick another with --input-device (see 'voicecoach devices')"
            )
        if live is None:
            return self._keep_unscored(n, name, res)
        history = (
            Provenance(
                "practice",
                practice_key(s.id, n, attempt),
                started,
                audio_path=str(s.folder / name),
                session_id=s.id,
                origin=str(s.folder),
            )
            if self.history
            else False
        )
        with self.console.status("Scoring..."):
            transcript = live.finish(timeout=120)
            result = score_text(q, transcript, settings, history)
        latency = time.monotonic() - t_stop
        timing = {
            "recorded_s": round(res.duration, 2),
            "speech_end_s": round(res.speech_end, 2) if res.speech_end else None,
            "feedback_latency_s": round(latency, 3),
            "since_speech_end_s": round(res.duration - res.speech_end + latency, 3)
            if res.speech_end
            else None,
        }
        s.update_answer(
            n, status="scored", stop_reason=res.stopped_by, timing=timing, result=result.to_dict()
        )
        if res.error:
            self.console.print(f"[bold red]Recording stopped early: {res.error}[/bold red]")
        from voicecoach.review.terminal import print_result

        print_result(result, self.console)
        self.console.print(
            f"[dim]feedback {latency:.2f} s after the recording stopped "
            f"({res.stopped_by}); saved {s.folder / name}[/dim]"
        )
        if self.opts.check and not s.disk_full and self.model is not None:
            check = Check(self.model, q, s.folder / name, settings, result, t_stop)
            self._check = Pending(check, n, history)
        if self.opts.speak_feedback:
            self._say(spoken_summary(result))
        if s.disk_full:
            self.console.print(
                f"[bold red]The disk is full: this answer and its score are saved in "
                f"{s.folder}, using space kept back for this; free some space before "
                "practising on[/bold red]"
            )
            return "quit"
        return "scored"

    def _check_space(self) -> None:
        assert self.session is not None
        free = shutil.disk_usage(self.session.folder).free
        if free < LOW_SPACE:
            self.console.print(
                f"[bold red]Only {free / 2**20:.0f} MB free on the disk of "
                f"{self.session.folder}: a 3-minute answer takes about 3 MB; "
                "free some space soon[/bold red]"
            )

    def _keep_unscored(self, n: int, name: str, res) -> str:
        """--record-only: the answer is saved to be scored later (``voicecoach batch``)."""
        assert self.session is not None
        s = self.session
        timing = {
            "recorded_s": round(res.duration, 2),
            "speech_end_s": round(res.speech_end, 2) if res.speech_end else None,
        }
        s.update_answer(n, status="recorded", stop_reason=res.stopped_by, timing=timing)
        if res.error:
            self.console.print(f"[bold red]Recording stopped early: {res.error}[/bold red]")
        self.console.print(
            f"Saved {s.folder / name} ({res.duration:.0f} s, {res.stopped_by}); "
            "not scored yet (--record-only)"
        )
        return "quit" if s.disk_full else "scored"

    def _keep_partial(
        self, rec, live: LiveTranscriber | None, n: int, name: str, reason: str
    ) -> None:
        """An answer cut off by the user: the recording is kept, unscored."""
        assert self.session is not None
        res = rec.stop(reason)
        if live:
            live.abort()
        self.session.update_answer(
            n, status="partial", stop_reason=reason, timing={"recorded_s": round(res.duration, 2)}
        )
        self.console.print(f"\nPartial recording kept (not scored): {self.session.folder / name}")

    def _discard(self, n: int, name: str, drop_empty_session: bool = False) -> None:
        """Forget answer ``n`` and its recording; ``drop_empty_session``: the session ends
        here, so a session folder left with no answer at all goes too."""
        s = self.session
        assert s is not None
        with contextlib.suppress(OSError):
            (s.folder / name).unlink()
        s.data["answers"] = [a for a in s.answers if a["n"] != n]
        s.save()
        if drop_empty_session and not s.answers and not any(s.folder.glob("*.flac")):
            with contextlib.suppress(OSError):
                (s.folder / "session.json").unlink()
                (s.folder / RESERVE).unlink(missing_ok=True)
                s.folder.rmdir()

    def _watch(self, rec) -> str | None:
        """Show the meter until the recording ends; returns the key action, if any."""
        from rich.live import Live

        action = None
        tty = self.console.is_terminal
        with (
            KeyReader() as keys,
            Live(
                meter(rec, keys.active),
                console=self.console,
                refresh_per_second=10,
                transient=True,
                auto_refresh=tty,
            ) as view,
        ):
            while not rec.done:
                k = keys.get(0.1) if keys.active else None
                if not keys.active:
                    time.sleep(0.1)
                if k in ("enter", " ", "r", "s", "q"):
                    action = {"enter": "stop", " ": "stop", "r": "redo", "s": "skip", "q": "quit"}[
                        k
                    ]
                    rec.stop(action)
                    break
                view.update(meter(rec, keys.active))
        rec.wait()
        return action

    def _after_feedback(self, q: Question) -> str:
        if not self.opts.interactive:
            return "next"
        tick = self._check.show_if_done if self._check is not None else None
        return feedback_menu(q, self.console, tick)

    def _summary(self) -> None:
        assert self.session is not None
        print_summary(self.session.folder, self.console)
        if any(a.get("status") == "recorded" for a in self.session.answers):
            self.console.print(
                f"Score these answers later (here, or on a cluster with --cluster): "
                f"voicecoach batch {self.session.folder}"
            )
