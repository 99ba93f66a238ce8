"""Street addresses: presidio ships no recognizer for them, and spaCy tags only the city part.

Shapes covered, case-insensitively: "42 Baker Street", "221B Baker St., Apt 4", "Vesturgata 66",
"Rua Joaquim de Oliveira 1615", "42 rue de Rivoli", "P.O. Box 15", "Suite 286", "Springfield, IL 62704", military
"PSC 5605, Box 8122 / APO AP 96504". A number alone is never enough: each shape needs a street
word, a unit word or a state code next to it. A unit alone is part of an address only beside one: a number
before it on its line ("39 Laugarvegur 77 Apt. 787") or a box or number right after it; "my apartment,
Unit 4B" in a letter to a landlord names no place.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

STREET_TYPES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|terrace|ter|"
    r"circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|alley|crescent|cres|close|row|walk|plaza|"
    r"gardens|grove|hill|mews|loop|pike|run|path|expressway|freeway|esplanade|quay|wharf|causeway"
)
# Street words written before the name in Romance and Slavic languages (Rua X 12, Via Y 4).
STREET_PREFIXES = r"rua|rue|via|viale|calle|carrer|avenida|avinguda|av\.|avenue|piazza|plaza|praça|largo|strada|trg|ulica|ul\.|camino|paseo|rambla|corso|allée|chemin|boulevard|estrada|travessa"
# The French, Italian, Spanish and Portuguese order, house number first ("42 rue de Rivoli", "5 via Roma"):
# only street words no English sentence puts between a number and a capitalised name.
NUMBER_FIRST_PREFIXES = (r"rue|avenue|boulevard|bd|allée|chemin|impasse|quai|place|cours|via|viale|piazza|corso|calle|"
                         r"avenida|rua|travessa|carrer|paseo|rambla|camino|strada|largo")
PARTICLE = r"(?:de|du|des|de[ \t]+la|d'|l'|della|del|degli|dei|di|da|do|dos|das|la|le|les)"
# Street words fused onto the end of the name in Germanic and Nordic languages (Hauptstraße 5).
STREET_SUFFIXES = r"stra(?:ss|ß)e|str\.|weg|gasse|gata|gatan|vägen|vegen|veien|vej|laan|straat|steenweg|dreef|plein|gracht|kade|singel|dijk|steeg|gade|allee|tie|katu|kuja|polku|utca|stigen|(?<![aeiouy])ring|damm|platz|markt|ulica"
# "measuring 17.62 meters", "during 2020": English -ing words end like the German "-ring" streets, which
# follow a consonant (Hohenzollernring); the lookbehind above keeps them apart.
# Abbreviations may keep their period; a full word's trailing period ends the sentence.
STREET_ABBREVIATIONS = r"st|ave|av|rd|blvd|ln|dr|ct|pl|ter|cir|pkwy|hwy|sq|trl|cres"
UNIT = r"(?:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|#)\.?[ \t]*#?[ \t]*\d+[a-z]?"
WORD = r"[\p{L}][\p{L}'’.-]*"
# Numbered streets: "2914 184th Street", "5th Avenue".
ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
# Between a house number and "street", function words mean prose ("2 trains on the street").
# Units mean a quantity ("a 20 minute run", "5 mile walk", "a 1 TB drive"), as do number words ("63 million sq mi").
NAME_WORD = (r"(?!(?:on|the|in|at|of|to|for|and|or|a|an|my|your|our|their|his|her|from|by|with|down|up|this|that|into|across|along|"
             r"seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|miles?|km|kilometres?|kilometers?|metres?|meters?|"
             r"m|ft|feet|yards?|steps?|laps?|times?|people|percent|hundred|thousand|million|billion|trillion|dozen|"
             r"bytes?|bits?|kb|mb|gb|tb|pb|kib|mib|gib|tib|hz|khz|mhz|ghz|kw|watts?|volts?|mah|kg|lbs?|oz|cm|mm|rpm|mph)\b)(?:" + WORD + "|" + ORDINAL + ")")
US_STATES = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|"
    r"OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR"
)
SEP = r"[ \t]*[,\n]?[ \t]*"
# "3D square diorama" is a dimension (as is "flat 2D"), "1:1 square" a ratio, "2-3 close-up boxes" an adjective: neither starts an address.
# "2 square feet", "37.361 square units", "165 sq mi": a street word that is also a measure, followed by its unit.
NOT_A_MEASURE = (r"(?![ \t]+(?:feet|foot|ft|inch(?:es)?|yards?|yd|miles?|mi|units?|met(?:er|re)s?|m|cm|mm|km|"
                 r"(?:kilo|centi|milli)met(?:er|re)s?|acres?|hectares?|pixels?|px)\b)")
TAIL = rf"(?:{SEP}{UNIT})?(?:{SEP}(?:{WORD}[ \t]+){{0,2}}{WORD},?[ \t]+(?-i:{US_STATES})[ \t]+\d{{5}}(?:-\d{{4}})?)?"


class StreetAddressRecognizer(PatternRecognizer):
    CONTEXT = ["address", "live", "lives", "living", "moved", "street", "ship", "deliver", "send", "sent",
               "mail", "located", "apartment", "residence", "home", "zip", "postcode", "postal"]

    def __init__(self):
        patterns = [
            Pattern("number_street", rf"(?<![\d.,:/])\b(?!\d[dD]\b)\d{{1,6}}[a-z]?(?:-\d{{1,4}})?[ \t]+(?:{NAME_WORD}[ \t]+){{0,4}}?(?:(?:{STREET_ABBREVIATIONS})\.|(?:{STREET_TYPES})\b(?![-‐]){NOT_A_MEASURE}){TAIL}", 0.6),
            Pattern("prefixed_street", rf"\b(?:\d{{1,5}}[a-z]?[ \t]+)?(?:{STREET_PREFIXES})[ \t]+(?:{WORD}[ \t]+){{1,5}}?\d{{1,5}}[a-z]?\b{TAIL}", 0.55),
            Pattern("number_first_prefixed_street", rf"\b\d{{1,5}}[a-z]?,?[ \t]+(?:{NUMBER_FIRST_PREFIXES})[ \t]+(?:{PARTICLE}[ \t]*)*(?-i:\p{{Lu}}){WORD}(?:[ \t]+(?:{PARTICLE}[ \t]*)*(?-i:\p{{Lu}}){WORD}){{0,3}}{TAIL}", 0.55),
            Pattern("suffixed_street", rf"\b(?:\d{{1,5}}[a-z]?[ \t]+)?\p{{L}}{{2,}}(?:{STREET_SUFFIXES})[ \t]+\d{{1,5}}[a-z]?\b{TAIL}", 0.55),
            Pattern("po_box", rf"\b(?:p\.?[ \t]?o\.?[ \t]?box|post[ \t]+office[ \t]+box|pmb)[ \t]*#?\d+{TAIL}", 0.6),
            Pattern("military", r"\b(?:psc|unit|usns|uss|cmr)[ \t]+\d{3,5}(?:,?[ \t]+box[ \t]+\d{1,5})?[ \t]*,?\s*(?-i:APO|FPO|DPO)[ \t]+(?-i:AA|AE|AP)[ \t]+\d{5}", 0.7),
            # A ship's name before the military postcode ("USCGC Bustos\nFPO AE 64781"), and the postcode line alone:
            # APO/FPO/DPO with a military "state" and five digits is an address line wherever it stands.
            Pattern("military_ship", r"\b(?-i:USS|USNS|USNV|USCGC|USAV)[ \t]+\p{L}[\p{L}'.-]*(?:[ \t]+\p{L}[\p{L}'.-]*)?[ \t]*,?\s*(?-i:APO|FPO|DPO)[ \t]+(?-i:AA|AE|AP)[ \t]+\d{5}", 0.7),
            Pattern("military_postcode", r"\b(?-i:APO|FPO|DPO)[ \t]+(?-i:AA|AE|AP)[ \t]+\d{5}(?:-\d{4})?\b", 0.6),
            Pattern("unit", r"\b(?:apt|apartment|suite|ste|unit|flat)\.?[ \t]*#?[ \t]*(?!\d[dD]\b)\d{1,5}[a-z]?\b", 0.5),
            Pattern("city_state_zip", rf"\b(?-i:\p{{Lu}}[\p{{L}}'.-]+(?:[ \t]+\p{{Lu}}[\p{{L}}'.-]+){{0,2}}),[ \t]+(?-i:{US_STATES})[ \t]+\d{{5}}(?:-\d{{4}})?\b", 0.6),
        ]
        super().__init__(supported_entity="ADDRESS", name="StreetAddressRecognizer", patterns=patterns,
                         context=self.CONTEXT)

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in results if not _lone_unit(text, r)]


def _lone_unit(text: str, result) -> bool:
    """A unit number ("Unit 4B", "Suite 200") with no number before it on its line (30 characters) and no
    box or number after it (25 characters): no address is around it."""
    explanation = result.analysis_explanation
    if explanation is None or explanation.pattern_name != "unit":
        return False
    line_start = text.rfind("\n", 0, result.start) + 1
    line_end = text.find("\n", result.end)
    before = text[max(line_start, result.start - 30):result.start]
    after = text[result.end:min(len(text) if line_end < 0 else line_end, result.end + 25)]
    return not re.search(r"\d", before) and not re.search(r"(?i)\d|\bbox\b", after)


class ZipCodeRecognizer(PatternRecognizer):
    """A bare 5-digit number is part of an address only when a word before it says it is a postcode."""

    def __init__(self):
        super().__init__(supported_entity="ADDRESS", name="ZipCodeRecognizer",
                         patterns=[Pattern("zip", r"\b\d{5}(?:-\d{4})?\b", 0.2)],
                         context=["zip", "postal", "postcode", "post code"])
