"""Custom presidio recognizers registered by the PII guard: small classes, one module per kind of data."""

from guardrails.recognizers.address import StreetAddressRecognizer, ZipCodeRecognizer
from guardrails.recognizers.address_block import AddressBlockRecognizer, CuedAddressRecognizer
from guardrails.recognizers.named_ids import NamedLicenceRecognizer, NamedPassportRecognizer, NamedSsnRecognizer
from guardrails.recognizers.person import CuedNameRecognizer, NameListRecognizer
from guardrails.recognizers.person_cues import NameAnswerRecognizer, PossessiveRelationRecognizer, SpeakerLabelRecognizer
from guardrails.recognizers.phone import PhoneFormatRecognizer


def custom_recognizers() -> list:
    return [StreetAddressRecognizer(), ZipCodeRecognizer(), AddressBlockRecognizer(), CuedAddressRecognizer(), PhoneFormatRecognizer(), NameListRecognizer(), CuedNameRecognizer(),
            SpeakerLabelRecognizer(), NameAnswerRecognizer(), PossessiveRelationRecognizer(), NamedSsnRecognizer(), NamedLicenceRecognizer(),
            NamedPassportRecognizer()]


__all__ = ["AddressBlockRecognizer", "CuedAddressRecognizer", "CuedNameRecognizer", "NameAnswerRecognizer", "NameListRecognizer", "NamedLicenceRecognizer", "NamedPassportRecognizer", "NamedSsnRecognizer", "PhoneFormatRecognizer",
           "PossessiveRelationRecognizer", "SpeakerLabelRecognizer", "StreetAddressRecognizer", "ZipCodeRecognizer",
           "custom_recognizers"]
