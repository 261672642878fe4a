"""The messages of problem documents in the caller's language.

Most are catalogue messages (marked ``N_`` where they are raised: a service's ``InputError``, a 404's detail),
translated where the problem is answered. Those the request decoder writes (msgspec and Litestar: "Expected `int`,
got `str`", "Validation failed for PATCH /api/...") hold values; each form they take is a catalogue message with
placeholders here, so ``said`` finds the form, translates it and puts the values back. In English the result is the
message as it was, byte for byte. A message of no known form is translated as it is (or stays as it is).
"""

from __future__ import annotations

import re

from tracker.web.i18n import N_, gettext

# Each form of a decoder's message, and the catalogue message that says it (the same words, with placeholders).
FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), message)
    for pattern, message in (
        (r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`", N_("Expected `%(expected)s`, got `%(got)s`")),
        (r"Expected `(?P<type>[^`]+)` >= (?P<limit>\S+)", N_("Expected `%(type)s` >= %(limit)s")),
        (r"Expected `(?P<type>[^`]+)` <= (?P<limit>\S+)", N_("Expected `%(type)s` <= %(limit)s")),
        (r"Expected `(?P<type>[^`]+)` of length >= (?P<limit>\d+)", N_("Expected `%(type)s` of length >= %(limit)s")),
        (r"Expected `(?P<type>[^`]+)` of length <= (?P<limit>\d+)", N_("Expected `%(type)s` of length <= %(limit)s")),
        (r"Expected `str` matching regex (?P<regex>.+)", N_("Expected `str` matching regex %(regex)s")),
        (r"Expected `(?P<type>[^`]+)`", N_("Expected `%(type)s`")),
        (r"Invalid enum value (?P<value>.+)", N_("Invalid enum value %(value)s")),
        (r"Invalid RFC3339 encoded date", N_("Invalid RFC3339 encoded date")),
        (r"Invalid RFC3339 encoded datetime", N_("Invalid RFC3339 encoded datetime")),
        (r"Object missing required field `(?P<field>[^`]+)`", N_("Object missing required field `%(field)s`")),
        (r"Object contains unknown field `(?P<field>[^`]+)`", N_("Object contains unknown field `%(field)s`")),
        (r"Validation failed for (?P<method>[A-Z]+) (?P<path>.+)", N_("Validation failed for %(method)s %(path)s")),
        (
            r"JSON is malformed: (?P<reason>.+) \(byte (?P<byte>\d+)\)",
            N_("JSON is malformed: %(reason)s (byte %(byte)s)"),
        ),
        (r"Input data was truncated", N_("Input data was truncated")),
        (r"Invalid UTF-8 encoded string", N_("Invalid UTF-8 encoded string")),
    )
)
# What the JSON decoder says is wrong, in the words of its "JSON is malformed" message.
JSON_FAULTS = frozenset(
    (
        N_("object keys must be strings"),
        N_("trailing comma in object"),
        N_("trailing comma in array"),
        N_("trailing characters"),
        N_("invalid character"),
        N_("invalid number"),
        N_("invalid escape character in string"),
        N_("invalid character in string"),
        N_("expected ':'"),
        N_("expected ',' or '}'"),
        N_("expected ',' or ']'"),
    )
)


def said(message: str) -> str:
    """``message`` in the current language: a decoder's message by its form, any other as the catalogue has it."""
    for pattern, template in FORMS:
        if (match := pattern.fullmatch(message)) is not None:
            values = match.groupdict()
            if "reason" in values and values["reason"] in JSON_FAULTS:
                values["reason"] = gettext(values["reason"])
            return gettext(template) % values
    return gettext(message)
