"""voicecoach: turn a workout routine in YAML into a voice-guided MP3 session."""

__version__ = "0.1.0"
