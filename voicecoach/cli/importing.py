"""`voicecoach import`: a workout file (FIT, ZWO, intervals.icu text) as a routine's YAML."""

from __future__ import annotations

from pathlib import Path

import click

from voicecoach.cli.base import echo, main, open_step_option, source_options, written


@main.command(name="import")
@click.argument("workout", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The routine to write [default: WORKOUT's name with .yaml]; '-' prints it.",
)
@open_step_option
def import_command(workout: Path, output: Path | None, open_step_ms: int | None) -> None:
    """Write the routine a workout file holds, as YAML to reword and build.

    WORKOUT is a Garmin FIT workout (.fit), a Zwift workout (.zwo, run or bike) or an
    intervals.icu text workout (.txt). The YAML builds to the same timeline as the file
    itself; it never writes over a file that is there.

    \b
    Examples:
      voicecoach import threshold.zwo                 # writes threshold.yaml
      voicecoach import 5x800.fit -o track.yaml
      voicecoach import tempo.txt -o - | less
    """
    from voicecoach.files.outputs import check_yaml_name, write_new_text
    from voicecoach.routine.loading import parse_routine
    from voicecoach.routine.safe_yaml import parse_yaml
    from voicecoach.workouts.reading import is_workout_file, read_workout, workout_yaml

    if not is_workout_file(workout):
        raise click.UsageError(
            f"expected a workout file (.fit, .zwo or .txt), found '{workout}'; a routine "
            "in YAML builds as it is: voicecoach build " + str(workout)
        )
    read = read_workout(workout, source_options(open_step_ms).open_step_ms)
    text = workout_yaml(read, str(workout))
    # what is written must load as a routine: check it first, as a build would
    parse_routine(parse_yaml(text, str(workout)), str(workout))
    for warning in read.warnings:
        echo(f"Warning: {warning}", err=True)
    if output is not None and str(output) == "-":
        echo(text, nl=False)
        return
    target = output or workout.with_suffix(".yaml")
    check_yaml_name(target)
    write_new_text(target, text)
    written().append(target)
    echo(f"Wrote {target}. Next: voicecoach build {target}")
