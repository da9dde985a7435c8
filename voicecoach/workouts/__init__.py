"""Workout files in and out.

In: Garmin FIT, Zwift ZWO and intervals.icu text, read into a routine (`reading`, with a
reader a format: `fit_in`, `zwo`, `icu`, and what they share in `steps`). Out: a FIT
workout for a watch, in step with a session's audio (`fit_out`).
"""
