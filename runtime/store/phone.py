"""phoneNumber: parsed with libphonenumber (the `phonenumbers` port) into the fields Weaviate returns.

As Weaviate's usecases/objects/validation/phone_numbers.go: the default country is upper-cased, the
number parsed, and national, nationalFormatted, internationalFormatted, countryCode and valid derived.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

# The texts of the Go port's errors (github.com/nyaruka/phonenumbers), which Weaviate wraps.
_PARSE_ERRORS = {
    NumberParseException.NOT_A_NUMBER: "the phone number supplied is not a number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "the string supplied is too short to be a phone number",
    NumberParseException.TOO_SHORT_NSN: "the string supplied is too short to be a phone number",
    NumberParseException.TOO_LONG: "the string supplied is too long to be a phone number",
}
_BAD_COUNTRY = (
    "invalid phone number: invalid or missing defaultCountry - this field is optional if the specified "
    "number is in the international format, but required if the number is in national format, use ISO "
    "3166-1 alpha-2"
)


class PhoneProblem(ValueError):
    """A phoneNumber value that does not parse; the message is Weaviate's."""


def normalize_phone(value: Any) -> dict[str, Any]:
    """The stored phoneNumber of {input, defaultCountry?}; other keys (a stored value's) are ignored."""
    if not isinstance(value, dict):
        raise PhoneProblem(f"phoneNumber must be a map, but got: {type(value).__name__}")
    if "input" not in value:
        raise PhoneProblem("phoneNumber is missing required field 'input'")
    text = value["input"]
    if not isinstance(text, str):
        raise PhoneProblem("phoneNumber.input must be a string")
    country = value.get("defaultCountry", "")
    if country is None:
        country = ""
    if not isinstance(country, str):
        raise PhoneProblem("phoneNumber.defaultCountry must be a string")
    country = country.upper()
    try:
        number = phonenumbers.parse(text, country or None)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise PhoneProblem(_BAD_COUNTRY) from None
        raise PhoneProblem("invalid phone number: " + _PARSE_ERRORS.get(exc.error_type, str(exc))) from None
    return {
        "input": text,
        "internationalFormatted": phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        "countryCode": number.country_code,
        "national": number.national_number,
        "nationalFormatted": phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        "valid": phonenumbers.is_valid_number(number),
        "defaultCountry": country,
    }
