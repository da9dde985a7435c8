"""voicecoach's tests: a package, so `tests.audio` is ours (garmin-fit-sdk installs a top-level
`tests` package of its own into site-packages)."""
