"""The PII guard's entity types and what each does by default, without presidio or spaCy.

Settings, the policy rules and the model card name these; importing guardrails.pii for them would load
presidio (about a second), which the app's own process does not need when the PII guard runs in its worker
process (PII_PROCESS).
"""

from __future__ import annotations

# A name tied to a direct identifier or to sensitive facts about a private person (guardrails/pii.py says how).
PERSON_PRIVATE = "PERSON_PRIVATE"

# Data that identifies a person by itself, wherever it appears.
DIRECT_IDENTIFIERS = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "US_BANK_NUMBER",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "CRYPTO",
    "ADDRESS",  # street addresses only; cities and countries (LOCATION) are left alone on purpose
)

DEFAULT_ENTITIES = ("PERSON",) + DIRECT_IDENTIFIERS

# What a finding of each type does to a reply by default: "hold" (to the review queue), "redact" (shown
# with the span masked) or "allow" (recorded only). PERSON is allowed: a name alone is no leak and was
# half of all ordinary replies held; PERSON_PRIVATE holds. Types not listed follow PII_ACTION.
DEFAULT_ENTITY_ACTIONS: dict[str, str] = {
    **{entity: "hold" for entity in DIRECT_IDENTIFIERS},
    "PERSON": "allow",
    PERSON_PRIVATE: "hold",
}
