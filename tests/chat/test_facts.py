"""Facts a user states about themselves, one per slot, written for the model's notes."""

from __future__ import annotations

import pytest

from empath_desktop.chat.facts import extract_facts


@pytest.mark.parametrize(
    ("message", "key", "text"),
    [
        ("My name is Sam.", "name", "The user's name is Sam."),
        ("hi, my name is priya", "name", "The user's name is Priya."),
        ("My dog is called Rex.", "pet:dog", "The user's dog is called Rex."),
        ("We have a cat named Luna!", "pet:cat", "The user's cat is called Luna."),
        ("My sister Anna is visiting.", "kin:sister", "The user's sister is Anna."),
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
    ["What is my name?", "my name is not important", "I feel sad today.", "Do you like dogs?",
     "The weather in Paris is nice."],
)
def test_questions_feelings_and_other_peoples_facts_are_not_facts(message: str) -> None:
    assert extract_facts(message) == []


def test_several_facts_in_one_message_and_the_last_of_a_slot_wins() -> None:
    facts = extract_facts("My name is Sam and I live in Paris. Actually I live in Lyon.")
    assert {f.key: f.text for f in facts} == {
        "name": "The user's name is Sam.",
        "home": "The user lives in Lyon.",
    }
