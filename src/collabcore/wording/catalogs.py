"""Catalogs: the words of a language, or of a brand in a language, in gettext files.

The shipped words live in ``.po`` files beside this module, so translators work in
the tools they know (Poedit, Weblate, Lokalize, ``msgfmt --check``); a host adds a
language or a brand by passing its own ``.po`` or compiled ``.mo`` file to
:meth:`Texts.with_catalog <collabcore.wording.texts.Texts.with_catalog>`.

The message id is the text key (``R3.message``), the message string its template.
Keys ending in ``.remedy`` are ordered steps, one per line. A catalog whose header
names ``X-Collabcore-Brand`` holds that brand's words: ``term.<name>`` for the
terms, ``product.<key>`` for product names, and any other key as a template only
that brand uses.

Both formats are read here without a dependency: ``.po`` is a small line format,
``.mo`` the binary table the standard library's :mod:`gettext` reads (a test
checks that the standard library reads what :func:`write_mo` writes the same
way, and ``msgfmt --check`` accepts the shipped files).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import IO

import attrs
from attrs import frozen

from collabcore.domain.errors import ConfigurationError, InvalidInput, describe
from collabcore.domain.validation import check_id, check_mapping, require_text

STEPS_SUFFIX = ".remedy"
"""Keys whose template is ordered steps, one per line."""
TERM_PREFIX = "term."
PRODUCT_PREFIX = "product."
BRAND_HEADER = "X-Collabcore-Brand"

_MO_MAGIC = 0x950412DE
_SHIPPED_NAME = re.compile(r"[a-z][a-z0-9_]*(-[a-z][a-z0-9_]*)?")
_KEYWORDS = ("msgctxt", "msgid", "msgid_plural", "msgstr")
_ESCAPED = re.compile(r"\\(.?)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


@frozen
class Catalog:
    """The entries of one ``.po``/``.mo`` file, in file order, with its header fields."""

    language: str = attrs.field(validator=lambda _, a, v: require_text(v, a.name))
    entries: Mapping[str, str] = attrs.field(validator=check_mapping(str, str))
    """text key -> message string (steps joined by newlines)."""
    brand: str | None = attrs.field(default=None, validator=attrs.validators.optional(check_id))
    source: str = ""
    """Where it was read from, for messages."""
    fuzzy: frozenset[str] = attrs.field(factory=frozenset)
    """Keys marked fuzzy: present, but gettext (and collabcore) do not use them."""
    notes: Mapping[str, str] = attrs.field(factory=dict, validator=check_mapping(str, str))
    """text key -> a comment for translators (``#.`` lines), written by :func:`write_po`."""

    @property
    def terms(self) -> dict[str, str]:
        return {k[len(TERM_PREFIX) :]: v for k, v in self.entries.items() if k.startswith(TERM_PREFIX)}

    @property
    def products(self) -> dict[str, str]:
        return {k[len(PRODUCT_PREFIX) :]: v for k, v in self.entries.items() if k.startswith(PRODUCT_PREFIX)}

    @property
    def templates(self) -> dict[str, str | tuple[str, ...]]:
        """The sentences (and steps), without the brand's terms and product names."""
        return {
            key: as_template(key, value)
            for key, value in self.entries.items()
            if not key.startswith((TERM_PREFIX, PRODUCT_PREFIX))
        }


def as_template(key: str, value: str) -> str | tuple[str, ...]:
    return tuple(value.split("\n")) if key.endswith(STEPS_SUFFIX) else value


def as_message(value: str | tuple[str, ...]) -> str:
    return value if isinstance(value, str) else "\n".join(value)


def read_catalog(source: str | Path | bytes) -> Catalog:
    """A catalog from a ``.po`` or ``.mo`` file (told apart by content), or from its bytes."""
    if isinstance(source, bytes):
        data, name = source, "<bytes>"
    elif isinstance(source, str | Path):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(
                f"Cannot read the catalog {path}: {exc.strerror or exc}.",
                hint="Give the path of a .po or .mo file.",
                path="catalog",
            ) from None
        name = str(path)
    else:
        raise InvalidInput(
            f"A catalog is a path or the file's bytes, got {describe(source)}.", path="catalog"
        )
    if len(data) >= 4 and struct.unpack("<I", data[:4])[0] in (_MO_MAGIC, 0xDE120495):
        return _from_mo(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{name} is neither a .mo file nor UTF-8 text (byte {exc.start}).",
            hint="Save the .po file as UTF-8.",
            path="catalog",
        ) from None
    return _from_po(text, name)


def shipped(name: str) -> Catalog:
    """One of the catalogs that ship with collabcore (``en``, ``visma-sv``...)."""
    if not isinstance(name, str) or not _SHIPPED_NAME.fullmatch(name):
        raise InvalidInput(f"No shipped catalog is named {describe(name)}.", path="name")
    data = resources.files("collabcore.wording").joinpath("catalogs", f"{name}.po").read_bytes()
    return _from_po(data.decode("utf-8"), f"{name}.po")


def template(language: str, brand: str | None = None, source: str = "en") -> Catalog:
    """A new catalog for translators: every key of the shipped ``source`` language (or of
    ``brand`` in it), untranslated, each with the source text as its translator's note."""
    name = f"{brand}-{source}" if brand else source
    try:
        origin = shipped(name)
    except (FileNotFoundError, InvalidInput):
        raise InvalidInput(
            f"No shipped catalog {name}; a template starts from one of the shipped languages and brands.",
            path="brand" if brand else "source",
        ) from None
    notes = {key: f"{source}: {text}" for key, text in origin.entries.items()}
    return Catalog(language, dict.fromkeys(origin.entries, ""), brand, f"{language}.po", frozenset(), notes)


def _header(catalog_header: str, name: str) -> tuple[str, str | None]:
    fields = dict(
        (k.strip(), v.strip())
        for k, _, v in (line.partition(":") for line in catalog_header.split("\n") if ":" in line)
    )
    language = fields.get("Language", "")
    if not language:
        raise ConfigurationError(
            f"{name} names no language.",
            hint='Add "Language: xx\\n" to its header (the entry with an empty msgid).',
        )
    return language, fields.get(BRAND_HEADER) or None


def _po_string(line: str, name: str, number: int) -> str:
    if len(line) < 2 or not (line.startswith('"') and line.endswith('"')):
        raise ConfigurationError(f"{name}, line {number}: expected a quoted string, got {line[:60]!r}.")
    body = line[1:-1]
    if "\\" not in body:  # most lines: nothing to unescape
        if '"' in body:
            raise ConfigurationError(f'{name}, line {number}: a " inside a string must be written \\".')
        return body

    def unescape(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped == '"':
            return escaped
        if escaped not in _ESCAPES:
            raise ConfigurationError(f"{name}, line {number}: unknown escape \\{escaped}.")
        return _ESCAPES[escaped]

    if '"' in _ESCAPED.sub("", body):
        raise ConfigurationError(f'{name}, line {number}: a " inside a string must be written \\".')
    return _ESCAPED.sub(unescape, body)


def _from_po(text: str, name: str) -> Catalog:
    entries: dict[str, str] = {}
    notes: dict[str, str] = {}
    fuzzy: set[str] = set()
    seen: set[str] = set()
    header: str | None = None
    for entry in _po_entries(text, name):
        msgid, msgstr, flags, note, number = entry
        if msgid == "":
            header = msgstr
            continue
        if msgid in seen:
            raise ConfigurationError(f"{name}, line {number}: {msgid} is given twice.")
        seen.add(msgid)
        if "fuzzy" in flags:
            fuzzy.add(msgid)
            continue
        if note:
            notes[msgid] = note  # an untranslated entry's too: it tells the translator what to write
        if msgstr:
            entries[msgid] = msgstr
    if header is None:
        raise ConfigurationError(
            f"{name} has no header.", hint='Start it with msgid "" and a Language field.'
        )
    language, brand = _header(header, name)
    return Catalog(language, entries, brand, name, frozenset(fuzzy), notes)


def _po_entries(text: str, name: str) -> Iterator[tuple[str, str, set[str], str, int]]:
    """(msgid, msgstr, flags, translator note, line) per entry."""
    fields: dict[str, list[str]] = {}
    flags: set[str] = set()
    notes: list[str] = []
    current: str | None = None
    start = 0

    def finish() -> tuple[str, str, set[str], str, int]:
        if "msgid_plural" in fields:
            raise ConfigurationError(f"{name}, line {start}: collabcore's texts have no plural forms.")
        if "msgctxt" in fields:
            raise ConfigurationError(f"{name}, line {start}: collabcore's texts have no msgctxt.")
        if "msgid" not in fields:
            raise ConfigurationError(f"{name}, line {start}: a msgstr without its msgid.")
        return "".join(fields["msgid"]), "".join(fields.get("msgstr", [])), flags, "\n".join(notes), start

    # Split on newlines only: str.splitlines() also breaks at characters a message may hold.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip(" \t\r")
        if line.startswith('"'):
            if current is None:
                raise ConfigurationError(f"{name}, line {number}: a string that belongs to no keyword.")
            fields[current].append(_po_string(line, name, number))
            continue
        if "msgstr" in fields and (not line or line.startswith(("#", "msgid ", "msgctxt "))):
            # The entry before is complete: a comment, a blank line or a new msgid starts the next.
            yield finish()
            fields, flags, notes, current = {}, set(), [], None
        if not line or line.startswith("#~"):
            continue  # a blank line, or an obsolete entry kept by translators' tools
        if line.startswith("#"):
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#."):
                notes.append(line[2:].strip())
            continue
        keyword, _, rest = line.partition(" ")
        if keyword not in _KEYWORDS and not keyword.startswith("msgstr["):
            raise ConfigurationError(f"{name}, line {number}: unknown keyword {keyword[:30]!r}.")
        if keyword == "msgid" and "msgid" in fields and "msgid_plural" not in fields:
            raise ConfigurationError(f"{name}, line {start}: a msgid without its msgstr.")
        if not fields:
            start = number
        current = keyword
        fields[current] = [_po_string(rest.strip(" \t"), name, number)]
    if fields:
        yield finish()


def _from_mo(data: bytes, name: str) -> Catalog:
    order = "<" if struct.unpack("<I", data[:4])[0] == _MO_MAGIC else ">"
    try:
        _, _, count, originals, translations = struct.unpack(order + "5I", data[:20])
        pairs: list[tuple[str, str]] = []
        for n in range(count):
            length, offset = struct.unpack(order + "2I", data[originals + 8 * n : originals + 8 * n + 8])
            key = data[offset : offset + length].decode("utf-8")
            length, offset = struct.unpack(
                order + "2I", data[translations + 8 * n : translations + 8 * n + 8]
            )
            pairs.append((key, data[offset : offset + length].decode("utf-8")))
    except (struct.error, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{name} is not a readable .mo file ({exc}).") from None
    header = dict(pairs).get("")
    if header is None:
        raise ConfigurationError(f"{name} has no header.", hint="Compile it from a .po file with a header.")
    language, brand = _header(header, name)
    for key, _ in pairs:
        if "\x04" in key or "\x00" in key:
            raise ConfigurationError(f"{name}: collabcore's texts have no msgctxt or plural forms ({key!r}).")
    return Catalog(language, {k: v for k, v in pairs if k}, brand, name)


def _mo_string(data: bytes, order: str, at: int) -> str:
    length, offset = struct.unpack(order + "2I", data[at : at + 8])
    if offset + length > len(data):
        raise struct.error("a string runs past the end of the file")
    return data[offset : offset + length].decode("utf-8")


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    # Steps on lines of their own, as translators' tools show them.
    parts = [f'"{line}\\n"' for line in lines[:-1]] + [f'"{lines[-1]}"']
    return '""\n' + "\n".join(parts)


def write_po(catalog: Catalog, out: IO[str], *, revised: str = "2026-11-24 00:00+0000") -> None:
    """The catalog as a ``.po`` file (what the shipped files are written with)."""
    header = [
        "Project-Id-Version: collabcore",
        f"PO-Revision-Date: {revised}",
        "Last-Translator: collabcore",
        "Language-Team: collabcore",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        f"Language: {catalog.language}",
    ]
    if catalog.brand:
        header.append(f"{BRAND_HEADER}: {catalog.brand}")
    out.write('msgid ""\nmsgstr ""\n' + "".join(f'"{line}\\n"\n' for line in header))
    for key, value in catalog.entries.items():
        out.write("\n")
        for line in catalog.notes.get(key, "").split("\n"):
            if line:
                out.write(f"#. {line}\n")
        out.write(f"msgid {_quote(key)}\nmsgstr {_quote(value)}\n")


def write_mo(catalog: Catalog, out: IO[bytes]) -> None:
    """The catalog compiled as ``msgfmt`` would, for hosts that ship ``.mo`` files."""
    header = f"Content-Type: text/plain; charset=UTF-8\nLanguage: {catalog.language}\n"
    if catalog.brand:
        header += f"{BRAND_HEADER}: {catalog.brand}\n"
    pairs = sorted([("", header), *catalog.entries.items()], key=lambda kv: kv[0].encode("utf-8"))
    keys = [k.encode("utf-8") for k, _ in pairs]
    values = [v.encode("utf-8") for _, v in pairs]
    count = len(pairs)
    start = 28 + 16 * count
    key_table, value_table, blob = [], [], b""
    for key in keys:
        key_table.append((len(key), start + len(blob)))
        blob += key + b"\0"
    for value in values:
        value_table.append((len(value), start + len(blob)))
        blob += value + b"\0"
    out.write(struct.pack("<7I", _MO_MAGIC, 0, count, 28, 28 + 8 * count, 0, 0))
    for length, offset in key_table + value_table:
        out.write(struct.pack("<2I", length, offset))
    out.write(blob)
