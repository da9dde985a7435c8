"""`voicecoach info`, `voices`, `cache` and `help`: what is there, and how to use it."""

from __future__ import annotations

from pathlib import Path

import click

from voicecoach.cli.base import cache_dir_option, clock, echo, main
from voicecoach.help import TOPICS, guide


@main.command()
@click.argument("mp3", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def info(mp3: Path) -> None:
    """Show what a player will see in a session file (MP3 or WAV): tags, chapters, length.

    A WAV carries no tags: its title and chapters come from the JSON beside it.

    \b
    Example:
      voicecoach info output/leg-workout-for-runners.mp3
    """
    from voicecoach.audio.info import read_session

    session = read_session(mp3)
    width = max(len(name) for name, _ in session.tags) if session.tags else 0
    for name, value in session.tags:
        echo(f"{name + ':':<{width + 1}} {value}")
    echo(f"{'Length:':<{width + 1}} {clock(session.length_ms)} ({session.audio})")
    if session.chapters:
        echo(f"Chapters ({len(session.chapters)}):")
        for chapter in session.chapters:
            echo(f"  {clock(chapter.start_ms):>9} - {clock(chapter.end_ms):>9}  {chapter.title}")
    if session.music:
        echo(f"Music ({len(session.music)}, from {mp3.with_suffix('.json').name}):")
        for file, start_ms, end_ms in session.music:
            echo(f"  {clock(start_ms):>9} - {clock(end_ms):>9}  {file}")
    for start_ms, end_ms, bpm in session.metronome:
        echo(f"Metronome: {clock(start_ms)} - {clock(end_ms)} at {bpm} steps a minute")


@main.group()
def cache() -> None:
    """See or empty the clip cache (spoken phrases kept between builds).

    \b
    Examples:
      voicecoach cache info
      voicecoach cache clear
    """


@cache.command("info")
@cache_dir_option
def cache_info(cache_dir: Path | str | None) -> None:
    """Show where the clip cache is, how many entries it has and its size.

    \b
    Example:
      voicecoach cache info
    """
    from voicecoach.speech.cache import ClipCache

    summary = ClipCache.at(cache_dir).summary()
    echo(f"Location: {summary.folder}")
    echo(
        f"Entries:  {summary.clips} clips, {summary.others} loudness analyses"
        + (f", {summary.writing} being written" if summary.writing else "")
    )
    echo(f"Size:     {summary.size_bytes / 1_000_000:.1f} MB")


@cache.command("clear")
@cache_dir_option
def cache_clear(cache_dir: Path | str | None) -> None:
    """Delete every entry of the clip cache (the next build speaks everything again).

    \b
    Example:
      voicecoach cache clear
    """
    from voicecoach.speech.cache import ClipCache

    store = ClipCache.at(cache_dir)
    removed = store.clear()
    echo(f"Removed {removed} entries from {store.folder}")


@main.command()
@click.option("--lang", help="Only voices whose language code starts with this, e.g. 'en'.")
def voices(lang: str | None) -> None:
    """List the voices of every speech engine (use an id or language as voice.name),
    and the languages voicecoach's own wording is written in.

    \b
    Examples:
      voicecoach voices
      voicecoach voices --lang de
    """
    from voicecoach.language.tags import LANGUAGES
    from voicecoach.speech.registry import engine, engine_names

    wanted = (lang or "").lower().replace("_", "-")
    found = [
        (name, voice)
        for name in engine_names()
        for voice in engine(name).voices()
        if not lang or voice.language.lower().replace("_", "-").startswith(wanted)
    ]
    built_in = [
        language for language in LANGUAGES.values() if language.tag.lower().startswith(wanted)
    ]
    if not found and not built_in:
        raise click.ClickException(f"no voice's language starts with '{lang}'")
    if found:
        width = max(len(voice.language) for _, voice in found)
        for name, voice in found:
            echo(f"{voice.language:<{width}}  {voice.name}  ({voice.id}; engine {name})")
    if built_in:
        echo("")
        echo("Built in (language: in a routine; its own wording, and this voice by default):")
        for language in built_in:
            echo(
                f"  {language.tag:<6} {language.name} ({language.own_name}), voice {language.voice}"
            )


HELP_TOPICS = TOPICS


def help_text(topic: str) -> str:
    """A guide shipped in the package, laid out for a terminal (the docs site shows the same)."""
    from voicecoach.cli.helptext import render

    return render(guide(topic))


@main.command(name="help")
@click.argument("topic", required=False)
def help_command(topic: str | None) -> None:
    """Print a guide or a reference: routine, cues, timing, programme, squad, limits...

    With a command's name, that command's options (as --help gives them).

    \b
    Examples:
      voicecoach help
      voicecoach help cues
      voicecoach help build
    """
    context = click.get_current_context()
    if topic is None:
        echo("voicecoach help TOPIC, one of:\n")
        width = max(map(len, HELP_TOPICS))
        for name, about in HELP_TOPICS.items():
            echo(f"  {name:<{width}}  {about}")
        echo("\nand voicecoach help COMMAND (or COMMAND --help) for any command:")
        echo("  " + ", ".join(sorted(main.commands)))
        return
    # "routines", "programmes": the plural is what people type
    named = topic if topic in HELP_TOPICS else topic.lower().removesuffix("s")
    if named in HELP_TOPICS:
        echo(help_text(named), nl=False)
        return
    command = main.get_command(context, topic)
    if command is None:
        from voicecoach.errors import closest

        close = closest(topic, [*HELP_TOPICS, *main.commands])
        hint = f" — did you mean '{close}'?" if close else ""
        raise click.UsageError(
            f"expected a topic ({', '.join(HELP_TOPICS)}) or a command "
            f"({', '.join(sorted(main.commands))}), found '{topic}'{hint}"
        )
    with click.Context(command, info_name=topic, parent=context.parent) as sub:
        echo(command.get_help(sub))
