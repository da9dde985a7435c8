"""Build one session from a loaded Routine, stage after stage; and several at once in
worker processes that are stopped for sure."""
