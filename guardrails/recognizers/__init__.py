"""Custom presidio recognizers registered by the PII guard: small classes, one module per kind of data."""

from guardrails.recognizers.light_import import import_presidio

import_presidio()  # before any module below imports presidio: without transformers and torch (light_import.py)

# ruff: noqa: E402

from guardrails.recognizers.address import StreetAddressRecognizer, ZipCodeRecognizer
from guardrails.recognizers.address_block import AddressBlockRecognizer, CuedAddressRecognizer, UnknownStreetRecognizer
from guardrails.recognizers.named_ids import (
    NamedBankAccountRecognizer,
    NamedCardRecognizer,
    NamedLicenceRecognizer,
    NamedPassportRecognizer,
    NamedSsnRecognizer,
)
from guardrails.recognizers.person import CuedNameRecognizer, NameListRecognizer
from guardrails.recognizers.person_cues import NameAnswerRecognizer, PossessiveRelationRecognizer, SpeakerLabelRecognizer
from guardrails.recognizers.phone import CuedPhoneRecognizer, PhoneFormatRecognizer


def custom_recognizers() -> list:
    return [StreetAddressRecognizer(), ZipCodeRecognizer(), AddressBlockRecognizer(), CuedAddressRecognizer(),
            UnknownStreetRecognizer(), PhoneFormatRecognizer(), CuedPhoneRecognizer(), NameListRecognizer(),
            CuedNameRecognizer(), SpeakerLabelRecognizer(), NameAnswerRecognizer(), PossessiveRelationRecognizer(),
            NamedSsnRecognizer(), NamedLicenceRecognizer(), NamedPassportRecognizer(), NamedCardRecognizer(),
            NamedBankAccountRecognizer()]


__all__ = ["AddressBlockRecognizer", "CuedAddressRecognizer", "CuedNameRecognizer", "CuedPhoneRecognizer",
           "NameAnswerRecognizer", "NameListRecognizer", "NamedBankAccountRecognizer", "NamedCardRecognizer",
           "NamedLicenceRecognizer", "NamedPassportRecognizer", "NamedSsnRecognizer", "PhoneFormatRecognizer",
           "PossessiveRelationRecognizer", "SpeakerLabelRecognizer", "StreetAddressRecognizer",
           "UnknownStreetRecognizer", "ZipCodeRecognizer", "custom_recognizers"]
