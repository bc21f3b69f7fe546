"""Curated crisis patterns: explicit and coded language, with negation and idiom handling.

Pure functions over text. :func:`match` returns a :class:`PatternResult` whose ``reasons``
are the names of the patterns that fired (``suicide.kill_self``, ``medical.overdose``, ...).

How a text is read:

1. It is normalised: lower case, curly quotes straightened, apostrophes dropped (``don't``
   and ``dont`` read the same), runs of spaces collapsed.
2. Idioms are blanked out before any pattern runs (``dying to see them``, ``killed it``,
   ``dead tired``, ``could kill for a coffee``, ``this job is killing me``, ...).
3. Each pattern that matches is then checked, within its own clause, for a negation just
   before it (``I'm not suicidal``, ``I would never hurt myself``, ``no longer``) and,
   within its clause (for every pattern), for a marker that it is in the past (``last year``, ``used to``),
   unless that clause also says it is happening again (``again``, ``tonight``, ``relapsed``).
   Within its sentence, a sign that it is over (``therapy helped``, ``he's fine now``, ``she was
   joking``) also puts it in the past (never for an overdose), and a frame before it (``in the
   movie``, ``a novel about``, ``the lyrics go``, ``as a therapy exercise``) marks it reported,
   unless the writer speaks of themselves between the frame and the match. A bare ``no`` negates
   only the words right after it (``no chest pain``). A wish said of someone else (``she wanted to
   die``) and a sentence from the news that says nothing of the writer are reported too, and an
   everyday reason in the sentence (``I'll be gone by morning, early flight``) sets aside the
   going-away and goodbye patterns (status ``everyday``).
   Patterns whose meaning *is* a negation (``I'm not safe at home``, ``I don't want to be
   alive``) are marked ``negatable=False`` and are never suppressed.

The patterns favour recall: the classifier and an operator review sit behind them, and a
false alarm costs a kind message with a phone number, while a miss can cost a life.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "Pattern",
    "Hit",
    "PatternResult",
    "PATTERNS",
    "normalise",
    "find_hits",
    "match",
    "UNVETOABLE",
    "vetoable",
]

SUICIDE = "suicide-or-self-harm"
OTHERS = "harm-to-others"
ABUSE = "abuse-or-danger"
MEDICAL = "medical-emergency"
CATEGORIES = (SUICIDE, OTHERS, ABUSE, MEDICAL)

# The most explicit, direct statements ("kill myself", "suicide", "kms", "end my life", "took too many
# pills"): the screener never lets a low model score set these aside. Any other pattern hit is
# vetoable: when the classifier's score for the text is very low (``CrisisModel.veto_threshold``,
# chosen on grouped train CV), the hit is reported as ``vetoed:<pattern>`` instead of flagging.
UNVETOABLE = frozenset({"suicide.word", "suicide.kms", "suicide.kill_self", "suicide.end_life", "medical.overdose"})

# When two patterns of equal weight fire, the more urgent category wins.
_URGENCY = {MEDICAL: 3, ABUSE: 2, OTHERS: 1, SUICIDE: 0}


@dataclass(frozen=True)
class Pattern:
    name: str
    category: str
    weight: float  # how strongly a match alone signals a crisis (1.0 explicit, lower indirect)
    regex: re.Pattern
    negatable: bool = True


@dataclass(frozen=True)
class Hit:
    pattern: str
    category: str
    weight: float
    start: int
    end: int
    status: str  # "hit" | "negated" | "past" | "reported" | "everyday"


@dataclass(frozen=True)
class PatternResult:
    crisis: bool
    category: str | None
    weight: float
    reasons: tuple[str, ...]  # names of the patterns that fired, strongest first
    suppressed: tuple[str, ...]  # "negated:<name>" / "past:<name>" for matches set aside


def _p(name: str, category: str, weight: float, regex: str, negatable: bool = True) -> Pattern:
    return Pattern(name, category, weight, re.compile(regex), negatable)


_SELF = r"(?:my ?self|myslef|mysefl|myslf|mysef|mysel|meself|my ?sel)"
_INTENT = (
    r"(?:want(?:s|ed)? (?:to|2)|wnt (?:to|2)|wnat (?:to|2)|wan (?:to|2)|wanna|wana|wnna|wan2|need to|going to|gonna|gunna|"
    r"gona|gna|will|ill|(?:would|id|i would) (?:like|love) to|"
    r"plan(?:ning)? to|about to|ready to|trying to|try to|gotta|have to|should|might|may|could|"
    r"thinking (?:about|of)|think about|thought about|urge to|wish i could|wish to|tempted to|"
    r"decided to|intend to|intending to|im (?:going|gonna|about|ready)|abt to|bout to|boutta|finna|about to go|going to go|gonna go|"
    r"want(?= (?:kill|die|hurt|stab|shoot)\b))"
)
_PERSON = (
    r"(?:him|her|them|you|u|ya|someone|somebody|everyone|everybody|people|anyone|anybody|whoever|"
    r"(?:every|each|all) (?:one )?of them|"
    r"(?:my|his|her|their|that|this|the|those|these) (?:(?:new|old|little|big|stupid|fucking|own) )?"
    r"(?:(?:step|ex-?)?(?:dad|father|mom|mum|mother|"
    r"bf|boyfriend|gf|girlfriend|husband|hubby|wife|partner|ex|brother|sister|bro|sis|boss|"
    r"manager|coworker|co-worker|roommate|neighbou?r|teacher|kid|son|daughter|friend|cousin|"
    r"uncle|aunt|family|baby|guy|girl|man|woman|dude|bitch|bastard|classmate|kids|people)s?))"
)
_ABUSER = (
    r"(?:someone|somebody|he|she|they|hes|shes|theyre|(?:my )?(?:moms|mums|dads) (?:new )?(?:bf|boyfriend|gf|"
    r"girlfriend|husband|wife)|my (?:\w+ )?(?:(?:step|ex-?)?(?:dad|father|mom|mum|mother|bf|boyfr\w*nd|bofriend|gf|girlfr\w*nd|"
    r"husband|hubby|wife|partner|ex|brother|sister|uncle|aunt|cousin|roommate|boss|coach|"
    r"teacher|landlord|parents?|family)))"
)
_ABUSE_VERB = (
    r"(?:hurting|hitting|beating|choking|kicking|punching|slapping|abusing|raping|strangling|"
    r"molesting|hit|hits|beat|beats|choked|chokes|punched|punches|slapped|slaps|kicked|kicks|"
    r"raped|rapes|abused|abuses|pushed|shoved|strangled|molested|molests|grabbed|threw|throws|"
    r"touches|touched|touching|forcing|forced|hurts|slams|slammed|slamming|burns|burned|burnt|pushd|pushes|"
    r"pushing|stalked|stalks|stalking|smacks|smacked|smacking|whips|whipped|bites|bit|drags|dragged)"
)
_GAMES = (
    r"(?:(?:a |the |our |this )?(?:game|match|round|rematch)|chess|checkers|uno|monopoly|scrabble|cards|poker|"
    r"mario ?kart|smash(?: bros)?|fifa|madden|fortnite|minecraft|valorant|cod|call of duty|halo|overwatch|"
    r"league|apex|video games?|board games?|trivia|bowling|pool|darts|tennis|ping ?pong|pickleball|"
    r"basketball|soccer|football|golf|volleyball|the arcade|\w+ night)"
)
_PILLS = (
    r"(?:pil+s?|tablets?|meds|medication|medicine|tylenol|advil|ibuprofen|paracetamol|"
    r"acetaminophen|xanax|insulin|painkillers|pain killers|antidepressants|capsules|"
    r"oxy\w*|percs?|benzos?|sleeping pills|bottle|benadryl|melatonin|lithium|seroquel|ambien|valium|"
    r"klonopin|adderall|aspirin|aleve|naproxen|gabapentin|tramadol|codeine|morphine)"
)

# "life admin", "life insurance": life naming a kind of thing, not being alive
_LIFE_AS_MODIFIER = r"(?:admin|insurance|coach\w*|hacks?|lessons?|skills?|stuff|drama|advice|updates?|goals?)\b"
# "hope I don't wake up early": waking at a time, not dying
_WAKE_TIME = r"(?! (?:early|late|on time|in time|before|until|till|til|at|tomorrow morning|grumpy|sick|with))"

PATTERNS: tuple[Pattern, ...] = (
    # --- suicide or self-harm -------------------------------------------------------------
    _p("suicide.word", SUICIDE, 1.0,
       r"\b(?:suicid(?!es\b)\w*|sucid\w*|suicdal|suisid\w*|su[i1]c[i1]d(?!es\b)\w*|sewer ?slide\w*|"
       r"sucicid\w*|suicdal|suacid\w*|s\*icid\w*|su\*cid\w*|sui\*id\w*|self[- ]?delet\w*|unaliv\w*|un-aliv\w*)"),
    _p("suicide.kms", SUICIDE, 1.0, r"\b(?:kms|ctb|kmself)\b"),
    _p("suicide.kill_self", SUICIDE, 1.0,
       rf"\b(?:kill|killing|killed|kil|hang|hanging|off|offing|end|ending|drown|drowning|"
       rf"poison|poisoning|shoot|shooting|unalive|suffocate|starve|starving) {_SELF}\b"),
    _p("suicide.end_life", SUICIDE, 1.0,
       r"\b(?:end|ending|endin|ended|take|taking|took) (?:my|me) (?:own )?l(?:[iy]fe|ives|fe|if|yfe)\b|"
       r"\bend(?:ing|in)? (?:it|it all|everything|things|this)(?: all)?(?: (?:tonight|today|now|"
       r"soon|for good|forever))?\b(?! (?:with|between|off|early))(?<!this(?= [a-z]))"),
    _p("suicide.want_die", SUICIDE, 1.0,
       rf"\b{_INTENT}(?: just| really| honestly| literally| rather)? (?:to )?"
       r"(?:die+|dye|be dead|not exist|stop existing|not be alive|disappear forever|disappear permanently|"
       r"disappear for good|vanish forever|vanish for good|"
       r"not be here anymore|cease to exist)\b|\bwish (?:i|id) (?:was|were|wuz|waz|could be|be) dead\b|"
       r"\bwant(?:ed)? death\b|\bhow to (?:die|kill myself|end it|end my life)\b|"
       r"\bthink(?:ing)? about (?:dying|being dead|not being here|not being alive)\b|"
       r"\bdont see myself (?:being alive|alive|living(?! (?:in|at|with|near|there|abroad|somewhere|anywhere))|here|"
       r"still here)\b|"
       r"\b(?:isnt|is not|not) worth living\b|\bready to go\b(?= (?:now|forever|for good|tonight))"),
    _p("suicide.never_wake", SUICIDE, 0.95,
       r"\b(?:sleep forever|never wake up|not wake up|dont wake up|wont wake up|no(?:t)? "
       r"waking up|stop waking up|go to sleep and (?:not|never)|sleep and never)\b(?! (?:on time|early|in time|"
       r"until|till|til|before))", negatable=False),
    _p("suicide.not_alive", SUICIDE, 1.0,
       r"\b(?:dont|do not|dnt|never) (?:want to|wanna|wana|want 2) (?:be alive|exist|be here "
       r"any ?more|live any ?more|live\b(?! (?:here|there|with|in|near|alone|together|like|"
       r"at|on))|keep living|wake up(?! (?:early|tomorrow morning for)))|\bnot want(?:ing)? to "
       r"(?:live|be alive|exist)\b", negatable=False),
    _p("suicide.better_off", SUICIDE, 0.95,
       r"\b(?:better off|be better|happier|easier for everyone)(?: \w+){0,2} (?:without me|if i "
       r"(?:was|were|wasnt|werent|died|disappeared|wasnt here|was gone|were gone))\b|"
       r"\bbetter off dead\b|\b(?:no ?one|nobody) (?:would|will|even|would even|will even|wouldnt even) (?:miss|notice|care)"
       r"(?: me)?(?: \w+)? if i (?:died|was gone|were gone|disappeared|wasnt here|was dead|"
       r"killed)\b|\b(?:better|easier|happier|relieved)(?: \w+){0,3} if i (?:just )?(?:was|were|wasnt|werent|didnt|"
       r"died|disappeared)(?: \w+)? (?:gone|dead|here|around|exist|alive)\b"),
    _p("suicide.no_reason", SUICIDE, 0.9,
       r"\b(?:no|nothing|no point|no reason|not any reason)(?: left)? (?:to live for|in living|"
       r"to keep living|(?:in )?being alive|to be alive|to stay alive|reason to live|point to "
       r"living|point in life)\b|\bnothing left to live\b|\bwhats the point (?:of|in) "
       r"(?:living|being alive|life|staying alive)\b"),
    _p("suicide.no_way_out", SUICIDE, 0.9,
       r"\b(?:no|(?:cant|dont|cannot) see (?:any|a|another)) (?:other )?(?:way out|escape|way to escape|way "
       r"forward|exit)(?: \w+){0,4}? (?:but|except|other "
       r"than|besides|apart from|than) (?:death|dying|to die|suicide|ending it|ending my life|not being here|"
       r"being dead)\b|\b(?:only|one|last) (?:way out|option|escape|answer|solution|way (?:this|it) ends|"
       r"way to stop (?:the|this) pain)(?: \w+){0,3}? (?:is|left is|would be|i have is|i see is) (?:death|dying|"
       r"to die|suicide|to end it|ending it|to end (?:my|it all)|not being here|being dead)\b|"
       r"\b(?:dying|death|suicide) (?:is|seems|feels)(?: like)? (?:the|my) only (?:way|option|answer|"
       r"solution|escape|choice|way out)\b"),
    _p("suicide.waiting_to_die", SUICIDE, 0.9,
       r"\b(?:just |only |basically )?waiting (?:to die|for (?:death|my life to (?:be over|end)|"
       r"(?:it|everything|my life) to (?:be over|end)))\b|\bwaiting until i (?:can )?(?:finally )?"
       r"die\b|\bexisting until i (?:can )?(?:finally )?die\b"),
    _p("suicide.want_end", SUICIDE, 0.85,
       rf"\b(?:{_INTENT}|wish|need|just want|want) (?:it all|everything|all of (?:it|this)|my life) "
       rf"(?:all )?(?:to )?(?:end|stop|be over)\b|"
       rf"\b(?:{_INTENT}|wish|need|just want|want) (?:it|this|the pain|this pain|the hurt|life) (?:all )?"
       rf"(?:to )?(?:end|stop|be over) (?:for good|forever|permanently)\b"),
    _p("suicide.burden", SUICIDE, 0.85,
       r"\b(?:im|i am|feel like|feeling like|i feel|being) (?:just |such |so much of |a total |a huge |"
       r"nothing but )?(?:a |an )?burden\b(?! (?:of|on my (?:budget|wallet)))"),
    _p("suicide.no_will_to_live", SUICIDE, 0.9,
       r"\b(?:no|dont have the|dont have any|lost the|lost my|lost all|no more|nothing left of my) "
       r"(?:strength|will|energy|desire|reason|want) to (?:keep living|stay alive|live|go on living|"
       r"keep existing)\b|\bgive?n? up on (?:living|life|being alive)\b(?! \w)|\bgave up on "
       r"(?:living|life|being alive)\b(?! \w)|\bdont belong (?:in|on) this (?:world|earth|planet)\b|"
       r"\b(?:dont|cant|cannot|can not) (?:see|picture|imagine) myself (?:being |still )?(?:alive|"
       r"living(?! (?:in|at|with|near|there|abroad|somewhere|anywhere))|here|around)\b", negatable=False),
    _p("suicide.planning", SUICIDE, 0.85,
       r"\b(?:set|picked|chosen|chose|decided on) (?:a|the) (?:date|day|night)(?: for it)?(?: already)?"
       r"(?= ?(?:$|[.!;,]))"),
    _p("suicide.tired_of_life", SUICIDE, 0.85,
       r"\b(?:tired|sick|exhausted) of (?:living|being alive|existing|life|this life)\b(?! " + _LIFE_AS_MODIFIER + r")|"
       r"\bdone with (?:life|living|being alive|it all|existing)\b(?! " + _LIFE_AS_MODIFIER + r")|"
       r"\bleave this (?:world|earth|life)\b|\bjoin (?:him|her|them|my \w+) in (?:heaven|death)\b"),
    _p("suicide.pills", SUICIDE, 0.95,
       rf"\b(?:saved|saving|save|stockpil\w*|hoard\w*|collect\w*|stash\w*|squirrel\w*|"
       rf"have enough|got enough|enough)(?: \w+){{0,4}} {_PILLS}\b(?! (?:for (?:after |before )?(?:my|the) (?:trip|"
       rf"vacation|travel|surgery|pain|headache|back)|for (?:my|the|a|this|our) (?:whole |entire )?"
       rf"(?:trip|vacation|holiday|flight|journey|week|month)|to last\b))|"
       rf"\b(?:hiding|hid|hide) (?:my |some |all my |all of my |the )?{_PILLS}\b|"
       rf"\b{_PILLS} instead of taking them\b", negatable=False),
    _p("suicide.note", SUICIDE, 0.95,
       r"\b(?:suicide note|goodbye (?:letters?|notes?|messages?|texts?|videos?)|"
       r"(?:wrote|writing|written|write|left|leave) (?:my |a |the |some |)(?:final |last )?"
       r"(?:notes?|letters?)(?: \w+)? (?:to|for) (?:everyone|everybody|all|my (?:family|"
       r"parents|mom|mum|dad|kids|children|friends|sister|brother)|the people i love)|"
       r"(?:final|last) (?:note|letter|message|text|goodbye)s? (?:to|for) (?:my|everyone|"
       r"everybody|you all)|this is (?:my )?(?:final |last )?goodbye\b(?! to (?:him|her|"
       r"them|my ex|(?:this|that|the|my old|my) (?:\w+ )?(?:job|city|town|place|apartment|house|"
       r"chapter|part|phase|era|relationship|habit|school|team)))|(?:goodbye|bye) (?:everyone|"
       r"everybody|world|cruel world|forever)|"
       r"(?:soon|because|since) (?:i|ill) wont be here|"
       r"(?:wrote|written|writing|finished|drafted|sealed|left) my (?:final |last )?(?:note|letter)"
       r"(?= ?(?:$|[.!,;]|last night|tonight|today|this morning|already|for (?:everyone|my family|when|"
       r"after)))|"
       r"(?:wrote|written|writing|finished|drafted|drafting|left|leave|leaving) (?:a |the |my |some )?"
       r"(?:final |last )?(?:notes?|letters?)(?: \w+){0,6}? (?:for (?:when|after) im gone|(?:for|to) "
       r"whoever finds me|explaining (?:why|everything)|to say goodbye|so (?:they|everyone) "
       r"(?:know|understand|have something))|"
       r"my (?:suicide |goodbye |final |last )?note is (?:written|done|ready|finished|sealed)|"
       r"(?:wont|will not|not going to|not gonna) be (?:here|around|alive) (?:for )?(?:much longer|"
       r"for long)|"
       r"wont be (?:here|around|alive) (?:much longer|after tonight|anymore|"
       r"by (?:tomorrow|morning|monday)))\b", negatable=False),
    _p("suicide.giving_away", SUICIDE, 0.9,
       r"\bgiv\w* (?:away )?(?:all (?:of )?my (?:stuff|things|belongings|possessions|"
       r"stuff away|things away)|everything (?:i own|away)|my (?:cat|dog|pets?|belongings|"
       r"possessions) (?:away|to (?:someone|a (?:friend|neighbor))))|\bgave (?:away )?(?:all "
       r"(?:of )?my (?:stuff|things|belongings)|my (?:cat|dog) away)|\bgiven away (?:all )?"
       r"my\b|\bwho (?:should|will|can|gets to) (?:get|have|take|keep) my (?:stuff|things|"
       r"cat|dog|pets?|belongings) (?:when|after|if) im gone\b|\bwont need (?:it|them|my "
       r"\w+|any of (?:it|this|my stuff)) (?:where im going|after (?:tonight|tomorrow|this week|this weekend|"
       r"(?:mon|tues|wednes|thurs|fri|satur|sun)day))\b|\b(?:gave|give|giving|given|handing|handed|hand|getting rid of|get rid of|got rid of)"
       r"(?: away)?(?! (?:away )?(?:my |all my |all of my )?(?:exs|ex s|his|her)\b)"
       r"(?: \w+){0,8}?(?: (?:because|since|cause|cuz|as|so|and)|[,.]) (?:i |ill )?(?:wont|will not|am not going to|dont) (?:need|be "
       r"needing|be (?:around|here|alive))\b(?!(?: \w+){0,4} (?:after (?:i|we) move|in the new|now that|"
       r"since (?:i|we) (?:moved|got)|once (?:i|we) move))|\bwont be needing (?:it|them|him|her|any of)\b|"
       r"\b(?:can|could|gets? to|will|should) (?:have|get|keep|take) my (?:\w+ ){0,2}?(?:when|after|once) "
       r"im (?:gone|dead|not here)\b|\bwho (?:gets|will get|should get) my (?:\w+ )?(?:stuff|things|"
       r"belongings|cat|dog|pets?) (?:when|after|if) im gone\b", negatable=False),
    _p("suicide.self_harm", SUICIDE, 1.0,
       rf"\b(?:cut|cutting|cuttin|cuts|burn|burned|burnt|burning|hurt|hurting|harm|harming|harmed|"
       rf"scratch\w*|carv\w*|punish\w*|bash\w*|hit|hitting) (?:{_SELF}|my (?:arms?|wrists?|"
       rf"legs?|thighs?|skin|stomach|body))\b|\bself[- ]?harm\w*\b|\bself[- ]?injur\w*\b|"
       r"\b(?:sh|cutting) (?:again|relapse)\b|\b(?:want|wanna|urge|need) to cut\b|\brelaps\w* (?:on|with|into) (?:sh|self[- ]?"
       r"harm|cutting)\b|\bblades? (?:again|on my)\b"),
    _p("suicide.method", SUICIDE, 0.9,
       r"\b(?:jump|jumping|leap|throw myself) (?:off|from|in front of) (?:a |the |this |that |"
       r"my |our )?(?:bridge|building|roof|rooftop|cliff|train|balcony|window|car|bus|truck|"
       r"overpass|ledge|tower|parking garage)\b|\b(?:noose|tie a rope|tied a rope|rope "
       r"(?:around|ready))\b|\bstep in front of (?:a |the )?(?:train|bus|truck|car)\b|"
       r"\b(?:bought|got|buying|have) (?:a |some )?rope\b(?! (?:for (?:the |my |a |our )?(?:new )?(?:hammock|swing|tent|"
       r"boat|dog|climbing|camping|clothes ?line|garden|move|moving|tire|tyre|gym|kids|project)|swing|ladder))|\bstanding on (?:the|a|this) (?:bridge|ledge|"
       r"roof|edge|tracks)\b|\bhow many pills (?:it takes|to take|would)\b|"
       r"\bslit(?:ting)? my (?:wrists?|throat)\b|\bgun (?:to|in) my (?:head|mouth)\b"),
    # --- round 4: wordings the patterns above missed on train (concepts, with their variants) --
    _p("suicide.passive_wish", SUICIDE, 0.9,
       r"\b(?:hop(?:e|es|ing)|wish(?:ing)?|pray(?:ing)?)(?: \w+){0,2}? (?:that )?(?:i (?:get|got|would get|will get|"
       r"could get) (?:hit|run over|killed)|(?:a |the |some )?(?:car|bus|truck|train) (?:will |would |could )?"
       r"(?:hit|hits|runs? over) me|something (?:bad )?(?:would |will |could )?happens? to me|i (?:dont|never) "
       r"wake up" + _WAKE_TIME + r"|i (?:just )?die|i (?:was|were|d) never born)\b|"
       r"\bmight as well (?:just )?(?:be dead|die|not exist|not be here|not be alive)\b|"
       r"\b(?:easier|better|simpler) (?:to )?(?:just )?(?:not exist|be dead|not be (?:here|alive|around))\b|"
       r"\bwish (?:i|id) (?:had )?never been born\b|"
       r"\b(?:stopped|stop|dont|do not|no longer|quit) car(?:e|ing) (?:whether|if) i (?:live|die|wake up|make it|"
       r"survive)\b|\b(?:imagin\w*|picturing|fantasi\w*|dream\w* (?:of|about)) my (?:own )?funeral\b|"
       r"\bnot (?:planning|plan) on (?:seeing|being (?:here|around|alive) (?:for|by|next))\b|"
       r"\b(?:pray|prays|praying|hope|hopes|hoping|wish|wishing)(?: \w+){0,3} (?:dont|never|wont) (?:open my eyes|"
       r"wake up" + _WAKE_TIME + r"|come back)\b|"
       r"\b(?:wish\w*|hop\w*|pray\w*)(?: \w+){0,4} (?:heart|body) (?:would |will )?(?:just )?(?:give|gives|gave) "
       r"(?:out|up)\b|\bdisappointed (?:that )?i (?:woke|wake) up\b|\b(?:id|i would|i had) (?:rather|sooner) be dead\b|"
       r"\b(?:being dead|dying|death|not existing) (?:feels|sounds|seems|would feel) like (?:a )?(?:relief|peace)\b|"
       r"\b(?:not|no longer) (?:scared|afraid) of dying\b|\bpermission to die\b|\bstop existing\b|"
       r"\btired of being a person\b|\b(?:cant|cannot) do life\b|\b(?:the|my) (?:big sleep|final nap|long nap|"
       r"permanent vacation|eternal sleep|last nap)\b|\bquit (?:irl|life|real life)\b|"
       r"\btak(?:e|ing) myself out of the picture\b|\bversion where im (?:dead|gone|not here)\b|"
       r"\bwouldnt (?:even )?mind if (?:\w+ ){0,4}(?:hit|took|killed|ran over) me\b|"
       r"\bbe with (?:\w+ ){0,2}in heaven\b(?! (?:one day|someday|when im old))|"
       r"\b(?:log off|ghost (?:the (?:whole )?world|everyone)|disappear)[.,]? permanently\b|"
       r"\b(?:wanna|want to|going to|gonna) be gone forever\b|\bif i die i die\b", negatable=False),
    _p("suicide.leaving", SUICIDE, 0.9,
       r"\b(?:wont|will not|not gonna|not going to|dont think ill|doubt ill) be (?:here|around|alive) "
       r"(?:tomorrow|next week|much longer|for long|by (?:tomorrow|morning|monday|the weekend|next week))\b"
       r"(?! (?:because|cause|cuz|bc|im (?:at|in|on|going|travel\w*|away)|ill be (?:at|in|on|away)|going|at|for "
       r"(?:the|a|my) (?:meeting|class|shift|work))|,? (?:\w+ )?(?:dentist|doctor|drs?|appt|appointment|trip|"
       r"vacation|travel\w*|out of town|flight|holiday|meeting|conference|busy|work|shift|class|school|camp|"
       r"visiting))|"
       r"\b(?:ill|i will|im going to|im gonna) be gone (?:by|before) (?:morning|tomorrow|sunrise|the morning|"
       r"the weekend)\b|"
       r"\b(?:if|when) (?:you|u|ur|youre|your|anyone|someone) (?:are |is )?reading this,? (?:im|i am|ill be|i will be) "
       r"(?:already )?(?:gone|dead|not here)\b|"
       r"\b(?:said|saying|say) (?:all )?my (?:final |last )?goodbyes\b(?! (?:at|to (?:the|my) (?:old |whole )?(?:team|class|"
       r"coworkers|colleagues|office|neighbou?rs)|before (?:moving|leaving|the move|my flight)|and (?:moved|left|headed)))|\bwanted to say goodbye to (?:someone|somebody|"
       r"everyone|you all)\b|"
       r"\btell (?:my \w+|everyone|them|him|her|my family) (?:that )?i loved (?:her|him|them|you|everyone)\b|"
       r"\bthe last time,? (?:because|bc|cause|cuz|since) it (?:will|might|is going to|probably will) be\b|"
       r"\bfor whoever finds me\b|\b(?:after|once) im (?:gone|dead)\b(?! (?:for|on|to|this|next|over))|"
       r"\bcheck(?:ing)? out (?:of life|for good|permanently|of this world|early|tonight for good)\b|"
       r"\blog(?:ging)? (?:off|out) (?:from|of) life\b|\bfinal exit\b|"
       r"\bmade (?:my )?peace(?: with (?:dying|death|leaving|going|it all|everything|god))?(?: and im ready)?"
       r"(?= ?(?:$|[.!,;]| and (?:im|i am) ready))|"
       r"\b(?:going to|gonna|ready to|time to) let go (?:tonight|for good|forever|of (?:life|it all|everything))\b|"
       r"\b(?:this is|this will be|its) my (?:last|final) (?:message|text|entry|night|week)\b"
       r"(?! (?:to|for|with|at|in|of) (?!you\b)|here for a while| for a while| before| of)|"
       r"\blast time (?:ill|i will) (?:be writing|write|be texting|text|see|talk)\b(?! (?:to )?(?:him|her|them|my ex)\b)|"
       r"\b(?:wont|will not) be (?:texting|writing|messaging|talking)(?: to you| here)? (?:after tonight|anymore|again)\b|"
       r"\bif (?:you|u) dont hear from me\b|\bto whoever (?:reads|finds) this\b|\b(?:goodbye|bye) mend\b|"
       r"\bthe ones? (?:who|to) finds? me\b|\bby then it wont matter\b|\bwont be long now\b|"
       r"\b(?:because|cause|since) its (?:almost|nearly|finally) over\b|\bdont be mad at me after\b|"
       r"\b(?:doesnt|dont) know (?:its|it is) the last\b|\bput my affairs in order\b|\bhouse is in order\b",
       negatable=False),
    _p("suicide.not_a_problem", SUICIDE, 0.85,
       r"\b(?:wont|will not|dont|not) (?:have|need) to (?:deal with|put up with|worry about|take care of) me "
       r"(?:much longer|for (?:much )?longer|after (?:tonight|today|this week|tomorrow)|soon)\b|"
       r"\b(?:nobody|no one|noone) (?:has|will have|needs) to (?:deal with|put up with|worry about) me "
       r"(?:much longer|for (?:much )?longer|after (?:tonight|today|this week))\b|"
       r"\bwont be (?:anyones|a|your|their|everyones) (?:problem|burden) (?:after|much longer|for long|soon)\b|"
       r"\b(?:a |such a )?(?:weight|burden) on everyone\b|\btake myself off (?:their|your|everyones|his|her) hands\b|"
       r"\bim (?:just )?dead weight\b|"
       r"\b(?:theyd|theyll|they would|they will|everyone would|everyone will|everyones|they are|theyre|"
       r"everyone is|my \w+ would) (?:all )?(?:be )?(?:fine|okay|ok|happier|better) without me\b"
       r"(?! (?:at|for|tonight|this|on|in|there|around))"),
    _p("suicide.plan", SUICIDE, 0.85,
       r"\b(?:planned|figured out|know exactly|decided|worked out|picked|chosen|chose) (?:how|when|where)"
       r"(?: and (?:how|when|where))? (?:ill|im going to|im gonna|i will|to|i can) (?:do it|end it|go)\b|"
       r"\b(?:have|got|ive got|made) (?:a|the) plan and (?:a|the) (?:time|date|day|method|way)\b|"
       r"\b(?:i|ive|i have) decided (?:it(?:ll| will)? be|on) (?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tonight|"
       r"tomorrow|this weekend)(?= ?(?:$|[.!,;]))|"
       r"\b(?:looking up|looked up|researching|researched|googling|googled|searching|searched) (?:ways|how) to "
       r"(?:do it|die|end it|kill myself|overdose|end my life|not wake up)\b|"
       r"\bmake it look like an accident\b|"
       r"\bwaiting for the right (?:night|day|time|moment) to (?:stop being|die|end it|do it|go)\b|"
       r"\bready to stop (?:trying to stay|being alive|existing|living|trying to live|breathing)\b|"
       r"\bcounting down (?:the days )?(?:until|till|til) (?:im gone|i die|im dead|the end)\b|"
       r"\b(?:wrote|writing|made|making) (?:down |a list of )?who gets what\b|"
       r"\b(?:im|i am) (?:going to|gonna) do it (?:tonight|tomorrow|this weekend|soon|after)\b|"
       r"\b(?:have|got) it all planned(?: out)?\b|\bi have a plan and (?:its|it is) (?:tonight|tomorrow)\b|"
       r"\bwork up the (?:nerve|courage)\b(?! to (?:ask|talk|tell|call|text|say|apply|go|come out))|"
       r"\b(?:stood|standing|sat|sitting) (?:there )?looking down\b|\btallest buildings\b|\broof access\b|"
       r"\bnot (?:here|there) to catch a train\b|\bfor when im ready\b|\btake everything in the medicine cabinet\b|"
       r"\b(?:access to|have) (?:\w+ ){0,2}(?:medications?|meds|pills) and i know exactly\b|"
       r"\breading about bridges\b|\bknow where im going to (?:drive|go)\b"),
    _p("suicide.hopeless", SUICIDE, 0.85,
       r"\b(?:pointless|no point|no use|no sense) (?:in |to )?(?:keep )?(?:living|going on|being alive|staying alive)\b|"
       r"\b(?:cant|cannot|can not) (?:keep|go on) (?:living|existing|being alive)(?: like this)?\b|"
       r"\bwhy (?:even )?(?:stay|keep|bother staying|bother) (?:alive|living|being alive)\b|"
       r"\bno (?:reason|point) (?:2|to) (?:keep )?(?:living|live|go on)\b|"
       r"\b(?:life has|theres|there is) nothing left for me\b|"
       r"\b(?:run|ran) out of reasons to (?:keep )?(?:living|live|stay|go on)\b|"
       r"\btired of being (?:here|alive|me)\b|\b(?:permanently|forever) done\b|"
       r"\bstay asleep forever\b|\bfall asleep (?:and never|forever)\b|"
       r"\bhow much longer i can (?:stay alive|keep going|hold on|do this)\b|"
       r"\bif i (?:died|was gone|disappeared|killed myself|vanished)(?: \w+){0,2},? (?:would|will) (?:anyone|anybody|"
       r"people|they|my \w+) (?:even )?(?:care|notice|miss me)\b|"
       r"\b(?:nobody|no one|noone) (?:would|will) (?:even )?(?:notice|care|miss me) if i (?:vanished|disappeared|died|"
       r"was gone)\b|"
       r"\b(?:simpler|improve|lighter|relieved|better|easier|happier)(?: \w+){0,3} if i (?:just )?(?:died|die|"
       r"disappeared|vanished|was gone|were gone|killed myself|wasnt (?:here|alive|around)|werent (?:here|alive|"
       r"around)|was dead|were dead|didnt exist|never existed|d never been born|had never been born)\b",
       negatable=False),
    _p("suicide.self_harm_acts", SUICIDE, 0.95,
       r"\bslic(?:e|es|ed|ing) (?:up )?(?:my (?:arms?|wrists?|legs?|thighs?|skin)|myself)\b|"
       r"\bcut (?:deep|deeper|too deep|so deep) (?:on|into|in) my\b|"
       r"\bcarv\w* (?:\w+ ){0,3}(?:into|in|on) my (?:arms?|wrists?|legs?|thighs?|skin|stomach)\b|"
       r"\b(?:im|i am|been|started|keep|kept|so im) cutting(?: again)?(?= ?(?:$|[.!,;]|again|rn|now|tonight|right now))|"
       r"\b(?:sh|self ?harm|cutting) urges?\b|\burges? to (?:sh|self ?harm|cut|hurt myself)\b|"
       r"\b(?:got|getting|grabbed|took) (?:the|a|my) (?:razor|blade)s? out\b|"
       r"\b(?:the |a |my )?(?:blade|razor)s? (?:is |are )?(?:right )?(?:here|next to me|in my hand)\b|"
       r"\b(?:bang\w*|hit\w*|slam\w*) my head (?:on|against|into) (?:the|a) (?:wall|floor|door)\b"
       r"(?: \w+){0,3} (?:until|till|til)\b|"
       r"\b(?:clean|free) (?:from|of) (?:sh|self ?harm|cutting)(?: \w+){0,4} (?:about to|gonna|going to|want to|"
       r"wanna) (?:break|relapse|lose)\b|"
       r"\bcut(?:t)? (?:again|agian|agen|deeper)\b|\bcuting agen\b|\b(?:fresh|new) cuts\b|"
       r"\b(?:reopen\w*|pick\w* at) my (?:cuts|wounds|scars)\b|\bdrew blood\b|"
       r"\b(?:punch\w*|hit|hitting|slap\w*|bit|bite|biting|burn\w*|scratch\w*|smash\w*|slam\w*|press\w*|dug|digging) "
       r"(?:myself|my own \w+|my (?:hand|arm|wrist|head|face|nails into))(?: \w+){0,6} (?:until|till|til) (?:it|i) "
       r"(?:bled|bleeds?|bruised|blistered|swelled|split)\b|"
       r"\b(?:until|till|til) (?:it|my \w+) (?:bled|blistered|swelled up)\b|"
       r"\b(?:slammed|smashed|burned|burnt|hit|punched) (?:my \w+ )?(?:\w+ ){0,4}on purpose\b|"
       r"\bhand over the (?:stove|flame|fire|burner)\b|\bburning (?:the inside of )?my (?:arm|wrist|skin|leg)\b|"
       r"\b(?:relpased|relapsed) and (?:burnd|burned|cut|cutt)\b|\bpulled out (?:a patch of )?my hair\b"),
    _p("suicide.means", SUICIDE, 0.9,
       rf"\b{_PILLS} (?:are |r )?(?:hidden|stashed|lined up|laid out|counted out)\b|"
       rf"\b(?:holding|counting|lined up|lining up|laid out|laying out|staring at) (?:all )?(?:my |the |these |those )?"
       rf"(?:pill bottle|{_PILLS})\b(?! (?:for|into) (?:the|my|this|next) (?:week|organi[sz]er|box|trip))|"
       rf"\b{_PILLS}\b(?: \w+){{0,8}} (?:take|taking|swallow|swallowing) (?:them|it) all\b|"
       rf"\b(?:take|taking|swallow|swallowing) (?:them all|all of them|every (?:one|pill|last one))\b|"
       r"\b(?:garage|car) with the (?:car|engine) running\b|\b(?:car|engine) running in the garage\b|"
       r"\b(?:sitting|standing|sat|stood|parked) (?:on|at) (?:the |a |this )?(?:(?:bridge |roof |balcony )?(?:railing|"
       r"ledge)|roof edge|train tracks|tracks)\b|\b(?:sitting|standing|parked) (?:on|at) (?:the |a |this )?(?:bridge|"
       r"cliff)(?: \w+){0,3}?(?: right now| rn|[.,]? just sitting here| alone tonight| looking down)\b|"
       r"\b(?:stood|standing) at the edge of (?:the |a )?(?:\w+ )?(?:platform|roof|rooftop|bridge|cliff|building|"
       r"balcony)\b(?: \w+){0,6} (?:longer than|thinking about|wasnt thinking about stepping)|"
       r"\b(?:going|driving|walking|heading) to the (?:bridge|cliff|tracks)\b(?: \w+){0,3}[.,]? (?:not coming back|"
       r"for the last time|one last time)"),
    # --- harm to others ------------------------------------------------------------------
    _p("others.kill", OTHERS, 1.0,
       rf"\b{_INTENT}(?: \w+){{0,2}}? (?:kill|murder|stab|shoot|strangle|choke|poison|run over|harm|"
       rf"beat|hurt|bash|slit|smother|torch|burn down) {_PERSON}\b(?! (?:in|at) {_GAMES}\b)"),
    _p("others.urge", OTHERS, 1.0,
       rf"\b(?:urges?|thoughts?|fantasi\w*|fantasy|dream\w*|images?|thinking|think) (?:to|about|of) "
       rf"(?:hurt|hurting|kill|killing|stab|stabbing|shoot|shooting|strangl\w*|choking|murder\w*) "
       rf"{_PERSON}\b"),
    _p("others.weapon", OTHERS, 1.0,
       r"\b(?:bring|bringing|brought|take|taking|got|get|buy|bought|have|carry|carrying) "
       r"(?:a |my |his |her |the |(?:my )?\w+s )?(?:gun|knife|weapon|rifle|pistol|ar|machete|"
       r"bomb) (?:to|into|at) (?:school|work|class|the office|his|her|their|the party|church|"
       r"campus)\b|\bshoot (?:up )?(?:the |my |this |that )?(?:school|office|workplace|place|"
       r"party|church|mall|class|campus)\b|\bmake (?:them|him|her|everyone|them all) "
       r"(?:all )?(?:pay|suffer) (?:with (?:their|his|her) (?:lives|life|blood))\b|"
       r"\b(?:he|she|they) (?:deserves?|deserve) to die\b|\bburn down (?:his|her|their) house\b|"
       r"\bwith (?:him|her|them) (?:still )?in(?:side)? it\b|"
       r"\b(?:gun|knife|weapon)\b[^.!?]{0,40}\bknow where (?:he|she|they) lives?\b|\bwant (?:him|her|them) dead\b"),
    _p("others.attack", OTHERS, 1.0,
       rf"\b(?:{_INTENT}|and|then|to)(?: \w+){{0,2}}? (?:run {_PERSON} over|hit {_PERSON} (?:until|till|so hard|with)|"
       rf"push {_PERSON} (?:down|off|in front)|attack {_PERSON}|(?:smash|bash|cave|kick) (?:his|her|their) "
       rf"(?:face|head|skull|teeth) in|break (?:his|her|their) (?:legs?|arms?|neck|jaw)|"
       rf"(?:burn|torch) (?:his|her|their|(?:my )?\w+s) (?:house|place|car|apartment|home) down|"
       rf"poison (?:his|her|their) (?:drink|food|coffee|tea|dinner)|make {_PERSON} bleed|"
       rf"(?:beat|hurt|punch|kick|stab) {_PERSON} (?:until|till|til|so bad|real bad|to death)|"
       rf"find {_PERSON} and (?:hurt|kill|beat|stab|shoot|end))\b|"
       rf"\b(?:waiting|wait|going|heading|driving|outside)(?: \w+){{0,4}} to (?:hurt|kill|stab|shoot|beat|attack) "
       rf"{_PERSON}\b|"
       r"\bmake sure (?:he|she|they) (?:never|cant|wont|can never) (?:walks?|wakes? up|breathes?|talks?|hurts? "
       r"anyone) again\b|\b(?:he|she|they)(?: \w+)? (?:wont|will not|isnt going to|arent going to) survive\b|"
       r"\b(?:hes|shes|theyre|he is|she is|they are|(?:bf|gf|ex|boss|husband|wife) (?:are|is|r)) (?:so )?dead "
       r"(?:tonight|tomorrow|when i (?:see|find|catch|get))\b|"
       r"\b(?:picturing|imagining|fantasi\w*) (?:about )?(?:hurting|killing|stabbing|shooting|strangling|choking|"
       r"murdering|beating) (?:him|her|them|my \w+|someone)\b|"
       r"\b(?:gun|knife|rifle|bat|weapon|machete|hammer|crowbar)\b(?: \w+){0,5} (?:going|heading|driving|on my way|"
       r"coming) (?:over )?to (?:his|her|their|\w+s) (?:place|house|apartment|work|school)\b|"
       r"\b(?:going|heading|driving|on my way|coming) (?:over )?to (?:his|her|their|\w+s) (?:place|house|apartment|"
       r"work|school)(?: \w+){0,3} with (?:a |my |his |the |(?:my )?\w+s )?(?:gun|knife|rifle|bat|weapon)\b|"
       r"\bwait(?:ing)? for (?:him|her|them) with a (?:bat|knife|gun|crowbar|hammer)\b|"
       r"\bknow where (?:he|she|they) (?:lives?|works?)(?: \w+){0,5} (?:gun|knife|weapon|bat|rifle)\b|"
       r"\b(?:make (?:him|her|them|everyone|\w+ \w+) (?:all )?pay|revenge|get (?:him|her|them) back)\b"
       r"(?: \S+){0,12} (?:gun|knife|rifle|bat|weapon|machete|hammer)\b|"
       r"\bload(?:ed|ing)? (?:the|my|a|his|\w+s) (?:gun|rifle|pistol|shotgun)(?: \w+){0,3} (?:and )?(?:driving|"
       r"going|heading|walking) to\b|"
       r"\b(?:parked|sitting|waiting|standing) (?:across from|outside|near|by) (?:his|her|their|\w+s) (?:\w+ )?"
       r"(?:apartment|house|place|work|car|school)\b(?: \w+){0,3} (?:with|w) (?:the |a |my |his |(?:my )?\w+s )?(?:bat|knife|"
       r"gun|pistol|rifle)\b|\b(?:bat|knife|gun|pistol|rifle) in my (?:trunk|car|bag|pocket)\b(?: \w+){0,3} waiting\b|"
       r"\bholding a knife(?: \w+){0,3} thinking about (?:it|him|her|them)\b|"
       r"\b(?:got|took|grabbed) (?:my |the |his |(?:my )?\w+s )?(?:pistol|gun|rifle)(?: \w+){0,3} out of the (?:safe|"
       r"closet|drawer)\b(?: \w+){0,3}[.,]? (?:\w+ )?(?:is gonna|is going to|will) (?:find out|pay|regret)|"
       r"\b(?:bringing|bring|taking) (?:something|a \w+) to (?:that|the) meeting\b(?: \w+){0,4} (?:regret|pay|sorry)|"
       r"\bjump (?:her|him|them) after (?:school|work|practice)\b|"
       r"\b(?:shes|hes|theyre) not making it (?:to|home|out)\b|\bwont be walking (?:right|straight|again)\b|"
       r"\b(?:wrote down|know|learned) (?:his|her|their) (?:whole )?schedule\b(?: \S+){0,8} (?:thats when|alone)\b|"
       r"\b(?:kil+|kill) (?:him|her|them) i swear\b"),
    # --- abuse or danger -----------------------------------------------------------------
    _p("abuse.hurting_me", ABUSE, 1.0,
       rf"\b{_ABUSER} (?:is |keeps |has been |have been |was |were |just |always |)"
       rf"(?:still |)(?:{_ABUSE_VERB}) (?:me|us)\b(?! (?:so much|emotionally|deeply|with (?:his|"
       rf"her|their) words|by (?:ignoring|leaving|ghosting|not)|when (?:he|she|they) "
       rf"(?:left|ignore|ghost)|inside))|\bsome(?:one|body) is hurting me\b|"
       rf"\b(?:being|been|was|got) (?:abused|beaten|raped|molested|assaulted|trafficked|"
       rf"choked|strangled)\b|\bsexually assaulted\b", negatable=False),
    _p("abuse.not_safe", ABUSE, 1.0,
       r"\b(?:not|dont feel|do not feel|never feel|dont|isnt|arent|no longer|never) (?:feel )?"
       r"safe (?:at home|at my (?:house|place|home)|in my (?:own )?(?:house|home|room|apartment|"
       r"place)|here|with (?:him|her|them|my \w+)|around (?:him|her|them|my \w+)|anymore|going "
       r"home|to go home|home)\b|\b(?:scared|afraid|terrified|frightened) (?:to go home|to go "
       r"back home|(?:of|for) my (?:life|safety)|(?:he|she|they)(?:ll| will| is going to| is "
       r"gonna|s going to|s gonna| might| would) (?:hurt|kill|hit|find|beat|rape) (?:me|us))\b|"
       r"\bfear (?:for|of) my (?:life|safety)\b|\bsca?re?d to go home\b|"
       r"\b(?:he|she|they)(?:s| is| are|re)? (?:going to|gonna|gna|gunna) (?:kill|hurt|rape|beat) (?:me|us)\b|"
       r"\b(?:hell|shell|theyll|he will|she will|they will) (?:hurt|kill|hit|beat|rape) (?:me|us)\b|"
       r"\buse it on me\b|\bhiding (?:(?:in|under) (?:the|my|a) \w+ )?from (?:him|her|them|my \w+)\b",
       negatable=False),
    _p("abuse.threat", ABUSE, 1.0,
       r"\b(?:threatened|threatens|threatening|threaten|threat|said|says|told me|keeps saying|"
       r"swore|swears|texted me|threatend|thretened|threatned)(?: (?:that|me))? (?:to |hed |he would |he will |hell |hes "
       r"going to |hes gonna |he was going to |shed |she would |she will |shell |shes going "
       r"to |shes gonna |she was going to |theyd |they will |theyll |theyre going to |they "
       r"would |theyre gonna |)(?:kill|hurt|hit|beat|shoot|stab|find|rape|burn) (?:me|us|my)\b|"
       r"\b(?:threatened|threatens|is threatening|threatend|thretened) (?:me|my life|my kids|"
       r"my family)\b|\bthreatened my life\b|\b(?:death|rape) threats?\b",
       negatable=False),
    _p("abuse.trapped", ABUSE, 1.0,
       r"\b(?:wont|will not|doesnt|dont) let me (?:leave|go|out|call|eat|sleep)\b|"
       r"\blocked me (?:in|out)\b|\btrapped (?:in|at|inside) (?:the|my|his|her|this) "
       r"(?:house|room|car|apartment|basement|place)\b|\bmaking me (?:have sex|do things)\b|"
       r"\bforc\w* me to (?:have sex|do (?:stuff|things)|sleep with)\b|"
       r"\b(?:following|stalking|chasing) me\b(?! on (?:instagram|twitter|ig|tiktok|x|social))|"
       r"\b(?:broke|breaking|trying to break) into my\b|"
       r"\b(?:comes?|coming|came|climbs?|climbing|gets?|getting) (?:in ?to|in) my (?:bed|bedroom|room)"
       r"(?: at night| when| while)\b|\bhiding from (?:him|her|them|my \w+)\b",
       negatable=False),
    _p("abuse.violence", ABUSE, 1.0,
       rf"\b{_ABUSER} (?:is |keeps |has been |was |just |always |)(?:{_ABUSE_VERB}) my (?:little |baby |younger |"
       rf"big |older )?(?:brother|sister|mom|mum|mother|kids?|son|daughter|baby|siblings?|brothers|sisters)\b|"
       r"\b(?:throwing|threw|throws|threw) (?:things|stuff|a \w+|plates|glasses|bottles|\w+s) at me\b|"
       r"\b(?:he|she|they|hes|shes|theyre|my (?!own)\w+)(?: keeps| always| just| has| had| then)? (?:grabs|grabbed|"
       r"grabbing|squeez\w*|twist\w*) my (?:wrists?|neck|throat|hair|arms?)\b|"
       r"\bhard enough to (?:bruise|leave (?:marks|a mark|bruises)|bleed)\b|"
       r"\b(?:showed|pulled|pointed|waved|held) (?:me )?(?:a|his|her|the) (?:knife|gun)(?: at me)?\b|"
       r"\b(?:knife|gun) (?:to|at) my (?:throat|head|neck|chest)\b|"
       r"\b(?:he|she|they|hes|shes|theyre|my \w+)(?: \w+)? (?:has|s|is|have) (?:got |holding )?(?:a|my|his|her) "
       r"(?:gun|knife|weapon)\b(?: \w+){0,4} (?:angry|drunk|mad|yelling|threatening|screaming|pointing|waving)\b|"
       r"\bbecause (?:he|she|they) (?:has|have|got) a (?:gun|knife)\b|"
       r"\b(?:theyll|hell|shell|they will|he will|she will|gonna|going to|said theyll) jump me\b|"
       r"\b(?:he|she|they|hes|shes|my \w+)(?: \w+){0,3} (?:is |are )?(?:smashing|breaking|throwing) (?:stuff|things|"
       r"everything|plates|dishes|furniture)\b|"
       r"\b(?:he|she|they|hes|shes|theyre|my ex|someone|somebody|some guy|a man|a guy|a stranger)(?: \w+){0,3} "
       r"(?:outside|at) (?:my|the) (?:door|window|house|apartment|place|work)\b(?: \w+){0,4} (?:banging|pounding|"
       r"kicking|yelling|screaming|knocking|threatening|trying to get in)\b|"
       r"\b(?:banging|pounding|kicking) on (?:my|the) (?:door|window)(?: \w+){0,3} (?:yelling|screaming|threatening)\b|"
       r"\b(?:someone|somebody|someones|he|she|they|hes|shes|my ex|a man|a guy|some guy|a stranger)(?: is| s|s)? "
       r"(?:just )?(?:trying to )?(?:break(?:ing)?|broke|get(?:ting)?) (?:in|into)(?: (?:my|the) (?:apartment|house|"
       r"room|place|home|car|window|door))?(?= ?(?:$|[.!,;]|rn|right now|now))|"
       r"\b(?:im|i am|were|we are|got|been|being) locked (?:in|inside) (?:my|the|a|his|her|this) (?:room|basement|"
       r"closet|bathroom|house|car|garage|attic|shed|apartment)\b|"
       r"\bfollowed me (?:home|to (?:my|work|school))\b|\bbeing stalked\b|"
       r"\b(?:hid|hides|hidden|took|takes|taken) my (?:phone and keys|phone n keys|keys and phone|passport|car keys)\b|"
       r"\bthreaten\w* to send me (?:back|away)\b|\b(?:forc\w*|mak\w*) me (?:to )?(?:marry|get married)\b|"
       r"\bif i (?:tell|leave|talk|call|go|report|say|dont)\b(?: \w+){0,5} (?:hell|shell|theyll|he will|she will|"
       r"they will|hed|shed|he would|she would|hes gonna|shes gonna|hes going to|shes going to) (?:kill|hurt|hit|"
       r"beat|rape|shoot|stab|find) (?:me|us|my)\b|"
       r"\b(?:hell|shell|theyll|he will|she will|they will) (?:hurt|kill|hit|beat|rape) my (?:family|kids|children|"
       r"mom|mum|dad|sister|brother|dog|cat)\b|"
       r"\b(?:said|says|told me|texted)(?: that)? (?:im|youre|ur) dead if\b|"
       r"\bsays? (?:i|ill) (?:regret|pay for) (?:leaving|this)\b|\bnext time it(?:ll| will) be my (?:neck|throat|face)\b",
       negatable=False),
    _p("abuse.danger_now", ABUSE, 0.95,
       r"\bhiding (?:in|behind|under) (?:the|my|a) (?:\w+ ){0,2}(?:closet|bathroom|basement|laundry room|shed|car|room|"
       r"bed|attic|garage)\b[,.]?(?: \S+){0,8} (?:hes|shes|he is|she is|theyre|my \w+ is) (?:\w+ ){0,3}(?:looking for me|"
       r"outside|walking around|here|home|drunk)|"
       r"\b(?:guy|man|someone|somebody|car|he|she|stranger)(?: \w+){0,3} (?:has )?(?:been )?follow(?:ed|ing) me "
       r"(?:from|for|home|to|around|since)\b|\bbeing followed\b|"
       r"\bif i dont (?:text|answer|reply|respond)(?: \w+){0,3} (?:in|within) \d+ ?(?:min|minutes|mins)\b|"
       r"\b(?:gun|knife) on the (?:table|counter|bed)\b|\block(?:ed|d) me in\b|"
       r"\b(?:hiting|hitin|hittin|beatin|chokin) me\b|\b(?:keeps|is) (?:hiting|hitin|hittin|beatin) me\b|"
       r"\b(?:tried|trying|rattling|jiggling) (?:my|the) (?:front )?(?:door ?handle|doorknob|door knob|lock)\b|"
       r"\b(?:hes|shes|theyre|he is|she is) (?:been )?(?:watching|tracking|stalking) me\b|\btracking me\b|"
       r"\b(?:he|she|they|my \w+) (?:just )?(?:broke|fractured|busted) my (?:nose|jaw|ribs?|arm|wrist|fingers?|"
       r"cheekbone|teeth)\b|\b(?:blocking|standing in front of|stands in front of) (?:the|my) (?:front |bedroom )?door\b|"
       r"\b(?:put|slipped) (?:something|a \w+) in(?:to)? my drink\b|\b(?:spiked my drink|drink (?:was|got) spiked)\b|"
       r"\bpinned me (?:down|against)\b|\b(?:wouldnt|didnt|would not|did not) stop when i said (?:no|stop)\b|"
       r"\b(?:going to|gonna|trying to) crash (?:us|the car|into)\b|"
       r"\b(?:kicking|banging|pounding) (?:on )?(?:the|my) (?:\w+ )?door\b[,.]?(?: \w+){0,6} (?:hold|break|get in|open)\b|"
       r"\b(?:safe ?word|code ?word)\b(?: \S+){0,8} (?:hes|shes|theyre|he is|she is)\b|"
       r"\b(?:hell|shell|theyll|he will|she will|they will|hes going to|shes going to) (?:hurt|kill|take) (?:the|my) "
       r"(?:kids|children|baby)\b|"
       r"\b(?:came|comes|coming) into my (?:room|bedroom|bed) again\b|"
       r"\b(?:he|she|they|my \w+) (?:just )?(?:slammed|smashed|banged) my head\b|"
       r"\b(?:getting|got|gets|grabbed|went to get) (?:his|her|the) belt\b|"
       r"\bfound (?:out )?(?:my address|where i live)\b|\b(?:come|coming (?:over )?to) (?:hurt|kill|get|beat|find) me\b|"
       r"\b(?:hell|shell|theyll|he will|she will|gonna|going to) finish me\b|\bwont live to see\b|"
       r"\b(?:said|says|told me) (?:that )?(?:im|i am|ill be) dead\b|"
       r"\b(?:next to|beside|inches from) my (?:head|face)\b|"
       r"\b(?:cornered|grabbed|pinned) me(?: \w+){0,6} and (?:slapped|hit|punched|choked|kicked|shoved) me\b|"
       r"\bassaulted me\b|\bmy (?:moms|mums) (?:new )?(?:boyfriend|bf|husband) is (?:hitting|beating|hurting) (?:her|me)\b",
       negatable=False),
    # --- medical emergency -------------------------------------------------------------------
    _p("medical.overdose", MEDICAL, 1.0,
       rf"\b(?:took|tok|tuk|taken|take|swallowed|swallow|ate|downed|popped|just took)(?: like| maybe| "
       rf"about| way| almost)? (?:too many|to many|too much|a lot of|lots of|all (?:of )?(?:my|the|"
       rf"those)|the (?:whole|entire|rest of the)|a (?:whole|full) (?:bottle|pack|box|sheet) of|"
       rf"\d{{2,}}|twenty|thirty|forty|fifty|a bunch of|a handful of|handfuls of|a fistful of|"
       rf"double|triple|a ton of|tons of|a load of|loads of|heaps of)(?: \w+){{0,3}}? {_PILLS}\b"
       rf"(?! (?:of \w+ )?with (?:me|us|him|her|them)\b)|\b(?:i|ive|im|i have|i just|just|i think i|think im|i might have|i may have|i think ive)"
       rf"(?: \w+)? overdos+\w*\b(?! on (?:sugar|candy|"
       rf"coffee|caffeine|chocolate|tv|netflix|love|cuteness|anime|memes))|\bod(?:ed|d|ing)?\b"
       rf"(?= on (?:my |some |the |his |her )?(?:pills|meds|xanax|heroin|fent|fentanyl|opioids|tylenol|something)|$)|"
       rf"\b(?:mixed|mixing|took) (?:\w+ ){{0,2}}(?:{_PILLS}|xanax|benzos) (?:and|with) "
       rf"(?:alcohol|vodka|wine|booze|drinks|beer)\b|\b(?:drank|swallowed|drinking) (?:some |"
       rf"the )?(?:bleach|antifreeze|poison|drain cleaner)\b"),
    _p("medical.breathing", MEDICAL, 1.0,
       r"\b(?:cant|can not|cannot|cnt|struggling to|hard to|barely|trouble|hard time|having "
       r"trouble) breath(?:e|ing)?\b(?! (?:through|out of) (?:my|the|his|her) nose)|\b(?:cant|cannot|can not) catch (?:my|his|her) breath\b|"
       r"\bhaving an? (?:bad |severe |really bad )?asthma attack\b|\binhaler (?:is empty|isnt working|is not "
       r"working|doesnt (?:work|help)|wont work|ran out)\b|\b(?:not|isnt|stopped|stop) breathing\b|"
       r"\bthroat (?:is )?(?:closing|swelling)\b|\bchoking on\b(?! (?:my |the |his |her )?(?:pride|words|tears|"
       r"feelings|jealousy|regret))"),
    _p("medical.chest", MEDICAL, 1.0,
       r"\bchest (?:pain|pains|hurts|is hurting|is killing me|feels (?:tight|heavy|crushed)|"
       r"tightness|is tight|pressure)\b|\bpain in my chest\b|\bhaving a (?:heart attack|stroke|"
       r"seizure)\b|\b(?:heart attack|stroke) (?:right now|rn)\b|\bchest (?:is |feels )?(?:super |so |"
       r"really |very )?(?:tight|heavy)\b(?: \w+){0,5} (?:left )?arm (?:hurts|is numb|tingles|tingling|"
       r"went numb|feels numb)\b|\bslurr\w* (?:his|her|my|their) (?:words|speech)\b|\b(?:cant|cannot) "
       r"(?:lift|move|feel) (?:his|her|their|my) (?:arm|leg|face)\b"),
    _p("medical.bleeding", MEDICAL, 1.0,
       r"\bso much blood\b|\b(?:bleeding|blood)(?: \w+){0,3} (?:wont stop|will not stop|cant stop|a lot|so much|"
       r"everywhere|heavily|badly)\b|\bbleeding out\b|\bcut (?:too deep|way too deep)\b|"
       r"\b(?:wont|will not|doesnt|cant get it to) stop bleeding\b"),
    _p("medical.unresponsive", MEDICAL, 1.0,
       r"\b(?:he|she|they|hes|shes|theyre|my (?!phone|laptop|computer|alarm|car|tv|pc|screen|ipad|tablet|watch|mac)\w+|"
       r"someone|somebody)(?: \w+){0,2}? (?:isnt|is not|wont|will not|doesnt|"
       r"not|hes not|shes not) (?:responding|responsive|wake up|waking up|breathing)\b(?! (?:to (?:my|"
       r"texts?|messages?|calls?|emails?)|on time|early|until|till|from))|\bunresponsive\b|"
       r"\b(?:he|she|they|my \w+|someone|somebody) (?:just )?collapsed\b", negatable=False),
    _p("medical.signs", MEDICAL, 1.0,
       r"\b(?:about to|going to|gonna|feel like im going to|think im going to) pass out\b|\bfainted\b|\bfainting\b|"
       r"\b(?:face|lips?|tongue|throat|eyes) (?:is |are )?(?:swelling|swollen|puffing) up\b|"
       r"\b(?:face|lips?|tongue|throat) (?:is |are )?swelling (?:fast|up|shut)\b|\bno epi ?pen\b|"
       r"\bneed (?:my |an )?epi ?pen\b|"
       r"\b(?:blood )?sugar (?:is )?(?:crashing|dropping|really low|super low|very low|so low|way low|tanking)\b|"
       r"\bbone (?:is )?sticking out\b|\balcohol poisoning\b|"
       r"\bhit my head\b(?: \w+){0,6} (?:throwing up|vomiting|confused|dizzy|cant see|blurry|passed out)\b|"
       r"\bworst headache of my life\b|\b(?:cant|cannot|can not) feel my (?:legs|arms|face|hands|feet|body)\b|"
       r"\b(?:everything|vision|my vision) (?:going|goes|went|is going|keeps going) black\b|"
       r"\b(?:drank|swallowed|ate|drinking)(?: \w+){0,6} (?:and |now |,)?(?:my )?throat (?:is )?(?:burning|on fire)\b|"
       r"\b(?:swallowed|drank|ate) (?:something|some stuff|stuff)(?: \w+){0,2} (?:from under the sink|poisonous|"
       r"toxic)\b|\bdrank something poisonous\b|"
       r"\b(?:im|i am|i think im|think im|im prob) (?:oding|odding|od ing)\b|"
       rf"\b(?:took|taken|swallowed|popped|downed) (?:every|half (?:a|the) (?:bottle|pack|box) of)(?: \w+){{0,3}}? "
       rf"{_PILLS}\b|\b(?:meds|pills) twice (?:then|and) a bunch more\b|"
       rf"\b(?:vodka|alcohol|wine|beer|booze|drinks?|liquor|whiskey|whisky|tequila)(?: \w+){{0,3}} (?:with|and) "
       rf"(?:my |some |the |all my )?{_PILLS}\b|"
       rf"\b(?:drank|drinking)(?: \w+){{0,6}} (?:and|then|with) (?:took|taking|popped) (?:my |some |the |all my )?"
       rf"{_PILLS}\b|\b(?:cant|cannot|can not) stay awake\b(?=(?: \w+){{0,4}} (?:pills|meds|took|drank))|"
       r"\b(?:my )?head is bleeding\b|"
       r"\b(?:took|swallowed|downed|popped) (?:all|the (?:whole|entire) (?:\w+ )?(?:pack|bottle|box)) (?:of )?"
       r"(?:my |her |his |the )?(?:\w+s )?\w+(?:aline|xetine|zepam|azolam|olam|pine|codone|morphone|pram|pril|"
       r"sartan|olol|zole|tidine|etamol|profen|phen|mine|done)\b|\b(?:whole|entire) blister pack\b|"
       r"\b(?:threw up|throwing up|vomit\w*|puked?|puking|coughing up)(?: \w+){0,4} blood\b|"
       r"\b(?:crushing|squeezing|pressure on) my chest\b|\bleft arm (?:has )?(?:gone |went |is |feels )?(?:tingly|numb|"
       r"tingling)\b|\bchest feels like (?:its|it is) (?:going to|gonna|about to) explode\b|"
       r"\bhit my head\b(?: \w+){0,8} (?:throwing up|vomiting|confused|dizzy|cant see|blurry|passed out|dont know where)|"
       r"\b(?:cant|cannot) feel (?:the )?(?:left|right) side\b|\bwords (?:are )?(?:coming|come) out (?:wrong|weird|"
       r"slurred|jumbled)\b|\bthroats? (?:is )?(?:closing|swelling|tight)\b|\bepi ?pen (?:is )?(?:expired|empty|"
       r"not working|didnt work)\b|"
       r"\b(?:took|tuk|tok|taken|swallowed) (?:2|two|to) many\b|"
       r"\bheart (?:is )?(?:racing|pounding)(?: \w+){0,4} (?:1\d\d|2\d\d|cant|dizzy|pass out|chest|after)\b|"
       r"\b(?:so )?dizzy (?:that )?i (?:cant|cannot) (?:stand|walk|see)\b|"
       r"\blips (?:are |look |looks |turning |went |are turning )?(?:blue|purple|grey|gray)\b|"
       r"\b(?:he|she|they|my \w+) (?:just )?(?:overdosed|oded|odd)\b|"
       r"\bpassed out(?: \w+){0,8} blood\b|\bwoke up (?:with|in) blood\b|"
       r"\b(?:throat|chest) (?:is |feels )?tight(?: \w+){0,3} (?:wheez\w*|cant breathe|swelling)\b|"
       r"\b(?:stung|bee sting|ate (?:a |some )?(?:peanuts?|shellfish|nuts?|shrimp))(?: \w+){0,6} (?:throat|tongue|lips|"
       r"wheez\w*|swell\w*|hives)\b|"
       r"\btook (?:my )?(?:insulin|meds|medication|pills)(?: \w+)? (?:twice|two times|double)\b|"
       r"\b(?:mouth|nose|head) (?:is )?(?:full of blood|bleeding)(?: \w+){0,8} (?:wont|will not|doesnt) stop\b",
       negatable=False),
    _p("medical.unconscious", MEDICAL, 1.0,
       r"\b(?:cant|cannot|can not) wake (?:him|her|them|my \w+) up\b|\bunconscious\b|"
       r"\b(?:is|hes|shes|having|had) (?:a )?seizures?\b|\bface is drooping\b|"
       r"\banaphyla\w*\b|\ballergic reaction\b(?! (?:last|to (?:cats|dogs)))|"
       r"\bpassing out\b|\bkeep passing out\b|\bvomiting blood\b|\bthrowing up blood\b|"
       r"\blips are (?:blue|turning blue)\b"),
    # --- round 7: explicit wordings the patterns above missed in train_extra_f/_g (many voices, journals) ------
    _p("suicide.religious", SUICIDE, 0.9,
       r"\b(?:go|going|gonna go|ready to go|time to go|time for me to go) home to (?:god|jesus|the lord|heaven|"
       r"my (?:maker|lord|father in heaven))\b(?! (?:one day|someday|some day|when (?:its|it is) (?:my|his|her) time))|"
       r"\b(?:meet|meeting) my maker\b(?! (?:one day|someday|some day|when))|"
       r"\b(?:ask\w*|beg\w*|pray\w*|plead\w*)(?: \w+){0,3}? (?:god|him|the lord|jesus|allah|bhagwan) to (?:take me|let me die|"
       r"call me home|end (?:it|my life))\b|"
       r"\bpray\w* (?:that )?(?:god|he|the lord|jesus|allah) (?:takes|will take|would take|calls|will call) me\b|"
       r"\b(?:go|going|come|coming) to (?:him|god|jesus|the lord|them) myself\b|"
       r"\b(?:go|going|gonna go|time to go) (?:with|to) the (?:little )?angel(?:ito)?s\b|"
       r"\b(?:join|be with) (?:my \w+|him|her|them) upstairs\b|"
       r"\bheaven (?:has to|must|cant|couldnt|could not|would) be (?:better|worse)\b(?: \S+){0,8} (?:find out|tonight|"
       r"soon|this weekend|going)\b"),
    _p("suicide.finality", SUICIDE, 0.85,
       r"\b(?:made|making|sorted|finished|finali[sz]ed) (?:all )?(?:the |my )?(?:final )?arrangements\b"
       r"(?= ?(?:$|[.!;]| and (?:im|i am) (?:at peace|ready)))|"
       r"\b(?:getting|got|get|putting|set|setting|sorted|sorting) (?:all )?(?:my affairs|everything|my (?:whole )?life|"
       r"my things) in order\b|"
       r"\b(?:sorted|wrote|written|writing|updated|updating|finished|made|making|signed|redid) (?:out |up )?(?:me|my) "
       r"(?:last )?will\b(?= ?(?:$|[.!;,]|out\b|today|tonight|and\b))|"
       r"\btying up (?:all )?(?:the |my )?loose ends\b|"
       r"\bwhoever finds (?:me|my body)\b|\bfind(?:s|ing)? my body\b|\bnot the one (?:\w+ ){0,3}finds\b|"
       r"\bbefore im (?:gone|dead)\b|"
       r"\b(?:life )?(?:insurance|policy|policies) (?:still |even )?pays? (?:out )?(?:if|when|no matter|for)\b(?: \S+){0,5} "
       r"(?:self|how i|suicide|i die|i go)|"
       r"\b(?:cancel\w*|delet\w*|end\w*|unsubscrib\w*) (?:\w+ ){0,5}(?:my (?:whole )?existence|being alive)\b|"
       r"\b(?:alt ?\+? ?f4|ctrl ?\+ ?alt ?\+ ?delet\w*) (?:my (?:whole )?(?:existence|life)|myself)\b"),
    _p("suicide.not_around", SUICIDE, 0.9,
       r"\b(?:wont|will not|shall not|not going to|not gonna|aint finna|aint gonna|aint gon|dont plan on|"
       r"not planning on|dont expect to|dont think ill|dont think im (?:going to|gonna)|do not think i (?:will|shall)|"
       r"(?:dont|do not) believe i(?:ll| will| shall)|doubt ill|not to|to not) (?:be|being) (?:here|around|alive)"
       r"(?: \w+){0,2}? (?:to (?:see|use|check|read|watch|celebrate|tell|meet|paint|enjoy|feed|take care|look after|"
       r"pay|need)|by (?:christmas|summer|spring|winter|fall|autumn|next|the end|then|the weekend|"
       r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)|on (?:mon|tues|wednes|thurs|fri|satur|sun)day|after (?:tonight|"
       r"today|this week|this weekend|(?:mon|tues|wednes|thurs|fri|satur|sun)day)|much longer|for (?:long|it)|"
       r"next (?:month|spring|summer|winter|year|christmas)|for the holidays)\b|"
       r"\b(?:wont|shall not|will not|dont want to|not going to|never going to) see (?:another|the next|next|my next) "
       r"(?:winter|spring|summer|autumn|fall|christmas|birthday|new year)\b(?! like)|\bwont see \d\d\b|"
       r"\bno more (?:of )?me\b(?! time)|\bwont be able to (?:tell (?:him|her|them|you) myself|after tonight)\b|"
       r"\bnot going to be a (?:problem|burden) for anyone\b|"
       r"\bwont be (?:any ?more|a|anyones) (?:trouble|problem|bother) (?:after|for (?:long|much)|much longer)\b|"
       r"\bwont have to (?:\w+ )?(?:block|carry|deal with|worry about|put up with|support|look after) me "
       r"(?:any ?more|much longer)\b|"
       r"\bwont be needing (?:the |my |any |this )?(?:\w+ ){0,2}(?:after (?:tonight|today|this week|this weekend|"
       r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)|any ?more)\b|\bafter tonight i wont\b|"
       r"\b(?:going|driving|walking|heading)(?: \w+){0,6} and (?:im )?not (?:coming|driving|walking) back(?: down| up)?"
       r"(?= ?(?:$|[.!,;]))|\bnot planning on coming back\b|\b(?:if|once) im not (?:around|here|alive) any ?more\b|"
       r"\bmy (?:last|final) (?:msg|message|text|entry|journal entry)\b(?= (?:to anyone|ever(?! to (?:him|her|them|my ex))|on here)\b)|"
       r"\b(?<!this is )(?<!its )(?<!this will be )my (?:last|final) (?:msg|message|text|entry|journal entry)(?= ?[.!]| ?$)|"
       r"\blast (?:text|message|msg) ever\b(?! to (?:him|her|them|my ex))",
       negatable=False),
    _p("suicide.intent", SUICIDE, 0.9,
       r"\b(?:finish|stop\w*) (?:with )?(?:my life|myself)\b|\bthe stopping of my life\b|"
       r"\bchose to die\b|\bchosen to (?:go|die)\b|\bready (?:fi|to) dead\b|"
       r"\b(?:aint|not|wont be|im not) waking up (?:tomorrow|again)\b|\bnot to wake up\b|"
       r"\bno plans? (?:to|of) wak(?:e|ing) up\b|\b(?:go to|going to) sleep for good\b|"
       r"\b(?:long walk off (?:a|the) short pier|cash(?:ed|ing)? in my chips|pull(?:ing)? the plug on myself|"
       r"permanent nap|big log ?off|respawn disabled|become a memory|bus to the afterlife)\b|"
       r"\bremov\w* myself so\b|\bremoving the problem\b|\bdone living\b(?! (?:in|at|with|here|there|like|on|near|under|out|for))|"
       r"\b(?:better|beter) (?:off|of) (?:without|w/o|wit ?out|witout) me\b"),
    _p("suicide.stop_treatment", SUICIDE, 0.9,
       r"\b(?:stop\w*|quit\w*|skip\w*|refus\w*|not taking|not eating|havent taken|threw|throw\w*|flush\w*|ditch\w*) "
       r"(?:taking )?(?:my |all my |the |all )?(?:\w+ ){0,2}(?:insulin|meds|medication|medicine|pills|dialysis|tablets|"
       r"blood thinners|antidepressants|food|eating(?= ?(?:$|[.!,;]|any ?more|at all|until|till|so\b|and\b|on purpose))|chemo|treatment|prescriptions?|anymore)\b[^\n]{0,80}?"
       r"\b(?:on purpose|deliberately|until i die|so (?:it goes faster|i (?:can )?die|nature|my body|i dont wake)|"
       r"let (?:it|them|nature) take me|it takes me|(?:want|hoping|hope|like to)(?: \w+){0,3} (?:to die|to go|"
       r"my body to give|it does|to fade|fade out|to disappear)|done fighting|to die)\b"),
    _p("suicide.self_harm_now", SUICIDE, 0.95,
       r"\b(?:cut|cuts|cutting|cuttin|cuting) (?:rn|right now|tonight|every (?:night|day)|so (?:\w+ )?deep|"
       r"really (?:bad|deep)|too deep|deeper|again|agian|agen)\b|"
       r"\b(?:took|take|taking|put|held|holding|used|using|ran|dragged) (?:a |the |my )?(?:razor|blade|knife|scissors|"
       r"lighter|glass)s? (?:to|on|against|across|into) my (?:arm|wrist|leg|thigh|skin|stomach|body|face)s?\b|"
       r"\bholding (?:the|a) (?:blade|razor)\b|\b(?:blade|razor) in my hand\b|\bhurted (?:my ?self|myself)\b|"
       r"\b(?:scratch|pick|claw|dig|punch|hit|bang)\w*(?: \w+){0,5} (?:until|till|til) (?:it|they|my \w+(?: \w+)?) "
       r"(?:bleeds?|bled|split|bruised?|broke)\b|\bwant(?:ed)? it to hurt (?:more|worse)\b|"
       r"\b(?:cutting|picking|carving) (?:at )?my (?:skin|arms?|wrists?|legs?|thighs?)\b|"
       r"\b(?:burn|cut|hurt)\w* (?:myself|my \w+)(?: \w+){0,4} on purpose\b"),
    _p("suicide.pills_now", SUICIDE, 0.9,
       r"\b(?:take|taking|swallow|swallowing|down|downing|od on) (?:the (?:entire|whole) (?:supply|bottle|lot)|"
       r"the rest of (?:my|the) (?:pills|meds|tablets|bottle)|all of (?:them|em|it) (?:tonight|at once|now)|all of em)\b|"
       r"\bgo down at once\b|\bpills and a glass of water\b|\bemptied the (?:pill )?(?:bottle|pack)\b(?! of (?!(?:my |the )?(?:pills|meds|tablets)))|"
       r"\b(?:pills|meds|tablets) (?:are |r )?(?:in my hand|on the nightstand|counted)\b|"
       r"\b(?:planning|plan|going|gonna|want|wanna|about) (?:to )?od\b(?! on (?!(?:my |some |the |all )?(?:pills|meds|tablets|xanax|heroin|fent\w*|opioids|sleeping pills)))"),
    _p("others.weapon_target", OTHERS, 0.95,
       r"\b(?:got|have|bought|grabbed|took|sharpened|loaded|cleaned|bringing|bring|brought|carrying|with|w) "
       r"(?:a |my |the |his |her |(?:my )?\w+s |a full )?(?:gun|knife|knives|rifle|pistol|shotgun|machete|bat|crowbar|"
       r"tire iron|strap|piece|gas can|lighter fluid|hunting rifle)\b[.,!;]?(?: \S+){0,8}? (?:for (?:him|her|them)|its for|"
       r"(?:hes|shes|theyre|he is|she is|they are) (?:gonna|going to) (?:pay|regret|learn|find out)|he knows|she knows|"
       r"they aint ready|im not (?:joking|bluffing|playing)|not joking|to the (?:wedding|church|party|formal|meeting))\b|"
       r"\b(?:pay|regret|learn|find out|teach)\b[.,!;]?(?: \S+){0,8} (?:got|have|bringing|with|w) (?:a |my |the |his |(?:my )?\w+s )?"
       r"(?:gun|knife|rifle|pistol|shotgun|machete|bat|crowbar|strap|piece)\b|"
       r"\b(?:im|i am|ill|i will|tonight i)(?: \w+)? (?:going|heading|driving|coming|go) (?:over )?(?:there|to (?:his|her|their|\w+s) \w+)(?: \w+){0,2} (?:with|w) (?:a |the |my |his |her |(?:my )?\w+s )?(?:gun|knife|rifle|shotgun|pistol|machete|bat|crowbar)\b(?!(?: \w+){0,3} (?:for|to) (?:the |a |my )?(?:practice|game|training|hunting|range|camping|trip|fishing|softball|baseball|cricket|league))|"
       r"\b(?:gun|knife|rifle|pistol|shotgun)(?:s| is) in my (?:glovebox|glove box|trunk|bag|jacket|pocket|backpack)\b(?!(?: \w+){0,3} (?:for|to) (?:the |a |my )?(?:practice|game|training|hunting|range|camping|trip|fishing|softball|baseball|cricket|league))|"
       r"\bput(?:ting)? a bullet in (?:him|her|them)\b|\bshoot(?:ing)? up (?:his|her|their) (?:car|house|place|party|work)\b|"
       r"\b(?:burn|torch)(?:ing)? down the (?:\w+ )?(?:restaurant|office|store|school|church|shop|building)\b|"
       r"\bset(?:ting)? (?:his|her|their|\w+s) (?:\w+ )?(?:car|house|place|apartment) on fire\b|"
       r"\bsome(?:body|one)(?:s| is)? (?:getting (?:hurt|shot|stabbed)|not walking away)\b|"
       r"\b(?:is|are) getting (?:stabbed|shot)\b|\bwill not live to see\b|"
       r"\b(?:not|never) (?:leave|let) (?:him|her|them) (?:alive|live|breathe)\b|"
       r"\btak(?:e|ing) (?:him|her|them) (?:down )?with me\b(?= ?(?:$|[.!;]| if| when))|"
       r"\bshut (?:him|her|them) up for good\b|\bshake (?:the|my) baby\b|"
       r"\bmess (?:his|her|their) face up\b|\bmess up (?:his|her|their) face\b|"
       r"\brun (?:his|her|their) car off the road\b|\bbring(?:ing)? something\b(?: \S+){0,8} (?:regret|sorry|pay|listen|"
       r"remember|find out|laughs?)\b|\b(?:cant|wont) (?:be with|have) (?:me|the kids|them)\b(?: \S+){0,3} "
       r"(?:she|he|they) (?:wont|cant|isnt going to|arent going to) (?:be with|have) (?:anyone|anybody|no ?one|them)\b"),
    _p("abuse.danger_home", ABUSE, 0.9,
       r"\b(?:kick\w*|break\w*|bust\w*|bash\w*) (?:down )?(?:the|my|our) (?:\w+ )?door(?: down| in)?"
       r"(?= ?(?:$|[.!,;]|right now|rn|now))|"
       r"\b(?:outside|at|in front of|blocking) (?:my|the|our) (?:front |bedroom )?(?:door|window|house)(?: \w+){0,3} "
       r"(?:with|w) (?:a |the |his |her )?(?:\w+ and a )?(?:knife|gun|bat|machete)\b|"
       r"\b(?:knife|gun)(?: \w+){0,6} (?:staring at me|while (?:he|she) talks to me|at me)\b|"
       r"\blocks (?:me|us) (?:in|out|down)\b(?! of (?:the |our |my )?(?:group|chat|account|app|game|server))|\blocked me down\b|\bwouldnt let me (?:leave|go|out)\b(?! (?:it|the (?:dance|party|table)))|"
       r"\b(?:not|isnt|arent) allowed to (?:eat|leave the house|go out|call|have my phone)\b|"
       r"\b(?:took|taken|takes|has|keeps|hid|hides) (?:my|our) (?:id|passport|papers|documents|phone|bank card|car keys|"
       r"keys|money) and (?:my |our )?(?:id|passport|papers|documents|bank card|car keys|keys|money|phone(?: charger)?)\b(?!(?: \S+){0,2} by (?:mistake|accident))|"
       r"\b(?:took|takes|taken) my phone and lock\w*\b|"
       r"\bhands? (?:a)?round my (?:throat|neck)\b|"
       r"\b(?:grabbed|dragged|pulled|threw) me (?:by (?:my|the) (?:hair|neck|throat|arm)|across|down the|"
       r"to (?:his|her|the) car)\b|\bhit(?:s|ting)? (?:me|us) with (?:a|the|his|her) (?:belt|bat|stick|bottle|cord|"
       r"shoe|hanger)\b|\bbeat it out of me\b|\b(?:keep|kept) (?:our|the|this|it) (?:a )?secret\b(?: \S+){0,4} or\b|"
       r"\bsaid not to tell (?:my|anyone|anybody)\b|"
       r"\bsaying (?:hell|shell|theyll|he will|she will) (?:find|kill|hurt) (?:me|us)\b|"
       r"\bnext time (?:he|she|they) (?:wont|will not) stop\b|\bnext time (?:hed|shed|he would|hell|he will) "
       r"(?:light|kill|burn|shoot|stab)\b|\bpoured (?:gas|gasoline|petrol|lighter fluid)\b|\bwith (?:me|us) (?:still )?"
       r"inside\b|\bsome(?:one|body)(?:s| is)? (?:in|inside) (?:the|my|our) (?:house|apartment|backyard|yard)\b|"
       r"\btried to open my (?:front )?door\b|"
       r"\b(?:violat\w*|broke|breaking|ignor\w*) (?:the|his|her|my) (?:protection|restraining|protective) order\b|"
       r"\bthere(?:s| is) a (?:restraining|protection) order\b|"
       r"\b(?:photo|pic|picture)s? of my (?:\w+ )?(?:house|door|window|bedroom|car)\b|"
       r"\bagainst (?:my|your) will\b|\bthreaten\w* to (?:kill|stab|hurt|shoot) (?:her|him|them|my)\b|"
       r"\bbroke (?:\w+ of )?my (?:fingers|ribs|wrist|arm|nose)\b"),
    _p("medical.signs_more", MEDICAL, 0.95,
       r"\b(?:mouth|face|smile)(?: \w+)? (?:is |looks |went |has gone )?droop\w*\b|\bslurring\b|"
       r"\b(?:speech|words) (?:is |went |are |sounds? )?(?:weird|funny|strange|slurred|garbled)\b|"
       r"\b(?:cant|cannot|can not) (?:move|lift|feel) (?:my|his|her|their) (?:left|right) (?:arm|leg|side|hand)\b|"
       r"\bnumb on one side\b|\bworst (?:\w+ )?(?:headache|pain)(?: \w+){0,2} of my life\b|"
       r"\bheadache(?: \S+){0,4} worst of my life\b|"
       r"\bcollapsed(?: \S+){0,8} (?:wont|isnt|not|cant) (?:respond|responding|wake)\b|"
       r"\bfell and (?:i |she |he )?(?:cant|cannot|couldnt) get up\b|\bon the floor since\b|"
       r"\bheart(?: rate)? (?:is )?(?:at |in the )?(?:like )?(?:1[5-9]\d|2\d\d|[23]0s)\b|"
       r"\bheart (?:is )?(?:racing|pounding|beating)(?: \w+){0,3} (?:gonna|going to|about to) explode\b|"
       r"\bvision (?:is )?(?:going|went|goes) (?:dark|black)\b|"
       r"\bhit (?:my|his|her) head\b(?: \S+){0,14} (?:throwing up|thrown up|vomit\w*|puk\w*|confused|cant see|blurry|"
       r"forgetting|passed out)|"
       r"\b(?:allergic|stung|bee|peanuts?|hives)\b(?: \S+){0,10} (?:throat|tongue|lips?)s? (?:is )?(?:getting )?"
       r"(?:scratchy|tight|swelling|closing|itchy|tingly)\b|"
       r"\b(?:swallowed|ate|eaten|got into) (?:a |the |some |my |his |her )?(?:\w+s )?(?:button )?(?:battery|batteries|"
       r"magnets?|detergent pods?|laundry pods?|pill organi[sz]er)\b|"
       r"\bskin (?:is )?(?:peeling|coming|falling) off\b|\bmy water (?:just )?broke\b|"
       r"\bbleeding (?:really |so |very )?heavy\b|\bcarbon monoxide\b(?: \S+){0,8} (?:headache|sick|dizzy|went off)\b|"
       r"\b(?:leg|arm|wrist|ankle) (?:is )?bent (?:wrong|the wrong way|backwards)\b|\bspurting\b|"
       r"\b(?:vomit\w*|throwing up|puking)(?: \S+){0,6} blood\b|"
       r"\bdiabetic\b(?: \S+){0,10} (?:confused|acting drunk|not making sense|passed out)\b|"
       r"\bpacemaker\b(?: \S+){0,4} (?:beeping|alarm)\b|\bappendix (?:burst|ruptured)\b|\bsnake ?(?:bite|bit)\b|"
       r"\b(?:took|taken|swallowed) the (?:whole|entire) (?:thing|box|bottle|pack|strip|sheet)\b(?: \S+){0,8} "
       r"(?:instead of|by mistake|tablets|pills|meds|heart)\b|"
       r"\bfrom under the (?:kitchen |bathroom )?sink\b|"
       r"\btook (?:\w+ )?(?:pills|tablets|meds) (?:an hour ago |earlier )?(?:because|on purpose)\b|"
       r"\b(?:took|tooke|taken|swallowed|downed|popped) (?:them|em|those|these) all\b(?! (?:to|with|home|out|back|in|off|at))|"
       r"\b(?:took|tooke|taken|swallowed|downed) (?:all|every) (?:of )?(?:my|the) (?:\w+ )?(?:pils|prescriptions?|meds|"
       r"pills|tablets)\b|\b(?:took|tooke|taken|swallowed|emptied) everything in the (?:medicine )?(?:cabinet|cupboard)\b|"
       r"\b(?:taken|took|swallowed) (?:rather |quite |far )?a lot of (?:my )?(?:tablets|pills|meds|medication)\b|"
       r"\b(?:i|ive|i just|just|think i|i think i|i might have) (?:od|odd|oded)\b"),
)

# Idioms are blanked before matching. Each is a figure of speech, not a statement of risk.
_IDIOMS = re.compile(
    r"\bdying (?:to|for|of laughter|of embarrassment|laughing|inside lol)\b|"
    # round 5: everyday senses of the same words (a text, hair dye, a nap, a couch, a parent's scolding)
    r"\bshoot (?:you|u|me|him|her|them|us) (?:a |an )?(?:quick )?(?:text|message|msg|email|dm|line|note|call|pic|photo)\b|"
    r"\bd(?:ye|yes|yed|ying|yeing) (?:my|her|his|their|your|the|it|them|some)\b|"
    r"\bcould (?:just |literally |honestly )?sleep (?:forever|for (?:a week|days|a month|a year))\b|"
    r"\bhaving a (?:heart attack|stroke|meltdown|breakdown) (?:over|about|because of|lol|lmao|haha)\b|"
    r"\b(?:cant|cannot|can not|couldnt) (?:breathe|catch my breath)[,.]? (?:(?:after|from) )?(?:this|that|the|my) "
    r"(?:workout|run|hike|class|spin class|practice|training|climb|stairs|gym session|race|set|dance|sprint)\b|"
    r"\b(?:cant|cannot|can not|couldnt) breathe (?:when|whenever|every time|around)(?= (?:he|she|my (?:boss|crush|ex|"
    r"teacher)|her|his)\b(?! (?:\w+ )?(?:chok|strangl|squeez|grab|sit|pin|hold|press|kneel|lean)\w*))|"
    r"\b(?:collapsed|crashed|flopped) (?:on|onto|into) (?:the|my|his|her|their) (?:couch|bed|sofa)\b|"
    r"\b(?:hed|shed|theyd|hell|shell|theyll|he would|she would|they would|he will|she will|they will) (?:literally |"
    r"actually |honestly )?(?:kill|murder) (?:me|us) if (?:i|we) (?:\w+ ){0,2}?(?:spoil\w*|forget\w*|forgot|late|"
    r"ate|eat\w*|skip\w*|fail\w*|flunk\w*|scratch\w*|dent\w*|spill\w*|ruin\w*|wreck\w*|crash\w*|miss(?:ed)? "
    r"(?:the|curfew|dinner|class|practice))\b|"
    r"\b(?:killed|killing|kill|slayed|slaying) it\b|\bkill(?:ing)? time\b|"
    r"\b(?:dead|deathly) (?:tired|serious|ass|on|wrong|right|last|end|set|center|silent)\b|"
    r"\bcould (?:kill|murder|die) for\b|\bkill for (?:a|some|an)\b|"
    r"\b(?:is|are|was|were|its|theyre|thats|these|those|it|this|job|feet|back|shoes|heels|"
    r"kids|boss|traffic|commute|suspense|class|homework|exams?|heat|work|week) killing me\b|"
    r"\bkilling me (?:softly|lol|lmao)\b|\bkills me\b|\bkilled me (?:lol|lmao|haha|😂)\b|"
    r"\b(?:die|died|dying|dead) (?:of|from) (?:embarrassment|laughter|laughing|boredom|cringe|"
    r"shame)\b|\bto die for\b|\bkillers?\b|\bdeadline\w*\b|\b(?:i|im) dead (?:lol|lmao|haha|😂|💀)|"
    r"\bwould (?:rather|sooner) die than\b|\bdie (?:on|of) (?:that|this) hill\b|"
    r"\bkmsl\b|\bkill(?:ing)? (?:my|the|a|this) (?:vibe|mood|buzz|battery|phone|"
    r"plant|plants|engine|lights?|game|level|dragon|zombies?|monsters?)\b|\bkill(?:ing)? (?:the|a|this|that) "
    r"(?:final |last |big |first )?boss\b|"
    r"\b(?:my|the|his|her) (?:mom|mum|mother|dad|father|boss|teacher|coach|manager|sister|"
    r"brother|roommate|friends?|parents|wife|husband|girlfriend|boyfriend) (?:is |are |will |"
    r"would |)(?:gonna|going to|will|would)? ?(?:kill|murder) me (?:when|if) (?:i|she|he|they)"
    r"(?:m|am)? (?:sees?|finds? out|hears?|notices?|late|forget|forgot|miss|break|broke|"
    r"spend|spent|eat|ate|get home late|gets? the bill)\b|"
    # "she's gonna kill me for forgetting her birthday": a scolding over a small thing, said by anyone
    r"\b(?:gonna|going to|will|would|is gonna|(?:s|ll|d)) (?:literally |actually |honestly )?(?:kill|murder) (?:me|us) "
    r"(?:for|if i|when (?:she|he|they) (?:sees?|finds? out|hears?)) (?:\w+ )?(?:forget\w*|forgot|being late|late|"
    r"break\w*|broke|eat\w*|ate|spend\w*|spent|miss\w*|los\w*|lost|scratch\w*|dent\w*|spill\w*|ruin\w*|"
    r"burn\w*|stain\w*|skip\w*|fail\w*|flunk\w*|wreck\w*|crash\w*|get(?:ting)? (?:home )?late|not call\w*|"
    r"ghost\w*|drink\w*|finish\w*|tell\w* (?:her|him|them) (?:about|that)|show\w* up late)\b|"
    # "I could honestly kill him for this", "I'll strangle my brother if he eats my leftovers": venting
    r"\bcould (?:honestly |literally |seriously |actually |just |totally )?(?:kill|murder|strangle|throttle) "
    r"(?:him|her|them|you|u)(?: for (?:this|that|doing|saying|eating|taking|leaving|being)| sometimes|,? (?:lol|lmao|haha))\b|"
    r"\b(?:kill|murder|strangle|throttle|choke) (?:him|her|them|you|u|my \w+) if (?:he|she|they|you|u) "
    r"(?:\w+ )?(?:eats?|ate|touch\w*|takes?|took|uses?|used|steals?|stole|drinks?|drank|finish\w*|borrow\w*|"
    r"wears?|wore|reads?|spoil\w*|forget\w*|forgot|breaks?|broke) (?:my|the|our|your|his|her|the last) (?:\w+ )?"
    r"(?:food|leftovers|fries|snacks?|lunch|dinner|stuff|things|phone|car|charger|clothes|shirt|hoodie|jacket|"
    r"drink|coffee|beer|wine|chocolate|cake|pizza|cookies?|fridge|bike|games?|console|controller|makeup|"
    r"shampoo|show|spoilers?|ending|password|netflix|slice|piece|bite)\b|"
    r"\bi could (?:just |literally )?die\b(?! (?:tonight|now|today|right now))|"
    r"\b(?:jump off a bridge|kill myself|die|scream|lose it)(?: \w+){0,2} if (?:this|that|the|my) "
    r"(?!(?:ex|bf|gf|boyfriend|girlfriend|husband|wife|partner|mom|dad)\b)\w+(?: \w+){0,2} (?:one more time|again)\b|"
    r"\b(?:hangover|cramps|migraine|period pain|the heat|this heat|the flu|this cold)(?: \w+){0,4} (?:i )?(?:want to|"
    r"wanna|could|gonna|going to) die\b|"
    r"\b(?:felt|feel|feels|feeling|thought|think|sure|swear)(?: like)? i (?:was|am|m|were) (?:going to|gonna) die\b|"
    r"\b(?:so|too) (?:\w+ )?(?:hurt|sad|upset|angry|anxious|stressed|nervous|excited|overwhelmed|heartbroken|mad|"
    r"happy|in love)(?: that)? i (?:can|could|cant|couldnt)(?: barely| hardly)? breathe\b|"
    r"\b(?:kill|strangle|murder|fight|slap) whoever (?:invented|designed|came up with|thought of|scheduled)\b|"
    r"\b(?:threw|throw|throws|throwing|thrown) (?:me|us|him|her|them) under the bus\b|"
    r"\b(?:dog|cat|puppy|kitten|kid|toddler|baby|son|daughter|cats|dogs|kids) (?:keeps |is |has been |always )?"
    r"(?:following|chasing) me\b|"
    r"\bwant(?:ed)? to die on the spot\b|\bdie on the spot\b|\b(?:almost|nearly|practically) faint\w*\b|"
    r"\b(?:gonna|going to|about to|could) pass out (?:on|in) (?:the|my) (?:couch|bed|sofa)\b|"
    r"\b(?:tired|sleepy|exhausted)(?: \w+){0,3} (?:gonna|going to|about to|could) pass out\b|"
    r"\bpass(?:ing)? out (?:from|after) (?:tired|exhaust\w*|this (?:day|week)|the (?:day|week))\b|"
    r"\b(?:embarrassed|mortified|humiliated|ashamed)(?: \w+){0,3} (?:i )?(?:could|wanted to|want to|wanna) "
    r"(?:just )?(?:die|disappear)\b|"
    r"\bend (?:it|this|things|the \w+) on a (?:high|good|positive|sweet|happy|funny|light) note\b|"
    r"\b(?:chest|heart) (?:hurts|aches|is aching|is hurting) (?:from|after) (?:crying|sobbing|heartbreak|"
    r"missing|laughing|coughing|stress)\b|"
    r"\b(?:feel|feels|felt|feeling) like i (?:cant|cannot|can not|couldnt) breathe (?:when|whenever|every time|"
    r"around|in|without|at|thinking|because)\b|"
    r"\b(?:suicide|overdose) (?:squad|prevention|awareness|rates?|statistics|hotline number|"
    r"risk factors?|warning signs?)\b|\b(?:warning signs|risk factors|rates?|signs) of (?:suicide|overdose|self ?harm)\b|"
    r"\b(?:died by|committed|death by|lost \w+ to|loss to|losing \w+ to) (?:suicide|overdose)\b|"
    r"\b(?:cut|burned|burnt) (?:myself|my (?:finger|thumb|hand)) (?:shaving|cooking|while|on "
    r"(?:the|a|some)|chopping|by accident|accidentally|slicing)\b(?!(?: \w+){0,4} on purpose)|"
    r"\b(?:laugh\w*|giggl\w*) so (?:hard|much)(?: \w+){0,4} (?:cant|couldnt|could not) breathe\b|"
    r"\bcant breathe (?:lol|lmao|haha|😂|💀|from laughing)|\bgave me a heart attack\b|"
    r"\b(?:give|giving|almost gave) (?:me|him|her) a heart attack\b|"
    r"\bchest (?:hurts|aches|feels tight)(?: \w+){0,3} (?:when|every time|whenever) (?:i|he|she) "
    r"(?:think|see|look|remember|hear)|\bheartbreak\w*\b|"
    r"\b(?:i|im|i am) (?:so |literally |just )?(?:gonna|going to) die (?:of|if|when|lol|😂)\b|"
    r"\b(?:embarrassed|mortified|awkward)(?: \w+){0,2} (?:i )?could (?:just )?die\b|"
    r"\bsuicide (?:attempt )?survivors?\b|"
    r"\bhad (?:an|a bad) allergic reaction\b|"
    r"\b(?:told|tell|telling|said to) (?:him|her|them|my ex)(?: that)? this is goodbye\b|"
    r"\b(?:destroy|destroying|destroyed|crush|crushing|crushed|annihilat\w*|wreck|wrecking|wrecked|"
    r"murder|murdering|murdered|kill|killing|killed|smoke|smoked|obliterat\w*|beat|beating|own|owned) "
    r"(?:\w+ ){0,3}?(?:at|in) " + _GAMES + r"\b",
)

_NEGATION = re.compile(
    r"\b(?:not|never|no longer|nor|dont|didnt|doesnt|wont|wouldnt|isnt|arent|wasnt|werent|"
    r"havent|hasnt|cannot|can not|cant|couldnt|aint|no intention of|no plans? to|no desire to|"
    r"no urge to|no thoughts? (?:of|about)|no urges? (?:to|of)|zero|none of|would never|stopped|quit)\b"
    r"(?! (?:stop|help|keep|take (?:it|this)|handle|cope|go on|wait|anymore|joking|kidding|bluffing|playing|lying|think of anything "
    r"but|get (?:it|the thought)|shake))"
)
# "no chest pain", "without self harm": a bare "no" negates only the words right after it. Round 13: a denial of
# thoughts, "I am not having thoughts of suicide", "I don't have any thoughts of harming myself".
_ADJACENT_NEGATION = re.compile(r"\b(?:no|without|zero|denies|denied)(?: (?:more|signs? of|thoughts? (?:of|about)|"
                                r"urges? (?:to|of)|history of|plans? (?:to|of)))? *$|"
                                r"\b(?:not|dont|do not|never|no longer)(?: (?:having|have|had|get|getting|any|really|been))*"
                                r" thoughts? (?:of|about) *$")
_SENTENCE_BREAK = re.compile(r"[.!?;\n]")
_CLAUSE_BREAK = re.compile(r"[.!?;,\n]|\b(?:but|though|although|however|yet|except|and now|now)\b")
_PAST = re.compile(
    r"\b(?:used to|years ago|a year ago|last year|(?:two|three|four|five|several|many|a few) "
    r"(?:years|months) ago|in (?:high school|middle school|college|my teens|my twenties)|"
    r"when i was (?:younger|a teen\w*|a kid|little|in (?:school|college)|\d+|growing up)|back then|"
    r"as a (?:kid|child|teen\w*|baby|toddler)|once when|growing up|in my childhood|the old me|(?<!my )(?<!this )(?<!the )last (?:week|month|"
    r"year|summer|winter|spring|fall)\b(?! \w)|\w+ (?:weeks|months) ago|(?<!at )(?:once and\b|once(?= *$)|once (?:\w+ed|hit|threw|took|"
    r"came|made|told|said|shoved|got))|"
    r"in the past|at my lowest|(?:clean|sober|free) (?:for|since)|recovered|in recovery|"
    r"there (?:was|were) (?:a time|times|days|years|moments)|(?:i|we|she|he|they) once|once upon|"
    r"when (?:i|he|she|they) (?:was|were) (?:a |\w+teen|twenty|thirty|forty|fifty|sixty|in \w+ grade)\w*|"
    r"in (?:19|20)\d\d|in the (?:\d0s|seventies|eighties|nineties)|(?:remember|remembering) when|"
    r"that (?:phase|period|time|chapter)|(?:phase|period) (?:ended|is over)|"
    r"survived|survivor|(?:am|im|feel|feeling|doing) (?:so |much |a lot )?better now|"
    r"years clean|months clean|days clean|got help|therapy helped|(?:hes|shes|im|theyre|everyone is|"
    r"were|i am|and) (?:fine|okay|ok|safe) now)\b"
)
_RECURRING = re.compile(
    r"\b(?:again|relaps\w*|tonight|right now|rn|today|this (?:morning|evening|week)|"
    r"lately|these days|started (?:again|back)|back to|coming back)\b"
)
# Round 13: the next sentence says it is back ("I thought about suicide a lot last year. Now it's back.").
_RETURNED = re.compile(r"\b(?:(?:its|it is|theyre|they are|(?:the )?thoughts? (?:is|are)) (?:\w+ )?back|relaps\w*|"
                       r"started (?:again|back))\b")
# Said anywhere in the same sentence, these put a match in the past or make it a joke: "was suicidal
# after my divorce but therapy helped", "scary but he's fine now", "she said it, she was joking".
_RECOVERY = re.compile(
    r"\b(?:therapy|medication|treatment|counselling|counseling|rehab) (?:really )?(?:helped|helps|saved)|"
    r"glad (?:i|im) (?:didnt|did not|am still|still|survived|stayed|called|got)|(?:so |really )?grateful|"
    r"(?:im|i am|hes|shes|theyre|were|everyone is|all) (?:doing )?(?:fine|okay|ok|safe|alright|good|better|"
    r"great|well) now|now (?:hes|shes|theyre|im) (?:the )?(?:happiest|happy|fine|okay|doing (?:great|well|better))|"
    r"(?:was|were|is|are) (?:just )?(?:joking|kidding)|(?:just|only|obviously) (?:joking|kidding)|"
    r"(?:joking|kidding),? (?:obviously|of course|lol)|(?:but|and|now) (?:hes|shes|theyre|everyone is|everyones) "
    r"(?:totally |completely )?(?:fine|ok|okay|alright)\b|(?:the )?bleeding (?:has |finally |eventually )?stopped|wasnt (?:true|real|serious)|never (?:used|sent|did) it|"
    r"(?:i know|i see|i realise|i realize) now|(?:thankfully|luckily) (?:i|it|he|she)|"
    r"(?:ended|stopped|passed) when|that was before|that was (?:\w+ ){0,2}(?:months|years|ages|a (?:long time|year)) ago|"
    r"(?:im|i am) not there (?:anymore|any more)|(?:not|no longer) in that (?:place|headspace|space)|"
    r"dont (?:believe|feel|think) that (?:anymore|any more)|(?:obviously|of course) (?:i )?(?:dont|wont|didnt|wouldnt|"
    r"would never|not)|(?:dont|didnt|do not) (?:really )?mean it|turned out (?:to be|it was)|"
    r"(?:was|is) (?:just|only) (?:a |an )?(?:pulled muscle|panic attack|anxiety|heartburn|indigestion|gas|nothing|"
    r"a cold|allergies|a cramp)|(?:doctor|dr|ecg|ekg|tests?) (?:said|was|were|came back) (?:it was |normal|fine|clear)"
)
# The next sentence can say it is over when the match's own sentence is in the past tense:
# "For a long time I believed they'd be better off without me. I don't believe that anymore."
_PAST_TENSE = re.compile(r"\b(?:was|were|wanted|used to|believed|thought|felt|had|did|tried|wouldve|would have|"
                         r"went|took|got|saw|came|said|told|made|ran|fell|woke|\w+ed)\b")
_OVER_NEXT = re.compile(r"^ *(?:(?:it|that|this) (?:was|happened)(?: \w+){0,3} (?:ago|in (?:19|20)\d\d|(?:19|20)\d\d|"
                        r"when i was)\b|.*\b(?:got help|im (?:fine|okay|ok|safe|better) now|not in that place|"
                        r"dont (?:believe|feel|think) that anymore|i have a good life|(?:thoughts? )?(?:havent|hasnt|have not) (?:come back|returned)|doing (?:ok|okay|better|well) now|"
                        r"turned out (?:to be|it was)))")
# Framing that puts the words in a story, a song, a lesson or someone's mouth: "in the movie she leaves
# a goodbye note", "the lyrics go i wanna die", "we learned the warning signs of suicide".
_FRAME = re.compile(
    r"\b(?:in|from|on) (?:the|a|this|that|an|my) (?:\w+ )?(?:book|novel|movie|film|show|series|episode|game|song|"
    r"lyrics|play|story|comic|anime|manga|documentary|podcast|article|news|video game|class|lecture|"
    r"course|training|essay|poem)\b|\b(?:book|novel|movie|film|documentary|article|podcast|episode|song|"
    r"class|lecture|course|essay|poem|show|series) (?:about|on|where|in which)\b|\b(?:the|a) (?:villain|"
    r"character|protagonist|narrator|hero|heroine|main character|killer|bad guy)\b|"
    r"\b(?:we|they) (?:learned|learnt|talked|discussed|read|studied) (?:about )?|"
    r"\b(?:watched|watching|reading|read|saw) (?:the|a|an|this|that) (?:\w+ ){0,2}(?:episode|movie|film|show|series|"
    r"book|novel|documentary|video|drama)\b|\bthe one where\b|"
    r"\b(?:a|the|some|this) (?:guy|man|woman|girl|patient|character|kid|lady|dude) (?:with|who had|having)\b"
)
# An exercise, anywhere in the sentence: "I wrote a goodbye letter to my ex as a therapy exercise".
_EXERCISE = re.compile(r"\b(?:as|for) (?:a |an |my )?(?:therapy |writing |journaling |grief |class )?"
                       r"(?:exercise|assignment|homework)\b|\bmy therapist (?:asked|told|suggested|had) me\b")
# A quotation introduced right before the match: "the lyrics go", "the villain says".
_QUOTE = re.compile(r"\b(?:lyrics?|song|line|quote|villain|character|chorus|title) (?:go|goes|says|said|is|was)"
                    r"(?: like)?[:,]? *[\"\u201c\u201d]? *(?:(?:i|im|ill|ive|you|u) )? *$")
# Round 5. A wish said of someone else ("my sister told me she wanted to die"): the writer reports it.
_THIRD_SUBJECT = re.compile(
    r"\b(?:he|she|they|(?:my|his|her|their) (?:\w+ )?(?:friend|sister|brother|mom|mum|dad|cousin|roommate|son|"
    r"daughter|partner|bf|gf|boyfriend|girlfriend|husband|wife|aunt|uncle|coworker|classmate|neighbou?r|grandma|"
    r"grandpa|kid|teacher)s?)(?: (?:really|just|still|always|once|never|kept|keeps|even|also|said|says|told me))? *$")
_WISH_PATTERNS = frozenset({"suicide.want_die", "suicide.want_end", "suicide.not_alive", "suicide.tired_of_life",
                            "suicide.no_will_to_live", "suicide.hopeless"})
# News, anywhere in a sentence that says nothing of the writer ("a man standing on the ledge of a
# building, it was on the news").
_NEWS = re.compile(r"\b(?:on|in) the news\b|\bthe news (?:said|says|reported)\b|\bnews (?:story|report|article)\b|"
                   r"\bheadlines?\b|\b(?:they|people|everyone)(?: are|re) saying\b|\baccording to (?:the )?(?:police|news|reports?)\b|\breported that\b")
# An everyday reason, in the same sentence, for going away or saying goodbye: "I'll be gone by morning,
# early flight", "goodbye world, off to camp with no signal", "won't be around much longer, my contract ends".
_ERRAND = re.compile(
    r"\b(?:flights?|trip|vacation|holiday|wedding|camp|conference|contract|lease|shift|moving(?! on)|moved|the move|"
    r"travel(?:l?ing|s)?|abroad|signal|wi-?fi|for the (?:night|weekend|day|week)|logging off|off to (?:bed|work|"
    r"school|camp|class)|semester|internship|visiting|surgery|retreat|festival|cruise|new job|graduat\w*)\b")
_DEPARTURE_PATTERNS = frozenset({"suicide.leaving", "suicide.note", "suicide.giving_away", "suicide.not_a_problem",
                                 "suicide.finality", "suicide.not_around"})
_FIRST_PERSON = re.compile(r"\b(?:i|im|ive|id|ill|me|my|myself)\b")
_PLAYED = re.compile(r"\bmy (?:character|avatar|guy|player|team|squad|hero|champ|sim)\b")  # in a game, not the writer
_NO_RECOVERY = frozenset({"medical.overdose"})  # "I took 40 pills, I'm fine now" is still an emergency
_NEG_WINDOW_WORDS = 3


def normalise(text: str) -> str:
    """Lower case, straight quotes, no apostrophes, single spaces (offsets are not preserved)."""
    text = text.lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = text.replace("'", "")
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return text.strip()


def _blank_idioms(text: str) -> str:
    return _IDIOMS.sub(lambda m: " " * len(m.group(0)), text)


def _clause_before(text: str, start: int) -> str:
    """The words of the clause that end where a match starts (at most a few words)."""
    head = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(head))
    if breaks:
        head = head[breaks[-1].end():]
    words = head.split()
    return " ".join(words[-_NEG_WINDOW_WORDS:])


def _clause_of(text: str, start: int, end: int) -> str:
    """The clause a match sits in (from the previous clause break to the next)."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text[:start])), default=0)
    right_match = _CLAUSE_BREAK.search(text, end)
    right = right_match.start() if right_match else len(text)
    return text[left:right]


def _sentence_of(text: str, start: int, end: int) -> tuple[str, str]:
    """The sentence a match sits in, split at the match: (what comes before it, all of it)."""
    left = max((m.end() for m in _SENTENCE_BREAK.finditer(text[:start])), default=0)
    right_match = _SENTENCE_BREAK.search(text, end)
    right = right_match.start() if right_match else len(text)
    return text[left:start], text[left:right]


def _next_sentence(text: str, end: int) -> str:
    """The sentence after the one a match sits in."""
    first = _SENTENCE_BREAK.search(text, end)
    if not first:
        return ""
    second = _SENTENCE_BREAK.search(text, first.end())
    return text[first.end():second.start() if second else len(text)]


def _framed(before: str) -> bool:
    """Told as a story, a lesson or a quotation, not as the writer's own state."""
    if _QUOTE.search(before):
        return True
    frames = list(_FRAME.finditer(before))
    return bool(frames) and not _FIRST_PERSON.search(_PLAYED.sub(" ", before[frames[-1].end():]))


def _status(pattern: Pattern, text: str, start: int, end: int) -> str:
    clause = _clause_of(text, start, end)
    if pattern.negatable and (_NEGATION.search(_clause_before(text, start))
                              or _ADJACENT_NEGATION.search(text[:start])):
        return "negated"
    recurring = _RECURRING.search(clause) or _RETURNED.search(_next_sentence(text, end))
    if _PAST.search(clause) and not recurring:
        return "past"
    before, sentence = _sentence_of(text, start, end)
    if not recurring and pattern.name not in _NO_RECOVERY and (
            _RECOVERY.search(sentence) or (_PAST_TENSE.search(sentence) and _OVER_NEXT.search(_next_sentence(text, end)))):
        return "past"
    if _framed(before) or _EXERCISE.search(sentence):
        return "reported"
    if pattern.name in _WISH_PATTERNS and _THIRD_SUBJECT.search(text[:start]):
        return "reported"
    if _NEWS.search(sentence) and not _FIRST_PERSON.search(sentence):
        return "reported"
    if pattern.name in _DEPARTURE_PATTERNS and _ERRAND.search(sentence):
        return "everyday"
    return "hit"


def find_hits(text: str) -> tuple[Hit, ...]:
    """Every pattern match in ``text``, each marked hit, negated, past or reported."""
    norm = normalise(text)
    blanked = _blank_idioms(norm)
    hits: list[Hit] = []
    for pattern in PATTERNS:
        for m in pattern.regex.finditer(blanked):
            status = _status(pattern, blanked, m.start(), m.end())
            hits.append(Hit(pattern.name, pattern.category, pattern.weight, m.start(), m.end(), status))
    return tuple(hits)


def vetoable(reasons) -> bool:
    """Whether a low model score may set aside a pattern result with these reasons (none unvetoable)."""
    return bool(reasons) and not (set(reasons) & UNVETOABLE)


def match(text: str) -> PatternResult:
    """Screen ``text`` with the patterns alone."""
    hits = find_hits(text)
    live = sorted(
        (h for h in hits if h.status == "hit"),
        key=lambda h: (-h.weight, -_URGENCY[h.category], h.start),
    )
    reasons = tuple(dict.fromkeys(h.pattern for h in live))
    suppressed = tuple(dict.fromkeys(f"{h.status}:{h.pattern}" for h in hits if h.status != "hit"))
    if not live:
        return PatternResult(False, None, 0.0, (), suppressed)
    top = live[0]
    return PatternResult(True, top.category, top.weight, reasons, suppressed)
