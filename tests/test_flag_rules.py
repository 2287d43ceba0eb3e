"""Red-flag and filler rules: hits, near misses and traps per category.

The sentences here are paraphrases written for the rules (not copied from the dev set), so a
rule that only fits one dev answer fails them. Each category has statements that must be
flagged and look-alikes that must not.
"""

from __future__ import annotations

import pytest

from voicecoach.scoring.fillers import find_fillers
from voicecoach.scoring.redflags import find_red_flags
from voicecoach.scoring.textnorm import NormText

QU = "Do you have any questions for us?"
AE = "Is there anything else you would like to add?"


def flags(text: str, kind: str | None = None, question: str | None = None) -> list[str]:
    return [h.category for h in find_red_flags(NormText(text), kind, question)]


def fillers(text: str) -> list[str]:
    return [f.text for f in find_fillers(NormText(text))]


HITS = {
    "overstating_skills": [
        "Honestly, I know every algorithm out there.",
        "There's nothing in machine learning I can't do.",
        "I'm a world-class expert in NLP.",
        "I could learn any framework in a day.",
        "I've never had a single bug in my code.",
        "I'm probably the best data scientist you'll ever meet.",
        "I can build any model you need.",
        "I'm basically a genius at this stuff.",
        "I already know more than most senior engineers.",
        "Nobody on my team knows PyTorch better than me.",
        "I've pretty much mastered all of deep learning.",
        "I could rebuild TensorFlow from scratch in a weekend.",
        "I'm an expert in Spark, Kubernetes and Docker.",
        "I can master any new tool.",
    ],
    "false_promise": [
        "I promise the model will be ready in two weeks.",
        "I'll deliver 99% accuracy.",
        "This approach will never overfit.",
        "I will never miss a deadline.",
        "You'll see a 30% improvement within my first month.",
        "I will improve your model's accuracy by 20 percent.",
        "I'll have this fraud problem solved in a week.",
        "I can promise you zero downtime.",
        "We will catch every single fraud case.",
        "I'm going to double your conversion rate.",
        "My model would have 100% recall.",
    ],
    "negative_about_employer": [
        "My last manager was completely clueless.",
        "Leadership at my current company has no idea what they're doing.",
        "I left because my boss was a total jerk.",
        "The culture there was toxic.",
        "Honestly the managers were idiots.",
        "They treated us like garbage.",
        "I couldn't stand my manager.",
        "My old startup was basically a circus, nobody planned anything.",
        "My current employer never listens to engineers, it's a joke.",
        "My boss always took credit for my work.",
    ],
    "salary_too_early": [
        "What's the compensation like?",
        "Could you tell me the salary range?",
        "How much equity would I get?",
        "Is the salary negotiable?",
        "Do you offer a signing bonus?",
        "What are the benefits like?",
        "Honestly, the main reason I'm applying is the salary.",
        "I'm mainly looking for a higher salary.",
        "I'd expect at least 150k.",
        "I'm leaving because they don't pay enough.",
        "How soon could I get a raise?",
        "I want to earn a lot more money.",
    ],
    "dismissive_teamwork": [
        "I'd rather work alone than deal with meetings.",
        "Other engineers usually just get in my way.",
        "Code reviews are a waste of time.",
        "I don't really need a team.",
        "Teamwork is overrated.",
        "Collaboration just slows things down.",
        "I don't like depending on other people.",
        "I just do it myself, it's quicker than explaining it to others.",
        "I'd have finished it much faster on my own.",
        "I work better without other people around.",
    ],
    "inappropriate_language": [
        "That codebase was a shitshow.",
        "What the hell were they thinking?",
        "The users were morons.",
        "That model kicked ass.",
        "It was a damn mess.",
        "Women are just worse at math.",
        "Most fraud comes from shady countries anyway.",
        "The old pipeline sucked.",
    ],
    "unprepared_company": [
        "I haven't really looked into the company much.",
        "Sorry, what is it you guys do again?",
        "I just need a job, honestly.",
        "I'm not sure what you guys do.",
        "I don't really know what your products are.",
        "I didn't get a chance to research your business.",
        "I have applied to like fifty companies this month.",
        "What does your company actually do?",
    ],
}

NEAR_MISSES = {
    "overstating_skills": [
        "I'm pretty good at PyTorch, though I still look things up.",
        "I'm not an expert in every framework.",
        "I can't say I know everything about transformers.",
        "I had never used JAX before that project.",
        "The best engineers I worked with taught me to write tests.",
        "I can handle feedback well.",
        "I know Python and SQL well.",
    ],
    "false_promise": [
        "I can't promise a specific number, but I'd expect a gain.",
        "No model is guaranteed to generalize.",
        "There's no guarantee, so we monitor it.",
        "I think I can contribute from day one.",
        "We hit 95% accuracy on the test set.",
        "I promise to keep learning.",
        "A model will never be perfect.",
        "No model gets 100% accuracy on real data.",
    ],
    "negative_about_employer": [
        "My previous manager was great, she taught me a lot.",
        "The previous team's code was a mess, so we refactored it.",
        "The data at my old job was a mess, so I built validation checks.",
        "I disagreed with my manager about the retraining schedule.",
        "The company was acquired, and the team was split.",
        "My boss was demanding but fair.",
        "The company had no idea how big the fraud problem was until we measured it.",
        "My old company had no tests, and it was a mess to deploy by hand.",
    ],
    "salary_too_early": [
        "I won't bring up salary yet.",
        "Regularization pays off.",
        "We had to pay annotators.",
        "What does the team work on?",
        "The benefits of bagging are lower variance.",
        "I want to make more impact.",
        "Weighting the rare class makes the model pay more attention to it.",
        "Do you have remote days?",
        "Can you tell me about the base model you use?",
        "Tell me about the package you deploy with.",
        "I'm not here for the money, I want to work on fraud.",
    ],
    "dismissive_teamwork": [
        "I enjoy working independently and with the team.",
        "I like to work on my own part first and then review it with the team.",
        "I worked alone on that project because the team was reorganized.",
        "I can do it myself if needed, but I'd ask for a review.",
        "My team slowed down in Q3 because of hiring.",
        "I prefer to work on my own at first, then get feedback.",
    ],
    "inappropriate_language": [
        "We turned categories into dummy variables.",
        "Days since login was the killer feature.",
        "The data we got was garbage, so we cleaned it.",
        "I assessed the class balance and passed the results on.",
        "We had to kill the process and restart the shell.",
        "Fraud rates differ a lot by country.",
    ],
    "unprepared_company": [
        "I don't know the internal details of your stack yet.",
        "I don't know which team I'd join.",
        "I'm not sure what the team's roadmap is.",
        "I looked at your website and read about your products.",
        "I didn't know your company had a fraud team until the recruiter told me.",
        "I never heard of the company before the recruiter reached out, but I've read up since.",
        "I'm not sure what you do with the raw logs.",
    ],
}


# More paraphrases, written as a second and third round of probes.
MORE_HITS = [
    ("overstating_skills", "To be honest there isn't a single algorithm I haven't implemented."),
    (
        "overstating_skills",
        "I'm the strongest ML engineer in my company by far, nobody comes close.",
    ),
    ("overstating_skills", "I know deep learning inside and out, every architecture."),
    ("overstating_skills", "I'm fluent in every programming language."),
    ("overstating_skills", "I can pick up any new technology overnight."),
    ("overstating_skills", "My models never fail."),
    ("false_promise", "I'll guarantee you at least a 20% lift."),
    ("false_promise", "My fraud model will catch all the fraud."),
    ("false_promise", "I will have your recommendation system rebuilt by next month."),
    ("false_promise", "With me on the team you will never have another outage."),
    ("false_promise", "I'll make sure the model is always right."),
    ("negative_about_employer", "My manager was useless, honestly."),
    ("negative_about_employer", "The people running that company were clueless."),
    ("negative_about_employer", "My current boss is the worst manager I've ever had."),
    ("negative_about_employer", "That company is a dumpster fire."),
    ("negative_about_employer", "Management there is completely incompetent."),
    ("salary_too_early", "So what kind of salary are we talking about?"),
    ("salary_too_early", "What's the pay like here?"),
    ("salary_too_early", "Before anything else, I want to talk about compensation."),
    ("salary_too_early", "Are there stock options?"),
    ("salary_too_early", "I'm really just here for the money."),
    ("salary_too_early", "The reason I'm leaving is the pay, I want more money."),
    ("dismissive_teamwork", "Working with other people just slows me down."),
    ("dismissive_teamwork", "I find meetings pointless."),
    ("dismissive_teamwork", "I don't see the point of code reviews."),
    ("dismissive_teamwork", "Honestly, I'm better off working alone."),
    ("dismissive_teamwork", "My teammates usually hold me back."),
    ("inappropriate_language", "The dataset was total crap."),
    ("inappropriate_language", "Yeah it was a fucking nightmare."),
    ("inappropriate_language", "The old system was a piece of shit."),
    ("inappropriate_language", "That was a dick move by the client."),
    ("unprepared_company", "I don't really know anything about what you do."),
    ("unprepared_company", "Honestly, I didn't do much research on the company."),
    ("unprepared_company", "I'm not really familiar with your products."),
    ("unprepared_company", "I haven't looked at your website yet."),
    ("unprepared_company", "What industry are you guys in again?"),
    (
        "overstating_skills",
        "I've read every paper on transformers, so there's nothing about them I don't know.",
    ),
    ("false_promise", "I can promise the churn model will be live before the end of the quarter."),
    ("false_promise", "I'll get your false positives down to zero."),
    ("false_promise", "Our model will be 100 percent accurate."),
    ("negative_about_employer", "The leadership at my last job were a bunch of clowns."),
    ("negative_about_employer", "My ex-boss had no clue about data science."),
    ("negative_about_employer", "I hated working there, the management was terrible."),
    ("salary_too_early", "What's the salary for this role?"),
    ("salary_too_early", "And what about bonuses?"),
    ("salary_too_early", "How much PTO do you give?"),
    ("salary_too_early", "Money is the main thing for me."),
    ("dismissive_teamwork", "I'd rather not waste time in meetings with the team."),
    ("dismissive_teamwork", "I don't really like working with other people."),
    ("inappropriate_language", "The labels were shit."),
    ("inappropriate_language", "That was a bitch to debug."),
    ("unprepared_company", "Honestly I don't know what you guys sell."),
    ("unprepared_company", "I'm not familiar with the company at all."),
]

MORE_NEAR_MISSES = [
    ("overstating_skills", "I've shipped models with every framework our team used."),
    ("overstating_skills", "I never made the same mistake twice after that."),
    ("overstating_skills", "I'm confident I can learn your stack quickly."),
    ("false_promise", "I'll make sure we measure it properly."),
    ("false_promise", "We can never be sure a model will generalize."),
    ("false_promise", "I can't guarantee anything until I see the data."),
    ("negative_about_employer", "My manager and I disagreed, but she was right in the end."),
    ("negative_about_employer", "The company was small, so I wore many hats."),
    ("negative_about_employer", "Our previous pipeline was terrible, so I rewrote it."),
    ("negative_about_employer", "The project was a mess until we added tests."),
    ("salary_too_early", "How does the team measure success?"),
    ("salary_too_early", "We paid attention to recall."),
    ("salary_too_early", "The model's raise in accuracy was small."),
    ("salary_too_early", "What does growth look like for this role?"),
    ("dismissive_teamwork", "I like to think problems through on my own before a meeting."),
    (
        "dismissive_teamwork",
        "I did most of the modeling myself while my teammate built the pipeline.",
    ),
    ("dismissive_teamwork", "I don't need much supervision, but I value code reviews."),
    ("inappropriate_language", "We passed the class weights to the classifier."),
    ("inappropriate_language", "It's a pain point for customers."),
    ("inappropriate_language", "Scunthorpe is a town."),
    ("unprepared_company", "I'm not sure what the team uses for orchestration."),
    ("unprepared_company", "I don't know how your deployment works internally."),
    ("unprepared_company", "I'm not sure what the company's stance on open source is."),
    ("overstating_skills", "I know the basics of every major framework."),
    ("overstating_skills", "Nobody on the team knew Spark, so I learned it."),
    ("overstating_skills", "There's no model I would deploy without monitoring."),
    ("overstating_skills", "I'm the only ML engineer at my company."),
    ("false_promise", "Our goal was to have it live within two weeks."),
    ("false_promise", "The model should never see the test set during training."),
    ("false_promise", "You can never remove all false positives."),
    ("false_promise", "We guaranteed the labels were consistent by double annotation."),
    ("negative_about_employer", "My manager had no idea the data was stale until I showed her."),
    ("negative_about_employer", "The startup ran out of money and shut down."),
    ("negative_about_employer", "My boss was tough, but I learned a lot."),
    ("negative_about_employer", "The old model was terrible at rare classes."),
    ("salary_too_early", "The money laundering detection project was interesting."),
    ("salary_too_early", "We predicted salary from job descriptions."),
    ("salary_too_early", "The raise in recall was small."),
    ("salary_too_early", "What's the biggest challenge the team faces?"),
    ("salary_too_early", "We used a bonus feature for the top customers."),
    ("dismissive_teamwork", "I prefer to write the first draft myself and then get a review."),
    ("dismissive_teamwork", "I was the only data scientist, so I did the modeling myself."),
    (
        "dismissive_teamwork",
        "Meetings were long, so we moved to async updates that the team liked.",
    ),
    ("inappropriate_language", "We shipped it in a hell of a hurry."),
    ("inappropriate_language", "The assistant flagged the classes."),
    ("inappropriate_language", "It was a crappie fishing app."),
    ("unprepared_company", "I'm not sure what the company's data stack looks like."),
    ("unprepared_company", "I don't know much about reinforcement learning."),
    ("unprepared_company", "I haven't read the paper you mentioned."),
    ("unprepared_company", "I didn't do much research on graph networks."),
]


@pytest.mark.parametrize("cat,text", [(c, t) for c, ts in HITS.items() for t in ts] + MORE_HITS)
def test_hits(cat: str, text: str) -> None:
    assert flags(text) == [cat]


@pytest.mark.parametrize(
    "cat,text", [(c, t) for c, ts in NEAR_MISSES.items() for t in ts] + MORE_NEAR_MISSES
)
def test_near_misses(cat: str, text: str) -> None:
    assert cat not in flags(text)


# ---------------------------------------------------------------- statements


def test_one_sentence_is_one_statement() -> None:
    assert flags("I know every algorithm, I've mastered all frameworks there are.") == [
        "overstating_skills"
    ]


def test_two_sentences_are_two_statements() -> None:
    text = "What's the salary range? And is the bonus guaranteed?"
    assert flags(text) == ["salary_too_early", "salary_too_early"]


def test_a_match_never_spans_two_sentences() -> None:
    # "my old company ... it was a joke" must not join across a full stop.
    text = "My old company taught me a lot. The interview game was a joke, it was a joke."
    assert "negative_about_employer" not in flags(text)


# ---------------------------------------------------------------- no questions


@pytest.mark.parametrize(
    "text",
    [
        "I think you've answered all my questions already.",
        "Nothing comes to mind right now, thanks.",
        "I don't have any more questions.",
        "No questions from me, thanks a lot.",
    ],
)
def test_explicit_decline_flags_any_closing_question(text: str) -> None:
    assert flags(text, "closing", QU) == ["no_questions"]
    assert flags(text, "closing", AE) == ["no_questions"]


@pytest.mark.parametrize(
    "text",
    [
        "No, I'm good, thanks.",
        "Not really. Thanks for your time.",
        "Nope, that's it from me.",
        "Hmm. Not at the moment, no.",
    ],
)
def test_bare_decline_flags_only_when_asked_for_questions(text: str) -> None:
    assert flags(text, "closing", QU) == ["no_questions"]
    assert flags(text, "closing", AE) == []  # declining to add something is fine


@pytest.mark.parametrize(
    "text",
    [
        "No questions about the salary, but what does the team ship next quarter?",
        "Not about the role, but how do you deploy models?",
        "Yes, what does success look like in this role?",
        "No, I think I covered everything I wanted to say. Thanks for your time.",
    ],
)
def test_no_questions_near_misses(text: str) -> None:
    assert flags(text, "closing", QU if "?" in text else AE) == []


def test_no_questions_only_for_closing_questions_and_once() -> None:
    text = "No, no questions. You answered everything. I don't have any questions."
    assert flags(text, "technical", QU) == []
    assert flags(text, "closing", QU) == ["no_questions"]


# ---------------------------------------------------------------- fillers


@pytest.mark.parametrize(
    "text,expected",
    [
        # discourse marker and hedge "like"
        ("It's, like, a random forest.", ["like"]),
        ("Like, is the plan to build or buy?", ["like"]),
        ("we needed like a simple baseline", ["like"]),
        ("We used like a random forest", ["like"]),
        ("so like the model just memorizes the data", ["like"]),
        ("i guess like what does the roadmap look like", ["like"]),
        ("the model like learns it by itself", ["like"]),
        ("its like a kind of clustering", ["like"]),
        # approximator before a quantity
        ("we waited like two weeks", ["like"]),
        ("set the depth to like five", ["like"]),
        ("about like a third of them were wrong", ["like"]),
        # "such as", comparisons and the verb
        ("Use a tree model, like XGBoost.", []),
        ("Like if you have a date, pull out the weekday.", []),
        ("k folds like ten fold is common", []),
        ("It works like a weather forecast.", []),
        ("I'd like to add something. It looks like noise.", []),
        ("something like 70 percent", []),
        ("Retail has the problems I like: churn and fraud.", []),
        ("A random forest is like a committee of experts.", []),
        ("It's kind of like a vote.", ["kind of"]),
        ("It was, like, 10 minutes.", ["like"]),
        ("Do you know what I mean? As you know, it works.", []),
        # restarts
        ("I'd also, I'd also show examples.", ["(restart)"]),
        ("I, uh, I built it.", ["(restart)", "uh"]),
        ("And, and the model failed.", ["(restart)"]),
        ("k-means plus plus and C plus plus", []),
        # kind of
        ("so its kind of the classification version", ["kind of"]),
        ("a kind of meta-model", []),
    ],
)
def test_filler_rules(text: str, expected: list[str]) -> None:
    assert fillers(text) == expected


# Wordings from eval/flagset/ that the dev set never used: one family each, so a pattern
# narrowed back to a single sentence fails here.
FAMILY_HITS = [
    ("overstating_skills", "Put simply, I'm the strongest engineer on any team I join."),
    ("overstating_skills", "There isn't a model architecture out there I couldn't implement."),
    ("overstating_skills", "Learning a new framework takes me an evening, max."),
    ("overstating_skills", "My code doesn't need testing, it works the first time."),
    ("false_promise", "Everything I build will work perfectly from day one."),
    ("false_promise", "I can assure you there will be zero bugs in anything I ship."),
    ("false_promise", "I'll never let a bug reach production, you have my word."),
    ("false_promise", "Within ninety days I'll have every team using my platform."),
    ("negative_about_employer", "I had a terrible manager who never listened to anyone."),
    ("negative_about_employer", "The higher-ups at my company are completely out of touch."),
    ("negative_about_employer", "I'm getting out because the company is run by clowns."),
    ("negative_about_employer", "My boss is just not a good person to work for."),
    ("salary_too_early", "so whats the money like"),
    ("salary_too_early", "Do you guys do annual bonuses?"),
    ("salary_too_early", "How much would I be taking home each month?"),
    ("salary_too_early", "I'm mainly moving because I want a bigger paycheck."),
    ("dismissive_teamwork", "My teammates were dead weight, so I did it all."),
    ("dismissive_teamwork", "I'd rather work solo, other people just slow the whole thing down."),
    ("dismissive_teamwork", "Collaboration sounds nice, but in practice it just wastes time."),
    ("dismissive_teamwork", "Honestly, I'm not much of a team player."),
    ("inappropriate_language", "Old guys in IT just can't learn new tech."),
    ("inappropriate_language", "That manager of ours was a real prick."),
    ("inappropriate_language", "The client was a bunch of morons, but we delivered."),
    ("unprepared_company", "I have no idea who your customers are."),
    ("unprepared_company", "I didn't look you up before the call, sorry."),
    ("unprepared_company", "What products does your company make, exactly?"),
    ("unprepared_company", "I'm not super familiar with what you guys actually do yet."),
]

FAMILY_NEAR_MISSES = [
    "If you train long enough, the training loss will go down by half.",
    "The model will work perfectly on the training data but fail on test data.",
    "She took all the credit risk models to production in one quarter.",
    "What are you paying most attention to in the first ninety days?",
    "What is it that you do with the model outputs downstream?",
    "My manager was in a terrible position after the budget cuts.",
    "The team slowed down when requirements changed, so we added a planning step.",
    "I prefer working alone on research spikes and then sharing with the team.",
    "I guarantee you'll get honest answers from me, even when I don't know something.",
    "Older people tend to churn less, so age was a strong feature.",
    "I know you're a logistics company, and I've built routing models.",
    "We had to kill the process when it ran out of memory.",
]


@pytest.mark.parametrize("cat,text", FAMILY_HITS)
def test_family_hits(cat: str, text: str) -> None:
    assert flags(text, "behavioral") == [cat]


@pytest.mark.parametrize("text", FAMILY_NEAR_MISSES)
def test_family_near_misses(text: str) -> None:
    assert flags(text, "closing", QU) == []


def _flagset() -> list[tuple[str, str, dict]]:  # (file, text, statement)
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "eval" / "flagset"
    return [
        (f.name, s["text"], s)
        for f in sorted(root.glob("*.toml"))
        for s in tomllib.loads(f.read_text())["statement"]
    ]


_FLAGSET = _flagset()
_FLAGSET_IDS = [f"{n.removesuffix('.toml')}-{i}" for i, (n, _, _) in enumerate(_FLAGSET)]


@pytest.mark.parametrize("name,text,s", _FLAGSET, ids=_FLAGSET_IDS)
def test_flagset_statement(name: str, text: str, s: dict) -> None:
    """Every statement of eval/flagset/ gets exactly the categories it is marked with
    (statements marked ``known_miss`` document what the rules cannot catch)."""
    if "known_miss" in s:
        pytest.xfail(s["known_miss"])
    got = sorted(set(flags(text, s["kind"], s["question"])))
    assert got == sorted(s["flags"]), f"{name}: {text}"
