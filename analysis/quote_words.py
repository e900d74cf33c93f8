"""The word lists quote attribution reads text with (analysis/quotes.py).

They are the language-specific part of attribution: speech verbs, pronouns, function words,
titles, and the words that make a capitalised run an organisation or a place rather than a
person. English is covered well; the Nordic languages, German, French, Polish, Romanian,
Spanish and Russian roughly (the limits are in analysis/quotes.py).
"""

from __future__ import annotations


def lexicon(*words: str) -> frozenset[str]:
    """A word list written as space-separated strings."""
    return frozenset(" ".join(words).split())


# Speech verbs and their like; the language-specific part of attribution. "According to" and
# its translations name the speaker after them.
SAY = lexicon(
    "says? said saying told tells? telling add(?:s|ed|ing) warn(?:s|ed|ing) stress(?:es|ed) "
    "noted insist(?:s|ed) argu(?:es|ed) claimed caution(?:s|ed) urg(?:es|ed) "
    "explain(?:s|ed) declared? repli(?:es|ed) respond(?:s|ed) call(?:s|ed) describ(?:es|ed) "
    "accus(?:es|ed) complain(?:s|ed) announc(?:es|ed) wr(?:ites|ote) asked admitted "
    "acknowledged conceded suggested predicted promised vowed pledged threatened demanded "
    "repeat(?:s|ed) reiterated spoke speaking remarked observed recalled emphasi[sz]ed "
    "tweeted posted joked quipped continued concluded dismissed countered retorted "
    "säger sade sa sagt varnar varnade menar skriver skrev uppger uppgav betonar tillade "
    "siger sagde sier advarer sagte sagten erklärte betonte warnte meinte "
    "dit déclaré affirmé affirme estime souligne ajouté ajoute "
    "powiedział powiedziała stwierdził stwierdziła dodał dodała "
    "a\\s(?:déclaré|dit|affirmé|ajouté|estimé|souligné|expliqué|spus|declarat|afirmat) "
    "spus declarat afirmat dijo afirmó señaló añadió detto dichiarato "
    "сказал сказала заявил заявила"
)

ACCORDING = ["according to", "selon", "enligt", "ifølge", "laut", "według", "potrivit", "según"]

PRONOUNS = lexicon("he she han hon hun er il elle")

POSSESSIVES = lexicon("his her hans hennes")

RELATIVES = lexicon("who whom whose which where")

# Words that join a subject to a clause of its own: an attribution after a quote starts
# straight with its speaker, so "…”, while Lavrov said" is not one.
CONJUNCTIONS = lexicon(
    "and but or while whereas as when if because although though since after before then so "
    "that which who where yet"
)

# Words a time or place starts with, the only thing that may follow "said X" in its clause.
ADVERBIAL = lexicon(
    "on in at during late early earlier later yesterday today tonight last",
    "à au aux lors am im nach bei vor i på efter vid w po în după",
)

# Verbs whose object is whom it was said to ("told Lavrov"), never the speaker.
ADDRESSING = lexicon(
    "told tell tells telling urged urges asked warned warns warning accused accuses called",
    "calls described describes dismissed",
)

# Endings of titles written as one word with what they are of (German "Außenminister").
TITLE_ENDINGS = ("minister", "ministerin", "präsident", "präsidentin", "sprecher", "kanzler")

DETERMINERS = lexicon("the a an another one two three several some many")

# Words that lead into titles ("Secretary of State", "Minister of Defence") or name particles.
CONNECTORS = lexicon("of for de von van der den al bin la le du da di del dos")

NAME_PARTICLES = CONNECTORS - {"of", "for"}

TITLES = lexicon(
    "mr mrs ms miss dr prof professor sir dame lord lady president vice prime minister "
    "secretary state foreign defence defense interior finance deputy chancellor premier king "
    "queen prince princess pope senator sen rep gov governor mayor ambassador envoy general gen "
    "colonel col lt lieutenant capt captain maj major sgt sergeant admiral adm army navy "
    "commander chief spokesman spokeswoman judge justice rev father herr frau mme monsieur "
    "madame chairman chairwoman director commissioner archbishop bishop cardinal sheikh emir "
    "speaker leader officer pan pani m mm"
)

# Last words that make a capitalised run an organisation or a place, not a person.
ORG_WORDS = lexicon(
    "institute institut centre center forum university université universität college school "
    "studies council ministry department bank agency organization organisation union states "
    "republic kingdom nations party news times post daily herald journal gazette tribune "
    "chronicle courier review press radio television broadcasting service court house office "
    "committee commission foundation group association company corporation fund programme "
    "program alliance observatoire stiftung initiative network trust society federation "
    "authority parliament assembly congress senate government administration embassy forces "
    "guard police hospital museum palace hall park bridge region province county district "
    "city town island islands sea ocean river lake street square market airport station war "
    "treaty agreement agreements accords format summit conference cup league club"
)

# First words of places ("New Delhi", "Middle East"), never of a person's name.
PLACE_WORDS = lexicon(
    "new old north south east west northern southern eastern western central upper lower "
    "great greater middle far near san santa são los las saint st port fort mount cape"
)

CALENDAR = lexicon(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december"
)

# Sentence-initial capitalised words that never start a name ("Then Lavrov warned…").
FUNCTION_WORDS = (
    CONJUNCTIONS
    | DETERMINERS
    | lexicon(
        "in on at for from with by to of this these those there here it its his her their our my "
        "we i he she they you what why how both all most no not now still also even just only "
        "last next asked speaking meanwhile however instead until during despite once every each "
        "other such more few like unlike among under over about across against"
    )
)

# Nouns that head a description of a speaker ("a senior US official", "the Kremlin spokesman").
ROLE_NOUNS = lexicon(
    "official spokesman spokeswoman spokesperson minister secretary diplomat ambassador envoy "
    "analyst expert adviser advisor aide source president chancellor premier leader commander "
    "general officer correspondent editor commentator researcher economist professor scientist "
    "specialist doctor lawyer representative negotiator director chief head chairman chair "
    "member lawmaker senator mayor governor resident witness owner worker medic soldier "
    "planner strategist observer insider executive judge prosecutor coach manager founder "
    "activist campaigner protester victim survivor nurse teacher student farmer neighbour"
)
