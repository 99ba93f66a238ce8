"""Identity numbers that the words right before them name: "my social security number is 536228812",
"driver's license number is LH329609T", "passport no. X12345678".

presidio's US recognizers give these numbers weak scores by shape alone (an SSN without dashes 0.05, a
licence or passport number 0.01-0.4), and its context words lift them only to about 0.4, under the
guard's threshold. Named directly before it, a number is what the words say it is whatever its shape.
Each class below is one such number: the naming words, the shape, and presidio's own validity check
where it has one.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import UsSsnRecognizer

# After the naming words: an optional "is"/"was" and one of ":", "#", "=", "-".
LINK = r"(?:[ \t]+(?:is|was|reads|=|est|ist|lautet|es|è|é))?[ \t]*[:#=\-]?[ \t]*"
NUMBER_WORD = r"(?:[ \t]+(?:number|no\.?|num|id|\#))?"
# Letters and digits, at least four of them digits, maybe in dashed groups ("A56319335", "D12-3456").
CODE = r"(?=(?:[a-z-]*\d){4})[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){4,23}(?![\w-])"


class NamedNumberRecognizer(PatternRecognizer):
    ENTITY = ""
    NAMES = ""  # regex for the words that name the number
    SHAPE = CODE
    SCORE = 0.85

    def __init__(self):
        pattern = Pattern(f"named_{self.ENTITY.lower()}", rf"(?<=\b(?:{self.NAMES}){LINK}){self.SHAPE}", self.SCORE)
        super().__init__(supported_entity=self.ENTITY, name=type(self).__name__, patterns=[pattern])


class NamedSsnRecognizer(NamedNumberRecognizer):
    ENTITY = "US_SSN"
    NAMES = rf"social[ \t]+security{NUMBER_WORD}|ssn|ss[ \t]*\#"
    SHAPE = r"\d{3}([- .]?)\d{2}\1\d{4}(?![\d-])"

    def __init__(self):
        super().__init__()
        self._presidio = UsSsnRecognizer()

    def invalidate_result(self, pattern_text: str) -> bool:
        # presidio's checks: no 000-, 666- or 9xx- area, not all one digit, not a published sample.
        return bool(self._presidio.invalidate_result(pattern_text))


class NamedLicenceRecognizer(NamedNumberRecognizer):
    # A bare "license number" is left out: software and business licences have numbers too.
    ENTITY = "US_DRIVER_LICENSE"
    NAMES = rf"(?:driver'?s?|driving)[ \t]+licen[cs]e{NUMBER_WORD}|dl[ \t]*\#?"


class NamedPassportRecognizer(NamedNumberRecognizer):
    ENTITY = "US_PASSPORT"
    NAMES = rf"passport{NUMBER_WORD}"


# 12 to 19 digits, in one run or in groups of 2-6 split by a space, dash or dot: every card length.
CARD_DIGITS = r"(?<![\w.-])(?=(?:\d[ \t.-]?){11,18}\d(?![\w-]|[.,]\d))\d{2,6}(?:[ \t.-]?\d{2,6}){0,6}(?![\w-]|[.,]\d)"


class NamedCardRecognizer(NamedNumberRecognizer):
    """A number the words before it call a card: "my card 4716 2231 9045 8871", "visa ending 4929 ...".

    presidio's CreditCardRecognizer keeps only numbers that pass the Luhn checksum and start like a
    known issuer, so a mistyped or made-up card number right after "my card" went unseen; a person
    who writes it still means a card. No Luhn check here: the naming words are the evidence.
    """

    ENTITY = "CREDIT_CARD"
    NAMES = (r"(?:credit|debit|bank|payment|prepaid|gift)?[ \t]*card(?:[ \t]+(?:number|no\.?|num|\#|details|ending(?:[ \t]+in)?))?"
             r"|(?:visa|mastercard|master[ \t]+card|amex|american[ \t]+express|maestro|discover|diners|jcb|unionpay)"
             r"(?:[ \t]+(?:card|number|no\.?|\#|ending(?:[ \t]+in)?))?|cc[ \t]*(?:number|no\.?|\#)"
             # The same in the languages of European cards: "ma carte bancaire", "meine Kreditkarte",
             # "mi tarjeta de crédito", "la mia carta di credito", "o meu cartão", "mijn bankpas".
             r"|(?:carte|tarjeta|carta|cart[ãa]o)(?:[ \t]+(?:bancaire|bleue|de[ \t]+cr[ée]dit[oa]?|de[ \t]+d[ée]bit[oa]?"
             r"|di[ \t]+credito|di[ \t]+debito|prepagata|bancaria|bancário))?"
             r"(?:[ \t]+(?:n[°ºo]\.?|num[ée]ro|n[úu]mero))?"
             r"|(?:kredit|bank|ec|debit|giro|visa)?-?karten?(?:nummer|[ \t]+nummer|[ \t]+nr\.?)?"
             r"|(?:bankpas|creditcard|pinpas)(?:nummer|[ \t]+nummer)?")
    SHAPE = CARD_DIGITS
    SCORE = 0.85

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = [c for c in pattern_text if c.isdigit()]
        return not 12 <= len(digits) <= 19 or len(set(digits)) == 1


class NamedBankAccountRecognizer(NamedNumberRecognizer):
    """An account number named as one: "my account number 12345678", "bank account no. is 000123456789".

    presidio's UsBankRecognizer scores any 8-17 digit run at 0.05 and context lifts it only to 0.4.
    A bare "account number" in a reply is usually a bank's (order and customer accounts say so), and
    such a number is a direct identifier whatever the bank's national format.
    """

    ENTITY = "US_BANK_NUMBER"
    NAMES = (rf"(?:bank|checking|chequing|savings|current|my|our|his|her|their|your)[ \t]+(?:bank[ \t]+)?(?:account|acct\.?|a/c)"
             rf"{NUMBER_WORD}|account[ \t]+(?:number|no\.?|num|\#)|acct\.?[ \t]*(?:number|no\.?|\#)?|routing[ \t]+number"
             rf"|sort[ \t]+code|bsb")
    # 6-20 digits, maybe split by single spaces or dashes (UK sort code 20-00-00 is 6).
    SHAPE = r"(?<![\w.-])(?=(?:\d[ \t-]?){5,19}\d(?![\w-]|[.,]\d))\d{1,12}(?:[ \t-]\d{1,12}){0,5}(?![\w-]|[.,]\d)"
    SCORE = 0.8

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = [c for c in pattern_text if c.isdigit()]
        return not 6 <= len(digits) <= 20 or len(set(digits)) == 1
