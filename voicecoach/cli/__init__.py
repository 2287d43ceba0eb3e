"""The `voicecoach` command: a thin click layer over the library.

Each command parses options, calls functions in ``voicecoach.*`` and prints. Errors the user
can fix (:class:`voicecoach.errors.UserError`) print one line and exit 2. Heavy speech
libraries are imported only inside the commands that need them.
"""

from __future__ import annotations

import errno
import sys

import click

from voicecoach.errors import UserError


class VoicecoachGroup(click.Group):
    """Turns user errors and Ctrl-C into one line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UserError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(getattr(e, "exit_code", 2))
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)
        except OSError as e:
            message = disk_error(e)
            if message is None:
                raise
            click.echo(f"Error: {message}", err=True)
            sys.exit(2)


def disk_error(e: OSError) -> str | None:
    """One line for a full, read-only or forbidden disk (None for any other OSError: a bug)."""
    where = f" ({e.filename})" if e.filename else ""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"the disk is full{where}: free some space and run the command again "
            "(results already written are kept)"
        )
    if e.errno == errno.EROFS:
        return f"the disk is read-only{where}: choose a folder you can write to"
    if e.errno == errno.EACCES:
        return f"permission denied{where}: choose a folder you can write to"
    return None


def run() -> None:
    """The console-script entry point: ``main`` plus a safe process exit.

    With the speech engine loaded, interpreter finalisation is skipped: native threads of
    CTranslate2/PortAudio still running at shutdown can abort the process, and everything
    voicecoach writes is already flushed and renamed into place by then."""
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, int) and e.code is not None:
            print(e.code, file=sys.stderr)
    if "ctranslate2" in sys.modules or "sounddevice" in sys.modules:
        import os

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


@click.group(cls=VoicecoachGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voicecoach")
def main() -> None:
    """Private, offline mock-interview practice: questions read aloud, answers transcribed
    on this machine and scored for key points, filler words and red flags."""


def _register() -> None:
    from voicecoach.cli import audio as _a
    from voicecoach.cli import batch as _b
    from voicecoach.cli import practice as _p
    from voicecoach.cli import questions as _q
    from voicecoach.cli import review as _r
    from voicecoach.cli import score as _s

    for mod in (_q, _s, _a, _b, _p, _r):
        for cmd in mod.COMMANDS:
            main.add_command(cmd)


_register()
