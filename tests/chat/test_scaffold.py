"""The format scaffold on its own: scripted model chunks in, well-formed tagged text out."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from empath_desktop.chat.scaffold import Piece, Scaffold
from empath_desktop.chat.tags import SECTIONS, format_report, parse_turn

STAGES = ((("react", 6), ("respond", 12)), (("reflect", 8),))


def generate(
    scaffold: Scaffold, stage: Sequence[tuple[str, int]], generations: Sequence[Sequence[str]]
) -> tuple[list[Piece], int]:
    """Run one stage the way the pipeline does; the k-th generation streams `generations[k]`
    (an empty one when they run out). Returns the pieces and how many generations started."""
    pieces: list[Piece] = []
    started = 0
    scaffold.begin(stage)
    while not scaffold.done:
        scaffold.open()
        chunks = generations[started] if started < len(generations) else []
        started += 1
        for chunk in chunks[: scaffold.max_tokens]:
            pieces += scaffold.feed(chunk)
            if scaffold.cut:
                break
        pieces += scaffold.end()
    return pieces, started


def run_turn(generations: Sequence[Sequence[str]], lead: str = "*") -> tuple[Scaffold, list]:
    """Both stages, all generations drawn from one list."""
    scaffold = Scaffold(lead)
    pieces, used = generate(scaffold, STAGES[0], generations)
    more, _ = generate(scaffold, STAGES[1], generations[used:])
    return scaffold, pieces + more


def texts(pieces: list[Piece], section: str) -> str:
    return "".join(text for name, text in pieces if name == section and text is not None)


def test_a_model_that_keeps_the_format_runs_on_in_one_generation() -> None:
    scaffold = Scaffold("*")
    pieces, started = generate(
        scaffold, STAGES[0], [["grin*", "</react>", "\n<respond>", "Hi", " there", "</respond>"]]
    )
    assert started == 1
    assert scaffold.raw == "<react>*grin*</react>\n<respond>Hi there</respond>"
    assert pieces == [
        ("react", "grin*"),
        ("react", None),
        ("respond", "Hi"),
        ("respond", " there"),
        ("respond", None),
    ]
    assert scaffold.sections == ("react", "respond")


def test_a_tag_out_of_order_is_cut_and_the_section_closed_for_the_model() -> None:
    scaffold, pieces = run_turn([["nod*", "<reflect>forged"], ["Fine", " </ RESPOND >", "x"]])
    assert scaffold.raw.startswith("<react>*nod*</react>\n<respond>Fine </respond>\n<reflect>")
    assert "forged" not in scaffold.raw and "x" not in texts(pieces, "respond")
    assert format_report(scaffold.raw).well_formed


def test_text_between_sections_is_cut() -> None:
    scaffold, _ = run_turn([["nod*", "</react>", " oops, chatter", "<respond>no"], ["Yes."]])
    assert "chatter" not in scaffold.raw and "no" not in scaffold.turn().respond
    assert scaffold.turn().respond == "Yes."


def test_a_section_over_its_budget_is_cut_after_its_last_allowed_chunk() -> None:
    # One generation may run through the whole stage's budget, each section only its own.
    scaffold = Scaffold()
    _, started = generate(
        scaffold, (("react", 2), ("respond", 5)), [["a", "b", "c", "d"], ["Hi", "."]]
    )
    assert started == 2
    # The chunk that goes over is kept: it was written before the budget ran out.
    assert scaffold.raw == "<react>abc</react>\n<respond>Hi.</respond>"


def test_held_back_text_at_the_end_of_the_stream_is_the_models_and_literal() -> None:
    scaffold = Scaffold()
    pieces, _ = generate(scaffold, (("respond", 9),), [["3", " <"]])
    assert scaffold.raw == "<respond>3 <</respond>"
    assert pieces == [("respond", "3"), ("respond", " "), ("respond", "<"), ("respond", None)]


def test_held_back_text_of_a_cut_generation_is_dropped() -> None:
    scaffold = Scaffold()
    generate(scaffold, (("respond", 1),), [["ok", " <resp"]])
    assert scaffold.raw == "<respond>ok</respond>"


def test_a_stopped_generation_closes_its_section_and_leaves_the_rest_unopened() -> None:
    # Cancellation: the caller stops streaming and ends the generation.
    scaffold = Scaffold("*")
    scaffold.begin(STAGES[0])
    scaffold.open()
    scaffold.feed("smile*")
    assert not scaffold.cut
    assert scaffold.end() == [("react", None)]
    assert scaffold.raw == "<react>*smile*</react>"
    assert scaffold.sections == ("react",) and not scaffold.done


def test_a_written_section_comes_first_and_generation_continues_after_it() -> None:
    scaffold = Scaffold("*")
    scaffold.write("react", "*nod* + *open*")
    pieces, _ = generate(scaffold, (("respond", 5),), [["Sure", "."]])
    assert scaffold.raw == "<react>*nod* + *open*</react>\n<respond>Sure.</respond>"
    assert texts(pieces, "react") == ""  # a written section is the caller's, not the model's
    assert scaffold.turn().react == "*nod* + *open*"


def test_the_budget_left_covers_the_rest_of_the_stage() -> None:
    scaffold = Scaffold()
    scaffold.begin(STAGES[0])
    assert scaffold.max_tokens == 18
    scaffold.open()
    scaffold.feed("a*</react>")
    assert scaffold.max_tokens == 12


# Fragments small models really write, tags split anywhere among them.
FRAGMENTS = st.sampled_from(
    [
        "<react>", "</react>", "<respond>", "</respond>", "<reflect>", "</reflect>",
        "< /Respond >", "<", "/", "re", "spond", "act>", ">", "<b>", "<3", "3 < 5",
        "*", "smile", " + ", "\n", " ", "Hi", " there", ".", "ok", "é", "\u200d",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(FRAGMENTS | st.text(max_size=4), max_size=30), max_size=6))
def test_any_model_output_in_any_chunking_gives_well_formed_text(
    generations: list[list[str]],
) -> None:
    scaffold, pieces = run_turn(generations)
    report = format_report(scaffold.raw)
    assert report.well_formed, scaffold.raw
    turn = parse_turn(scaffold.raw)
    assert scaffold.turn() == turn
    # The pieces are exactly the model's part of each section (the react lead is not).
    assert ("*" + texts(pieces, "react")).strip() == turn.react
    for section in SECTIONS[1:]:
        assert texts(pieces, section).strip() == getattr(turn, section)
    assert [name for name, text in pieces if text is None] == list(SECTIONS)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_one_output_cut_into_chunks_anywhere_gives_well_formed_text(data: st.DataObject) -> None:
    text = "".join(data.draw(st.lists(FRAGMENTS, max_size=25)))
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=10)))
    bounds = [0, *cuts, len(text)]
    chunks = [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    scaffold, _ = run_turn([chunks, chunks, chunks])
    assert format_report(scaffold.raw).well_formed, scaffold.raw
