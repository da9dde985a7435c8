"""How numbers, lengths of time, distances and paces are said in one language.

CLDR (through Babel) says every number with a unit ("5 Sekunden", "1,5 kilometra"), joins
lists ("A, B und C") and picks plural forms; the language's catalogue gives the idioms
around them ("anderthalb Minuten") and every phrase of voicecoach's own wording.
"""

from __future__ import annotations

import datetime
import functools
import gettext
import re
from importlib import resources
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_compound_unit, format_unit

from voicecoach.language.tags import DEFAULT_LANGUAGE, Language, language_for

Length = Literal["short", "long", "narrow"]
METRES_PER_MILE = 1609.344
CATALOGUES = "voicecoach.language.catalogues"
DOMAIN = "voicecoach"


@functools.cache
def words_for(tag: str = DEFAULT_LANGUAGE) -> Words:
    """The words of a built-in language (read once per process)."""
    return Words(language_for(tag))


def _translations(language: Language) -> gettext.NullTranslations:
    if language.catalogue is None:
        return gettext.NullTranslations()
    compiled = resources.files(CATALOGUES).joinpath(f"{language.catalogue}.mo")
    with compiled.open("rb") as handle:
        return gettext.GNUTranslations(handle)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


class Words:
    """One language's way of saying things."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.locale = Locale.parse(language.locale)
        self._translations = _translations(language)

    # -- the catalogue ---------------------------------------------------------------------

    def phrase(self, context: str, english: str) -> str:
        """The catalogue's phrase for (context, English text), placeholders unfilled."""
        return self._translations.pgettext(context, english)

    def text(self, context: str, english: str, **values: object) -> str:
        """A phrase of the catalogue, its placeholders filled in."""
        return self.phrase(context, english).format_map(_Blank(values))

    def counted_phrase(self, context: str, english: tuple[str, str], n: int, /) -> str:
        """The catalogue's counted phrase in the form CLDR gives `n`, unfilled."""
        return self._translations.npgettext(context, english[0], english[1], n)

    def counted(self, context: str, english: tuple[str, str], n: int, /, **values: object) -> str:
        """A counted phrase in the plural form CLDR gives `n` in this language."""
        return self.counted_phrase(context, english, n).format_map(_Blank(values))

    def _own(self, context: str, english: str) -> str | None:
        """The catalogue's phrase, or None where the catalogue leaves it to CLDR."""
        if self.language.catalogue is None:
            return english
        found = self.phrase(context, english)
        return None if found == english else found

    # -- numbers -----------------------------------------------------------------------------

    def number(self, value: float) -> str:
        """A number as written in this language: "1.5", "1,5"; at most two decimals."""
        rounded = round(value, 2)
        if rounded == int(rounded):
            return str(int(rounded))
        return format_decimal(rounded, locale=self.locale, group_separator=False)

    def span(self, low: float, high: float) -> str:
        """ "4 to 5", "4 bis 5"; one number when both round alike."""
        if round(low) == round(high):
            return self.number(low)
        return self.text("span", "{low} to {high}", low=self.number(low), high=self.number(high))

    def unit(self, value: float, unit: str, length: Length = "long") -> str:
        """A number with a CLDR unit: "5 seconds", "5 sekund", "1,5 Kilometer"."""
        return self.unit_span(value, value, unit, length)

    # a session says the same lengths again and again ("30 seconds"): each worked out once
    @functools.lru_cache(maxsize=4096)  # noqa: B019 (a language's Words lives as long)
    def unit_span(self, low: float, high: float, unit: str, length: Length = "long") -> str:
        """A range with a CLDR unit, in the plural form of its upper end: "80 to 85 per cent"."""
        high = round(high, 2)
        said = format_unit(high, unit, length=length, locale=self.locale)
        if round(low, 2) == high:
            return said
        written = format_decimal(high, locale=self.locale)
        return said.replace(written, self.span(low, high), 1)

    def listed(self, items: list[str]) -> str:
        """ "A, B and C" in this language's words."""
        said = [item for item in items if item]
        return format_list(said, locale=self.locale) if said else ""

    def short_date(self, day: datetime.date) -> str:
        """A date with its weekday, short, as a list shows it: "Tue 5 Jan 2027"."""
        return format_skeleton("yMMMEd", day, locale=self.locale)

    def spoken_date(self, day: datetime.date) -> str:
        """A date as said: "Tuesday 5 January", "Dienstag, 5. Januar"."""
        pattern = self.locale.datetime_skeletons["MMMMEd"].pattern
        # CLDR's pattern abbreviates the weekday: said, it is whole
        pattern = re.sub(r"(?<![Ec])([Ec])\1{0,2}(?![Ec])", lambda m: m[1] * 4, pattern)
        return format_date(day, pattern, locale=self.locale)

    # -- lengths of time ---------------------------------------------------------------------

    def duration(self, duration_ms: int) -> str:
        """A length of time as a coach says it: "45 seconds", "a minute and a half".

        Whole seconds under a minute are counted; a half is said as a half (the catalogue's
        idiom); other lengths list their parts ("a minute and 15 seconds").
        """
        seconds = max(0, round(duration_ms / 1000))
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if not hours and not minutes:
            return self.unit(seconds, "duration-second")
        if hours and minutes == 30 and not seconds:
            if hours == 1:
                return self.text("duration", "an hour and a half")
            english = ("{count} and a half hours", "{count} and a half hours")
            return self.counted("duration", english, hours, count=hours)
        if not hours and seconds == 30:
            if minutes == 1:
                return self.text("duration", "a minute and a half")
            english = ("{count} and a half minutes", "{count} and a half minutes")
            return self.counted("duration", english, minutes, count=minutes)
        parts = [self._hours(hours), self._minutes(minutes)]
        parts.append(self.unit(seconds, "duration-second") if seconds else "")
        return self.listed(parts)

    def _hours(self, hours: int) -> str:
        if hours == 0:
            return ""
        return self.text("duration", "an hour") if hours == 1 else self.unit(hours, "duration-hour")

    def _minutes(self, minutes: int) -> str:
        if minutes == 0:
            return ""
        if minutes == 1:
            return self.text("duration", "a minute")
        return self.unit(minutes, "duration-minute")

    def minutes(self, minutes: int) -> str:
        """A whole number of minutes: "25 minutes", "a minute"."""
        return self._minutes(minutes) or self.unit(0, "duration-minute")

    # -- distances and paces -----------------------------------------------------------------

    def distance(self, metres: float, units: str) -> str:
        """ "800 metres", "1.5 kilometres", "1 mile": a number first."""
        miles = metres / METRES_PER_MILE
        if units == "imperial" and abs(miles * 4 - round(miles * 4)) < 0.002 and miles >= 0.25:
            return self.unit(round(miles * 4) / 4, "length-mile")
        if metres < 1000 or (abs(metres - round(metres, -2)) > 0.5 and metres < 3000):
            return self.unit(round(metres), "length-meter")
        km = metres / 1000
        return self.unit(1 if abs(km - 1) < 0.0005 else round(km, 2), "length-kilometer")

    def _pace_time(self, seconds: float) -> tuple[str, bool]:
        """4:05 as "4 oh 5" (the catalogue's idiom), 5:00 as "5 minutes"; whole or not."""
        minutes, secs = divmod(round(seconds), 60)
        if secs == 0:
            return self.unit(minutes, "duration-minute"), True
        english = "{minutes} oh {seconds}" if secs < 10 else "{minutes} {seconds}"
        values = {"minutes": minutes, "seconds": secs}
        said = self.text(
            "pace", english, minute_count=self.unit(minutes, "duration-minute"), **values
        )
        return said, False

    def pace(self, low_s_km: float, high_s_km: float, units: str) -> str:
        """ "4 oh 5 to 4 15 per kilometre" (or per mile); never a clock time."""
        english, per_unit = "{time} per kilometre", "length-kilometer"
        if units == "imperial":
            low_s_km, high_s_km = (x * METRES_PER_MILE / 1000 for x in (low_s_km, high_s_km))
            english, per_unit = "{time} per mile", "length-mile"
        low, low_whole = self._pace_time(low_s_km)
        high, _ = self._pace_time(high_s_km)
        if low == high:
            time = low
        else:
            if low_whole:  # "5 to 5 15", not "5 minutes to 5 15"
                low = str(round(low_s_km) // 60)
            time = self.text("span", "{low} to {high}", low=low, high=high)
        own = self._own("pace", english)
        if own is not None:
            return own.format(time=time)
        return (
            format_compound_unit(time, denominator_unit=per_unit, length="long", locale=self.locale)
            or time
        )


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    """The placeholders a phrase names."""
    return set(_PLACEHOLDER.findall(text))
