"""The languages voicecoach speaks: BCP 47 tags, their CLDR locale and espeak-ng voice."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    """One built-in language."""

    tag: str  # BCP 47, as a routine writes it: "de", "pt-BR"
    name: str  # in English, for lists
    own_name: str  # in the language itself
    locale: str  # CLDR's (Babel's) locale: units, plurals, lists, dates
    voice: str  # espeak-ng's voice for it
    catalogue: str | None  # the catalogue's name; None: the English source text

    @property
    def base(self) -> str:
        """The language without its region: "pt" for pt-BR."""
        return self.tag.split("-")[0].lower()


LANGUAGES: dict[str, Language] = {
    language.tag: language
    for language in (
        Language("en", "English", "English", "en_GB", "en-us", None),
        Language("en-US", "English (US)", "English (US)", "en_US", "en-us", None),
        Language("de", "German", "Deutsch", "de_DE", "de", "de"),
        Language("fr", "French", "français", "fr_FR", "fr-fr", "fr"),
        Language("es", "Spanish", "español", "es_ES", "es", "es"),
        Language("it", "Italian", "italiano", "it_IT", "it", "it"),
        Language("nl", "Dutch", "Nederlands", "nl_NL", "nl", "nl"),
        Language("pt-PT", "Portuguese (Portugal)", "português (Portugal)", "pt_PT", "pt", "pt_PT"),
        Language("pt-BR", "Portuguese (Brazil)", "português (Brasil)", "pt_BR", "pt-br", "pt_BR"),
        Language("sv", "Swedish", "svenska", "sv_SE", "sv", "sv"),
        Language("da", "Danish", "dansk", "da_DK", "da", "da"),
        Language("nb", "Norwegian Bokmål", "norsk bokmål", "nb_NO", "nb", "nb"),
        Language("fi", "Finnish", "suomi", "fi_FI", "fi", "fi"),
        Language("pl", "Polish", "polski", "pl_PL", "pl", "pl"),
    )
}

# tags a runner may write for a built-in language
_ALSO = {
    "en-gb": "en",
    "pt": "pt-PT",
    "no": "nb",
    "nb-no": "nb",
    "de-de": "de",
    "fr-fr": "fr",
    "es-es": "es",
    "it-it": "it",
    "nl-nl": "nl",
    "sv-se": "sv",
    "da-dk": "da",
    "fi-fi": "fi",
    "pl-pl": "pl",
}


class UnknownLanguage(ValueError):
    """A tag that names no built-in language."""


def language_for(tag: str) -> Language:
    """The built-in language a BCP 47 tag names (case and `_` as `-` forgiven)."""
    wanted = tag.strip().replace("_", "-").lower()
    for known in LANGUAGES:
        if known.lower() == wanted:
            return LANGUAGES[known]
    if wanted in _ALSO:
        return LANGUAGES[_ALSO[wanted]]
    known_tags = ", ".join(LANGUAGES)
    raise UnknownLanguage(f"expected a built-in language ({known_tags}), found '{tag}'")


def voice_language(voice: str) -> str:
    """The base language of a voice id or language code: "de" for "gmw/de" or "de_DE"."""
    return voice.rsplit("/", 1)[-1].replace("_", "-").split("-")[0].lower()


def same_language(language: Language, voice: str) -> bool:
    """Whether a voice (an espeak-ng id or code, a Piper model's language) speaks it."""
    spoken = voice_language(voice)
    return spoken == language.base or {spoken, language.base} <= {"nb", "no"}
