"""IP addresses, except dotted version and build numbers ("Version 10.4.2.1", "build 3.2.0.14"), the
numbers of nested sections ("Section 2.1.3.4", "clause 1.1.1.2") and network blocks in CIDR notation
("10.0.0.0/16", "0.0.0.0/0"), and four-part numbers that come as a run: two or more that share their
first three parts with the last parts one apart ("1.1.1.1 In scope ... 1.1.1.2 Out of scope",
"- 2.3.1.4: fixed crash / - 2.3.1.5: faster") number the items of an outline or a changelog.

presidio's IpRecognizer takes any four dotted numbers up to 255 for an IPv4 address, so a release
note's four-part version was held as personal data. The words right before the number tell them apart.
A block with a prefix length is a range of addresses in a network design, not one machine's address.
A run costs a little: neighbouring server addresses listed together (10.0.0.1, 10.0.0.2) pass as well;
they name machines in a network plan, not a person's connection.
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
        numbering = _runs([text[r.start:r.end] for r in results])
        return [r for r in results if text[r.start:r.end] not in numbering
                and not VERSION_BEFORE.search(text[max(0, r.start - 20):r.start])
                and "/" not in text[r.start:r.end] and not CIDR_AFTER.match(text[r.end:r.end + 4])]


def _runs(values: list[str]) -> set[str]:
    """The dotted four-part numbers among `values` that have a neighbour: the same first three parts and a
    last part one apart (1.1.1.1 and 1.1.1.2)."""
    last: dict[str, set[int]] = {}
    for v in values:
        parts = v.split(".")
        if len(parts) == 4 and all(p.isdigit() for p in parts):
            last.setdefault(".".join(parts[:3]), set()).add(int(parts[3]))
    return {f"{head}.{n}" for head, ns in last.items() for n in ns if n - 1 in ns or n + 1 in ns}
