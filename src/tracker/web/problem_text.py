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

# What each placeholder of a decoder's message may hold: a name between backticks, a value without spaces, a whole
# number, a word of capitals, or any text.
_VALUES = {
    "expected": "[^`]+",
    "got": "[^`]+",
    "type": "[^`]+",
    "field": "[^`]+",
    "limit": r"\S+",
    "byte": r"\d+",
    "method": "[A-Z]+",
    "regex": ".+",
    "value": ".+",
    "path": ".+",
    "reason": ".+",
}


def _form(message: str) -> re.Pattern[str]:
    """The pattern of a decoder's message said by ``message``: its words as they are, each placeholder a group."""
    return re.compile(
        re.sub(r"%\\\((\w+)\\\)s", lambda m: f"(?P<{m[1]}>{_VALUES[m[1]]})", re.escape(message)), re.DOTALL
    )


# Each form of a decoder's message, as the catalogue message that says it (the same words, with placeholders).
FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_form(message), message)
    for message in (
        N_("Expected `%(expected)s`, got `%(got)s`"),
        N_("Expected `%(type)s` >= %(limit)s"),
        N_("Expected `%(type)s` <= %(limit)s"),
        N_("Expected `%(type)s` of length >= %(limit)s"),
        N_("Expected `%(type)s` of length <= %(limit)s"),
        N_("Expected `str` matching regex %(regex)s"),
        N_("Expected `%(type)s`"),
        N_("Invalid enum value %(value)s"),
        N_("Invalid RFC3339 encoded date"),
        N_("Invalid RFC3339 encoded datetime"),
        N_("Object missing required field `%(field)s`"),
        N_("Object contains unknown field `%(field)s`"),
        N_("Validation failed for %(method)s %(path)s"),
        N_("JSON is malformed: %(reason)s (byte %(byte)s)"),
        N_("Input data was truncated"),
        N_("Invalid UTF-8 encoded string"),
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
