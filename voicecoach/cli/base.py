"""What every command shares: the group, its one error and exit-code wrapper, output."""

from __future__ import annotations

import os
import signal
import sys
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import click

from voicecoach import __version__, limits
from voicecoach.errors import (
    STOP_SIGNALS,
    LimitError,
    Terminated,
    VoicecoachError,
    bug_message,
    one_line,
    printable,
    stop_on_signals,
)

DEFAULT_ROUTINE = "scripts/routine.yaml"


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo, with any control character shown escaped, never sent to the terminal."""
    click.echo(printable(message), err=err, nl=nl)


class OneLineUsageError(click.UsageError):
    """A command line click cannot take, said in one line with where the help is (not
    click's usage block, a hint and the error on three)."""

    def __init__(self, message: str, ctx: click.Context | None, hint: bool) -> None:
        super().__init__(message, ctx)
        self.hint = hint

    @classmethod
    def of(cls, exc: click.UsageError) -> OneLineUsageError:
        """Click's own refusals of what was typed (an unknown option, a bad value) point to
        the help; ours already say what to do instead."""
        if isinstance(exc, cls):
            return exc
        return cls(exc.format_message(), exc.ctx, hint=type(exc) is not click.UsageError)

    def show(self, file: Any = None) -> None:
        """`Error: what was wrong (see 'voicecoach build --help')`."""
        said = self.format_message()
        if self.hint and self.ctx is not None:
            said = f"{said.rstrip('.')} (see '{self.ctx.command_path} --help')"
        echo(f"Error: {said}", err=True)


class Group(click.Group):
    """Turns errors into one `Error: ...` line, and Ctrl-C, SIGTERM and SIGHUP into 128+N.

    A closed pipe (`voicecoach voices | head -2`) ends the command quietly, as it does
    other Unix tools.
    """

    def invoke(self, ctx: click.Context) -> Any:
        stop_on_signals()
        try:
            return super().invoke(ctx)
        except VoicecoachError as exc:
            command = self.get_command(ctx, ctx.invoked_subcommand or "")
            done = ctx.meta.get(WRITTEN)
            # a programme that fails at its third session has written two: say which
            after = f"; {what_was_written(ctx, 'the error')}" if done else ""
            raise click.ClickException(error_text(exc, command) + after) from None
        except (KeyboardInterrupt, Terminated) as exc:
            signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
            echo(f"\nInterrupted; {what_was_written(ctx, 'the stop')}", err=True)
            ctx.exit(128 + signum)
        except BrokenPipeError:
            # whoever read our output has gone: say nothing more, to nobody
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(128 + signal.SIGPIPE)
        except click.UsageError as exc:
            raise OneLineUsageError.of(exc) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: still one line, with the details on request
            if os.environ.get("VOICECOACH_DEBUG"):
                raise
            raise click.ClickException(bug_message(exc)) from None

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """The top-level options read, a mistake in them said in one line."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise OneLineUsageError.of(exc) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Suggest `build` to someone who gives a routine file where a command goes."""
        if args and args[0] not in self.commands and Path(args[0]).suffix in (".yaml", ".yml"):
            raise click.UsageError(
                f"'{args[0]}' is not a command; to build it: voicecoach build {args[0]}"
            )
        return super().resolve_command(ctx, args)


def error_text(exc: VoicecoachError, command: click.Command | None) -> str:
    """An error as one line, naming the flag of its option where `command` has one.

    The library names its own parameter (`session: expected ...`): the flag takes its
    place; a way out in words gets the flag after it; a limit says which flag raises it.
    """
    text = str(exc)
    flag = _flag(command, exc.option) if exc.option else None
    if flag is None or exc.option is None:
        return one_line(text)
    if isinstance(exc, LimitError):
        text += f", or raise the limit with {flag}"
    elif text.startswith(f"{exc.option}: "):
        text = flag + text[len(exc.option) :]
    else:
        text += f" ({flag})"
    return one_line(text)


def _flag(command: click.Command | None, option: str) -> str | None:
    """The flag by which `command` sets the library's `option`, if it has one."""
    long = "--" + option.replace("_", "-")
    for param in command.params if command is not None else ():
        if isinstance(param, click.Option) and (param.name == option or long in param.opts):
            return param.opts[0]  # as the command's help shows it first: -o, --session
    return None


def what_was_written(ctx: click.Context, event: str) -> str:
    written: list[Path] = ctx.meta.get(WRITTEN, [])
    if not written:
        return "no output file was changed."
    return (
        f"these were written before {event}: "
        + ", ".join(str(path) for path in written)
        + "; no other output file was changed."
    )


WRITTEN = "voicecoach.written"


def written() -> list[Path]:
    """The files this command has written so far (named when a stop cuts it short)."""
    so_far: list[Path] = click.get_current_context().meta.setdefault(WRITTEN, [])
    return so_far


class Bars:
    """A progress bar on stderr per build stage."""

    labels: ClassVar[dict[str, str]] = {
        "speech": "Speaking cues ",
        "audio": "Encoding audio",
        "sessions": "Sessions      ",
    }

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(
                length=total,
                label=self.labels.get(stage, stage),
                file=sys.stderr,
                width=30,
            )
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def clock(ms: int) -> str:
    from voicecoach.routine.durations import format_clock

    return format_clock(ms)


def location(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | str | None:
    """A folder, or an fsspec URL of shared storage (s3://bucket/prefix) kept as written."""
    if value is None:
        return None
    from voicecoach.files.remote import is_url, local_path

    return value if is_url(value) else local_path(value).expanduser()


cache_dir_option = click.option(
    "--cache-dir",
    "--cache",
    "cache_dir",
    callback=location,
    metavar="FOLDER|URL",
    envvar="VOICECOACH_CACHE_DIR",
    help="The clip cache: a folder, or a URL all machines share (s3://bucket/clips) "
    "[env: VOICECOACH_CACHE_DIR; default: your user cache folder].",
)


def source_options(open_step_ms: int | None, language: str | None = None) -> Any:
    """How inputs are opened, from --open-step (None: its default) and --language."""
    from voicecoach.sources import SourceOptions

    options = SourceOptions() if open_step_ms is None else SourceOptions(open_step_ms)
    return replace(options, language=language)


def _language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from voicecoach.language.tags import UnknownLanguage, language_for

    try:
        return language_for(value).tag
    except UnknownLanguage as exc:
        raise click.BadParameter(str(exc)) from None


language_option = click.option(
    "--language",
    callback=_language,
    metavar="TAG",
    help="The language of a workout file, or of a routine or programme that sets none "
    "(de, fr, pt-BR...; see voicecoach voices).",
)


def _open_step(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    from voicecoach.routine.durations import parse_duration

    try:
        ms = parse_duration(value)
    except ValueError:
        raise click.BadParameter(
            f'expected a duration from 1s to 4h, such as 60, "90s" or "5m", found {value!r}'
        ) from None
    if not limits.OPEN_STEP_RANGE_MS[0] <= ms <= limits.OPEN_STEP_RANGE_MS[1]:
        raise click.BadParameter(f"expected a duration from 1s to 4h, found {value!r}")
    return ms


open_step_option = click.option(
    "--open-step",
    "open_step_ms",
    callback=_open_step,
    metavar="DURATION",
    help="Workout files: how long a step with no end the audio can know lasts "
    "(open, lap button, heart rate) [default: 60s].",
)


max_minutes_option = click.option(
    "--max-minutes",
    type=click.IntRange(1, limits.MAX_MINUTES),
    default=limits.DEFAULT_MAX_MINUTES,
    show_default=True,
    help="Refuse routines longer than this before making any audio.",
)


@click.group(
    cls=Group,
    invoke_without_command=True,
    subcommand_metavar="COMMAND [ARGS]...",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="voicecoach")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Turn a workout routine in YAML into a voice-guided MP3 you follow hands-free.

    \b
    Quick start:
      voicecoach build                         # scripts/routine.yaml -> output/<title>.mp3
      voicecoach plan scripts/routine.yaml     # see every cue and its time first
    """
    if ctx.invoked_subcommand is None:  # asked for nothing: the help, and no error
        echo(ctx.get_help())


def default_routine() -> Path:
    path = Path(DEFAULT_ROUTINE)
    if not path.exists():
        raise click.UsageError(
            f"no routine given, and there is no {DEFAULT_ROUTINE} here. Start one with "
            "'voicecoach new my-routine.yaml' (see 'voicecoach new --list'), then "
            "'voicecoach build my-routine.yaml'"
        )
    return path


def run() -> None:
    """The `voicecoach` program: the command line, then an exit that no late stop can spoil.

    A stop that arrives after the command has returned, while Python would be shutting
    down (when it puts the default handlers back), would kill the process by the signal,
    or raise where nothing catches it and print a traceback. Instead, once the command has
    returned, a stop is only noted; the output is flushed and the process ends at once with
    the command's code, or 128+N for a stop that came meanwhile.
    """
    stop_on_signals()
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:  # between the handlers and the command: nothing was begun
        code = 128 + signal.SIGINT
    except Terminated as exc:
        code = 128 + exc.signum
    late: list[int] = []

    def note(signum: int, _frame: object) -> None:
        late.append(signum)

    for name in STOP_SIGNALS:
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) != signal.SIG_IGN:
            signal.signal(getattr(signal, name), note)
    if isinstance(code, str):  # sys.exit("message"), as click's Abort does
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nobody is reading
            stream.flush()
    os._exit(128 + late[0] if late else code or 0)
