"""The catalogues as translators keep them: the template written, each `.po` checked and compiled.

`python -m voicecoach.language.compiling` (`make catalogues`) writes `voicecoach.pot` from
the message table, checks every language's `.po` (every message there and translated,
the same placeholders as the English, the plural forms CLDR gives the language, nothing
fuzzy) and compiles each into the `.mo` the package reads. `--check` changes nothing and
fails when a catalogue has a problem or a `.mo` is not its `.po` compiled.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from voicecoach.language.messages import MESSAGES, Message
from voicecoach.language.saying import DOMAIN, placeholders
from voicecoach.language.tags import LANGUAGES

FOLDER = Path(__file__).parent / "catalogues"


def template() -> Catalog:
    """The catalogue template: every message, untranslated, with its note."""
    catalog = Catalog(project="voicecoach", domain=DOMAIN, fuzzy=False)
    for message in MESSAGES:
        msgid = (message.text, message.plural) if message.plural else message.text
        catalog.add(
            msgid, context=message.context, auto_comments=[message.note] if message.note else []
        )
    return catalog


def _as_bytes(catalog: Catalog, write: object) -> bytes:
    buffer = io.BytesIO()
    write(buffer, catalog)  # type: ignore[operator]
    return buffer.getvalue()


def template_bytes() -> bytes:
    """voicecoach.pot as written (no dates, so the same table writes the same bytes)."""
    catalog = template()
    return _as_bytes(catalog, lambda out, cat: write_po(out, cat, omit_header=True, width=88))


def read(path: Path) -> Catalog:
    """A language's catalogue."""
    with path.open("rb") as handle:
        return read_po(handle, locale=_locale_of(path), domain=DOMAIN)


def _locale_of(path: Path) -> str:
    for language in LANGUAGES.values():
        if language.catalogue == path.stem:
            return language.locale
    raise ValueError(f"{path.name}: no built-in language has this catalogue")


def problems(path: Path) -> list[str]:
    """What is wrong with one catalogue, one line each, naming the file and the message."""
    catalog = read(path)
    found: list[str] = []
    wanted = {message.key: message for message in MESSAGES}
    for message in MESSAGES:
        entry = catalog.get((message.plural and message.text) or message.text, message.context)
        where = f"{path.name}: {message.context} '{message.text}'"
        if entry is None:
            found.append(f"{where}: expected a translation, found none")
            continue
        string = entry.string if entry.string is not None else ""
        found += _entry_problems(where, message, string, catalog.num_plurals, entry.fuzzy)
    for entry in catalog:
        if entry.id and (entry.context or "", _english(entry.id)) not in wanted:
            found.append(f"{path.name}: {entry.context} '{_english(entry.id)}': no such message")
    return found


def _english(msgid: object) -> str:
    return str(msgid[0]) if isinstance(msgid, (tuple, list)) else str(msgid)


def _entry_problems(
    where: str, message: Message, string: object, plurals: int, fuzzy: bool
) -> list[str]:
    found = [f"{where}: marked fuzzy; check it and remove the mark"] if fuzzy else []
    forms = [str(s) for s in string] if isinstance(string, (tuple, list)) else [str(string)]
    if message.plural and len(forms) != plurals:
        found.append(f"{where}: expected {plurals} plural forms (CLDR), found {len(forms)}")
    english = placeholders(message.text)
    instead = dict(message.extra)
    for form in forms:
        if not form:
            if not message.optional:
                found.append(f"{where}: expected a translation, found it empty")
            continue
        named = placeholders(form)
        needed = {
            name
            for name in english
            if not any(alt in named for alt, of in instead.items() if of == name)
        }
        allowed = english | set(instead)
        if named - allowed or needed - named:
            found.append(
                f"{where}: expected the placeholders "
                f"{', '.join('{' + n + '}' for n in sorted(english)) or 'none'}, found "
                f"{', '.join('{' + n + '}' for n in sorted(named)) or 'none'} in '{form}'"
            )
    return found


def start(name: str) -> Path:
    """A new language's `.po`: every message, untranslated, with CLDR's plural forms."""
    path = FOLDER / f"{name}.po"
    catalog = Catalog(locale=_locale_of(path), project="voicecoach", domain=DOMAIN, fuzzy=False)
    for message in template():
        if message.id:
            catalog.add(message.id, context=message.context, auto_comments=message.auto_comments)
    with path.open("xb") as handle:
        write_po(handle, catalog, width=88, omit_header=False)
    return path


def update(path: Path) -> None:
    """Add the template's new messages to a language's `.po`, untranslated (as msgmerge)."""
    catalog = read(path)
    for message in template():
        if message.id and catalog.get(message.id, message.context) is None:
            catalog.add(message.id, context=message.context, auto_comments=message.auto_comments)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=88, omit_header=False)


def compiled(path: Path) -> bytes:
    """A catalogue's `.mo`, as the package reads it."""
    catalog = read(path)
    return _as_bytes(catalog, write_mo)


def catalogue_files() -> list[Path]:
    """Every language's `.po`."""
    return sorted(FOLDER.glob("*.po"))


def _out_of_date(check: bool) -> list[str]:
    """The template and the `.mo` files that are not what the sources make (written unless
    `check`)."""
    stale: list[str] = []
    pot = FOLDER / f"{DOMAIN}.pot"
    if not pot.exists() or pot.read_bytes() != template_bytes():
        stale.append(str(pot))
        if not check:
            pot.write_bytes(template_bytes())
    for path in catalogue_files():
        mo = path.with_suffix(".mo")
        data = compiled(path)
        if not mo.exists() or mo.read_bytes() != data:
            stale.append(str(mo))
            if not check:
                mo.write_bytes(data)
    return stale


def main(argv: list[str]) -> int:
    """Write the template and the `.mo` files; with --check, only say what is out of date;
    with --update, add new messages to every `.po`; with --start NAME, begin a language."""
    if argv[:1] == ["--update"]:
        for path in catalogue_files():
            update(path)
        return 0
    if argv[:1] == ["--start"]:
        for name in argv[1:]:
            print(start(name))
        return 0
    check = "--check" in argv
    expected = {language.catalogue for language in LANGUAGES.values() if language.catalogue}
    missing = expected - {path.stem for path in catalogue_files()}
    found = [f"{name}.po: expected a catalogue, found none" for name in sorted(missing)]
    for path in catalogue_files():
        found += problems(path)
    stale = _out_of_date(check)
    for line in found:
        print(line, file=sys.stderr)
    if check and stale:
        print(f"out of date (run 'make catalogues'): {', '.join(stale)}", file=sys.stderr)
    return 1 if found or (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
