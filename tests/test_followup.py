import pytest

from qa.answer.followup import condense_question, looks_like_follow_up, points_back, search_queries

pytestmark = pytest.mark.unit

HISTORY = [("What is Ukraine's annual drone production capacity?", "Up to 3 million [1].")]
PREVIOUS = HISTORY[-1][0]


def test_follow_up_detection():
    assert looks_like_follow_up("When did it open?")
    assert looks_like_follow_up("It opened when?")
    assert looks_like_follow_up("Who said that?")
    assert looks_like_follow_up("What about Poland?")
    assert looks_like_follow_up("And how many countries take part?")  # unsure: both are searched
    assert not looks_like_follow_up("What is the capital of France?")
    assert not looks_like_follow_up("Who opened the EU Defense Innovation Office?")
    # "IT" is a name, not the pronoun "it"; a relative "that" points at nothing before it.
    assert not looks_like_follow_up("How many countries are in the IT coalition?")
    assert not looks_like_follow_up("What pathway that plays a role in immunity is present in all eukaryotes?")


def test_a_follow_up_searches_with_its_context_and_alone():
    assert search_queries("Who said that?", HISTORY) == [
        "Who said that? (What is Ukraine's annual drone production capacity?)",
        "Who said that?",
    ]
    assert search_queries("And how many countries are in the IT coalition?", HISTORY)[0] == (
        "And how many countries are in the IT coalition?"
    )
    assert search_queries("What is the capital of France?", HISTORY) == ["What is the capital of France?"]
    assert condense_question("And then?", []) == "And then?"


# Questions that stand on their own: searched alone, whatever came before.
STANDALONE = [
    "How many Ukrainian drone makers are there?",  # existential "there" (the reported bug)
    "How many Ukrainian drone manufacturers are there?",
    "What options are there?",
    "Which Haystack images are there?",
    "How many drone makers are there in Ukraine?",
    "Is there a way to make Haystack log in JSON?",
    "How long does it take the Haystack team to review a vulnerability report?",  # expletive "it" (seed-231)
    "How long does it take for a report to be reviewed?",
    "Is it safe to load a pipeline from an untrusted source?",
    "Is it possible to change the log level to INFO?",
    "What does it take to become a Haystack contributor?",
    "It is recommended to log in JSON in production, why?",
    "Where should I report a security vulnerability in Haystack?",
    "Which environment variable disables Haystack telemetry?",
    "Who is the CEO of deepset?",
    "How much did it cost to open the EU Defense Innovation Office?",  # expletive "it" with "cost"
    "Do lay people find it acceptable to breach confidentiality to protect a patient?",
    "Which Python project manager does Haystack use to set up its virtual environments?",  # a name's possessive
    "Why did Harvard end its early admission program?",
    "What did Joseph Haas say in his email?",
    "Staging laparoscopy in patients with hepatocellular carcinoma: is it useful?",  # a topic, then its question
    "Fast foods - are they a risk factor for asthma?",
    "Juvenile ankylosing spondylitis--is it the same disease as adult ankylosing spondylitis?",
    "What does Haystack do when a feature needs an optional dependency that is not installed?",  # a relative "that"
    "What are two changes to GM vehicles that were implemented in 1982?",
]

# Questions that point back at the conversation: searched with the previous question first.
POINTS_BACK = [
    "Who said that?",
    "What about multi-platform builds?",  # elliptical (seed-229)
    "What about Poland?",
    "And how do I change it to INFO?",  # a pronoun (seed-227)
    "How do I turn it off?",  # (seed-232)
    "When did it open?",
    "It opened when?",
    "Is there a bug bounty for that?",  # a dangling "that" (seed-233)
    "Who works there?",  # "there" as a place points back
    "What happened there?",
    "How many are there?",  # existential, but it names nothing
    "What else is there?",
    "What\u2019s there?",
    "Are there any?",
    "Is it safe to use?",  # too little after "to" for an expletive "it"
    "How long does it take?",
    "How long does it take to review it?",  # the second "it" points back
    "Why?",
    "Why not?",
    "When?",
    "How many?",
    "What else?",
    "And on Windows?",  # "And" before a fragment (seed-230)
    "And the developers?",
    "But for zsh?",
    "And then?",
    "What does that mean?",  # a demonstrative subject
    "How much does that cost?",
    "Great, thanks: who opened it?",  # a reply before the question is no topic
    "How much did it cost?",
    "Who opened the office, and what does its opening mark?",  # no name before the possessive
    "Thanks. What is its size?",  # a capital that starts a sentence is no name
]

# A leading "And"/"But" before a question of its own: both searches, the question alone first.
UNSURE = [
    "And how many countries are in the IT coalition?",
    "And how many developers?",
    "But which Python versions are supported?",
    "Also, which file should a zsh user edit?",
]


@pytest.mark.parametrize("question", STANDALONE)
def test_a_question_that_stands_on_its_own_is_searched_alone(question):
    assert not looks_like_follow_up(question) and not points_back(question)
    assert search_queries(question, HISTORY) == [question]


def test_the_reported_standalone_question_after_an_unrelated_one_is_searched_alone():
    history = [("Where should I report a security vulnerability in Haystack?", "opensource-security@deepset.ai [1].")]
    question = "How many Ukrainian drone makers are there?"
    assert search_queries(question, history) == [question]
    assert condense_question(question, history) == question


@pytest.mark.parametrize("question", POINTS_BACK)
def test_a_question_that_points_back_is_searched_with_its_context_first(question):
    assert looks_like_follow_up(question) and points_back(question)
    assert search_queries(question, HISTORY) == [f"{question} ({PREVIOUS})", question]
    assert condense_question(question, HISTORY) == f"{question} ({PREVIOUS})"


@pytest.mark.parametrize("question", UNSURE)
def test_a_leading_and_before_a_full_question_searches_it_alone_first(question):
    assert looks_like_follow_up(question) and not points_back(question)
    assert search_queries(question, HISTORY) == [question, f"{question} ({PREVIOUS})"]


def test_without_history_every_question_is_searched_as_asked():
    for question in STANDALONE + POINTS_BACK + UNSURE:
        assert search_queries(question, []) == [question]
