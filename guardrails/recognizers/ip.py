"""IP addresses, except dotted version and build numbers ("Version 10.4.2.1", "build 3.2.0.14"), the
numbers of nested sections ("Section 2.1.3.4", "clause 1.1.1.2") and network blocks in CIDR notation
("10.0.0.0/16", "0.0.0.0/0").

presidio's IpRecognizer takes any four dotted numbers up to 255 for an IPv4 address, so a release
note's four-part version was held as personal data. The words right before the number tell them apart.
A block with a prefix length is a range of addresses in a network design, not one machine's address.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer.predefined_recognizers import IpRecognizer

CIDR_AFTER = re.compile(r"^/\d{1,3}\b")
VERSION_BEFORE = re.compile(r"(?i)(?:\b(?:version|ver\.?|v|build|release|firmware|rev\.?|revision|patch|update|"
                            r"driver|bios|sdk|api|ios|android|windows|kernel|section|sect\.|sec\.|clause|chapter|"
                            r"article|art\.|paragraph|para\.|appendix)|§)[ \t]*[:#]?[ \t]*$")


class VersionAwareIpRecognizer(IpRecognizer):
    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if not VERSION_BEFORE.search(text[max(0, r.start - 20):r.start])
                and "/" not in text[r.start:r.end] and not CIDR_AFTER.match(text[r.end:r.end + 4])]
