"""The PERSON rules added for lists, dialogue, possessives, diacritics and lower-case chat.

Each rule has sentences of the kind a chat transcript, e-mail or support ticket holds, and the
words it must leave alone. Run through the whole guard so spaCy's tags and entities are real.
"""

import pytest

from tests.guardrails.test_recognizers import found


def names(pii_guard, text):
    return " | ".join(found(pii_guard, text, "PERSON"))


def ours(pii_guard, text):
    """PERSON spans from our recognizers alone: spaCy's own NER takes some places for people (Córdoba)."""
    results = pii_guard.analyzer.analyze(text=text, language="en", entities=["PERSON"])
    return [text[r.start:r.end] for r in results
            if r.score >= 0.5 and r.recognition_metadata.get("recognizer_name") != "SpacyRecognizer"]


# -- names in lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    # The last item is tagged a place (Ashley) or a date (April) by spaCy; its neighbours are people.
    ("They had 6: Marie, Hannah, Kyle, Jessica, Megan and Ashley.", ["Marie", "Ashley"]),
    ("The kids are Victor, Andrew, Brandon, John, Evan and April.", ["Victor", "April"]),
    ("Please add Kristi, Stephen and Julie to the ticket.", ["Kristi", "Stephen", "Julie"]),
    ("The company has 3 founders: Schulz, Strickland and Matthews.", ["Schulz", "Strickland", "Matthews"]),
])
def test_items_listed_with_a_person_are_people(pii_guard, text, expected):
    got = names(pii_guard, text)
    assert all(n in got for n in expected), got


def test_a_list_of_known_names_in_lower_case_chat(pii_guard):
    got = names(pii_guard, "our 3 founders are smit, zhang and edwards.")
    assert all(n in got for n in ("smit", "zhang", "edwards")), got


@pytest.mark.parametrize("text, allowed", [
    ("I like apples, pears and John.", {"John"}),
    ("We visited Paris, London and Rome.", set()),
    ("Ask John about Google, Microsoft and Amazon.", {"John"}),
    ("Hello, Anna", {"Anna"}),  # two items without a conjunction are not a list
    ("Supported: Tables, Links and Lists in Markdown.", set()),
    ("Meet Sarah on Monday, Tuesday or Friday.", {"Sarah"}),
])
def test_list_rule_leaves_places_companies_days_and_headings(pii_guard, text, allowed):
    assert set(found(pii_guard, text, "PERSON")) <= allowed


# -- speaker labels ----------------------------------------------------------------------------


def test_speaker_labels_in_a_dialogue(pii_guard):
    text = 'Kalman: "Who are you?"\nJordan: "I\'m Mary\'s daughter".'
    got = names(pii_guard, text)
    assert all(n in got for n in ("Kalman", "Jordan", "Mary")), got


def test_speaker_labels_with_no_space_before_the_speech(pii_guard):
    # spaCy makes one token of 'Jordan:"I\'m' and finds no one in it.
    text = 'Kalman:"Who are you?"\nJordan:"I\'m Mary\'s daughter".'
    got = names(pii_guard, text)
    assert all(n in got for n in ("Kalman", "Jordan", "Mary")), got


def test_speaker_labels_of_a_chat_log(pii_guard):
    text = "Priya: is the build green?\nOkonkwo: not yet, two tests fail\nPriya: ok, ping me\nOkonkwo: will do"
    got = names(pii_guard, text)
    assert "Priya" in got and "Okonkwo" in got, got


@pytest.mark.parametrize("text", [
    "user: my card was charged twice\nbot: I'm sorry to hear that. Which card?",
    "Note: the office is closed on Friday.\nWarning: bring an umbrella.",
    "When: 14:00 on Friday\nWhere: the main hall",
    "Ingredients: flour, sugar\nMethod: mix and bake\nServes: 4\nTime: 1 hour",
    "Effort: low\nTimeframe: 2 days\nPriority: high\nOwner team: platform",
    "Paris: rain expected all day.",
])
def test_field_labels_and_roles_are_not_speakers(pii_guard, text):
    assert found(pii_guard, text, "PERSON") == []


# -- answers to a name question ------------------------------------------------------------------


@pytest.mark.parametrize("text, name", [
    ("bot: what's the name on the account? user: heather pustivšek", "heather pustivšek"),
    ("Agent: Can I have your full name, please?\nCustomer: Tomasz Wrzesniewski", "Tomasz Wrzesniewski"),
    ("who am I speaking with? it's dagny", "dagny"),
])
def test_the_answer_to_a_name_question(pii_guard, text, name):
    assert name in names(pii_guard, text)


@pytest.mark.parametrize("text", [
    "What's your name? Sorry, I can't tell you.",
    "what's the name on the account? it is on my phone",
    "What is the name of the song? No idea, sorry.",
])
def test_a_name_question_without_a_name_in_the_answer(pii_guard, text):
    assert found(pii_guard, text, "PERSON") == []


# -- possessive + relative or contact details ---------------------------------------------------------


@pytest.mark.parametrize("text, name", [
    ("I'm Cynthia's daughter and I'm calling about her bill.", "Cynthia"),
    ("As promised, here's Božica's address:", "Božica"),
    ("can you send me lindsay's phone number?", "lindsay"),
    ("Her name is on file as Oyelaran's wife.", "Oyelaran"),
])
def test_a_name_owning_a_relative_or_contact_details(pii_guard, text, name):
    assert name in names(pii_guard, text)


@pytest.mark.parametrize("text", [
    "What is Amazon's address for returns?",
    "The company's phone number is on the website.",
    "My mother's birthday is in June.",
    "Today's children read less.",
])
def test_possessives_of_companies_and_plain_words(pii_guard, text):
    assert found(pii_guard, text, "PERSON") == []


# -- diacritics, lone names, lower-case chat -------------------------------------------------------


@pytest.mark.parametrize("text, name", [
    ("This song by ex-Zombie Åström is a perfect example.", "Åström"),
    ("The film starring Janković came out in 2001.", "Janković"),
    ("but Þórbergur just has to get laid.", "Þórbergur"),
    ("unlike the söderberg novel, it's not about that.", "söderberg"),
])
def test_names_with_diacritics(pii_guard, text, name):
    assert name in names(pii_guard, text)


@pytest.mark.parametrize("text", [
    "Order a café latte and a crème brûlée, please.",
    "I flew to Córdoba and then to Málaga.",
    "The conference is in Kraków, near Wrocław and Łódź.",
    "We bought Glühwein at the market in Zürich.",
    "Pokémon cards are popular again.",
])
def test_foreign_words_and_places_with_diacritics_are_not_names(pii_guard, text):
    assert ours(pii_guard, text) == []


def test_turkish_text_is_not_read_for_diacritic_names(pii_guard):
    text = "Görüntüdeki kişilerin yüz ifadelerini ve beden dilini ayrıntılı olarak açıkla: Şok, Ülker ve Eti."
    assert not any(n in names(pii_guard, text) for n in ("Şok", "Ülker"))


@pytest.mark.parametrize("text, name", [
    ("Why is Iwao so impulsive?", "Iwao"),
    ("One of the saddest songs. Don't go to town, Sherry!", "Sherry"),
    ("don't go to town, carmen!", "carmen"),
    ("but abelardo just has to get laid.", "abelardo"),
    ("My name is Anna Hyvönen but everyone calls me Iqra", "Iqra"),
])
def test_lone_first_names(pii_guard, text, name):
    assert name in names(pii_guard, text)


@pytest.mark.parametrize("text", [
    "Will you mark the date in June?",
    "Dear Sir, thank you for your letter.",
    "Paris is lovely in the spring.",
    "tell me how busy red robin is at 5 pm",
    "I installed the new iPhone and the Galaxy Watch yesterday.",
    "will you mark the date in june?",
    "We use React, Vue and Angular for the frontend.",
])
def test_plain_words_places_and_products_are_not_names(pii_guard, text):
    assert found(pii_guard, text, "PERSON") == []
