from qa.answer.followup import condense_question, looks_like_follow_up


def test_follow_up_detection():
    assert looks_like_follow_up("And how many countries take part?")
    assert looks_like_follow_up("When did it open?")
    assert not looks_like_follow_up("What is the capital of France?")
    assert not looks_like_follow_up("Who opened the EU Defense Innovation Office?")


def test_condense_without_a_model_prefixes_the_previous_question():
    history = [("What has the IT coalition attracted?", "More than 70 million euros [1].")]
    assert condense_question("And how many countries take part?", history) == (
        "What has the IT coalition attracted? And how many countries take part?"
    )
    assert condense_question("What is the capital of France?", history) == "What is the capital of France?"
    assert condense_question("And then?", []) == "And then?"
