"""Every limit voicecoach enforces, each once: they stop a typo from running away."""

from __future__ import annotations

# a routine file
MAX_FILE_BYTES = 1_000_000
MAX_EXPANDED_NODES = 200_000  # values once YAML aliases are expanded (no alias bombs)
MAX_NUMBER_DIGITS = 30  # a longer number is refused before it is converted

# a workout file (FIT, ZWO, intervals.icu text): steps with repeats counted out
MAX_WORKOUT_STEPS = 2000

# how long a workout file's step with no end the audio can know lasts (--open-step)
OPEN_STEP_RANGE_MS = (1000, 4 * 3600 * 1000)

# values in a routine
MAX_COUNTDOWN = 10
MAX_REPS = 1000
MAX_SETS = 100
MAX_REPEAT = 1000
MAX_TEXT = 2000  # characters in any one text: about two minutes of speech
RATE_RANGE = (80, 450)  # words per minute
LOUDNESS_RANGE = (-31.0, -10.0)  # LUFS
TONE_PITCH_RANGE = (100.0, 4000.0)  # Hz
TONE_LENGTH_RANGE_MS = (50, 1000)

# a session, checked by arithmetic before anything is spoken
MAX_CUES = 200_000  # a six-hour session at a 1 s tempo has about 22,000
DEFAULT_MAX_MINUTES = 360  # build and validate; build --max-minutes changes it
MAX_MINUTES = 24 * 60  # the most --max-minutes accepts, and what plan allows

# a programme
MAX_WEEKS = 104
MAX_PER_WEEK = 14
MAX_SESSIONS = 500

# a squad
MAX_ATHLETES = 10_000

# music and cadence
CADENCE_RANGE = (100, 220)  # steps a minute
MUSIC_LEVEL_RANGE = (-40.0, 0.0)  # LU relative to the speech
MUSIC_DUCK_RANGE = (0.0, 60.0)  # dB
MAX_MUSIC_FADE_MS = 60_000
MAX_TRACKS = 1000
