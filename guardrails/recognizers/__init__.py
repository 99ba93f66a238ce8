"""Custom presidio recognizers registered by the PII guard, one small class per module."""

from guardrails.recognizers.address import StreetAddressRecognizer, ZipCodeRecognizer
from guardrails.recognizers.person import CuedNameRecognizer, NameListRecognizer
from guardrails.recognizers.phone import PhoneFormatRecognizer


def custom_recognizers() -> list:
    return [StreetAddressRecognizer(), ZipCodeRecognizer(), PhoneFormatRecognizer(), NameListRecognizer(), CuedNameRecognizer()]


__all__ = ["CuedNameRecognizer", "NameListRecognizer", "PhoneFormatRecognizer", "StreetAddressRecognizer", "ZipCodeRecognizer",
           "custom_recognizers"]
