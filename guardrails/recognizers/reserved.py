"""Values reserved for examples and documentation, which identify no one.

Assistant replies fill templates with them ("write to support@example.com", "call 555-0123", "point it
at 192.0.2.10"): RFC 2606/6761 reserve example.com/.net/.org and the .test, .example, .invalid and
.localhost names; RFC 5737 and RFC 3849 reserve 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
2001:db8::/32 for documentation; North America's numbering plan keeps 555-0100 to 555-0199 for fiction.

IP addresses that identify no one pass too: every address the IANA special-purpose registries mark as
not globally reachable (Python's `ipaddress.is_global`: private networks such as 192.168.1.1 and
10.0.0.5, loopback 127.0.0.1 and ::1, 0.0.0.0, link-local, shared address space, broadcast), multicast
groups, and the published addresses of the big public DNS resolvers (8.8.8.8, 1.1.1.1, 9.9.9.9, ...),
which name a service everyone uses, not a person. Replies about routers, local servers and DNS settings
are full of them; a private address means nothing outside its own network.

Placeholders pass too. An e-mail address at a domain with an "example" label under any suffix
(test@example.co.uk, user@mail.example.de), a mailbox that names a placeholder rather than anyone
(user@, your.email@, john.doe@, jane.doe@, test@, someone@, firstname.lastname@) or an organisation's role
mailbox (support@, info@, sales@, contact@, noreply@: RFC 2142's list and the common ones) identifies no
person: code that validates addresses, letter templates and contact pages are full of them. A phone number
whose digits count up or down (123-456-7890, +1 123 456 7890), a number of one repeated digit
(555-555-5555, 000-000-0000) is no one's, and no region has the area code 555 ((555) 123-4567,
fiction's usual number). No person has a number in the 555 exchange either ("555-1234", "212-555-2981"): it
only ever carried directory assistance (555-1212) and, from 1994, information services, and since September
2016 every 555 line but 555-1212 and 555-4334 is back in the numbering administrator's inventory
(Wikipedia, "555 (telephone number)"); 555-0100 to 555-0199 are kept for fiction. Only numbers written in
the North American plan's shape count: 555 numbers elsewhere (Australia, Europe) belong to people.

The card numbers that payment processors publish for testing (Stripe's 4242 4242 4242 4242 and its decline
cards such as 4000 0000 0000 0002, Braintree's and PayPal's 4111 1111 1111 1111, ...) pass: replies about
payment code quote them, and no bank issues them. So do the other numbers set aside for examples: the Social
Security numbers 987-65-4320 to 987-65-4329, which the SSA keeps for advertising; the example IBANs of the
IBAN registry and of every textbook (DE89 3704 0044 0532 0130 00, GB82 WEST 1234 5698 7654 32, ...); and the
UK numbers Ofcom keeps for TV and radio drama (020 7946 0000 to 0999, 07700 900000 to 900999, the 496 0xxx
lines of the big cities, 01632 960xxx), the UK's 555. Mailboxes at a domain named for "your company" (your
domain, company, website, app: noreply@yourapp.com) are placeholders too; a real business named "your"
something (yourfitness.ie) is not in that list and still counts.

Toll-free numbers pass as well: North America's 800, 833, 844, 855, 866, 877 and 888 numbers and the UK's
0800/0808 freephone numbers are paid for by the organisation called, so they belong to services and
businesses, not to people. Replies give them for crisis lines ("call the Suicide Prevention Lifeline at
1-800-273-8255"), helplines and customer service, and holding such a reply for a moderator would keep a
person in crisis from the number.
Template addresses pass: a street address with a placeholder town in it or right after it ("123 Main Street,
Anytown", "..., Your City, ST 12345"), a counting house number on a placeholder street ("123 Main St",
"1234 Fake Street", "123 Any Street"), and a postcode alone that counts up or repeats one digit ("12345",
"00000"). Letter templates, forms and sample data are full of them; a real address on a Main Street has
another number ("12 Main Street, Keene") or a real town, and still holds.

The PII guard lets such values pass with PIIGuard(allow_example_values=True), the app's setting
PII_ALLOW_EXAMPLE_VALUES (default on). The constructor's own default is off: library code that builds a
guard without settings fails closed, and tests across the project use example.com as a stand-in leak.
"""

from __future__ import annotations

import ipaddress
import re

EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("test", "example", "invalid", "localhost")
DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in
                               ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
# The resolvers' operators publish these for everyone (Google, Cloudflare, Quad9, OpenDNS).
PUBLIC_RESOLVERS = frozenset(ipaddress.ip_address(a) for a in (
    "8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844",
    "1.1.1.1", "1.0.0.1", "2606:4700:4700::1111", "2606:4700:4700::1001",
    "9.9.9.9", "149.112.112.112", "2620:fe::fe", "2620:fe::9",
    "208.67.222.222", "208.67.220.220"))
# The 555 exchange (555-01xx for fiction, the rest never a subscriber's), with or without an area code
# and country code before it, in any separators.
FICTIONAL_PHONE = re.compile(r"^(?:\+?1[-. ]?)?(?:\(?\d{3}\)?[-. ]?)?555[-. ]?\d{4}$")
# 555 as the area code, which no region has: "(555) 123-4567" is fiction's usual number.
NO_SUCH_AREA = re.compile(r"^(?:\+?1[-. ]?)?\(?555\)?[-. ]?\d{3}[-. ]?\d{4}$")
# Digits counted up or down: the "123-456-7890" of every form and template.
COUNTING = ("1234567890", "0123456789", "9876543210", "123456789", "987654321")
EXAMPLE_LABELS = frozenset({"example"})
# Mailboxes that stand for "someone": placeholders in templates and code.
PLACEHOLDER_MAILBOXES = frozenset({
    "user", "username", "user.name", "user_name", "name", "yourname", "your.name", "your_name", "youremail",
    "your.email", "your_email", "youraddress", "your.address", "email", "e-mail", "mail", "someone", "somebody",
    "anyone", "test", "tester", "testuser", "test.user", "test_user", "demo", "sample", "dummy", "fake",
    "johndoe", "john.doe", "john_doe", "jdoe", "j.doe", "janedoe", "jane.doe", "jane_doe", "firstname",
    "lastname", "firstname.lastname", "first.last", "first_last", "firstname_lastname", "name.surname", "foo",
    "bar", "foo.bar", "foobar", "abc", "xyz", "recipient", "sender", "customer", "client",
})
# An organisation's role mailboxes (RFC 2142 and the usual ones): they reach a function, not a person.
# Not me@, hi@ or hello@: people use those at domains of their own name (hello@annalee.net).
ROLE_MAILBOXES = frozenset({
    "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster", "hostmaster", "usenet",
    "news", "webmaster", "www", "uucp", "ftp", "contact", "contactus", "contact-us", "help", "helpdesk",
    "admin", "administrator", "office", "enquiries", "enquiry", "inquiries", "inquiry",
    "billing", "accounts", "careers", "jobs", "hr", "recruiting", "press", "media", "team", "service",
    "customerservice", "customer.service", "customercare", "feedback", "privacy", "legal", "orders",
    "bookings", "reservations", "reception", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
    "newsletter", "dpo", "compliance", "partners", "events",
})
# Published test card numbers: Stripe's testing page (its decline and 3-D Secure cards too), Braintree's and
# PayPal's sandbox docs.
TEST_CARDS = frozenset({
    "4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210",
    "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
    "3056930009020004", "36227206271667", "3566002020360505", "6200000000000005", "4111111111111111",
    "4012888888881881", "4222222222222", "4005519200000004", "4009348888881881", "4012000033330026",
    "4012000077777777", "4217651111111119", "4500600000000061", "3530111333300000", "5431111111111111",
    "4000000000000002", "4000000000009995", "4000000000000069", "4000000000000127", "4000000000000119",
    "4000000000000077", "4000000000000341", "4000002500003155", "4000002760003184", "4000000000003220",
})
# The SSA keeps 987-65-4320 to 987-65-4329 for advertisements.
ADVERTISING_SSN = re.compile(r"^987[- ]?65[- ]?432\d$")
# Example IBANs of the IBAN registry and the textbooks (Wikipedia, bank documentation).
EXAMPLE_IBANS = frozenset({
    "DE89370400440532013000", "GB82WEST12345698765432", "GB29NWBK60161331926819", "FR1420041010050500013M02606",
    "NL91ABNA0417164300", "BE68539007547034", "CH9300762011623852957", "ES9121000418450200051332",
    "IT60X0542811101000000123456", "AT611904300234573201",
})
# Ofcom's numbers for TV and radio drama, as national digits (a leading 0, +44 taken off): the number's start
# and how many digits follow it (a UK national number has 11 digits).
DRAMA_NUMBERS = tuple((start, 11 - len(start)) for start in (
    "02079460", "07700900", "01632960", "01134960", "01144960", "01154960", "01164960", "01174960", "01184960",
    "01214960", "01314960", "01414960", "01514960", "01614960", "01914980", "02920180", "02896496", "08081570",
    "09098790", "03069990"))
# Domain names that stand for "your organisation" in templates.
PLACEHOLDER_DOMAIN_LABELS = frozenset(f"your{w}" for w in (
    "domain", "company", "companyname", "website", "site", "app", "business", "name", "email", "org",
    "organization", "organisation", "store", "shop", "brand", "startup", "school", "team", "service", "server",
    "host", "project", "product", "blog", "agency", "firm", "mail", "mailserver", "provider", "isp"))
TOLL_FREE_PHONE = re.compile(r"^(?:\+?1[-. ]?)?\(?8(?:00|33|44|55|66|77|88)\)?[-. ]?\d{3}[-. ]?\d{4}$"
                             r"|^(?:\+44[-. ]?(?:\(0\))?|0)80[08](?:[-. ]?\d){6,7}$")


# Towns that stand for "your town" in templates, looked for in an address and just after it.
PLACEHOLDER_TOWN = re.compile(r"(?i)\b(?:any|your|some)[ -]?(?:town|city|ville)\b|\banyplace\b")
# The counting house number of templates on a street that names no real street.
PLACEHOLDER_STREET = re.compile(r"(?i)^(?:123|1234|12345)\s+(?:main|fake|any|example|sample|your|some)\b")


def _placeholder_address(value: str, after: str) -> bool:
    digits = re.sub(r"[\s-]", "", value)
    if digits.isdigit():  # a postcode on its own
        return (len(digits) >= 5 and any(c.startswith(digits) for c in COUNTING)) or len(set(digits)) == 1
    line_after = after.split("\n\n", 1)[0][:40]
    return PLACEHOLDER_STREET.match(value) is not None or PLACEHOLDER_TOWN.search(value + " " + line_after) is not None


def _uk_national(value: str, digits: str) -> str:
    """A UK number as dialled at home: "+44 (0)20 7946 0123" and "0044 20 7946 0123" -> "02079460123"."""
    if digits.startswith("0044"):
        return "0" + digits[4:].removeprefix("0")
    if digits.startswith("44") and value.lstrip().startswith("+"):
        return "0" + digits[2:].removeprefix("0")
    return digits


def is_example_value(category: str, value: str, after: str = "") -> bool:
    """Whether `value`, a finding of `category`, is a reserved or placeholder value (the module's docstring).
    `after`: the text that follows it (an address's town may come after the street the finding covers)."""
    value = value.strip()
    if category == "ADDRESS":
        return _placeholder_address(value, after)
    if category == "EMAIL_ADDRESS" and "@" in value:
        local, domain = value.lower().rsplit("@", 1)
        domain = domain.rstrip(".")
        local = local.split("+", 1)[0]  # user+tag@ is the same mailbox
        return (domain in EXAMPLE_DOMAINS or any(domain.endswith("." + d) for d in EXAMPLE_DOMAINS)
                or domain.rsplit(".", 1)[-1] in RESERVED_TLDS
                or any(label in EXAMPLE_LABELS for label in domain.split(".")[:-1])
                or domain.split(".")[0] in PLACEHOLDER_DOMAIN_LABELS
                or local in PLACEHOLDER_MAILBOXES or local in ROLE_MAILBOXES)
    if category == "IP_ADDRESS":
        try:
            address = ipaddress.ip_address(value.split("%")[0])
        except ValueError:
            return False
        return (any(address in net for net in DOCUMENTATION_NETWORKS if net.version == address.version)
                or not address.is_global or address.is_multicast or address in PUBLIC_RESOLVERS)
    if category == "CREDIT_CARD":
        return re.sub(r"[\s-]", "", value) in TEST_CARDS
    if category == "US_SSN":
        return ADVERTISING_SSN.match(value) is not None
    if category == "IBAN_CODE":
        return re.sub(r"[\s-]", "", value).upper() in EXAMPLE_IBANS
    if category == "PHONE_NUMBER":
        digits = re.sub(r"\D", "", value)
        national = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
        uk = _uk_national(value, digits)
        return (any(p.match(value) is not None for p in (FICTIONAL_PHONE, NO_SUCH_AREA, TOLL_FREE_PHONE))
                or national in COUNTING or (len(national) >= 7 and len(set(national)) == 1)
                or any(uk.startswith(start) and len(uk) == len(start) + rest for start, rest in DRAMA_NUMBERS))
    return False
