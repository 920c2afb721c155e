"""What a user tells about themselves, as short notes a later conversation can recall.

Extraction is by patterns, not by the model: a 270M model asked to list facts invents some and
misses others, while people state names, pets, places, work, dates and plans in a few fixed
ways. Each fact has a `key` naming its slot ("home", "pet:dog", "name"), so a newer statement
of the same slot supersedes the older one ("I moved to Berlin" replaces "I live in Paris"),
and a `text` about "the user", ready for the model's notes. Any other first-person statement
with some substance is kept too, as what the user said ("You told me that your garden…"), so
what no pattern foresaw can still be recalled.

The same small model cannot be relied on to use a note it is given (measured: 0 of 6 simple
questions answered from notes in the prompt), so `as_reply` turns a recalled fact into the
opening words of the answer, which the pipeline writes before the model continues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A name or place: one to three capitalised words ("Rex", "New York", "São Paulo").
_PROPER = r"([A-ZÀ-Þ][\w'-]+(?:\s+(?:[A-ZÀ-Þ][\w'-]+|de|da|del|van|von|of)){0,2})"
# A short free phrase, up to the end of the clause.
_PHRASE = r"([^.,;!?\n]{2,60})"
_ANIMALS = (
    "dog|cat|puppy|kitten|rabbit|bunny|hamster|parrot|bird|horse|fish|turtle|tortoise|"
    "guinea pig|ferret|snake|lizard|pony"
)
_KIN = (
    "wife|husband|partner|girlfriend|boyfriend|son|daughter|mother|mom|mum|father|dad|"
    "sister|brother|grandmother|grandma|grandfather|grandpa|aunt|uncle|cousin|friend|"
    "best friend|boss|roommate|fiancée|fiancee|fiancé|fiance|baby"
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = rf"((?:on\s+)?(?:{_DAY}\s+(?:of\s+)?(?:{_MONTHS})|(?:{_MONTHS})\s+{_DAY}))"


@dataclass(frozen=True, slots=True)
class Fact:
    """`key` names the slot a newer fact of the same key replaces; `importance` in [0, 1]."""

    key: str
    text: str
    importance: float


def _clean(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip(" '\"")
    return re.sub(r"\s+(?:and|but|so|because|which|who)\b.*$", "", value, flags=re.IGNORECASE)


# (pattern, key template, text template, importance), tried in order on every sentence; `{1}`,
# `{2}` are the groups. The words around a slot match in any case (`(?i:…)`); a `_PROPER` slot
# stays case-sensitive, as its capital letter is what tells a name from an ordinary word.
_RULES: tuple[tuple[re.Pattern[str], str, str, float], ...] = (
    (re.compile(r"\b(?i:my name is|call me|my name's|i'm called|i am called)\s+"
                r"(?!(?i:not|just|so|too|very|really|a|an|the)\b)([A-Za-zÀ-ÿ][\w'-]+)"), "name",
     "The user's name is {1}.", 1.0),
    (re.compile(rf"\b(?i:my|our) ({_ANIMALS})(?:'s name is| is called| is named|,? named|"
                rf",? called)?,?\s+{_PROPER}(?=\s*(?:[.,;!?]|$)|\s+[a-z])"),
     "pet:{1}", "The user's {1}'s name is {2}.", 0.9),
    (re.compile(rf"\b(?i:i have|i've got|we have|i got|we got) (?i:a|an|two|three) ({_ANIMALS})s?"
                rf"(?: (?i:called|named))\s+{_PROPER}"),
     "pet:{1}", "The user's {1}'s name is {2}.", 0.9),
    (re.compile(rf"\b(?i:my|our) ({_KIN})(?:'s name is| is called| is named|,? named|,? called)?"
                rf",?\s+{_PROPER}(?=\s*(?:[.,;!?]|$)|\s+[a-z])"),
     "kin:{1}", "The user's {1}'s name is {2}.", 0.8),
    (re.compile(rf"\b(?i:i(?:'ve| have)? (?:just )?moved to|we(?:'ve| have)? (?:just )?moved to)"
                rf"\s+{_PROPER}"),
     "home", "The user lives in {1} (moved there recently).", 0.85),
    (re.compile(r"\b(?i:i live in|i'm living in|i am living in|we live in|i'm based in)\s+"
                + _PROPER),
     "home", "The user lives in {1}.", 0.8),
    (re.compile(rf"\b(?i:i'm from|i am from|i come from|i grew up in)\s+{_PROPER}"),
     "origin", "The user comes from {1}.", 0.7),
    (re.compile(rf"\b(?i:i work as|i'm working as|i am working as)\s+{_PHRASE}"),
     "work", "The user works as {1}.", 0.75),
    (re.compile(rf"\b(?i:i work at|i work for|i'm working at|i am working at)\s+{_PROPER}"),
     "workplace", "The user works at {1}.", 0.7),
    (re.compile(r"\b(?i:i'm a|i am a|i'm an|i am an)\s+((?:\w+\s+)?(?:teacher|nurse|doctor|"
                r"engineer|developer|programmer|student|designer|artist|writer|lawyer|chef|"
                r"cook|musician|accountant|pilot|driver|farmer|scientist|researcher|"
                r"manager|librarian|carpenter|plumber|electrician|firefighter|paramedic|"
                r"pharmacist|vet|veterinarian|journalist|photographer|baker|barista|"
                r"mechanic|architect|therapist|dentist|professor|translator))\b",
                re.IGNORECASE),
     "work", "The user works as a {1}.", 0.75),
    (re.compile(r"\b(?i:i'm|i am|i turned|i just turned) (\d{1,3})(?: (?i:years old|years|yo))?"
                r"(?=\s*(?:[.,;!?]|$)|\s+(?i:and|but|now|today|this)\b)"),
     "age", "The user is {1} years old.", 0.7),
    (re.compile(rf"\b(?i:my birthday is|my birthday's|i was born)\s+{_DATE}", re.IGNORECASE),
     "birthday", "The user's birthday is {1}.", 0.85),
    (re.compile(r"\b(?i:my favou?rite) (\w+(?: \w+)?) (?i:is|are)\s+" + _PHRASE),
     "favourite:{1}", "The user's favourite {1} is {2}.", 0.6),
    (re.compile(r"\b(?i:i'm allergic to|i am allergic to)\s+" + _PHRASE),
     "allergy", "The user is allergic to {1}.", 0.8),
    (re.compile(r"\b(?i:i'm learning|i am learning|i'm studying|i am studying)\s+" + _PHRASE),
     "learning", "The user is learning {1}.", 0.6),
    (re.compile(r"\b(?i:i play the|i play)\s+" + _PHRASE),
     "plays", "The user plays {1}.", 0.5),
    (re.compile(r"\b(?i:i'm going to|i am going to|i'm planning to|i plan to|i will|i'll)\s+"
                r"((?:visit|travel to|fly to|go to|run|start|move to|marry|get married|"
                r"take|finish|apply|interview)\b[^.,;!?\n]{0,50})"),
     "plan:{1}", "The user plans to {1}.", 0.6),
)


_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|my|me|we|our|us|mine)\b", re.IGNORECASE)
# Second person for a statement in the first: "my" → "your", "I am" → "you are", ….
_SWAPS = (
    (r"\bi am\b", "you are"), (r"\bi'm\b", "you're"), (r"\bi was\b", "you were"),
    (r"\bi've\b", "you've"), (r"\bi'd\b", "you'd"), (r"\bi'll\b", "you'll"),
    (r"\bmyself\b", "yourself"), (r"\bmy\b", "your"), (r"\bmine\b", "yours"),
    (r"\bme\b", "you"), (r"\bi\b", "you"), (r"\bwe are\b", "you are"),
    (r"\bwe're\b", "you're"), (r"\bour\b", "your"), (r"\bwe\b", "you"), (r"\bus\b", "you"),
)
_MIN_STATEMENT_WORDS = 4
_STATEMENT_IMPORTANCE = 0.5


def second_person(text: str) -> str:
    """`text`, said by the user about themselves, as said back to them."""
    for pattern, replacement in _SWAPS:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    return text


def _statement(sentence: str) -> Fact | None:
    """A first-person statement worth keeping as said: long enough, not a greeting."""
    words = sentence.split()
    if len(words) < _MIN_STATEMENT_WORDS or not _FIRST_PERSON.search(sentence):
        return None
    normal = re.sub(r"[^a-z0-9]+", "-", sentence.lower()).strip("-")[:80]
    return Fact(f"said:{normal}", _said(sentence) + ".", _STATEMENT_IMPORTANCE)


def _said(sentence: str) -> str:
    """"You told me that …": the user's sentence said back to them."""
    said = second_person(sentence.strip().rstrip(".!"))
    return "You told me that " + said[0].lower() + said[1:]


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{3,}", text.lower())}


def as_reply(fact_text: str, question: str = "") -> str:
    """A fact note as the opening of an answer to the user: "The user's dog is called Rex."
    → "Your dog is called Rex". '' when the note is not in a form this knows (an edited one).
    When the sentence kept with a fact shares more words with `question` than the fact does
    ("how old is Bruno" and "your dog Bruno is ten"), that sentence is the opening."""
    context = re.search(r"\((you told me that [^)]*)\)", fact_text)
    text = re.sub(r"\s*\([^)]*\)", "", fact_text).strip().rstrip(".")
    if context and question:
        asked = _words(question)
        if len(asked & _words(context.group(1))) > len(asked & _words(text)):
            said = context.group(1)
            return said[0].upper() + said[1:]
    if text.startswith("You told me that "):
        return text
    if text.startswith("The user's "):
        return "Your " + text[len("The user's "):]
    if text.startswith("The user is "):
        return "You are " + text[len("The user is "):]
    match = re.match(r"The user (\w+?)(?:es|s)\b(.*)$", text)
    if match and match.group(1):
        verb = match.group(1)
        if text[len("The user ") + len(verb):].startswith("es") and not verb.endswith(
            ("sh", "ch", "ss", "x", "o")
        ):
            verb += "e"  # "lives" → "live", "comes" → "come"
        return f"You {verb}{match.group(2)}"
    return ""


_QUESTION_WORDS = re.compile(
    r"^\s*(?:what|what's|whats|who|where|when|which|how|do you (?:remember|know)|"
    r"remember|can you (?:remember|remind)|remind me|tell me|did i)\b",
    re.IGNORECASE,
)


def is_question(message: str) -> bool:
    return message.rstrip().endswith("?") or bool(_QUESTION_WORDS.search(message))


def asks_about_user(message: str) -> bool:
    """Whether `message` asks something about the user ("What's my dog called?")."""
    return is_question(message) and bool(_FIRST_PERSON.search(message))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _slot(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def extract_facts(text: str) -> list[Fact]:
    """The facts a user message states about the user, in order; one per slot (the last)."""
    found: dict[str, Fact] = {}
    for sentence in _sentences(text):
        if sentence.rstrip().endswith("?"):
            continue  # a question asks; it does not tell
        facts, rest = _slot_facts(sentence)
        if facts and len(re.findall(r"[a-z]{3,}", rest.lower())) >= 2:
            # The rest of the sentence is context recall can find ("… is getting married").
            context = _said(sentence)
            facts = [Fact(f.key, f"{f.text[:-1]} ({context[0].lower()}{context[1:]}).",
                          f.importance) for f in facts]
        elif not facts and (said := _statement(sentence)) is not None:
            facts = [said]
        found.update((f.key, f) for f in facts)
    return list(found.values())


def _slot_facts(sentence: str) -> tuple[list[Fact], str]:
    """The slot facts of one sentence, and the sentence without the text they matched."""
    facts: list[Fact] = []
    rest = sentence
    for pattern, key, template, importance in _RULES:
        for match in pattern.finditer(sentence):
            groups = [_clean(g) for g in match.groups()]
            if not all(groups):
                continue
            if key == "name":
                groups[0] = groups[0][0].upper() + groups[0][1:]
            elif key.endswith(":{1}") and not key.startswith("plan:"):
                groups[0] = groups[0].lower()  # "Dog" and "dog" are one slot
            slot_key = key.format(None, *(_slot(g) for g in groups))
            if slot_key.startswith("plan:"):
                slot_key = "plan:" + _slot(" ".join(groups[0].split()[:2]))
            facts.append(Fact(slot_key, template.format(None, *groups), importance))
            rest = rest.replace(match.group(0), " ")
    return facts, rest
