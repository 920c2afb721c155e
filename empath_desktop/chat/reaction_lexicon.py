"""Cue lexicon for `engine.reaction.parse_reaction` (data only; compiled by `engine.reaction`).

Each cue is `(patterns, votes, intensity)`:

- `patterns`: phrases separated by `;`. Inside a phrase words are separated by spaces, `a|b`
  offers single-word alternatives and a trailing `?` makes a word optional. Words may be
  written in any inflection: one lemma table serves the lexicon and the input, so
  `lean forward` also matches `leaning forward`, `leaned forward`, `leans forward`.
  `FILLER_WORDS` (articles, possessives, `in`, `to`, `of`, …) are dropped from both sides,
  so `raises an eyebrow` is `raise eyebrow` and `lost in thought` is `lose thought`.
- `votes`: `label=weight` pairs; a bare label is an expression, `@label` a posture.
- `intensity`: how strong the cue is on its own, before modifiers (`slightly`, `huge`, …).

Weighting conventions (why the numbers look the way they do):

- An explicit emotion word (`puzzled`, `delighted`) weighs 1.2: the model said it outright.
  Annotators let vivid words win over attitude words when both qualify one face
  (`sympathetic, sad smile` is sad; `compassionate, thoughtful look` is concerned), so the
  concern family weighs 1.15 and the thoughtful family 1.1; equal scores go to the cue
  written first.
- A face gesture weighs about 1.0 for its main reading and less for secondary readings
  (`frown` is mostly concerned, sometimes sad or angry); a qualified phrase (`puzzled frown`,
  `sheepish grin`) weighs more than its parts so that it wins.
- A body gesture votes 1.0 for its posture. Its expression hint stays below the expression
  threshold (0.4) unless the gesture is itself emotional (`slumps` hints sad, `jaw drops` is
  surprise, `scratches head` is confusion): a lone `*leans forward*` keeps a neutral face,
  but the hint still tips the balance between face cues.
- Face cues rarely carry a posture (`covers face` -> closed, `doubles over laughing` ->
  slumped): with no body cue the posture is `neutral`, because annotators label the body
  they are told about.
- Only the longest phrase at a position matches, so a phrase overrules its words.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def _words(text: str) -> frozenset[str]:
    """A word set written as one whitespace-separated string (long lists stay readable)."""
    return frozenset(text.split())


# Words that end one clause and start the next: negation and modifiers never cross them.
SEPARATOR_WORDS: frozenset[str] = _words(
    "and but then while as before after yet though although whilst plus or also"
)

# Dropped before phrase matching, from the input and from the lexicon alike.
FILLER_WORDS: frozenset[str] = _words(
    """
    a an the his her hers their theirs my mine your yours its our ours one s i me he she
    they them him you we us this that these those
    just some of to at on onto into in from for by with is are am was were be being been it has
    have had do does did gives give giving gave lets let letting makes make making made like own
    each both any which who whom whose there react reaction longer upon
    """
)

# Words that are neither cues nor noise: left unmatched they count neither as understood nor
# as not understood. Every word of the lexicon is one as well.
CARRIER_WORDS: frozenset[str] = _words(
    """
    face facial expression expressions look looks looking looked gaze posture body stance pose
    self myself yourself himself herself itself themselves ourselves
    still says say said speak speaks speaking glance glances something words now once again
    around seat chair desk table screen moment
    """
)

# Negators: the next cue in the same clause, within `NEGATION_WINDOW` words, casts no vote
# of its own (it counts as a vote for a neutral face instead).
NEGATION_WORDS: frozenset[str] = _words(
    """
    not no never without nor doesnt dont isnt arent wasnt werent didnt cant cannot wont couldnt
    wouldnt shouldnt hasnt havent hadnt aint stop stops stopped stopping quit quits cease ceases
    lacks lacking neither
    """
)
NEGATION_WINDOW = 3

# Pure intensity modifiers: removed before phrase matching, they shift the intensity of the
# cues in their clause (added to each cue's base intensity, total clipped to +-0.4).
MODIFIERS: Mapping[str, float] = MappingProxyType(
    {
        # softer
        "slightly": -0.2, "somewhat": -0.15, "faintly": -0.25, "subtly": -0.2, "mild": -0.2,
        "mildly": -0.2, "barely": -0.3, "hardly": -0.3, "tentative": -0.15, "tentatively": -0.15,
        "hesitant": -0.15, "hesitantly": -0.15, "lightly": -0.15, "quietly": -0.1, "partly": -0.15,
        "partially": -0.15, "sort": -0.15, "kinda": -0.15, "sorta": -0.15, "almost": -0.1,
        "briefly": -0.1, "fleeting": -0.15, "momentarily": -0.1, "restrained": -0.15,
        "muted": -0.2, "politely": -0.15, "trace": -0.2, "hint": -0.2, "flicker": -0.15,
        "ghost": -0.25, "bit": -0.15, "mere": -0.15,
        # stronger
        "very": 0.2, "really": 0.2, "so": 0.15, "too": 0.1, "truly": 0.2, "extremely": 0.3,
        "incredibly": 0.3, "immensely": 0.3, "hugely": 0.3, "super": 0.25, "profoundly": 0.3,
        "utterly": 0.3, "completely": 0.25, "totally": 0.25, "absolutely": 0.25,
        "thoroughly": 0.2, "fully": 0.15, "full": 0.15, "massive": 0.3, "widely": 0.15,
        "broadly": 0.2, "hearty": 0.2, "heartily": 0.2, "intense": 0.25, "intensely": 0.25,
        "vigorous": 0.25, "wildly": 0.3, "loudly": 0.2, "loud": 0.2, "uncontrollably": 0.3,
        "visibly": 0.1, "noticeably": 0.1, "openly": 0.1, "genuinely": 0.1, "exaggerated": 0.25,
        "dramatically": 0.25, "dramatic": 0.25, "suddenly": 0.1, "sudden": 0.1, "violently": 0.3,
        "fiercely": 0.3, "emphatically": 0.2, "energetically": 0.25, "practically": 0.1,
        "positively": 0.15, "way": 0.1, "much": 0.1, "more": 0.05, "most": 0.1, "ever": 0.05,
        "great": 0.15, "overwhelming": 0.3, "overwhelmingly": 0.3, "wholeheartedly": 0.25,
        "unmistakable": 0.15, "unmistakably": 0.15, "obvious": 0.1, "obviously": 0.1,
        "clearly": 0.1, "tightly": 0.1, "firmly": 0.1, "tremendously": 0.3, "madly": 0.25,
        "insanely": 0.3, "crazy": 0.2, "terribly": 0.25, "awfully": 0.2, "quite": 0.05,
        "rather": 0.0, "fairly": -0.05, "pretty": 0.05, "all": 0.05,
    }
)

# Both a modifier and a word of cue phrases (`wide eyes`, `soft eyes`, `big smile`,
# `deep breath`): kept for phrase matching, and a modifier only where no phrase used them.
DUAL_MODIFIERS: Mapping[str, float] = MappingProxyType(
    {
        "wide": 0.15, "big": 0.15, "huge": 0.3, "giant": 0.3, "enormous": 0.3, "broad": 0.15,
        "bright": 0.1, "deep": 0.2, "deeply": 0.25, "soft": -0.15, "softly": -0.15,
        "gentle": -0.15, "gently": -0.15, "small": -0.2, "little": -0.15, "tiny": -0.25,
        "slight": -0.2, "faint": -0.25, "subtle": -0.2, "light": -0.15, "half": -0.2,
        "kind": -0.15, "quick": -0.1, "brief": -0.1, "polite": -0.15, "heavy": 0.15,
        "heavily": 0.15, "long": 0.05, "low": -0.05, "slow": -0.05, "slowly": -0.05,
        "hard": 0.15, "sharp": 0.15, "sharply": 0.15, "eager": 0.2, "eagerly": 0.2,
        "enthusiastic": 0.25, "enthusiastically": 0.25, "vigorously": 0.25, "closely": 0.05,
        "touch": -0.15, "genuine": 0.1, "tight": 0.1,
    }
)

# Forms the suffix rules cannot produce.
IRREGULAR_FORMS: Mapping[str, str] = MappingProxyType(
    {
        "lit": "light", "shook": "shake", "shaken": "shake", "sat": "sit", "stood": "stand",
        "threw": "throw", "thrown": "throw", "drew": "draw", "drawn": "draw", "fell": "fall",
        "fallen": "fall", "froze": "freeze", "frozen": "freeze", "hid": "hide", "hidden": "hide",
        "held": "hold", "wept": "weep", "broke": "break", "broken": "break", "leant": "lean",
        "grew": "grow", "went": "go", "gone": "go", "sank": "sink", "sunk": "sink",
        "shrank": "shrink", "shrunk": "shrink", "bitten": "bite", "caught": "catch",
        "sprang": "spring", "sprung": "spring", "swung": "swing", "hung": "hang", "took": "take",
        "taken": "take", "shot": "shoot", "bent": "bend", "ran": "run", "felt": "feel",
        "lost": "lose", "stole": "steal", "struck": "strike", "spun": "spin", "kept": "keep",
        "flung": "fling", "slid": "slide", "rose": "rise", "risen": "rise", "teeth": "tooth",
        "feet": "foot", "brought": "bring", "dug": "dig", "wrung": "wring", "strode": "stride",
    }
)

# Forms kept apart from the word the suffix rules would fold them into: one raised eyebrow
# is a question but both raised are surprise; `kindly` is warmth but `kind of` is a hedge;
# `closed` is a posture but `close` is a distance.
KEEP_FORMS: frozenset[str] = frozenset(
    {"eyebrows", "brows", "kindly", "closed", "closer", "moved", "touched", "gently", "beaming"}
)

# Emoji, rewritten to words before tokenising (only for non-ASCII text, so ASCII text pays
# nothing for it).
EMOJI: Mapping[str, str] = MappingProxyType(
    {
        "\U0001f600": "grin", "\U0001f603": "big smile", "\U0001f604": "big smile",
        "\U0001f601": "grin", "\U0001f606": "laugh", "\U0001f605": "nervous laugh",
        "\U0001f923": "laugh", "\U0001f602": "laugh", "\U0001f642": "smile",
        "\U0001f643": "smirk", "\U0001f609": "wink", "\U0001f60a": "smile", "\U0001f607": "smile",
        "\U0001f970": "joyful", "\U0001f60d": "joyful", "\U0001f929": "excited",
        "\U0001f973": "joyful", "\U0001f389": "joyful", "\U0001f60c": "content",
        "\U0001f60f": "smirk", "\U0001f612": "annoyed", "\U0001f644": "roll eyes",
        "\U0001f614": "sad", "\U0001f61e": "sad", "\U0001f61f": "worried", "\U0001f615": "confused",
        "\U0001f641": "frown", "\u2639": "frown", "\U0001f623": "wince", "\U0001f616": "wince",
        "\U0001f62b": "sad", "\U0001f629": "sad", "\U0001f622": "cry", "\U0001f62d": "sob",
        "\U0001f624": "angry", "\U0001f620": "angry", "\U0001f621": "furious",
        "\U0001f92c": "furious", "\U0001f633": "blush", "\U0001f97a": "sad",
        "\U0001f628": "afraid", "\U0001f630": "afraid", "\U0001f625": "sad",
        "\U0001f613": "nervous", "\U0001f631": "terrified", "\U0001f62e": "gasp",
        "\U0001f62f": "surprised", "\U0001f632": "astonished", "\U0001f92f": "shocked",
        "\U0001f914": "thinking", "\U0001f9d0": "curious", "\U0001f928": "raised eyebrow",
        "\U0001f610": "neutral", "\U0001f611": "expressionless", "\U0001f636": "neutral",
        "\U0001f62c": "grimace", "\U0001f917": "hug", "\U0001f937": "shrug",
        "\U0001f926": "facepalm", "\U0001f44d": "thumbs up", "\U0001f44f": "clap",
        "\u2764": "warm", "\U0001f495": "warm", "\U0001f60b": "playful", "\U0001f61c": "playful",
        "\U0001f61b": "playful", "\U0001f440": "curious", "\u2019": "", "\u2018": "",
        "\u201c": '"', "\u201d": '"', "\u2026": ".", "\u2014": ",", "\u2013": ",",
        "\ufe0f": "", "\u200d": "",
    }
)

# ASCII emoticons, recognised as tokens of their own.
EMOTICONS: Mapping[str, str] = MappingProxyType(
    {
        ":)": "smile", ":-)": "smile", ":d": "grin", ":-d": "grin", ":(": "frown", ":-(": "frown",
        ";)": "wink", ";-)": "wink", ":p": "playful", ":-p": "playful", ":o": "gasp",
        ":-o": "gasp", ":/": "confused", ":-/": "confused",
    }
)

# (patterns, votes, intensity), grouped by what they mostly say; order does not matter.
CUES: tuple[tuple[str, str, float], ...] = (
    # ------------------------------------------------------------------------------ happy
    ("smile; smiley; smiling face; corner mouth turn|lift|curl up; mouth curve up; "
     "lip curve|curl up; smile spread; smile back; return smile; smile return", "happy=.9", 0.55),
    ("warm; warmly; warmth", "happy=.6", 0.5),
    ("warm|kind|friendly|genuine|sweet|tender|fond|easy|relaxed|calm|bright|open|understanding|"
     "affectionate|loving|cheerful|pleasant|sunny|approving|welcoming|contented|content|patient|"
     "happy|pleased|satisfied|grateful|thankful|proud smile", "happy=1.3", 0.6),
    ("small|little|soft|faint|slight|tiny|subtle|gentle|polite|brief|quick smile",
     "happy=1.05", 0.4),
    ("broad|wide|big smile", "happy=1.1 joyful=.3", 0.8),
    ("huge|giant|enormous smile|grin; grin|smile ear ear; ear ear grin|smile; ear ear",
     "joyful=1.3 happy=.7", 0.9),
    ("grin; toothy grin", "happy=1 amused=.35", 0.65),
    ("big|wide|broad grin", "happy=1 joyful=.6 amused=.2", 0.8),
    ("happy; happily; happiness; glad; gladly; pleased; content; contented; contentedly; "
     "contentment; cheerful; cheerfully; cheery; satisfied; satisfaction; grateful; gratefully; "
     "thankful; appreciative; relieved; relief; proud; proudly; pride; affectionate; "
     "affectionately; fond; fondly; serene; serenely; blissful; peaceful; peacefully; hopeful; "
     "hopefully; upbeat; lighthearted; jolly; sunny; beatific; encouraging; encouragingly; "
     "approving; approvingly; moved; touched; reassuring; reassuringly; comforting; pleasant; "
     "pleasantly; kindly; kindness; friendly; amiable; amiably; genial; cordial; cordially; "
     "loving; lovingly; adoring; adoringly; charmed; smitten; heartened; optimistic; comfortable; "
     "comfortably; cozy; at peace; good mood", "happy=1.2", 0.55),
    ("eye crinkle|crinkling|crinkled|crease|creasing; crinkle eye; crinkly eye; smile reach eye; "
     "laugh line; crow foot", "happy=1.1 amused=.2", 0.6),
    ("eye sparkle|shine|glimmer|gleam|glow|glitter|dance; sparkle eye; "
     "sparkling|gleaming|glittering|dancing eye; sparkly eye; shine eye; shining eye; shiny eye; "
     "glowing eye", "happy=1 joyful=.35 amused=.3", 0.65),
    ("eye light up; eye brighten", "happy=1 joyful=.6 curious=.3", 0.7),
    ("face light up; light up; whole face light up; face brighten; brighten; brighten up; "
     "radiant; radiate; radiating; radiantly; glowing face; aglow; face glow; glow",
     "joyful=1.1 happy=.6", 0.8),
    ("thumb up; thumbs up; high five; okay sign; ok sign; wave; waving; wave hello",
     "happy=.45", 0.5),
    ("hum happily; hum tune; whistle happily|tune", "happy=1", 0.5),
    ("whistle; whistling", "surprised=.6 happy=.6", 0.5),
    ("impressed|appreciative|admiring whistle", "surprised=1.2 happy=.4", 0.65),
    ("low|long whistle; whistle low|softly|appreciatively; let out whistle",
     "surprised=1.2 happy=.3", 0.65),
    ("hug; hugs; embrace; embraces; hug you; give hug; warm hug", "happy=.5 @open=.8", 0.6),
    ("nuzzle; snuggle; cuddle", "happy=.8", 0.5),
    ("tight|forced|force|strained|thin|tense|stiff|fake smile; force laugh|grin",
     "concerned=1 embarrassed=.3 happy=.2", 0.45),
    ("reassuring|encouraging|comforting|supportive smile", "happy=1.3 concerned=.2", 0.55),
    ("content|happy|contented|satisfied|dreamy|blissful sigh; "
     "sigh happily|contentedly|dreamily|blissfully|contently", "happy=1.4", 0.5),
    ("sigh relief; relieved sigh; sigh relieved; breathe sigh relief; exhale relief",
     "happy=1.3", 0.55),
    ("beam pride; beam proudly; puff chest pride; chest swell pride", "joyful=1.2 happy=.6", 0.75),
    ("smile warmly|kindly|reassuringly|encouragingly|sweetly|fondly|brightly", "happy=1.4", 0.6),
    ("smile shyly|bashfully|sheepishly|nervously|awkwardly|sheepish|shy",
     "embarrassed=1.5 happy=.3", 0.5),
    ("smile sadly|wistfully|weakly|ruefully|wanly|tearfully; smile through tear",
     "sad=1.4 happy=.3", 0.5),
    ("smile knowingly|slyly|wryly|mischievously|playfully|teasingly|impishly|cheekily|smugly",
     "amused=1.5 happy=.3", 0.55),
    ("smile sympathetically|understandingly", "concerned=1.4 happy=.3", 0.5),
    # ----------------------------------------------------------------------------- joyful
    ("beam; beaming; beamingly", "joyful=1.2 happy=.3", 0.85),
    ("beam|beaming|radiant|dazzling|megawatt|ecstatic|euphoric|joyous|joyful|delighted|excited|"
     "thrilled|elated|exuberant|gleeful smile|grin; beam smile|grin", "joyful=1.4 happy=.4", 0.85),
    ("joy; joyful; joyfully; joyous; joyously; delight; delighted; delightedly; elated; elation; "
     "ecstatic; ecstatically; overjoyed; thrilled; thrill; excited; excitedly; excitement; "
     "euphoric; euphoria; exuberant; exuberantly; exuberance; jubilant; jubilantly; jubilation; "
     "gleeful; gleefully; glee; exhilarated; exhilaration; rapture; rapturous; giddy; giddily; "
     "bubbly; triumphant; triumphantly; celebratory; celebrate; celebration; cheer; cheering; "
     "whoop; whooping; yay; woohoo; hooray; hurray; yippee; pumped; stoked; over moon; "
     "cloud nine; burst joy|excitement|happiness; cant contain; ecstasy; elatedly; enthusiasm; "
     "animated; animatedly; ebullient; effervescent", "joyful=1.2 happy=.3", 0.85),
    ("laugh joy|delight|joyfully|happily|gleefully|delightedly|excitedly; laughter joy; "
     "joyful|delighted|happy|gleeful|excited laugh|laughter; laugh delight",
     "joyful=1.4 amused=.4", 0.85),
    ("squeal; squealing; shriek delight; squeak excitement", "joyful=1.1 amused=.3", 0.85),
    ("jump joy; jump up down; bounce; bouncing; bouncy; bounce seat|toe|foot|excitement; hop; "
     "hopping; twirl; spin around; dance; dancing; little dance; happy dance; wiggle; wiggling; "
     "jump excitement; vibrate excitement", "joyful=1 happy=.3", 0.8),
    ("clap; clapping; clap hand; clap together; clap excitedly; applaud; applause",
     "joyful=.85 happy=.4", 0.75),
    ("fist pump; pump fist; pumping fist; pump air; punch air; fist air",
     "joyful=1.1 @upright=.5", 0.85),
    ("throw|fling arm up|wide|open|air|out; arm throw|fling open|wide|up|air|out; "
     "raise arm triumph|air|celebration; arm up air; arm raise triumph|triumphantly",
     "joyful=1.1 @open=1", 0.85),
    ("arm up|high|overhead|aloft; raise|lift arm; raised arm; arm raise|raised|lift|lifted",
     "joyful=.5 @open=.8", 0.75),
    ("rub hand together; rub hands together", "joyful=.6 curious=.4", 0.7),
    ("tear joy; happy tear; tears joy; cry joy|happiness; joyful tear", "joyful=1.4", 0.8),
    ("eager smile|grin", "joyful=1 happy=.6", 0.8),
    ("cant stop smile|grin|smiling|grinning; grin wide", "joyful=1.2 happy=.5", 0.85),
    # ---------------------------------------------------------------------------- amused
    ("laugh; laughter; laughing; laughingly; haha; hahaha; lol; lmao; hehe; heh",
     "amused=1.2 happy=.2", 0.65),
    ("chuckle; chuckling; chortle; giggle; giggly; giggling; snicker; snigger; titter; guffaw; "
     "cackle; snort laughter|laugh; snort; crack up; burst laughter|laughing|laugh; belly laugh; "
     "bark laugh|laughter; laugh hard; laugh aloud; soft|quiet|low|light|small|little|warm laugh",
     "amused=1.25", 0.65),
    ("amused; amusedly; amusement; entertained; tickled; playful; playfully; mischievous; "
     "mischievously; mischief; impish; impishly; cheeky; cheekily; teasing; teasingly; tease; "
     "wry; wryly; sly; slyly; smug; smugly; sardonic; sardonically; ironic; ironically; humor; "
     "humour; humorous; funny; joking; jokingly; jest; jesting; jovial; droll; coy; coyly; "
     "conspiratorial; conspiratorially; knowingly; mock; mocking; mockingly; faux; bemused; "
     "tongue cheek; wink; winking", "amused=1.2", 0.55),
    ("mock offended|hurt|indignant|shocked|horrified|surprised|outraged|serious|stern|angry; "
     "mock gasp|surprise|horror|offense|indignation|outrage|shock|hurt|sadness|frown|pout|sigh|"
     "glare|scowl; gasp mock horror|surprise|offense; "
     "feigned|feign shock|surprise|offense|innocence", "amused=1.5 surprised=.3", 0.6),
    ("smirk; smirking; smirky; crooked smile|grin; lopsided smile|grin; one side mouth; "
     "half grin; half smile; quirk lip|mouth; lip|mouth quirk; corner mouth twitch; mouth twitch; "
     "lip twitch; lip|mouth quirk up", "amused=1.1 happy=.35", 0.55),
    ("knowing|wry|playful|sly|cheeky|teasing|mischievous|amused|impish|smug|coy|devilish|"
     "conspiratorial|sardonic|ironic|bemused smile|grin", "amused=1.5 happy=.3", 0.6),
    ("wry|playful|sly|cheeky|teasing|mischievous|amused|impish|smug|coy|devilish|conspiratorial|"
     "sardonic|ironic|bemused look|glance|expression|eye|face", "amused=1.45 happy=.2", 0.55),
    ("knowing look|glance|expression|nod|eye", "amused=.9 thoughtful=.4", 0.5),
    ("suppress|stifle|hide|smother|cover|hold|swallow smile|laugh|giggle|grin|chuckle|laughter; "
     "suppressed|stifled|hidden|smothered smile|laugh|laughter|grin|giggle; "
     "hold|bite|fight back laugh|smile|giggle|grin|laughter; try not laugh|smile|giggle|grin; "
     "mouth twitch suppressed smile", "amused=1.5", 0.55),
    ("roll eye; eye roll; eyeroll", "amused=.6 angry=.5", 0.55),
    ("roll eye playfully|teasingly|affectionately|fondly; roll eye good naturedly; "
     "playful eye roll", "amused=1.5", 0.55),
    ("roll eye exasperation|annoyance|irritation|frustration; roll eye exasperated",
     "angry=1.4", 0.6),
    ("raise hand surrender; hand up surrender; hand raise surrender; hands up surrender; "
     "mock surrender", "amused=.7 @open=.7", 0.55),
    ("stick tongue out; tongue out; blow raspberry", "amused=1.1", 0.6),
    ("shoulder shake laughter|laugh|silent|silently|mirth; shoulder shake", "amused=.7", 0.6),
    ("slap knee; knee slap; slap thigh; wipe tear laughter|laugh|mirth; tear laughter; "
     "clutch stomach|side laughter|laughing; laugh tear; laugh till cry; cry laughing; "
     "wheeze laughter; wheeze", "amused=1.4", 0.85),
    ("double|doubled|bend over laughter|laugh|laughing; laugh double over",
     "amused=1.4 @slumped=.8", 0.85),
    ("eye twinkle|twinkling; twinkle eye; twinkling eye; glint eye; eye glint; "
     "eye sparkle|twinkle|glint|gleam|dance amusement|mischief|humor|humour|mirth|fun; mirth; "
     "mirthful", "amused=1.35 happy=.2", 0.6),
    # ------------------------------------------------------------------------------- sad
    ("sad; sadly; sadness; sorrow; sorrowful; sorrowfully; melancholy; melancholic; mournful; "
     "mournfully; downcast; dejected; dejectedly; despondent; glum; glumly; gloomy; heartbroken; "
     "heartbreak; grief; grieving; grieve; forlorn; forlornly; crestfallen; disheartened; "
     "dispirited; miserable; misery; unhappy; unhappily; depressed; desolate; woeful; woebegone; "
     "hurt; wounded; lonely; loneliness; somber; sombre; somberly; solemn; solemnly; regretful; "
     "regretfully; rueful; ruefully; remorseful; apologetic; apologetically; sorry; wistful; "
     "wistfully; nostalgic; nostalgically; bittersweet; heavy heart; heavyhearted; heavy hearted; "
     "weary; wearily; tired; tiredly; exhausted; drained; defeated; defeat; hopeless; hopelessly; "
     "despair; despairing; disappointed; disappointment; disappointedly; anguish; anguished; "
     "devastated; saddened; mourn; mourning; misty; down; blue; morose; mopey; mope; moping; "
     "wounded; resigned; resignation; heartsick; dismal; sombrely", "sad=1.2", 0.6),
    ("sad|sorrowful|mournful|melancholy|melancholic|tearful|heavy|grieving|heartbroken|hurt|glum|"
     "forlorn|dejected eye|gaze|look|expression|face; eye sad|sadness; face fall|fell; "
     "face crumple", "sad=1.45", 0.6),
    ("wistful|bittersweet|nostalgic|melancholy smile", "sad=.8 thoughtful=.5 happy=.4", 0.45),
    ("sad|sorrowful|weak|weary|tired|rueful|wan|watery|tearful|broken|trembling|shaky|pained|"
     "brave smile", "sad=1.4 happy=.3", 0.5),
    ("tear; teary; teary eyed; tearful; tearfully; tear up; tear well; well tear; "
     "eye well|water|glisten|moist|mist|fill|brim; eye well tear|up; well up tear; watery eye; "
     "glistening eye; glisten; moist eye; misty eye; eye mist|misty; "
     "tear stream|fall|roll|slide|trickle|spill; tear down cheek; single tear; lone tear; "
     "wipe tear|eye; wipe away tear; dab eye; blink back tear; blink away tear; fight back tear; "
     "hold back tear; choke back tear|sob; close tear; eye tear", "sad=1.3", 0.65),
    ("cry; crying; sob; sobbing; weep; weeping; bawl; wail; whimper; sniffle; sniff; sniffling; "
     "choke up; lump throat; voice crack|break|catch|waver|wobble", "sad=1.2 afraid=.1", 0.75),
    ("frown; frowning; frowny; frown deepen", "concerned=.7 sad=.55 angry=.35 confused=.15", 0.55),
    ("soft|slight|small|faint|gentle|little frown", "concerned=.75 sad=.7 angry=.15", 0.5),
    ("deep|heavy|dark frown", "concerned=.6 angry=.55 sad=.5", 0.7),
    ("sad|unhappy|disappointed|sorrowful frown", "sad=1.2 concerned=.5", 0.55),
    ("worried|concerned|anxious|sympathetic|pained|troubled frown", "concerned=1.4 sad=.2", 0.55),
    ("pout; pouting; pouty; sulk; sulking; sulky; lower lip tremble|quiver|wobble; "
     "lower lip stick out; stick lower lip out; lip tremble|quiver|wobble; "
     "quivering|trembling|wobbling|wobbly lip|chin; chin tremble|quiver|wobble", "sad=1.2", 0.6),
    ("doesnt|dont|not|never|didnt reach eye; fail reach eye", "sad=1.3 concerned=.4", 0.5),
    ("smile|grin fade|falter|drop|slip|disappear|vanish|waver|wobble; fading|faltering smile; "
     "drop smile; lose smile", "sad=1 concerned=.5", 0.5),
    ("sigh; sighing", "sad=.55 thoughtful=.2 angry=.1", 0.45),
    ("heavy|deep|long|sad|weary|tired|resigned|defeated sigh; "
     "sigh heavily|deeply|sadly|wearily|softly|long", "sad=1", 0.55),
    ("exasperated|frustrated|annoyed|irritated|impatient sigh|huff; "
     "sigh exasperation|frustration|exasperatedly|impatiently|frustratedly", "angry=1.3", 0.6),
    ("eye downcast; downcast eye|gaze; look down; gaze drop|fall|lower|down; lower gaze|eye; "
     "eye drop|lower|down; stare floor|ground|foot|hand|lap; look floor|ground|foot|lap; "
     "glance down; stare down; eyes down", "sad=.6 embarrassed=.4 thoughtful=.15", 0.5),
    ("downturned mouth; down turned mouth; mouth turn|turned down; corner mouth droop|turn down; "
     "droopy eye; heavy eyelid; half lidded eye", "sad=1 neutral=.2", 0.55),
    ("shoulder drop|sag|droop|slump|fall|sink|slouch|curl|cave; "
     "drop|sag|droop|slump|hunch shoulder; "
     "slumped|sagging|drooping|droopy|dropped|fallen|hunched|rounded shoulder; "
     "shoulder slumped|sagging|drooping|hunched|rounded", "@slumped=1.1 sad=.55", 0.55),
    ("head hang|bow|drop|droop|low; hang|bow|drop|droop head; head bowed|hanging|down; "
     "bowed|hanging head; hang head low; head hang low", "@slumped=1 sad=.55", 0.55),
    ("deflate; crumple; crumpled; wilt; wilted; sag; sagging; sink; sinking",
     "@slumped=1 sad=.55", 0.6),
    ("slump; slumping; slumped posture; slumped; "
     "slump over|chair|back|down|forward|seat|desk|couch", "@slumped=1.1 sad=.45", 0.55),
    # ------------------------------------------------------------------------- concerned
    ("concern; concerned; concernedly; worried; worriedly; worry; worrying; troubled; uneasy; "
     "unease; uneasily; disquiet; perturbed; bothered; distressed; distress; sympathetic; "
     "sympathetically; sympathy; empathetic; empathic; empathetically; empathy; compassion; "
     "compassionate; compassionately; caring; care; grave; gravely; serious; seriously; "
     "seriousness; earnest; earnestly; sober; soberly; uncomfortable; uncomfortably; discomfort; "
     "pity; pitying; protective; protectively; upset; solicitous; disturbed; regret; grim; "
     "grimly; sympathize; commiserate; supportive; supportively; gentle concern",
     "concerned=1.15", 0.55),
    ("furrow brow|brows|eyebrow|eyebrows|forehead; furrowed brow|brows|eyebrow|eyebrows|forehead; "
     "brow|brows|eyebrow|eyebrows|forehead furrow|crease|wrinkle|pinch|knot|knit|crinkle|draw|"
     "lower|scrunch; crease brow|brows|forehead; creased brow|forehead; wrinkle brow|forehead; "
     "wrinkled brow|forehead; pinched brow|brows; knit brow|brows|eyebrow|eyebrows; "
     "knitted brow|brows|eyebrow|eyebrows; brow|brows|eyebrow|eyebrows knitted|together; "
     "brow|brows|eyebrow|eyebrows draw together; draw brow|brows|eyebrow|eyebrows together; "
     "lower brow|brows|eyebrow|eyebrows; lowered brow|brows|eyebrow|eyebrows; "
     "scrunch face|brow|brows; scrunched face|brow|brows",
     "concerned=.75 thoughtful=.45 confused=.45 angry=.15", 0.55),
    ("worried|concerned|troubled|uneasy|pained|sympathetic|caring|compassionate|serious|grave|"
     "earnest|solemn look|expression|glance|eye|face|gaze", "concerned=1.45", 0.6),
    ("soft|soften|softened|gentle|understanding eye|gaze|look; "
     "eye|gaze|expression|face|look soften|softened|soft; "
     "soften|softened|softening expression|face|look|gaze; soften", "concerned=.9 happy=.35", 0.5),
    ("kind|warm|friendly|happy|cheerful|laughing eye|gaze|look|expression|face; smiling eye",
     "happy=1 concerned=.25", 0.55),
    ("wince; wincing; grimace; grimacing; cringe sympathetically; wince sympathetically",
     "concerned=.8 embarrassed=.35 afraid=.3", 0.55),
    ("bite lip; bite lower lip; chew lip; lip bitten; lip bite; chew inside cheek; "
     "chew lower lip; nibble lip", "concerned=.7 afraid=.45 embarrassed=.4", 0.5),
    ("bite lip nervously|anxiously; chew lip nervously|anxiously", "afraid=1.2 concerned=.5", 0.55),
    ("wring hand; hand wring|wringing; twist hand", "concerned=.9 afraid=.6", 0.6),
    ("press lip; pressed lip; lip press|pressed; press lip together; lip pressed together; "
     "thin line; lip thin|tighten|thinned; tight lipped; tighten lip; purse lip; pursed lip; "
     "lip purse|pursed", "concerned=.5 thoughtful=.45 angry=.45", 0.5),
    ("lip press|pressed thin line; lip pressed tight", "angry=.8 concerned=.5", 0.6),
    ("hand over heart; hand heart; hand chest; clutch heart; hand fly|flies|go|goes heart|chest; "
     "hand over chest; press hand chest|heart", "concerned=.45 surprised=.4 happy=.2", 0.5),
    ("reach out; reach hand|over|across; extend hand; offer hand; hold out hand",
     "concerned=.35 happy=.2 @open=.7 @lean_forward=.3", 0.5),
    ("pat shoulder|arm|hand|back; squeeze hand|shoulder; touch arm|shoulder|hand; "
     "comforting touch|hand|pat; reassuring pat|touch|squeeze; gently pat; pat",
     "concerned=.85 happy=.2", 0.5),
    ("rub temple|forehead|eye|face; massage temple; rub bridge nose",
     "concerned=.5 sad=.35 angry=.3", 0.5),
    ("pinch bridge nose; pinch nose bridge; pinch nose; pinch bridge",
     "angry=.8 concerned=.3", 0.6),
    ("rub temple wearily|tiredly; rub eye wearily|tiredly", "sad=1 concerned=.4", 0.55),
    # ------------------------------------------------------------------------- surprised
    ("surprise; surprised; surprisedly; astonish; astonished; astonishment; amaze; amazed; "
     "amazement; shock; shocked; stun; stunned; startle; startled; dumbfounded; flabbergasted; "
     "gobsmacked; thunderstruck; speechless; agape; taken aback; caught off guard; disbelief; "
     "disbelieving; incredulous; incredulously; incredulity; wow; whoa; woah; omg; gosh; "
     "blindsided; awestruck; awe; awed; astounded; unexpected; unexpectedly; wonderstruck; "
     "mind blown; aghast", "surprised=1.2", 0.7),
    ("eye widen|wide|widening|pop|bulge|saucer|round; eye go|grow|fly wide|open; wide eye; "
     "wide eyed; widen eye; widening eye; eye wide open; wide open eye; big eye; eye big; "
     "round eye; eye like saucer; eye dinner plate; eye fly open",
     "surprised=.9 afraid=.3 curious=.2", 0.7),
    ("jaw drop|fall|slacken|hang|slack; jaw go slack; jaw hit floor; jaw drop floor; drop jaw; "
     "dropped jaw; jaw slack; slack jaw; slack jawed; mouth fall|drop|hang open; "
     "mouth open|agape|gape|ajar|o; open mouth; open mouthed; mouth form o; o shape; gape; "
     "gaping; gawk; gawking; parted lip; lip part; part lip; mouth drop; mouth falling open",
     "surprised=1.1 afraid=.15", 0.75),
    ("gasp; gasping; sharp intake breath; intake breath; inhale sharply|sharp; suck breath; "
     "catch breath; breath catch; quick breath", "surprised=1.1 afraid=.35", 0.75),
    ("raise eyebrows|brows; raised eyebrows|brows; "
     "eyebrows|brows raise|raised|up|lift|lifted|rise|arch|arched|climb; arch eyebrows|brows; "
     "lift eyebrows|brows; eyebrows|brows hairline; eyebrows|brows disappear hairline",
     "surprised=.9 curious=.45", 0.65),
    ("eyebrows|brows shoot|fly|jump up; eyebrows|brows shoot|fly|jump; eyebrows|brows skyward",
     "surprised=1.2 curious=.2", 0.8),
    ("blink; blinking", "surprised=.5 confused=.45", 0.45),
    ("blink rapidly|twice|repeatedly|owlishly|surprise|several time; double take; rapid blink; "
     "startled blink; blink surprise", "surprised=1.05 confused=.5", 0.65),
    ("hand fly|go mouth; hand mouth; cover mouth; hand over mouth; hand cover mouth; "
     "hand clap mouth; clap hand mouth", "surprised=.9 afraid=.25 amused=.2", 0.7),
    ("jump; jolt; jolted", "surprised=.8 afraid=.3", 0.7),
    ("oh; ooh; oh my; oh wow", "surprised=.5 curious=.3", 0.5),
    # --------------------------------------------------------------------------- curious
    ("curious; curiously; curiosity; intrigued; intrigue; intriguing; interested; interest; "
     "interestedly; fascinated; fascination; fascinating; inquisitive; inquisitively; inquiring; "
     "inquiringly; engaged; absorbed; rapt; riveted; enthralled; captivated; keen; keenly; "
     "attentive; attentively; intent; intently; alert; alertly; wonder; wondering; wonderingly; "
     "investigative; probing; interesting; spellbound; eager interest; eager curiosity; hooked; "
     "piqued; pique interest; invested; mesmerized; mesmerised; entranced; inquiry",
     "curious=1.2", 0.6),
    ("careful; carefully; gingerly; cautious; cautiously", "concerned=.5 thoughtful=.45", 0.45),
    ("impressed; impressive; admiring; admiringly; admiration",
     "happy=.7 surprised=.4 curious=.3", 0.6),
    ("helpful; helpfully; obliging", "happy=.6", 0.5),
    ("raise eyebrow|brow; raised eyebrow|brow; "
     "eyebrow|brow raise|raised|lift|lifted|arch|arched|up|quirk|quirked|cock|cocked; "
     "arch eyebrow|brow; lift eyebrow|brow; one eyebrow|brow; cock eyebrow|brow; "
     "quirk eyebrow|brow; single eyebrow|brow", "curious=.85 amused=.3 confused=.3", 0.55),
    ("raise eyebrow|brow skeptically|doubtfully|dubiously; skeptical eyebrow|brow",
     "confused=1.2 curious=.4", 0.55),
    ("raise eyebrow|brow playfully|amusement|teasingly|amused; playful|amused eyebrow|brow",
     "amused=1.3", 0.55),
    ("perk up; perk; ear perk; perked up", "curious=.9 happy=.3 @upright=.8", 0.65),
    ("lean forward|in|closer curiously|interest|intently; curious lean",
     "curious=1.1 @lean_forward=1", 0.65),
    ("peer; peering; peek; peeking; study; studying; scrutinize; scrutinise; examine; examining; "
     "inspect; observe closely; watch closely|intently|carefully; look closely|intently; "
     "peer closely", "curious=.8 thoughtful=.3", 0.5),
    ("eye glue|glued|fix|fixed|locked|rivet|riveted; fix gaze; gaze fix|fixed|locked; "
     "hang every word; hang on every word", "curious=1.1", 0.6),
    ("listen intently|closely|carefully|attentively", "curious=1", 0.55),
    ("listen; listening; listens", "curious=.35 thoughtful=.15 @neutral=.3", 0.45),
    ("eye narrow interest|curiosity; narrow eye interest|curiosity; squint curiously",
     "curious=1.3", 0.55),
    ("curious|interested|intrigued|fascinated|inquisitive|inquiring|attentive|keen|wondering|"
     "engaged|rapt look|expression|glance|gaze|eye|face|stare|squint",
     "curious=1.45 happy=.1", 0.6),
    ("eye bright; bright eye; bright eyed; eye alight; eye alert; alert eye",
     "curious=.6 happy=.65", 0.6),
    ("eye bright curiosity|interest; eye light up curiosity|interest|intrigue",
     "curious=1.5 happy=.2", 0.65),
    # ------------------------------------------------------------------------ thoughtful
    ("thoughtful; thoughtfully; pensive; pensively; contemplative; contemplatively; contemplate; "
     "contemplating; contemplation; reflective; reflectively; reflect; reflecting; reflection; "
     "musing; muse; ponder; pondering; considering; consider; considered; thinking; think; "
     "thought; deliberate; deliberating; deliberation; meditative; introspective; introspection; "
     "mull; mulling; weigh; weighing; ruminate; ruminating; processing; process; calculating; "
     "focused; focus; concentrate; concentrating; concentration; absorbed thought; deep thought; "
     "lose thought; wonder aloud; philosophical; analytical; measured; wise; recall; remember; "
     "remembering; reminisce; reminiscing; thinking face; distracted; distant; faraway; far away; "
     "far off; lost thought; gather thought; collect thought; brainstorm; brainstorming; "
     "puzzle over; puzzling over; figure out", "thoughtful=1.1", 0.5),
    ("rub|stroke|tap|scratch|touch|cup|hold|pinch|rest chin; chin rub|stroke|tap|hand; hand chin; "
     "finger chin; chin hand; rest chin hand; hand under chin; tap pen|pencil chin|lip; "
     "chew pen|pencil; stroke beard; rub jaw; finger lip; tap lip; tap finger lip; "
     "index finger lip", "thoughtful=1.25 curious=.2", 0.55),
    ("chin rest|resting|propped|prop fist|palm|hand|knuckle; prop chin; chin fist|palm|knuckle; "
     "rest chin fist|palm|knuckle", "thoughtful=1.2", 0.5),
    ("steeple finger|fingers|hand; steepled finger|fingers|hand; finger|fingers steepled; "
     "fingertips together; tent finger|fingers; press fingertips together",
     "thoughtful=1.15", 0.55),
    ("thoughtful|pensive|contemplative|reflective|musing|considering|pondering|focused|intent gaze|"
     "look|stare|eye|expression|face", "thoughtful=1.1", 0.5),
    ("distant|faraway|unfocused|inward|dreamy|absent gaze|look|stare|eye|expression; "
     "gaze|stare|look distance|window|horizon|ceiling|space|nothing; stare off; gaze off; "
     "look off; look out window; gaze out window; "
     "eye unfocus|unfocused|glaze|distant|faraway|far; middle distance; into distance",
     "thoughtful=1.3 sad=.2", 0.5),
    ("look up; glance up; eye flick|drift up; gaze up; glance ceiling; eye upward; look upward; "
     "gaze upward", "thoughtful=.6 curious=.2", 0.45),
    ("narrow eye; eye narrow|narrowed|narrowing; narrowed eye",
     "thoughtful=.5 confused=.4 angry=.4 curious=.3", 0.5),
    ("squint; squinting; squinty", "confused=.55 thoughtful=.45 curious=.3 angry=.2", 0.5),
    ("narrow eye thoughtfully|thought; eye narrow thought|thoughtfully; squint thoughtfully",
     "thoughtful=1.4", 0.5),
    ("close eye; eye close|closed; shut eye; eye shut", "thoughtful=.6 sad=.2 happy=.1", 0.45),
    ("pause; pausing; beat; moment thought; take moment; long pause; thoughtful pause; hesitate; "
     "hesitation; hesitating", "thoughtful=.7", 0.4),
    ("hum; humming", "thoughtful=.7 happy=.3", 0.4),
    ("hmm; hmmm; hmmmm; mm; mmm; hm; huh interesting", "thoughtful=1 curious=.2", 0.45),
    ("gentle; gentleness", "happy=.4 concerned=.3", 0.35),
    ("understanding; understandingly", "concerned=.8 happy=.2", 0.5),
    ("dismayed; dismay; pained; pain", "concerned=.8 sad=.75", 0.55),
    ("reassuring|comforting|encouraging|supportive look|gaze|expression|eye|face",
     "concerned=1.3 happy=.5", 0.5),
    ("tearful|teary laugh|laughter", "joyful=.8 sad=.6 amused=.4", 0.7),
    ("tender; tenderly; tenderness", "concerned=.6 happy=.6", 0.45),
    ("patient; patiently; patience", "neutral=.7 happy=.1", 0.35),
    ("calm; calmly; calmness", "neutral=.9", 0.3),
    ("determined; determination; resolute; resolutely; resolve; steely resolve",
     "neutral=.8 angry=.3", 0.6),
    ("eager|enthusiastic expression|look|face|eye", "curious=.8 joyful=.7 happy=.3", 0.75),
    ("dismissive; dismissively; wave dismissively|off; wave hand dismissively",
     "angry=.6 neutral=.3", 0.5),
    ("deep breath; breathe deeply|slowly|deep|breath; take breath; exhale slowly|deeply|slow; "
     "inhale deeply|slowly; steady breath; steadying breath; calming breath; slow breath; exhale",
     "neutral=.5 thoughtful=.35 concerned=.2", 0.4),
    ("run hand hair; rake hand hair; hand hair; run finger hair; tug hair; pull hair",
     "concerned=.55 angry=.35", 0.55),
    ("bounce leg|knee; leg bounce|bouncing|jiggle|jiggling|jitter; jiggle leg; "
     "tap foot nervously; drum finger nervously; bite nail; chew nail; nail biting",
     "afraid=.9 concerned=.3", 0.6),
    ("sweat; sweating; cold sweat; sweat nervously; bead sweat; nervous sweat", "afraid=.95", 0.65),
    ("tut; tuts; tutting", "angry=.7 concerned=.2", 0.5),
    ("yawn; yawning", "neutral=.6 sad=.25", 0.4),
    ("stretch; stretching", "neutral=.3 @open=.45", 0.4),
    ("heart eye; starry eye; star eye; starry eyed", "joyful=1.2 happy=.5", 0.85),
    ("finger gun; finger guns; tap nose; nudge; nudging; playful nudge; elbow nudge",
     "amused=.9 happy=.2", 0.6),
    ("hand forehead; back hand forehead; palm forehead",
     "sad=.5 concerned=.35 embarrassed=.3", 0.6),
    ("pace; pacing; paces", "concerned=.65 afraid=.3", 0.55),
    ("bow; bows; bowing", "@nod=.6 neutral=.2", 0.5),
    ("nod slowly|thoughtfully|contemplatively|pensively|slow; slow nod; slowly nod; nod slow",
     "thoughtful=.65 @nod=1", 0.5),
    ("adjust glasses; push glasses; push up glasses; clean glasses; glasses up",
     "thoughtful=.35", 0.4),
    ("frown concentration|thought|thoughtfully|contemplation; "
     "concentrated|thoughtful|contemplative|pensive|focused frown", "thoughtful=1.5", 0.5),
    # -------------------------------------------------------------------------- confused
    ("confuse; confused; confusedly; confusion; puzzled; puzzle; puzzlement; perplexed; "
     "perplexity; perplexedly; baffled; bafflement; baffle; bewildered; bewilderment; befuddled; "
     "mystified; mystify; nonplussed; uncertain; uncertainly; uncertainty; unsure; doubtful; "
     "doubtfully; dubious; dubiously; skeptical; skeptically; sceptical; sceptically; skepticism; "
     "quizzical; quizzically; questioning; questioningly; lost; disoriented; dazed; huh; eh; "
     "not sure; not follow; dont follow; muddled; foggy; stumped; clueless; doubt; confounded; "
     "incomprehension; dont understand; dont get; not understand", "confused=1.2", 0.55),
    ("scratch head; head scratch; scratching head; scratch scalp; scratch temple",
     "confused=1 @head_tilt=.7", 0.6),
    ("tilt head confusion|confused|puzzled|puzzlement|confusedly; "
     "head tilt confusion|confused|puzzled; cock head confusion|confused|puzzled",
     "confused=1.2 @head_tilt=1", 0.55),
    ("puzzled|confused|quizzical|questioning|baffled|bewildered|perplexed|skeptical|doubtful|"
     "dubious|sceptical look|expression|glance|squint|stare|face|frown|eye", "confused=1.5", 0.55),
    ("squint puzzled|confusion|confused|puzzlement|skeptically|doubtfully; "
     "frown confusion|puzzlement|confused; brow furrow confusion", "confused=1.5", 0.55),
    # --------------------------------------------------------------------------- neutral
    ("blank; blankly; vacant; vacantly; poker face; straight face; expressionless; impassive; "
     "impassively; stoic; stoically; deadpan; flatly; unreadable; emotionless; neutral; "
     "neutrally; composed; composure; collected; steady; steadily; unmoved; unfazed; unbothered; "
     "indifferent; indifference; placid; bored; boredom; disinterested; uninterested; nonchalant; "
     "nonchalantly; casual; casually; idle; idly; impartial; noncommittal; noncommittally; "
     "matter fact; level", "neutral=1.1", 0.3),
    ("neutral expression|face|look|gaze|stare|eye", "neutral=1.45", 0.3),
    ("blank stare|look|expression|face; stare blankly; calm expression|face|look|gaze; "
     "steady gaze|look|eye; even gaze|look|expression", "neutral=1.05", 0.3),
    ("stare; staring", "neutral=.35 surprised=.2", 0.4),
    # ----------------------------------------------------------------------------- angry
    ("angry; angrily; anger; mad; furious; furiously; fury; rage; raging; enraged; irate; "
     "irritated; irritation; irritable; annoyed; annoyance; annoying; frustrated; frustration; "
     "frustratedly; exasperated; exasperation; exasperatedly; indignant; indignantly; "
     "indignation; livid; seething; seethe; fuming; fume; incensed; outraged; outrage; resentful; "
     "resentment; bitter; bitterly; hostile; hostility; grumpy; grumpily; grouchy; cranky; "
     "sullen; sullenly; petulant; vexed; aggravated; displeased; displeasure; disapproving; "
     "disapprovingly; disapproval; disgusted; disgust; disgustedly; contempt; contemptuous; "
     "contemptuously; scornful; scorn; scornfully; stern; sternly; sternness; harsh; harshly; "
     "cold; coldly; icy; icily; impatient; impatiently; impatience; huff; huffy; huffily; "
     "grumble; grumbling; growl; growling; snarl; snarling; hiss; hissing; bristle; bristling; "
     "offended; insulted; defiant; defiantly; unamused; not amused; fed up; tsk; ugh; argh; grr; "
     "grrr; unimpressed; irked; peeved; miffed; cross; sharp tone; mutter; muttering; curse; "
     "cursing", "angry=1.2", 0.65),
    ("scowl; scowling; glare; glaring; glower; glowering; death stare; hard stare|look; "
     "cold stare|look; icy stare|glare; angry stare|look|glare; stare dagger; shoot dagger; "
     "look dagger; steely gaze|stare|look|eye; narrow eye anger|angrily|suspicion|suspiciously; "
     "narrowed eye anger; sharp look|glance; dirty look; stern look|expression|face|gaze; "
     "angry expression|face|eye", "angry=1.3", 0.7),
    ("clench jaw|teeth|fist; clenched jaw|teeth|fist; "
     "jaw|tooth|fist clench|clenched|tighten|tight|set|tense|tensed; jaw tightening; grit tooth; "
     "gritted tooth; grind tooth; tooth grit|gritted|bared|grind; bare tooth; set jaw; tight jaw; "
     "jaw muscle twitch|tighten; vein throb|pulse|pop; ball fist; balled fist; fist ball|balled; "
     "hand ball fist", "angry=1.2 afraid=.1", 0.7),
    ("nostril flare|flaring; flare nostril; flared nostril", "angry=1.2", 0.7),
    ("slam; slam fist|hand|table|desk; pound fist|table|desk; bang fist|table; stomp; stomp foot; "
     "punch; throw hand down; smack table|desk", "angry=1.1", 0.85),
    ("tap foot|finger; drum finger; finger drum; foot tap", "angry=.5 thoughtful=.2", 0.45),
    ("tap foot|finger impatiently|irritably; drum finger impatiently|irritably", "angry=1.1", 0.55),
    ("scoff; scoffing; sneer; sneering; curl lip; lip curl; curled lip; jab finger; "
     "point accusingly; wag finger; shake fist; face red anger|rage|fury; "
     "turn red anger|rage|fury; face flush anger", "angry=1 amused=.15", 0.65),
    ("wrinkle nose; nose wrinkle|wrinkled|scrunch|scrunched; wrinkled nose; scrunch nose",
     "angry=.6 confused=.35", 0.55),
    ("hand hip; hand on hip; hands on hips", "angry=.45 @upright=.7", 0.55),
    ("tense; tensed; tension; tensely", "afraid=.6 concerned=.45 angry=.35 @closed=.45", 0.6),
    # ---------------------------------------------------------------------------- afraid
    ("afraid; fear; fearful; fearfully; scared; scare; frightened; fright; frighten; terrified; "
     "terror; terrify; horrified; horror; horrify; panic; panicked; panicky; panicking; alarmed; "
     "alarm; anxious; anxiously; anxiety; nervous; nervously; nervousness; nerve; jittery; jumpy; "
     "skittish; timid; timidly; wary; warily; apprehensive; apprehensively; apprehension; dread; "
     "dreading; petrified; spooked; unnerved; on edge; edgy; rattled; intimidated; threatened; "
     "eep; yikes; eek; gulp; gulping; vulnerable; helpless; helplessly; frantic; frantically; "
     "distraught; hysterical; fearfully; trepidation; aghast fear", "afraid=1.2", 0.7),
    ("nervous|anxious|fearful|frightened|scared|wary|terrified|panicked|apprehensive glance|look|"
     "eye|expression|face|gaze", "afraid=1.45 concerned=.4", 0.65),
    ("cower; cowering; cringe away; cower away", "afraid=1.2 @closed=.8", 0.75),
    ("tremble; trembling; tremor; shiver; shivering; shudder; shuddering; quake; quaking; shake; "
     "shaking; shaky; quiver; quivering", "afraid=.9 sad=.2", 0.65),
    ("shake hand; handshake; shake your hand", "happy=.4", 0.5),
    ("flinch; flinching", "afraid=.8 surprised=.4 @lean_back=.6", 0.65),
    ("recoil; recoiling; shrink back|away; pull away fear; recoil horror|fear|disgust",
     "afraid=.75 surprised=.35 @lean_back=1", 0.7),
    ("back away; back off; back up; back against wall; press back; press against wall; "
     "step back fear; jump back; jerk back; leap back; spring back; scramble back|backward; "
     "jump backward", "@lean_back=1.1 afraid=.35 surprised=.35", 0.7),
    ("eye dart|darting|flick|flicking|shift|shifting; darting eye; dart eye; dart around; "
     "glance around|nervously; look around nervously; glance over shoulder; look over shoulder; "
     "shifty eye", "afraid=1 concerned=.3", 0.6),
    ("swallow hard; swallow; hard swallow; throat tighten; swallow nervously",
     "afraid=.9 sad=.2", 0.6),
    ("stricken; horror stricken; panic stricken; grief stricken",
     "afraid=.8 sad=.7 surprised=.4", 0.75),
    ("pale; paled; pales; go pale|white; turn pale|white; blood drain; color drain; colour drain; "
     "face drain; drain face; ashen; white sheet; pale face", "afraid=1.2 surprised=.3", 0.75),
    ("freeze; frozen place; go still; rooted spot; freeze place; freeze up",
     "afraid=.6 surprised=.55", 0.6),
    ("stiffen; stiffened; go rigid; tense up", "afraid=.6 surprised=.4 @upright=.6", 0.6),
    ("hold breath; breath hold|held; bated breath", "afraid=.5 surprised=.35 curious=.3", 0.55),
    ("clutch chest; clutch|grip arm|armrest|chair|pillow|blanket|edge; white knuckle; "
     "white knuckled; knuckle white", "afraid=1", 0.7),
    ("hide behind; hide; hiding; duck cover; cover head; shield face|self",
     "afraid=.8 embarrassed=.3 @closed=.7", 0.65),
    ("fidget; fidgeting; fidgety; squirm; squirming; shift uncomfortably|awkwardly|nervously; "
     "shift seat|foot|weight; shuffle foot; shuffle feet",
     "embarrassed=.6 afraid=.45 concerned=.2", 0.5),
    # ----------------------------------------------------------------------- embarrassed
    ("embarrassed; embarrass; embarrassment; embarrassedly; sheepish; sheepishly; bashful; "
     "bashfully; shy; shyly; shyness; awkward; awkwardly; awkwardness; flustered; fluster; "
     "mortified; mortification; humiliated; humiliation; ashamed; shame; shamefaced; "
     "sheepishness; self conscious; self consciously; abashed; chagrin; chagrined; red faced; "
     "blush; blushing; rosy cheek; flush; flushed; flushing; redden; reddened; reddening; "
     "turn red|pink|crimson|scarlet; go red|pink; "
     "cheek red|pink|redden|flush|burn|color|colour|warm|heat|turn|turning; pink cheek; "
     "red cheek; rosy; beet red; crimson; scarlet; tomato red; humbled; oops; stammer; "
     "stammering; stutter; stuttering; cringe; cringing; facepalm; palm face; face flush|redden; "
     "flushed face|cheek", "embarrassed=1.2", 0.6),
    ("nervous|anxious|uneasy smile|grin", "afraid=.9 embarrassed=.8", 0.5),
    ("awkward|sheepish|embarrassed|shy|bashful|uncomfortable|flustered laugh|chuckle|giggle|smile|"
     "grin|laughter|titter; nervous|uneasy laugh|chuckle|giggle|laughter|titter; "
     "laugh|chuckle|giggle|grin|titter nervously|awkwardly|sheepishly|shyly|bashfully|"
     "uncomfortably|uneasily", "embarrassed=1.55 amused=.2", 0.55),
    ("rub|scratch|touch|grab|hold neck; rub|scratch|touch|grab|hold back neck; back neck; "
     "rub back head; scratch back head; hand back neck; back head", "embarrassed=1.2", 0.6),
    ("look away; glance away; avert gaze|eye; averted gaze|eye; gaze avert|averted; "
     "avoid eye contact|gaze; avoiding eye contact|gaze; break eye contact; eye dart away; "
     "look aside; glance aside; look sideways; avoid eye",
     "embarrassed=.85 sad=.25 afraid=.2 thoughtful=.15", 0.5),
    ("look away sheepishly|shyly|bashfully|embarrassment|awkwardly; "
     "glance away shyly|sheepishly|bashfully", "embarrassed=1.5", 0.55),
    ("cover eye; hand over eye; peek between finger; shield eye",
     "embarrassed=.8 afraid=.45 @closed=.8", 0.6),
    ("cover face; bury face; face hand|palm; hide face; face buried; hand over face; peek finger; "
     "peek through finger; bury face hand", "embarrassed=1 sad=.3 @closed=.8", 0.7),
    ("duck head; tuck chin; duck", "embarrassed=.9", 0.55),
    ("tuck hair ear; tuck hair; twirl hair; play hair; fiddle hair|sleeve|hem; tug collar; "
     "pull collar; tug sleeve; fidget sleeve; play sleeve; kick ground|dirt; scuff foot|shoe; "
     "clear throat; cough awkwardly", "embarrassed=.9 afraid=.2", 0.5),
    ("groan; groaning", "embarrassed=.5 angry=.4 sad=.3", 0.6),
    # ------------------------------------------------------------- posture: lean_forward
    ("lean forward|forwards|closer|toward|towards|across|inward|nearer; "
     "forward lean|leaning|posture|tilt; forward leaning; lean; leaning; forward; forwards",
     "@lean_forward=1 curious=.3", 0.5),
    ("scoot|inch|edge|move|shift|draw|bend|step|shuffle|come|get|pull|creep|sit closer|forward|"
     "nearer; sit edge; edge seat; close distance; pull chair closer; perch edge; perched edge",
     "@lean_forward=1 curious=.3", 0.55),
    ("lean forward|closer eagerly|excitedly|enthusiastically|eager|excited",
     "@lean_forward=1.1 curious=.45 happy=.35", 0.75),
    ("lean forward|closer conspiratorially|conspiratorial; lean conspiratorially",
     "@lean_forward=1 amused=.9", 0.6),
    ("lean forward|closer concern|concerned|worriedly; lean concern",
     "@lean_forward=1 concerned=1.1", 0.6),
    # ---------------------------------------------------------------- posture: lean_back
    ("lean back|backward|backwards|away; sit back; settle back; sink back; relax back; ease back; "
     "rock back; tip back; recline; reclining; lean back chair; sit back chair; lounge; lounging; "
     "kick back; sprawl; sprawled; back chair; lean backward", "@lean_back=1", 0.5),
    ("pull back; draw back; step back; move back; rear back; sway back; pull away; draw away; "
     "move away; step away; shift back; edge away|back; jerk away",
     "@lean_back=1 surprised=.2 afraid=.15", 0.55),
    ("throw head back; head thrown back; toss head back", "@lean_back=.9 amused=.4", 0.7),
    ("lean|tip|rest|tilt|drop|let head back; head back; head tip back", "@lean_back=1", 0.5),
    ("sink back cushion|chair|couch|sofa; sink cushion; settle back cushion|chair; "
     "relax|settle|ease|lounge back? chair|couch|cushion|seat|sofa|pillow", "@lean_back=1.1", 0.5),
    ("lean back comfortably|contentedly|relaxed; relaxed lean back; lean back relax",
     "@lean_back=1.1 happy=.3", 0.5),
    ("lean back|away skeptically|doubtfully|suspiciously; sit back skeptically",
     "@lean_back=1 confused=1", 0.55),
    # ------------------------------------------------------------------ posture: upright
    ("sit up; sit upright; sit up straight|straighter|tall|taller; "
     "sit straight|straighter|tall|taller|erect; upright; uprightly; straighten; "
     "straighten up|back|spine|posture; straighter; stand tall|straight|upright|erect; "
     "stand up|up straight; rise feet; get up; jump up; jump foot; get foot; spring up|feet; "
     "leap up|feet; snap upright; square shoulder; shoulder back|squared; square up; "
     "back straight; spine straight; straight back|spine|posture; "
     "chin up|lift|lifted|raised|high; lift chin; raise chin; puff out chest; "
     "chest puff|puffed|out; hold head high; head high; head held high; puff chest; chest out; "
     "draw self up; pull self up; stand attention; attention; alert posture; poised; erect; "
     "rigid; rigidly; stiff; stiffly; tall; upright posture; sit up abruptly", "@upright=1", 0.55),
    ("sit bolt upright; bolt upright; jolt upright; shoot upright; snap attention; sit bolt",
     "@upright=1.1 surprised=.55", 0.75),
    ("stand tall proudly|pride; chin lift proudly|pride; chin raise proudly; puff chest proudly",
     "@upright=1.1 happy=1.2", 0.65),
    # ------------------------------------------------------------------ posture: slumped
    ("slouch; slouching; slouched; hunch; hunched; hunching; hunch over; hunched over; "
     "hunch forward; hunched forward; curl forward; droop; drooping; droopy; "
     "sink chair|seat|couch|down|lower; collapse; collapsed; flop; flopped; sag chair; "
     "melt chair; head desk|table; lay head desk; bow over; cave; caved; limp; listless; "
     "double over; doubled over", "@slumped=1 sad=.3", 0.5),
    ("bury head hand; cradle head; head hand; hold head hand; clutch head; head cradle hand; "
     "head bury hand", "sad=.8 concerned=.3 @closed=.8", 0.65),
    # ---------------------------------------------------------------- posture: head_tilt
    ("tilt head; head tilt; tilted head; head tilted; tilt; tilted; cock head; head cocked; "
     "cocked head; cock; head cock; head one side; head side; head tip|tipped; tip head side; "
     "incline head side; angle head; head angle|angled; tilt chin; tilt side; head canted; "
     "cant head; tilt head one side", "@head_tilt=1 curious=.42 confused=.2", 0.5),
    ("tilt head curiously|curious|interest|intrigued; curious head tilt; "
     "head tilt curiosity|curious|interest|curiously; cock head curiously|curious|interest",
     "@head_tilt=1 curious=1.1", 0.55),
    ("tilt head thoughtfully|thought|thinking; head tilt thought|thoughtfully|thinking",
     "@head_tilt=1 thoughtful=1.1", 0.5),
    # --------------------------------------------------------------------- posture: nod
    ("nod; nodding; nod along; nod head; head nod; "
     "nod agreement|understanding|yes|once|twice|acknowledgment|acknowledgement|approval; "
     "bob head; head bob; dip head; incline head; inclined head; "
     "curt|brief|small|quick|short|little|firm|single nod; head dip", "@nod=1", 0.5),
    ("nod eagerly|enthusiastically|vigorously|excitedly|eager|enthusiastic; "
     "eager|enthusiastic|excited nod", "@nod=1 happy=.6 joyful=.3 curious=.1", 0.75),
    ("nod encouragingly|approvingly|warmly|reassuringly|appreciatively|happily|smile; "
     "approving|encouraging|warm|appreciative|happy nod", "@nod=1 happy=1", 0.5),
    ("nod sympathetically|gently|softly|solemnly|sadly|grimly|gravely|seriously; "
     "sympathetic|understanding|solemn|grim|grave|gentle|soft nod", "@nod=1 concerned=.9", 0.5),
    ("nod curt", "@nod=1", 0.5),
    # -------------------------------------------------------------- posture: head_shake
    ("shake head; head shake; shaking head; head shaking; shake head no; head shakes; shake no; "
     "shake head side side", "@head_shake=1.2 concerned=.3", 0.55),
    ("shake head disbelief|amazement|wonder|incredulously|astonishment; disbelieving head shake",
     "@head_shake=1.2 surprised=1.1", 0.6),
    ("shake head amusement|amused|laughing|fondly|ruefully|smile|smiling|laugh|chuckle|grin|"
     "grinning|playfully|affectionately", "@head_shake=1.2 amused=1", 0.55),
    ("shake head sadly|sorrowfully|disappointment|disappointedly|regretfully|sorrow",
     "@head_shake=1.2 sad=1.2", 0.55),
    ("shake head disapproval|disapprovingly|disgust|angrily|anger|frustration|annoyance",
     "@head_shake=1.2 angry=1.2", 0.6),
    # ------------------------------------------------------------------- posture: shrug
    ("shrug; shrugging; shoulder shrug; shoulder lift|rise|raise|up; lift|raise shoulder; "
     "one shoulder shrug; half shrug; small shrug; throw hand up|air; hand thrown up|air; "
     "palm up shrug; spread hand helplessly; helpless gesture; hand up air",
     "@shrug=1.2 confused=.2", 0.5),
    ("shrug helplessly|apologetically; helpless|apologetic shrug",
     "@shrug=1.2 sad=.6 embarrassed=.35", 0.55),
    ("shrug sheepishly|sheepish|embarrassed|awkwardly|shyly; sheepish|awkward|embarrassed shrug",
     "@shrug=1.2 embarrassed=1.1 sad=.2", 0.55),
    ("shrug playfully|nonchalantly|casually|grin|smile; playful|nonchalant|casual shrug",
     "@shrug=1.2 amused=.5 neutral=.3", 0.5),
    # -------------------------------------------------------------------- posture: open
    ("open; open posture|stance|body|gesture|hand|palm|arm; body language open; "
     "arm open|wide|outstretched|spread|outspread|out|apart; open arm wide; spread arm|hand; "
     "outstretched arm|hand; palm up|open|upward|out|forward; palm face up; upturned palm; "
     "hand open|out|wide|outstretched|spread; welcoming; welcome; "
     "welcoming gesture|posture|stance; expansive; expansively; "
     "gesture expansively|animatedly|enthusiastically; animated gesture; gesticulate; "
     "gesticulating; gesture; gesturing; uncross arm; unfold arm; loose; loose posture; relaxed; "
     "relax; relaxing; ease; at ease; easy posture; "
     "shoulder relaxed|loose|relax|ease|down|loosen|unclench|soften; "
     "relaxed shoulder|posture|stance|body; open body|chest; arm wide open|apart; "
     "arm spread wide; spread arm wide; open arm; arm outstretched; open palm; open hand; "
     "open stance; inviting", "@open=1 happy=.15", 0.5),
    ("mime; mimic; pantomime; act out", "amused=.3 @open=.4", 0.55),
    # ------------------------------------------------------------------ posture: closed
    ("guarded; guardedly; defensive; defensively",
     "@closed=1 concerned=.4 afraid=.35 angry=.2", 0.55),
    ("hug|squeeze pillow|cushion|blanket|plushie|stuffed|teddy",
     "@closed=.8 afraid=.3 sad=.3", 0.55),
    ("lean against|wall|doorframe|door|counter|railing|desk|table; "
     "lean wall|doorframe|door|counter|railing", "@neutral=.6", 0.4),
    ("turn toward|towards; angle toward|towards; body toward|towards; turn face you",
     "@lean_forward=.6 curious=.2", 0.45),
    ("closed; closed posture|off|stance|body; body language closed; close off; withdrawn; "
     "withdraw; retreat; retreating; turn away; turn back; turn shoulder; "
     "hug self|myself|yourself|herself|himself|themselves|arm|knee; knee chest; "
     "pull knee|knees chest|up; "
     "wrap arm around|self|myself|herself|himself|knee|body|middle|torso; "
     "arm wrap|wrapped around|self|myself|body; arm wrapped; curl up; curled up; curl ball; "
     "ball up; shrink; shrinking; make self small|smaller; protect self; "
     "tense posture|shoulder|body|stance; shoulder tense|tensed|tight; body tense|tensed|rigid; "
     "tensed body", "@closed=1", 0.55),
    ("cross arm; crossed arm; arm cross|crossed|folded|fold; fold arm; folded arm; "
     "cross arm chest; fold arm chest; arm crossed tight|chest; arms folded tight",
     "@closed=1.1 angry=.38", 0.55),
    ("cross arm defensively|stubbornly|angrily|huff|irritably|impatiently; "
     "fold arm angrily|huff|stubbornly; arm crossed angrily|defiantly|stubbornly",
     "@closed=1.1 angry=.9", 0.65),
    ("cross arm skeptically|doubtfully; arm crossed skeptically", "@closed=1.1 confused=.9", 0.55),
    # ----------------------------------------------------------------- posture: neutral
    ("motionless; sit still; stand still; stay still; remain still; neutral posture|stance; "
     "remain seated; at rest; still posture; hand fold lap; hand folded lap; folded hand; "
     "hand folded; fold hand; clasp hand; clasped hand; hand clasp|clasped; stand; stand there; "
     "sit there; stillness; posture neutral", "@neutral=.6 neutral=.25", 0.35),
    # ------------------------------------------------------------------------ no-ops
    # Consumed so that their words neither negate nor vote.
    ("cant help; cannot help; couldnt help; not only; no doubt; not bad; no problem; no worries; "
     "never mind; cross leg; crossed leg; leg crossed; snap finger; start; begin; try; attempt; "
     "manage", "", 0.5),
)
