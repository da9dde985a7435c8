"""A routine's input: the YAML read safely, checked, and made a frozen Routine.

    safe_yaml (YAML with lines) -> loading (keys, values, defaults) -> model (Routine)

with the pieces the loader uses: durations, targets and their keys, cue wording, checks.
"""
