"""The sound of a session: signal helpers, loudness, tones and sounds, the mix, encoding
and tags, the session writer, the text files beside it, and reading a session back.

    sounds (clips, tones) -> mix (layers summed in windows) -> encode (MP3/WAV, tags)
    -> writer (every file under a temporary name, then all put in place)
"""
