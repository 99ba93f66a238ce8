"""Custom presidio recognizers registered by the PII guard, one small class per module."""

from guardrails.recognizers.address import StreetAddressRecognizer, ZipCodeRecognizer
from guardrails.recognizers.address_block import AddressBlockRecognizer, CuedAddressRecognizer
from guardrails.recognizers.licence import NamedLicenceRecognizer
from guardrails.recognizers.person import CuedNameRecognizer, NameListRecognizer
from guardrails.recognizers.person_cues import NameAnswerRecognizer, PossessiveRelationRecognizer, SpeakerLabelRecognizer
from guardrails.recognizers.phone import PhoneFormatRecognizer
from guardrails.recognizers.ssn import NamedSsnRecognizer


def custom_recognizers() -> list:
    return [StreetAddressRecognizer(), ZipCodeRecognizer(), AddressBlockRecognizer(), CuedAddressRecognizer(), PhoneFormatRecognizer(), NameListRecognizer(), CuedNameRecognizer(),
            SpeakerLabelRecognizer(), NameAnswerRecognizer(), PossessiveRelationRecognizer(), NamedSsnRecognizer(), NamedLicenceRecognizer()]


__all__ = ["AddressBlockRecognizer", "CuedAddressRecognizer", "CuedNameRecognizer", "NameAnswerRecognizer", "NameListRecognizer", "NamedLicenceRecognizer", "NamedSsnRecognizer", "PhoneFormatRecognizer",
           "PossessiveRelationRecognizer", "SpeakerLabelRecognizer", "StreetAddressRecognizer", "ZipCodeRecognizer",
           "custom_recognizers"]
