"""Facts a user states about themselves, one per slot, written for the model's notes."""

from __future__ import annotations

import pytest

from empath_desktop.chat.facts import as_reply, asks_about_user, extract_facts


@pytest.mark.parametrize(
    ("message", "key", "text"),
    [
        ("My name is Sam.", "name", "The user's name is Sam."),
        ("hi, my name is priya", "name", "The user's name is Priya."),
        ("My dog is called Rex.", "pet:dog", "The user's dog's name is Rex."),
        ("We have a cat named Luna!", "pet:cat", "The user's cat's name is Luna."),
        ("My sister Anna is visiting.", "kin:sister", "The user's sister's name is Anna."),
        ("I just moved to Berlin.", "home", "The user lives in Berlin (moved there recently)."),
        ("I live in New York", "home", "The user lives in New York."),
        ("I grew up in Lisbon.", "origin", "The user comes from Lisbon."),
        ("I work as a nurse at night.", "work", "The user works as a nurse at night."),
        ("I'm a software engineer.", "work", "The user works as a software engineer."),
        ("My birthday is March 3rd.", "birthday", "The user's birthday is March 3rd."),
        ("My favourite colour is green.", "favourite:colour",
         "The user's favourite colour is green."),
        ("I'm allergic to peanuts.", "allergy", "The user is allergic to peanuts."),
        ("I'm going to visit Japan in April.", "plan:visit-japan",
         "The user plans to visit Japan in April."),
    ],
)
def test_a_stated_fact_becomes_a_note(message: str, key: str, text: str) -> None:
    facts = {f.key: f.text for f in extract_facts(message)}
    assert facts.get(key) == text, facts


@pytest.mark.parametrize(
    "message",
    ["What is my name?", "Do you like dogs?", "The weather in Paris is nice."],
)
def test_questions_feelings_and_other_peoples_facts_are_not_facts(message: str) -> None:
    assert extract_facts(message) == []


def test_a_refusal_to_give_a_name_is_not_a_name() -> None:
    assert all(f.key != "name" for f in extract_facts("my name is not important"))


def test_several_facts_in_one_message_and_the_last_of_a_slot_wins() -> None:
    facts = extract_facts("My name is Sam and I live in Paris. Actually I live in Lyon.")
    assert {f.key: f.text for f in facts} == {
        "name": "The user's name is Sam.",
        "home": "The user lives in Lyon.",
    }


def test_other_first_person_statements_are_kept_as_said() -> None:
    (fact,) = extract_facts("My grandmother grew tulips in her garden in Utrecht.")
    assert fact.key.startswith("said:")
    assert fact.text == "You told me that your grandmother grew tulips in her garden in Utrecht."
    assert extract_facts("I feel sad.") == []  # too little to remember
    (feeling,) = extract_facts("I feel sad today.")  # a feeling, kept as said
    assert feeling.text == "You told me that you feel sad today."


@pytest.mark.parametrize(
    ("note", "reply"),
    [
        ("The user's dog's name is Rex.", "Your dog's name is Rex"),
        ("The user lives in Berlin (moved there recently).", "You live in Berlin"),
        ("The user works as a nurse.", "You work as a nurse"),
        ("The user comes from Lisbon.", "You come from Lisbon"),
        ("The user is allergic to peanuts.", "You are allergic to peanuts"),
        ("You told me that your garden has tulips.", "You told me that your garden has tulips"),
        ("Sam prefers tea.", ""),  # edited by the user into a form without a known opening
    ],
)
def test_a_fact_becomes_the_opening_of_an_answer(note: str, reply: str) -> None:
    assert as_reply(note) == reply


def test_questions_about_the_user_are_told_from_other_messages() -> None:
    assert asks_about_user("What's my dog called?")
    assert asks_about_user("do you remember where I live")
    assert not asks_about_user("What is the capital of France?")
    assert not asks_about_user("I moved to Berlin.")


def test_ages_pets_and_family_named_in_passing() -> None:
    facts = {f.key: f.text for f in extract_facts("I'm 34 years old. Our dog Bruno is ten.")}
    assert facts["age"] == "The user is 34 years old."
    assert facts["pet:dog"].startswith("The user's dog's name is Bruno")


def test_the_kept_sentence_opens_the_answer_when_the_question_is_about_it() -> None:
    note = (
        "The user's sister's name is Ines (you told me that your sister Ines is getting married)."
    )
    assert as_reply(note, "Who is getting married?") == (
        "You told me that your sister Ines is getting married"
    )
    assert as_reply(note, "What's my sister called?") == "Your sister's name is Ines"
