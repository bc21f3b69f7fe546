"""The pattern layer: every category, coded language, misspellings, negation, idioms, past tense."""

from __future__ import annotations

import pytest

from safety.patterns import CATEGORIES, PATTERNS, UNVETOABLE, find_hits, match, normalise, vetoable


@pytest.mark.parametrize(
    "text, category",
    [
        ("I want to kill myself", "suicide-or-self-harm"),
        ("I'm thinking about suicide", "suicide-or-self-harm"),
        ("I've been cutting myself again", "suicide-or-self-harm"),
        ("I'm going to stab him when he gets home", "harm-to-others"),
        ("I'm bringing a gun to school tomorrow", "harm-to-others"),
        ("Someone is hurting me", "abuse-or-danger"),
        ("I'm not safe at home", "abuse-or-danger"),
        ("He threatened me", "abuse-or-danger"),
        ("My boyfriend hits me", "abuse-or-danger"),
        ("I took too many pills", "medical-emergency"),
        ("I can't breathe", "medical-emergency"),
        ("chest pain and my left arm is numb", "medical-emergency"),
        ("I think I overdosed", "medical-emergency"),
    ],
)
def test_each_category_is_caught(text, category):
    result = match(text)
    assert result.crisis, text
    assert result.category == category
    assert result.reasons and all(r.split(".")[0] in ("suicide", "others", "abuse", "medical") for r in result.reasons)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("kms", "suicide.kms"),
        ("ngl gonna kms tonight", "suicide.kms"),
        ("thinking about unaliving myself", "suicide.word"),
        ("i just want to sleep forever", "suicide.never_wake"),
        ("I hope I don't wake up tomorrow", "suicide.never_wake"),
        ("I've been saving up my pills", "suicide.pills"),
        ("I wrote goodbye letters to my family", "suicide.note"),
        ("I'm giving away all my stuff", "suicide.giving_away"),
        ("Everyone would be better off without me", "suicide.better_off"),
        ("the sewer slide is all i think about", "suicide.word"),
    ],
)
def test_coded_language(text, reason):
    assert reason in match(text).reasons


@pytest.mark.parametrize(
    "text",
    ["i wanna dye", "im gona kil myself", "i feel sucidal", "i want to kil myslef", "i dont wanna live anymore",
     "i wnt 2 die", "I DONT WANT TO BE ALIVE", "i\u2019m going to end my lyfe", "i tok to many pils"],
)
def test_misspellings_and_texting_style(text):
    assert match(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just sad",
        "I would never kill myself",
        "I'm not going to hurt myself, I just needed to vent",
        "I don't want to die, I want to feel better",
        "I have no intention of ending my life",
        "I'm no longer suicidal",
    ],
)
def test_negation_suppresses_and_is_reported(text):
    result = match(text)
    assert not result.crisis, text
    assert any(s.startswith("negated:") for s in result.suppressed)


@pytest.mark.parametrize(
    "text",
    ["I can't stop thinking about killing myself", "I don't want to live anymore", "I'm not safe at home",
     "I don't feel safe at home", "I'm not sure why I shouldn't kill myself"],
)
def test_negation_that_is_the_crisis_itself_is_not_suppressed(text):
    assert match(text).crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to see them", "I killed it at my presentation", "dead tired after this week",
        "I could kill for a coffee", "this job is killing me", "my feet are killing me",
        "I almost died laughing", "my mom is going to kill me when she sees my grades",
        "that cake was to die for", "I laughed so hard I couldn't breathe", "I'm so embarrassed I could die",
        "I killed the final boss in Elden Ring", "Killing time before my interview",
    ],
)
def test_idioms_are_not_crisis(text):
    assert not match(text).crisis, text


@pytest.mark.parametrize(
    "text",
    ["Last year I was suicidal but I'm doing better", "I used to cut myself in high school",
     "Years ago my ex hit me, I'm safe now"],
)
def test_past_and_recovered_are_not_crisis(text):
    result = match(text)
    assert not result.crisis
    assert any(s.startswith("past:") for s in result.suppressed)


def test_past_marker_does_not_hide_a_relapse():
    assert match("I used to cut myself and I started again tonight").crisis


def test_the_strongest_and_most_urgent_hit_sets_the_category():
    result = match("I took the whole bottle of pills, goodbye everyone")
    assert result.category == "medical-emergency"
    assert result.reasons[0] == "medical.overdose"
    assert "suicide.note" in result.reasons


def test_normalise_and_pattern_table():
    assert normalise("  I\u2019M   Not OK ") == "im not ok"
    assert {p.category for p in PATTERNS} == set(CATEGORIES)
    assert len({p.name for p in PATTERNS}) == len(PATTERNS)
    assert find_hits("") == ()


@pytest.mark.parametrize(
    "text, reason",
    [
        # goodbye notes and letters, in a farewell context
        ("I left a letter for my parents explaining why", "suicide.note"),
        ("finished my letter already", "suicide.note"),
        ("my goodbye note is ready", "suicide.note"),
        ("I've been writing notes so they know it wasn't their fault", "suicide.note"),
        ("I'm not gonna be around for much longer", "suicide.note"),
        # giving things away because they won't be needed
        ("I'm giving my records to my cousin because I won't need them", "suicide.giving_away"),
        ("I gave my bike to a friend since I won't be around to ride it", "suicide.giving_away"),
        ("My roommate can have my plants when I'm gone", "suicide.giving_away"),
        ("getting rid of my stuff, I won't need it", "suicide.giving_away"),
        # waiting to die, no way out, wanting it all to end
        ("I'm basically waiting to die", "suicide.waiting_to_die"),
        ("just waiting for my life to be over", "suicide.waiting_to_die"),
        ("there is no way out for me except death", "suicide.no_way_out"),
        ("I can't see another way out but dying", "suicide.no_way_out"),
        ("dying feels like my only escape", "suicide.no_way_out"),
        ("I want it all to be over", "suicide.want_end"),
        ("I need everything to stop", "suicide.want_end"),
        ("I want my life to end", "suicide.want_end"),
        ("I'm such a burden to my family", "suicide.burden"),
        ("I lost the will to live", "suicide.no_will_to_live"),
        ("I can't imagine myself still alive next year", "suicide.no_will_to_live"),
        ("I hid my pills in my closet", "suicide.pills"),
        ("I chose the night already", "suicide.planning"),
        # medical emergencies phrased casually
        ("took loads of my sleeping pills lol", "medical.overdose"),
        ("my roommate collapsed in the kitchen", "medical.unresponsive"),
        ("my sister won't wake up and she took something", "medical.unresponsive"),
        ("i cant catch my breath at all", "medical.breathing"),
        ("having a really bad asthma attack", "medical.breathing"),
        ("my grandma is slurring her words", "medical.chest"),
        ("i'm hurting him tonight, and the car with him in it", "others.weapon"),
        ("he keeps coming into my room at night", "abuse.trapped"),
        ("my boyfreind is hurting me", "abuse.hurting_me"),
    ],
)
def test_extended_families(text, reason):
    assert reason in match(text).reasons, (text, match(text))


@pytest.mark.parametrize(
    "text",
    [
        # games and sport: play, not harm
        "I'm going to crush my dad at chess",
        "we'll murder them at trivia night",
        "gonna destroy my roommate in FIFA later",
        "I'm going to kill you at Uno",
        # goodbyes to a chapter, a job, a place
        "This is goodbye to the old job",
        "this is goodbye to my old apartment",
        # notes and letters with no farewell in them
        "I left a note on the fridge about groceries",
        "I wrote my letter of recommendation for her",
        # giving away for ordinary reasons; medicine for a trip
        "I'm giving my desk to my brother because I won't need it after I move",
        "I got enough pills for the whole vacation",
        # waiting for ordinary things; wanting ordinary things to end
        "I'm waiting for the bus to come",
        "I want this meeting to end",
        "I want the rain to stop",
        "my laptop isn't responding again",
        "he isn't responding to my texts",
        "we set a date for the wedding next spring",
    ],
)
def test_extended_families_leave_everyday_language_alone(text):
    assert not match(text).crisis, (text, match(text))


@pytest.mark.parametrize(
    "text",
    ["I'm not a burden, my friends keep telling me", "I have no plans to give my things away, I'm just decluttering",
     "Last year I was just waiting to die, now I'm doing so much better"],
)
def test_extended_families_respect_negation_and_past(text):
    assert not match(text).crisis, (text, match(text))


# Round 4: false alarms of the widest rules on train (want_die, word, others.kill, note, end_life, ...),
# fixed with context (past and recovery said in the same sentence, framing as a story, a lesson or a
# quotation, "no" right before the match) and narrower idioms. Each case was a crisis before the fix.
@pytest.mark.parametrize(
    "text",
    [
        # past, or over, said in the same sentence
        "There was a time I wanted to die, but that was before my kids",
        "When I was fifteen I wrote a suicide note and never used it",
        "tried to kms in 2019, glad i didn't",
        "was suicidal after my divorce but therapy helped a lot",
        "i once thought everyone would be better off without me",
        "remembering when i wanted to end it, so grateful i called someone",
        "my suicidal phase ended when i moved out",
        "my uncle had a seizure at the party, scary but he's fine now",
        "my friend said she wanted to die when she failed the test, she was joking",
        "my aunt says she wanted to die after her divorce in the nineties",
        # a story, a lesson, a quotation, an exercise
        "In the novel, the soldier writes a goodbye letter before the battle",
        "in the movie she leaves a goodbye note for her sister",
        "in the game you have to kill the dragon to end it",
        "the villain says I'll kill you all, so cringe",
        "the lyrics go i wanna die but it's a great song",
        "in health class we learned the warning signs of suicide",
        "our book club picked a novel about grief and suicide",
        "I wrote a goodbye letter to my ex as a therapy exercise and burned it",
        # "no" right before the words
        "no thoughts of self harm, just lonely",
        "no chest pain, it's a broken heart",
        # idioms and venting
        "I'll strangle my brother if he eats my fries again",
        "she's gonna kill me for forgetting her birthday",
        "I could honestly kill him for this, but I'll settle for blocking him",
        "I was so humiliated I wanted to die on the spot",
        "let's end it on a high note",
        "i'm gonna end this argument with a pizza",
        "my chest hurts from crying",
        "sometimes I feel like I can't breathe when I walk into the empty apartment",
        # ordinary reasons
        "I'm giving my ex's jacket to charity, I won't need it anymore",
        "I've got enough painkillers for after my surgery",
    ],
)
def test_round4_false_alarms_are_not_crisis(text):
    assert not match(text).crisis, (text, match(text))


@pytest.mark.parametrize(
    "text",
    [
        "after watching that movie about suicide I want to kill myself",  # the framing is not the writer's state
        "I'll kill him if he touches my daughter again",  # a threat to a person, not a fridge
        "I took 30 pills, I'm fine now",  # an overdose is an emergency even when they feel fine
        "I could kill him for what he did to me",
        "no, i really want to die",  # a bare "no" negates only what follows it
        "I want to end it all tonight",
    ],
)
def test_round4_context_rules_keep_the_crisis(text):
    assert match(text).crisis, (text, match(text))


# Round 4: wordings that train cross-validation showed missed, written as concepts with their variants
# (these cases are new wordings of each concept, not copies of the train records).
@pytest.mark.parametrize(
    "text, reason",
    [
        ("honestly hoping a bus hits me on the way home", "suicide.passive_wish"),
        ("might as well just be dead", "suicide.passive_wish"),
        ("it would be easier to just not exist", "suicide.passive_wish"),
        ("i wish i'd never been born", "suicide.passive_wish"),
        ("i've stopped caring if i live through the winter", "suicide.passive_wish"),
        ("i keep imagining my own funeral", "suicide.passive_wish"),
        ("i won't be here next week", "suicide.leaving"),
        ("if you're reading this i'm already gone", "suicide.leaving"),
        ("i've said all my goodbyes", "suicide.leaving"),
        ("checking out of life for good", "suicide.leaving"),
        ("they won't have to deal with me much longer", "suicide.not_a_problem"),
        ("i won't be anyone's problem after tonight", "suicide.not_a_problem"),
        ("they'd all be fine without me", "suicide.not_a_problem"),
        ("i know exactly how and when i'll do it", "suicide.plan"),
        ("i've got a plan and a date", "suicide.plan"),
        ("been looking up ways to end my life", "suicide.plan"),
        ("counting down the days until i'm gone", "suicide.plan"),
        ("it's pointless to keep living", "suicide.hopeless"),
        ("why even stay alive", "suicide.hopeless"),
        ("if i died tomorrow would anyone even notice", "suicide.hopeless"),
        ("my family would be relieved if i died", "suicide.hopeless"),
        ("i keep slicing my arms", "suicide.self_harm_acts"),
        ("sh urges are so bad tonight", "suicide.self_harm_acts"),
        ("the blade is right next to me", "suicide.self_harm_acts"),
        ("my pills are lined up on the desk", "suicide.means"),
        ("sitting on the bridge railing", "suicide.means"),
        ("in the garage with the engine running", "suicide.means"),
        ("i'm going to run my ex over", "others.attack"),
        ("gonna burn his car down", "others.attack"),
        ("i'll make sure he never walks again", "others.attack"),
        ("i keep picturing stabbing him", "others.attack"),
        ("i have a knife and i'm heading to her place", "others.attack"),
        ("my stepdad is hitting my little sister", "abuse.violence"),
        ("she keeps throwing plates at me", "abuse.violence"),
        ("he's outside my door banging and yelling", "abuse.violence"),
        ("someone is breaking in right now", "abuse.violence"),
        ("i'm locked in the basement", "abuse.violence"),
        ("he said if i tell anyone he'll hurt my kids", "abuse.violence"),
        ("my lips are swelling up and there's no epipen", "medical.signs"),
        ("my sugar is crashing and i'm shaking", "medical.signs"),
        ("worst headache of my life out of nowhere", "medical.signs"),
        ("drank vodka with my sleeping pills", "medical.signs"),
    ],
)
def test_round4_new_patterns(text, reason):
    assert reason in match(text).reasons, (text, match(text))


@pytest.mark.parametrize(
    "text",
    [
        "won't be here tomorrow, dentist appointment",
        "I'm cutting back on sugar",
        "we sat on the bridge and watched the sunset",
        "they'll be fine without me at the party",
        "we're locked in for finals week",
        "I almost fainted when I saw the price",
        "so tired I'm about to pass out on the couch",
        "I'll do it when my parents get home",
        "I'm giving my ex's hoodie back, I won't need it anymore",
    ],
)
def test_round4_new_patterns_leave_everyday_language_alone(text):
    assert not match(text).crisis, (text, match(text))


# Round 4, after train_extra_c/_d and the retired v3 joined train: their pattern false alarms, fixed with
# the same kinds of rule. Each case was a crisis before the fix.
@pytest.mark.parametrize(
    "text",
    [
        "ugh I could just die, I sent the meme to my manager",
        "I'm going to jump off a bridge if this laptop freezes one more time",
        "this hangover is so bad I want to die lol",
        "bought a rope for the new swing",
        "said my goodbyes at the farewell party, moving on Saturday",
        "I'm so hurt I can barely breathe",
        "i could strangle him lol",
        "choking on my pride, not texting him first",
        "in the game my character got choked out by the boss",
        "can't breathe through my nose with this cold",
        "the spin class made me feel like I was going to die",
        "the doctor said the chest pain was just a pulled muscle",
        "I'll strangle whoever designed this form",
        "she threw me under the bus at the meeting",
        "I said I wanted to kill him but obviously I don't",
        "my ex once followed me home, I moved and I'm fine",
        "twisted my wrist at the gym",
        "my dad hit us when I was growing up",
        "For years I believed they'd be better off without me. I don't believe that anymore",
        "the old me would have hurt myself over this",
        "watched that hospital drama, the one where the groom goes into anaphylaxis",
        "I went to the ER last night for chest pain. It turned out to be a panic attack",
        "I fainted at the dentist once and now I lie down first",
    ],
)
def test_round4_more_false_alarms_are_not_crisis(text):
    assert not match(text).crisis, (text, match(text))


@pytest.mark.parametrize(
    "text",
    [
        "i took all my pills at once",  # "at once" is not "once, long ago"
        "i think i could actually kill her tonight",
        "i want to die. i'm fine now lol",  # a present wish is not put in the past by the next sentence
    ],
)
def test_round4_more_context_rules_keep_the_crisis(text):
    assert match(text).crisis, (text, match(text))


# Round 4, from the misses on train_extra_c/_d and the retired v3 (new wordings of each concept).
@pytest.mark.parametrize(
    "text, reason",
    [
        ("i keep praying i never open my eyes again", "suicide.passive_wish"),
        ("i'd rather be dead than feel this", "suicide.passive_wish"),
        ("the final nap sounds nice", "suicide.passive_wish"),
        ("having s*icidal thoughts again", "suicide.word"),
        ("this is my last message. thank you for everything", "suicide.leaving"),
        ("if you don't hear from me tomorrow, that's why", "suicide.leaving"),
        ("I've put my affairs in order", "suicide.leaving"),
        ("i have it all planned out", "suicide.plan"),
        ("keeping my pills in a drawer for when i'm ready", "suicide.plan"),
        ("i cut again tonight", "suicide.self_harm_acts"),
        ("punched my own leg until it bruised", "suicide.self_harm_acts"),
        ("slammed my fingers in the door on purpose", "suicide.self_harm_acts"),
        ("sitting outside his apartment with a bat", "others.attack"),
        ("ima jump him after practice", "others.attack"),
        ("hiding in the bathroom, he's walking around looking for me", "abuse.danger_now"),
        ("a man has been following me for three blocks", "abuse.danger_now"),
        ("if i don't text back in 10 min call someone", "abuse.danger_now"),
        ("he put something in my drink", "abuse.danger_now"),
        ("she said she'll hurt the kids if i leave", "abuse.danger_now"),
        ("he's kicking my door, i don't think it will hold", "abuse.danger_now"),
        ("i'm throwing up blood", "medical.signs"),
        ("there's a crushing pressure on my chest", "medical.signs"),
        ("my words are coming out wrong", "medical.signs"),
        ("my throat's closing and my epipen is expired", "medical.signs"),
        ("my lips are turning blue", "medical.signs"),
        ("took my insulin twice by accident", "medical.signs"),
        ("my roommate overdosed i think", "medical.signs"),
    ],
)
def test_round4_patterns_from_the_new_train_files(text, reason):
    assert reason in match(text).reasons, (text, match(text))


@pytest.mark.parametrize(
    "text",
    [
        "this is my last message to him, then I'm blocking his number",
        "This is the last time I'll text her, I promise myself",
        "this will be my last entry for a while, starting therapy next week",
        "I finally worked up the nerve to ask her out",
        "hiding in the bathroom at the party lol",
        "my dog keeps following me around the house",
        "we'll be with grandma in heaven one day",
    ],
)
def test_round4_patterns_from_the_new_train_files_leave_everyday_language_alone(text):
    assert not match(text).crisis, (text, match(text))


# Round 5: wider context rules for wording the patterns had not been written from (each case fails
# without its rule): everyday senses of the words, a wish said of someone else, news, an everyday reason
# for going away, joking said after, waking at a time, life as a modifier, living somewhere.
@pytest.mark.parametrize(
    "text",
    [
        "i'll shoot you a text when i'm home",
        "i'm thinking about dying my hair blue",
        "i could sleep forever after that hike",
        "i'm having a heart attack over this exam schedule lol",
        "I can't breathe after that workout",
        "I can't breathe when he smiles at me",
        "my brother collapsed on the couch after his shift",
        "he said he'd kill me if I spoiled the finale",
        "the teacher said she'd kill us if we were late again",
        "she said she'd hurt me, just kidding",
        "she was choking on a grape but my dad did the heimlich and she's ok",
        "my nose was bleeding a lot but the bleeding stopped",
        "my son had a seizure as a baby",
        "my son had a seizure once when he had a fever",
        'the song goes "i want to disappear forever" and it is stuck in my head',
        "i don't see myself living in this city forever",
        "i'm so done with life admin this week",
        "i hope i don't wake up early tomorrow, i need the sleep",
        "i took the whole bottle of vitamins with me on the trip",
        "my sister told me she wanted to die after the breakup",
        "the firefighter rescued a man standing on the ledge of a building, it was on the news",
        "i'll be gone by morning, early flight",
        "goodbye world, off to camp with no signal for a week",
        "i'm not going to be here tomorrow, i'm at my cousin's wedding",
        "i won't be around much longer, my contract ends in june",
    ],
)
def test_round5_false_alarms_on_new_wording_are_not_crisis(text):
    assert not match(text).crisis, (text, match(text))


@pytest.mark.parametrize(
    "text, reason",
    [
        ("i'll be gone by morning", "suicide.leaving"),
        ("he said he'd kill me if i tell anyone", "abuse.threat"),
        ("i can't breathe when he chokes me", "abuse.hurting_me"),  # the idiom leaves the subject in place
        ("i can't breathe when he sits on my chest", "medical.breathing"),
        ("my sister said she wanted to die and honestly i want to die too", "suicide.want_die"),
        ("i want to die, it was on the news that my dad died", "suicide.want_die"),
        ("i hope i never wake up again", "suicide.passive_wish"),
        ("i don't see myself living much longer", "suicide.want_die"),
        ("I'm done with life.", "suicide.tired_of_life"),
        ("i took the whole bottle of tylenol", "medical.overdose"),
        ("he collapsed on the floor", "medical.unresponsive"),
        ("giving away my cat because i won't need her anymore", "suicide.giving_away"),
    ],
)
def test_round5_context_rules_keep_the_crisis(text, reason):
    assert reason in match(text).reasons, (text, match(text))


def test_round5_suppressed_reasons_name_the_rule():
    assert match("i'll be gone by morning, early flight").suppressed == ("everyday:suicide.leaving",)
    assert match("my sister told me she wanted to die").suppressed == ("reported:suicide.want_die",)


def test_unvetoable_patterns_are_the_explicit_ones():
    names = {p.name for p in PATTERNS}
    assert UNVETOABLE <= names
    assert {"suicide.kill_self", "suicide.kms", "suicide.word"} <= UNVETOABLE
    assert not vetoable(match("I want to kill myself").reasons)
    assert not vetoable(match("kms").reasons)
    assert vetoable(match("this is my last message. thank you for everything").reasons)
    assert not vetoable(())  # nothing fired, nothing to veto


# Round 7: families for explicit wordings the patterns missed in train_extra_f/_g (many voices, journal entries).
ROUND7_CASES = [
    ("i'm ready to go home to god tonight", "suicide.religious"),
    ("i keep begging god to take me", "suicide.religious"),
    ("praying the lord takes me in my sleep", "suicide.religious"),
    ("if he won't, i'll go to him myself", "suicide.religious"),
    ("i've made arrangements and i'm at peace with them.", "suicide.finality"),
    ("been quietly getting my affairs in order", "suicide.finality"),
    ("updated my will today and cancelled the newspaper", "suicide.finality"),
    ("left the spare key out for whoever finds me", "suicide.finality"),
    ("does the life insurance still pay out if it's self inflicted", "suicide.finality"),
    ("i'm not going to be alive on friday", "suicide.not_around"),
    ("i won't be here to see my son's birthday", "suicide.not_around"),
    ("i do not believe i shall be here by spring", "suicide.not_around"),
    ("i won't see another christmas", "suicide.not_around"),
    ("no more me after tonight", "suicide.not_around"),
    ("driving up to the lake and i'm not coming back", "suicide.not_around"),
    ("this is my last message to anyone", "suicide.not_around"),
    ("tomorrow i finish with my life", "suicide.intent"),
    ("i chose to die and i'm calm about it", "suicide.intent"),
    ("everyone would be beter of witout me", "suicide.intent"),
    ("quit my blood pressure pills on purpose", "suicide.stop_treatment"),
    ("i'm refusing food until i die", "suicide.stop_treatment"),
    ("stopped my insulin. let it take me", "suicide.stop_treatment"),
    ("cuttin again tonight, it won't stop", "suicide.self_harm_now"),
    ("took a razor to my wrist again", "suicide.self_harm_now"),
    ("i hurted myself with the scissors", "suicide.self_harm_now"),
    ("kept scratching until it bled", "suicide.self_harm_now"),
    ("going to swallow the rest of my pills", "suicide.pills_now"),
    ("planning to od when my roommate leaves", "suicide.pills_now"),
    ("got my uncle's gun. he's gonna pay", "others.weapon_target"),
    ("bought a knife today, it's for her", "others.weapon_target"),
    ("I'm going over there with my shotgun", "others.weapon_target"),
    ("somebody's getting hurt if they fire me", "others.weapon_target"),
    ("gonna set his car on fire tonight", "others.weapon_target"),
    ("not joking i have a gun and i'm going to the party", "others.weapon_target"),
    ("he's breaking down the door", "abuse.danger_home"),
    ("my ex is outside my door w a knife", "abuse.danger_home"),
    ("they took my passport and my phone", "abuse.danger_home"),
    ("he had his hands round my throat", "abuse.danger_home"),
    ("he poured gasoline on the stairs", "abuse.danger_home"),
    ("my dad's face is drooping on one side", "medical.signs_more"),
    ("hit my head on the stairs and now i keep throwing up", "medical.signs_more"),
    ("my toddler swallowed a button battery", "medical.signs_more"),
    ("i think i od'd", "medical.signs_more"),
    ("tooke all my pils", "medical.signs_more"),
]


@pytest.mark.parametrize("text, reason", ROUND7_CASES)
def test_round7_families(text, reason):
    assert reason in match(text).reasons, (text, match(text))


@pytest.mark.parametrize(
    "text, reason",
    [
        ("I want kill him", "others.kill"),  # "want" without "to"
        ("I intend to harm my neighbour", "others.kill"),
        ("I'm going to hurt every one of them", "others.kill"),
        ("I burned myself on the stove on purpose", "suicide.self_harm"),  # not the kitchen accident idiom
    ],
)
def test_round7_extensions_of_older_rules(text, reason):
    assert reason in match(text).reasons, (text, match(text))


@pytest.mark.parametrize(
    "text",
    [
        "my grandma went home to god last spring, we miss her",
        "i'll meet my maker one day but not for a long time",
        "getting my affairs in order before the move to denver",
        "i finally made my will after the baby was born",
        "tying up loose ends at work before my vacation",
        "i won't be here on monday, i'm at a conference",
        "i won't see another summer like this one, best summer ever",
        "no more me time for a while, finals week",
        "done living in this apartment, moving out sunday",
        "my last text ever to my ex, i'm blocking him",
        "i stopped taking my meds because of the side effects, my doctor knows",
        "i stopped eating sugar on purpose for lent",
        "i'm not going to stop my meds on purpose, i promise",
        "when i was 15 i was cutting every night",
        "about to od on iced coffee before this shift",
        "i emptied the bottle of shampoo",
        "got my bat and glove, the game is tonight",
        "i'm going over there with my bat for practice",
        "my dad's knife is in my bag for the camping trip",
        "she locks me out of the group chat lol",
        "took my phone and my keys by mistake, she's bringing them back",
        "the water broke in the basement",
        "nobody gets to lock me in anymore",
        "his aunt pulled me onto the dance floor and wouldn't let me leave it",
        "pray god takes care of my mom during surgery",
    ],
)
def test_round7_families_leave_everyday_language_alone(text):
    assert not match(text).crisis, (text, match(text))


def test_round7_families_are_vetoable_and_departures_respect_errands():
    for text, _ in ROUND7_CASES:
        result = match(text)
        if not set(result.reasons) & UNVETOABLE:
            assert vetoable(result.reasons), text
    assert match("i won't be here to see the parade, i'll be travelling").suppressed == ("everyday:suicide.not_around",)


@pytest.mark.parametrize(
    "text, status",
    [
        # Round 13 (dev split v16): a denial said as "not having thoughts of", a statistic, a death reported by
        # others, a past said in the next sentence or later in the same one.
        ("I am not having thoughts of suicide, I'm just angry", "negated"),
        ("I don't have any thoughts of harming myself, my therapist asked too", "negated"),
        ("Read that men make up most suicides in my state", "-"),
        ("Heard about an old classmate. Suicide, they're saying.", "reported"),
        ("At 19 I thought about suicide a lot. Those thoughts haven't come back in years.", "past"),
        ("i thought about ending it every day but that was months ago and i'm not there anymore", "past"),
    ],
)
def test_round13_denials_statistics_and_past_are_not_crisis(text, status):
    result = match(text)
    assert not result.crisis, (text, result)
    assert status == "-" or any(s.startswith(f"{status}:") for s in result.suppressed), (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "I'm having thoughts of suicide again",
        "I can't stop having thoughts of killing myself",
        "i'm suicidal and they're saying it's just a phase",
        "I thought about suicide a lot last year. Now it's back and worse.",
        "it's been a year since she left and I want to kill myself",
        "it's been two years since I tried to kill myself and I'm planning it again",
        "that was months ago, but tonight I'm going to end it",
    ],
)
def test_round13_rules_keep_the_crisis(text):
    assert match(text).crisis, (text, match(text))
