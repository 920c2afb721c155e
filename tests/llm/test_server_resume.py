"""A chat reply resumed after the assistant's partial message, whether or not the server
continues that message (`continue_final_message`) or starts a fresh answer."""

from __future__ import annotations

import pytest

from empath_desktop.llm.server import _Resume


def resumed(partial: str, chunks: list[str]) -> str:
    resume = _Resume(partial)
    return "".join(resume.feed(c) for c in chunks) + resume.flush()


PARTIAL = "<react>*smile* + *nod*</react>\n<respond>"


@pytest.mark.parametrize(
    "chunks",
    [
        ["Oh", " no, I'm sorry.", "</respond>"],  # the server continued the message
        ["<react>*frown*", " + *nod*</react>\n<resp", "ond>Oh", " no, I'm sorry.</respond>"],
        ["<respond>Oh no, I'm sorry.</respond>"],  # a fresh answer that skips the react
    ],
)
def test_the_reply_goes_on_from_the_open_section(chunks: list[str]) -> None:
    assert resumed(PARTIAL, chunks) == "Oh no, I'm sorry.</respond>"


def test_what_the_section_already_holds_is_not_repeated() -> None:
    assert resumed("<react>*", ["<react>*be", "aming smile*"]) == "beaming smile*"
    assert resumed("<react>*", ["beaming smile*"]) == "beaming smile*"


def test_a_continuation_that_starts_with_a_tag_is_passed_on_whole() -> None:
    # Within the window the tag of the open section is looked for; a closing tag is no echo.
    assert resumed(PARTIAL, ["</respond>", "\n<reflect>calm</reflect>"]) == (
        "</respond>\n<reflect>calm</reflect>"
    )


def test_raw_prompts_are_not_touched() -> None:
    assert resumed("", ["<react>*a*", "</react>"]) == "<react>*a*</react>"
