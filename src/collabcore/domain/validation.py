"""Input checks shared by every value: bad input becomes InvalidInput, never a TypeError."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from collabcore.domain.errors import InvalidInput, describe

MAX_ID_LENGTH = 128
MAX_NAME_LENGTH = 500
MAX_COUNT = 2**31 - 1
"""The largest version, attempt or step number: every store keeps it (PostgreSQL's integer)."""


def require_text(value: Any, name: str, limit: int = MAX_ID_LENGTH) -> str:
    """``value`` as a non-empty exact ``str`` of at most ``limit`` characters, or InvalidInput.

    A ``str`` subclass is copied into a plain string first, and the copy is what is checked
    and returned: the subclass's own methods (a ``==`` or ``hash`` that lies, a ``len`` or
    ``in`` that hides a NUL) are never run, and nothing after this sees more than the text,
    as SQLite and PostgreSQL see it."""
    # The common case in one expression of C calls: every value read back passes here.
    if (
        type(value) is str
        and 0 < len(value) <= limit
        and value.isascii()
        and "\x00" not in value
        and not value.isspace()
    ):
        return value
    if not issubclass(type(value), str):  # not isinstance: an object may claim any __class__
        raise InvalidInput(f"{name} must be a string, got {describe(value)}.", path=name)
    text: str = plain(value)
    if not text.strip():
        raise InvalidInput(f"{name} must not be empty.", path=name)
    if len(text) > limit:
        raise InvalidInput(
            f"{name} is {len(text)} characters long; the limit is {limit}.",
            hint="Shorten it.",
            path=name,
        )
    if "\x00" in text:
        raise InvalidInput(f"{name} contains a NUL character.", hint="Remove it.", path=name)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate: no store can keep it (SQLite and PostgreSQL refuse to
            # encode it), so every store refuses it here, the same way.
            raise InvalidInput(
                f"{name} contains a lone surrogate character; it is not valid Unicode text.",
                hint="Decode the text properly (it may come from a bad UTF-16 or bytes conversion).",
                path=name,
            ) from None
    return text


def plain(value: str) -> str:
    """``value`` as an exact ``str``: itself if it is one, else a plain copy of its text,
    made without running any method of the subclass."""
    return value if type(value) is str else str.__str__(value)


def exact_text(value: Any, name: str, limit: int = MAX_ID_LENGTH) -> str:
    """``value`` checked as by :func:`require_text`, as an exact ``str``: a subclass (which may
    redefine ``==`` and ``hash``) is copied into a plain string before anything compares it."""
    return require_text(value, name, limit)


def _keep_plain(instance: Any, attribute: attrs.Attribute[Any], checked: str) -> None:
    """A validator's one change: a value's text field holds the exact copy it was checked as.

    attrs sets every field before it runs the validators (and before ``__attrs_post_init__``
    and any hash), so putting the copy in the field's place here means that no value made
    through its class keeps a ``str`` subclass: every store, the memory store included, then
    keeps, compares and hashes plain text, as SQLite and PostgreSQL do."""
    if instance is not None:
        object.__setattr__(instance, attribute.name, checked)


def _check_text(limit: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        checked = require_text(value, attribute.name, limit)
        if checked is not value:
            _keep_plain(instance, attribute, checked)

    return check


check_id = _check_text(MAX_ID_LENGTH)
"""An attrs validator for an id: checked text, kept as an exact ``str`` (see :func:`require_text`)."""
check_name = _check_text(MAX_NAME_LENGTH)
"""An attrs validator for a name people read, checked and kept as :data:`check_id` keeps an id."""


def optional(
    check: Callable[[Any, attrs.Attribute[Any], Any], None],
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def run(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)

    return run


def instance_of(kind: type | tuple[type, ...]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise InvalidInput(
                f"{attribute.name} must be a {names}, got {describe(value)}.", path=attribute.name
            )

    return check


def check_aware(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime):
        raise InvalidInput(
            f"{attribute.name} must be a datetime, got {describe(value)}.", path=attribute.name
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{attribute.name} is a naive datetime ({value.isoformat()}).",
            hint="Give it a time zone, e.g. datetime.now(UTC).",
            path=attribute.name,
        )


def check_version(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise InvalidInput(
            f"{attribute.name} must be a whole number from 0 to {MAX_COUNT:,}, got {describe(value)}.",
            path=attribute.name,
        )


def tuple_of(kind: type) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, kind) for v in value):
            raise InvalidInput(
                f"{attribute.name} must be a tuple of {kind.__name__}, got {describe(value)}.",
                path=attribute.name,
            )

    return check


LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
"""A language code, as :func:`check_language` takes it."""


def check_language(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    checked = plain(value) if issubclass(type(value), str) else None
    if checked is None or not LANGUAGE.fullmatch(checked):
        raise InvalidInput(
            f"{attribute.name} must be a language code such as 'en' or 'sv', got {describe(value)}.",
            path=attribute.name,
        )
    if checked is not value:
        _keep_plain(instance, attribute, checked)


def check_flag(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(
            f"{attribute.name} must be True or False, got {describe(value)}.", path=attribute.name
        )


def check_callable(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not callable(value):
        raise InvalidInput(
            f"{attribute.name} must be a function, got {describe(value)}.", path=attribute.name
        )


def frozenset_of(kind: type | tuple[type, ...], name: str) -> Callable[[Any], frozenset[Any]]:
    """A converter: any iterable of ``kind`` (not a string) as a frozenset, or InvalidInput."""

    def convert(value: Any) -> frozenset[Any]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise InvalidInput(f"{name} must be a collection, got {describe(value)}.", path=name)
        try:
            items = frozenset(value)
        except TypeError:
            raise InvalidInput(
                f"{name} must hold hashable values, got {describe(value)}.", path=name
            ) from None
        bad = [v for v in items if not isinstance(v, kind)]
        if bad:
            raise InvalidInput(f"{name} holds {describe(bad[0])}, which does not belong there.", path=name)
        return items

    return convert


def tuple_from(kind: type | tuple[type, ...], name: str) -> Callable[[Any], tuple[Any, ...]]:
    """A converter: any iterable of ``kind`` (not a string) as a tuple, or InvalidInput."""

    def convert(value: Any) -> tuple[Any, ...]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise InvalidInput(f"{name} must be a sequence, got {describe(value)}.", path=name)
        items = tuple(value)
        bad = [v for v in items if not isinstance(v, kind)]
        if bad:
            raise InvalidInput(f"{name} holds {describe(bad[0])}, which does not belong there.", path=name)
        return items

    return convert


def check_mapping(
    keys: type | tuple[type, ...], values: type | tuple[type, ...]
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, Mapping):
            raise InvalidInput(
                f"{attribute.name} must be a mapping, got {describe(value)}.", path=attribute.name
            )
        for key, item in value.items():
            if not isinstance(key, keys) or not isinstance(item, values):
                raise InvalidInput(
                    f"{attribute.name} maps {describe(key)} to {describe(item)}, "
                    "which does not belong there.",
                    path=attribute.name,
                )

    return check
