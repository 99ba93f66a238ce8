"""The PII guard on formats and names written by hand for this check, not taken from the presidio data.

The guard's recognizers were tuned on presidio's synthetic texts; these are other shapes of the same
identifiers (international phone numbers, IPv6, Amex and dashed cards, IBANs with and without spaces,
British and French addresses, names from many languages). A value counts as found when a finding
overlaps it, as in `python -m guardrails.evaluate pii`: it would be masked.
"""

import pytest

CASES = [
    ("Call me at +44 20 7946 0958 tomorrow.", "+44 20 7946 0958"),
    ("My number is (555) 123-4567.", "(555) 123-4567"),
    ("Reach her on 555.123.4567 after six.", "555.123.4567"),
    ("Phone: +1-202-555-0143", "+1-202-555-0143"),
    ("Ring 07700 900123 if lost.", "07700 900123"),
    ("Mobil: +49 151 23456789", "+49 151 23456789"),
    ("Téléphone : 01 23 45 67 89", "01 23 45 67 89"),
    ("Mail anna.lee+test@mail.co.uk please.", "anna.lee+test@mail.co.uk"),
    ("The server is at 2001:0db8:85a3:0000:0000:8a2e:0370:7334.", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    ("Connect to 192.168.1.20 now.", "192.168.1.20"),
    ("Card: 4111 1111 1111 1111, exp 12/27.", "4111 1111 1111 1111"),
    ("Use 5500-0000-0000-0004 for the test.", "5500-0000-0000-0004"),
    ("Amex 3782 822463 10005 on file.", "3782 822463 10005"),
    ("IBAN GB82 WEST 1234 5698 7654 32 please.", "GB82 WEST 1234 5698 7654 32"),
    ("Pay to DE89370400440532013000.", "DE89370400440532013000"),
    ("Her SSN is 078-05-1120.", "078-05-1120"),
    ("SSN 219 09 9999 on the form.", "219 09 9999"),
    ("He lives at 221B Baker Street, London NW1 6XE.", "221B Baker Street"),
    ("Send it to 1600 Pennsylvania Avenue NW, Washington, DC 20500.", "1600 Pennsylvania Avenue NW"),
    ("Our office: 350 Fifth Avenue, Suite 3400, New York, NY 10118.", "350 Fifth Avenue"),
    ("I moved to 42 rue de Rivoli, Paris.", "42 rue de Rivoli"),
    ("Ship to 12 Elm St., Apt 4B, Springfield, IL 62704.", "12 Elm St."),
    ("Ask Siobhan O'Connor about it.", "Siobhan O'Connor"),
    ("Nguyen Van Minh signed the form.", "Nguyen Van Minh"),
    ("I talked to Oluwaseun Adeyemi yesterday.", "Oluwaseun Adeyemi"),
    ("Mr. Zhang Wei will join the call.", "Zhang Wei"),
    ("Dear Anna-Lena Schmidt, thank you.", "Anna-Lena Schmidt"),
    ("Please forward this to José Álvarez.", "José Álvarez"),
    ("Priya Raghunathan is our new CTO.", "Priya Raghunathan"),
    ("The report was written by Kwame Mensah and Aiko Tanaka.", "Aiko Tanaka"),
    ("My name is Björn Ødegaard.", "Björn Ødegaard"),
    ("Thanks, Mohammed Al-Fayed", "Mohammed Al-Fayed"),
    ("bitcoin: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
    ("Passport number 340020013 issued 2019.", "340020013"),
]


@pytest.mark.parametrize("text,value", CASES, ids=[v for _, v in CASES])
def test_value_is_found_and_masked(pii_guard, text, value):
    start = text.index(value)
    end = start + len(value)
    result = pii_guard.scan(text)
    assert any(f.start < end and f.end > start for f in result.findings), result.findings
    masked = pii_guard.redact(text, result.findings)
    assert value not in masked
