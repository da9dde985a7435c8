"""The languages voicecoach speaks: its catalogues, CLDR units and espeak-ng voices."""
