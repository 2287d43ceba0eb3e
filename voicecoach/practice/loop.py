"""The spoken rehearsal loop behind ``voicecoach practice``.

For each question: read it aloud, record the answer while transcribing it live, score it the
moment recording stops, save audio + result at once, show feedback, and offer the model
answer or another try. The session folder is the source of truth (docs/session-format.md).
"""

from __future__ import annotations

import contextlib
import random
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console

from voicecoach.answer import decode_context, score_text
from voicecoach.asr.live import LiveTranscriber
from voicecoach.banks import Bank, Question
from voicecoach.errors import UserError
from voicecoach.history.record import Provenance, practice_key
from voicecoach.practice.keys import KeyReader
from voicecoach.practice.screen import meter, print_summary, spoken_summary
from voicecoach.practice.session import Session
from voicecoach.scoring.score import Settings
from voicecoach.storage import now_iso

if TYPE_CHECKING:
    from voicecoach.tts import Speaker


@dataclass
class PracticeOptions:
    question_ids: list[str] = field(default_factory=list)
    count: int | None = None
    shuffle: bool = False
    kind: str | None = None
    seed: int | None = None
    auto_stop_s: float | None = 3.0
    max_seconds: float = 180.0
    input_device: str | None = None
    output_device: str | None = None
    voice: str | None = None
    speak: bool = True
    speak_feedback: bool = False
    interactive: bool = True
    sessions_dir: str | None = None
    model: str | None = None
    company: str | None = None  # the employer practised for (red flag: not knowing it)


DEFAULT_COUNT = 5


def pick_questions(bank: Bank, opts: PracticeOptions) -> list[Question]:
    if opts.question_ids:
        qs = [bank.get(qid) for qid in opts.question_ids]
    else:
        qs = [q for q in bank.questions if opts.kind is None or q.kind == opts.kind]
        if not qs:
            raise UserError(f"bank '{bank.id}' has no {opts.kind} questions")
    if opts.shuffle:
        random.Random(opts.seed).shuffle(qs)
    if opts.count is not None:
        qs = qs[: opts.count]
    elif not opts.question_ids:
        qs = qs[:DEFAULT_COUNT]
    return qs


def process_start_age() -> float:
    """Seconds since this process was launched (Linux /proc), else since import."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        import os

        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


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

    # ---------------------------------------------------------------- set-up
    def prepare(self) -> None:
        """Check devices, start loading the model, open the speaker. Nothing is written to
        disk until these succeed."""
        from voicecoach.sound.devices import resolve_device

        resolve_device(self.opts.input_device, "input")  # raises AudioDeviceError
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
        self.console.print(f"[bold]{q.text}[/bold]")
        self._say(q.text)
        while True:
            outcome = self._record_and_score(q)
            if outcome == "redo":
                self.console.print("[dim]Discarded. Answer again when ready.[/dim]")
                continue
            if outcome in ("skip", "quit"):
                return outcome
            after = self._after_feedback(q)
            if after == "again":
                self.console.print(f"[bold]{q.text}[/bold]")
                continue
            return after

    def _record_and_score(self, q: Question) -> str:
        from voicecoach.sound.recorder import Recorder

        assert self.session is not None and self.model is not None
        s = self.session
        name, n, attempt = s.audio_name(q.id)
        live = LiveTranscriber(self.model, context=decode_context(q, self.opts.company))
        rec = Recorder(
            s.folder / name,
            device=self.opts.input_device,
            auto_stop_s=self.opts.auto_stop_s,
            max_seconds=self.opts.max_seconds,
            chunk_seconds=1.0,
            on_chunk=live.feed,
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
        except KeyboardInterrupt:
            res = rec.stop("interrupt")
            live.abort()
            s.update_answer(
                n,
                status="partial",
                stop_reason="interrupt",
                timing={"recorded_s": round(res.duration, 2)},
            )
            self.console.print(f"\nPartial recording kept: {s.folder / name}")
            raise
        res = rec.result()
        t_stop = time.monotonic()
        if action in ("redo", "skip"):
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
            live.abort()
            self._discard(n, name)
            raise UserError(
                "the microphone gives only digital silence (muted?): unmute it, "
                "or pick another with --input-device (see 'voicecoach devices')"
            )
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
            result = score_text(q, transcript, Settings(company=self.opts.company), history)
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
        from voicecoach.review.terminal import print_result

        print_result(result, self.console)
        self.console.print(
            f"[dim]feedback {latency:.2f} s after the recording stopped "
            f"({res.stopped_by}); saved {s.folder / name}[/dim]"
        )
        if self.opts.speak_feedback:
            self._say(spoken_summary(result))
        return "quit" if action == "quit" else "scored"

    def _discard(self, n: int, name: str) -> None:
        s = self.session
        assert s is not None
        with contextlib.suppress(OSError):
            (s.folder / name).unlink()
        s.data["answers"] = [a for a in s.answers if a["n"] != n]
        s.save()
        if not s.answers and not any(s.folder.glob("*.flac")):
            with contextlib.suppress(OSError):
                (s.folder / "session.json").unlink()
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
        with KeyReader() as keys:
            if not keys.active:
                return "next"
            self.console.print(
                "[cyan]Enter[/cyan] next · [cyan]m[/cyan] model answer · "
                "[cyan]a[/cyan] try again · [cyan]q[/cyan] quit"
            )
            while True:
                k = keys.get(3600)
                if k in ("enter", " ", "n"):
                    return "next"
                if k == "q":
                    return "quit"
                if k == "a":
                    return "again"
                if k == "m":
                    self.console.print(f"[bold]Model answer:[/bold] {q.model_answer}")

    def _summary(self) -> None:
        assert self.session is not None
        print_summary(self.session.folder, self.console)
