"""Custom presidio recognizers registered by the PII guard, one small class per module."""

from guardrails.recognizers.address import StreetAddressRecognizer, ZipCodeRecognizer
from guardrails.recognizers.address_block import AddressBlockRecognizer, CuedAddressRecognizer
from guardrails.recognizers.person import CuedNameRecognizer, NameListRecognizer
from guardrails.recognizers.phone import PhoneFormatRecognizer


def custom_recognizers() -> list:
    return [StreetAddressRecognizer(), ZipCodeRecognizer(), AddressBlockRecognizer(), CuedAddressRecognizer(), PhoneFormatRecognizer(), NameListRecognizer(), CuedNameRecognizer()]


__all__ = ["AddressBlockRecognizer", "CuedAddressRecognizer", "CuedNameRecognizer", "NameListRecognizer", "PhoneFormatRecognizer", "StreetAddressRecognizer", "ZipCodeRecognizer",
           "custom_recognizers"]
