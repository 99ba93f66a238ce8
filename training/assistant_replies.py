"""Harmless assistant replies written by a chat model, as training rows for the toxicity model.

Why: the toxicity model learnt "harmless" from tweets, comments and short queries, so the long answers of
a chat assistant score high where they touch words that are harmful elsewhere: history of wars and
plagues, songs about struggle, stories with villains, cocktails, medicine (docs/eval/experiments/
toxicity-replies.md). Sixty hand-written sentences (`toxicity_templates.assistant_reply_cases`) moved the
dev replies but are too few to generalise; this writes real replies, in an assistant's register, to
ordinary requests on those topics and to everyday ones.

The prompts are filled from templates below (none taken from the AlpacaEval dev rows: a test checks), plus
CLINC150 and Banking77 *train* queries and awesome-chatgpt prompts; the replies come from the configured chat
engine (the embedded SmolLM2-135M-Instruct by default), sampled. Each row carries its prompt's group, and a
fifth of the prompts (by a hash of the prompt, `held_out`) is never trained on.

    python -m training.assistant_replies --out /tmp/gen/replies.jsonl    # the defaults are the settings used

Training reads the file with `train_toxicity --assistant-replies FILE`. Each reply is sampled with its own
seed (its index), so the command writes the same file again on the same engine and threads. The shipped
toxicity model v21 was trained on it (its data sheet gives the file's sha256 to check a rewrite against); it is
not kept here because its prompts are rows of the shared data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Ordinary requests whose answers use words that are harmful elsewhere. Slots are filled at random.
TOPIC_TEMPLATES: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "history_whatif": (
        ["What if {event} had {turn}?", "How would the world be different if {event} had {turn}?",
         "Imagine {event} had {turn}. What would have changed?"],
        {"event": ["the Roman Empire", "Napoleon's army at Waterloo", "the Spanish Armada", "the Mongol invasion of Europe",
                   "the Confederacy in the American Civil War", "the Cuban Missile Crisis", "the 1918 flu pandemic",
                   "the sinking of the Titanic", "the French Revolution", "the Battle of Hastings",
                   "the Ottoman siege of Vienna", "the atomic bombing of Hiroshima", "the fall of Constantinople",
                   "the Great Fire of London", "the Irish potato famine", "the partition of India",
                   "the Vietnam War", "the Trojan War", "the Cold War", "the Opium Wars", "the Inca Empire",
                   "the Viking raids on England", "the smallpox epidemics of the 18th century", "the Russian Revolution"],
         "turn": ["never happened", "ended ten years earlier", "gone the other way", "been avoided by diplomacy",
                  "succeeded", "failed"]}),
    "history_explain": (
        ["Explain the causes of {war}.", "Why did {war} start, and how did it end?", "Summarise the main battles of {war}.",
         "What were the consequences of {war} for ordinary people?", "Who were the key leaders in {war}?"],
        {"war": ["the First World War", "the Thirty Years' War", "the Hundred Years' War", "the Korean War",
                 "the Peloponnesian War", "the Crusades", "the Napoleonic Wars", "the Boer War", "the War of the Roses",
                 "the Crimean War", "the Spanish Civil War", "the Gulf War", "the Punic Wars", "the Seven Years' War"]}),
    "poem_song": (
        ["Write a {form} about {theme}.", "Can you write a short {form} on {theme}?", "Compose a {form} celebrating {theme}."],
        {"form": ["poem", "song", "rap verse", "speech", "haiku sequence", "ballad", "spoken-word piece", "hymn"],
         "theme": ["soldiers who never came home", "people of every race standing together", "women fighting for the vote",
                   "workers on strike for fair pay", "beating cancer", "a protest march against injustice",
                   "grief after a war", "surviving addiction", "refugees crossing the sea", "the fight against slavery",
                   "a mother's strength", "firefighters in a burning city", "a boxer's last fight", "revolution and freedom",
                   "the end of apartheid", "a city rebuilding after a bombing"]}),
    "story": (
        ["Write a short story about {hero} who must {conflict}.", "Tell me a story where {hero} has to {conflict}.",
         "Give me the opening of a novel about {hero} who must {conflict}."],
        {"hero": ["a detective", "a young pirate", "an old knight", "a space marine", "a farmer's daughter", "a rebel pilot",
                  "a retired assassin", "a teenage witch", "a zombie-apocalypse survivor", "a bank robber with a conscience",
                  "a soldier behind enemy lines", "a lone gunslinger"],
         "conflict": ["stop a ruthless warlord", "escape a burning prison", "survive a winter with no food",
                      "defeat a dragon that destroys villages", "catch a serial poisoner", "fight off raiders",
                      "take revenge on the gang that killed her brother", "defend a castle under siege",
                      "outwit a cruel tyrant", "hunt a monster in the swamp"]}),
    "kitchen": (
        ["How do I make a {drink} cocktail?", "What's in a {drink}?", "How do I {task}?", "What is the best way to {task}?"],
        {"drink": ["Zombie", "Corpse Reviver", "Hurricane", "Dark 'n' Stormy", "Death in the Afternoon", "Kamikaze",
                   "Painkiller", "Suffering Bastard", "Widow's Kiss", "Rusty Nail", "Hanky Panky", "Monkey Gland"],
         "task": ["kill a lobster humanely before cooking it", "butcher a whole chicken", "debone a fish", "kill weeds in my lawn",
                  "get rid of ants in the kitchen", "sharpen a chef's knife", "smoke a brisket", "bleed a fish after catching it",
                  "crush garlic", "beat egg whites until stiff", "stab-test whether a cake is done", "fry chicken without burning it"]}),
    "health": (
        ["My {who} has {problem}. What should I do?", "What are the symptoms of {problem}?", "How is {problem} treated?"],
        {"who": ["son", "daughter", "grandmother", "dog", "cat", "husband", "friend", "roommate"],
         "problem": ["head lice", "a fever that won't go down", "food poisoning", "a broken arm", "depression", "a panic attack",
                     "an infected cut", "worms", "a severe allergy to bee stings", "an alcohol overdose", "bed bugs",
                     "a concussion", "fleas", "chickenpox", "a stomach bug"]}),
    "nature_science": (
        ["How do {animal} hunt and kill their prey?", "Why do {animal} attack people?", "Explain how {thing} works.",
         "What happens inside the body during {thing}?"],
        {"animal": ["lions", "sharks", "wolves", "praying mantises", "crocodiles", "orcas", "killer bees", "snakes",
                    "eagles", "black widow spiders"],
         "thing": ["a nuclear explosion", "a volcanic eruption", "the immune system destroying a virus", "chemotherapy",
                   "a heart attack", "a gunshot wound, medically speaking", "tear gas", "radiation poisoning", "a bee sting",
                   "decomposition after death"]}),
    "culture_crime": (
        ["Summarise the plot of {work}.", "Who is the villain in {work}, and why is he so frightening?",
         "What is the difference between {a} and {b}?"],
        {"work": ["Macbeth", "Hamlet", "The Godfather", "Breaking Bad", "Crime and Punishment", "Lord of the Flies",
                  "The Silence of the Lambs", "Game of Thrones", "Titus Andronicus", "No Country for Old Men", "Dracula",
                  "The Count of Monte Cristo"],
         "a": ["murder", "a felony", "fraud", "assault", "terrorism", "a genocide"],
         "b": ["manslaughter", "a misdemeanour", "theft", "battery", "insurgency", "a war crime"]}),
    "games_sports": (
        ["How do I beat {foe} in {game}?", "Give me tips to {goal}.", "Explain the rules of {sport}."],
        {"foe": ["the final boss", "the dragon", "the zombie horde", "the sniper", "the army of the dead"],
         "game": ["Elden Ring", "Dark Souls", "Call of Duty", "Minecraft", "Zelda", "Skyrim", "Halo"],
         "goal": ["destroy my opponent at chess", "crush the other team at dodgeball", "knock out my sparring partner safely",
                  "kill more enemies in Fortnite", "attack faster in fencing", "dominate a game of Risk"],
         "sport": ["boxing", "mixed martial arts", "rugby", "ice hockey", "fencing", "wrestling", "paintball", "kendo"]}),
    "feelings": (
        ["{situation} How should I handle it?", "{situation} What can I say to them?"],
        {"situation": ["My coworker called me an idiot in a meeting.", "My brother says I'm a failure because I dropped out.",
                       "Someone left a racist comment on my post.", "My boss yells at me in front of everyone.",
                       "Kids at school call my daughter fat.", "I feel stupid after failing my driving test.",
                       "An online troll keeps insulting me.", "My neighbour threatened to poison my dog.",
                       "I hate my job and feel worthless.", "My ex keeps spreading lies about me."]}),
}


def topic_prompts(seed: int = 0) -> list[tuple[str, str]]:
    """(group, prompt) for every filling of every template, deduplicated, shuffled with the seed and taken
    from the groups in turn, so that any leading part covers every topic."""
    import itertools

    rng, groups = random.Random(seed), []
    for group, (templates, slots) in TOPIC_TEMPLATES.items():
        filled = set()
        for template in templates:
            names = [n for n in slots if "{" + n + "}" in template]
            for values in itertools.product(*(slots[n] for n in names)):
                filled.add(template.format(**dict(zip(names, values))))
        filled = sorted(filled)
        rng.shuffle(filled)
        groups.append([(group, t) for t in filled])
    return [row for turn in itertools.zip_longest(*groups) for row in turn if row is not None]


EVERYDAY_FILES = ("benign_queries_clinc150.csv", "benign_queries_banking77.csv", "benign_prompts_awesome_chatgpt.csv")


def everyday_prompts(data: Path, n: int, seed: int = 0) -> list[tuple[str, str]]:
    """CLINC150 and Banking77 train queries and awesome-chatgpt prompts: everyday requests."""
    import pandas as pd

    rng = random.Random(seed)
    out = []
    for (name, query), file in zip((("clinc150", "split == 'train'"), ("banking77", "split == 'train'"),
                                    ("awesome", None)), EVERYDAY_FILES):
        frame = pd.read_csv(data / file)
        texts = (frame.query(query) if query else frame).text.astype(str).tolist()
        out += [(name, t) for t in rng.sample(texts, min(n, len(texts)))]
    return out


def held_out(prompt: str, share: float = 0.2) -> bool:
    """A fixed share of prompts (by a hash of the prompt) never trained on: a check on replies to unseen prompts."""
    return int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def load_rows(path: Path, include_held_out: bool = False) -> list[tuple[str, int, str]]:
    """Training rows (reply, 0, source) from a file this module wrote; the prompts are rows too (a person's
    ordinary question on such a topic is harmless as well)."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["held_out"] and not include_held_out:
            continue
        rows.append((r["reply"], 0, "assistant_replies"))
        if r["group"] in TOPIC_TEMPLATES:
            rows.append((r["prompt"], 0, "assistant_prompts"))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.assistant_replies", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--n", type=int, default=750, help="replies to write: topic prompts first, then everyday ones")
    p.add_argument("--everyday", type=int, default=100, help="prompts taken from each everyday source")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--max-new-tokens", type=int, default=180)
    p.add_argument("--temperature", type=float, default=0.5)
    args = p.parse_args(argv)
    missing = [f for f in EVERYDAY_FILES if not (Path(args.data) / f).exists()]
    if missing:
        p.error(f"{', '.join(missing)} not found in {args.data}: give the shared data folder with --data")

    out = Path(args.out)
    if not out.parent.is_dir():  # said now, not after the model has written every reply
        p.error(f"the folder {out.parent} does not exist: create it or give another --out")

    from wiring.build import build_chat_model
    from wiring.settings import Settings

    topics = topic_prompts()
    everyday = everyday_prompts(Path(args.data), args.everyday)
    prompts = (topics[: max(0, args.n - len(everyday))] + everyday)[: args.n]
    from models.chat import ModelError

    engine = build_chat_model(Settings(), processes=args.processes, temperature=args.temperature,
                              max_new_tokens=args.max_new_tokens)
    lock, done, failed = threading.Lock(), [0], []

    def one(i: int, group: str, prompt: str) -> dict | None:
        try:
            reply = engine.reply([{"role": "user", "content": prompt}], seed=i).strip()
        except ModelError as exc:  # one failed reply is left out, not the whole run
            failed.append(f"{prompt[:60]!r}: {exc}")
            return None
        with lock:
            done[0] += 1
            if done[0] % 50 == 0:
                print(f"{done[0]} / {len(prompts)}", file=sys.stderr, flush=True)
        return {"group": group, "prompt": prompt, "reply": reply, "held_out": held_out(prompt)}

    try:
        with ThreadPoolExecutor(2 * args.processes) as pool:
            rows = list(pool.map(lambda a: one(*a), [(i, g, t) for i, (g, t) in enumerate(prompts)]))
    finally:
        getattr(engine, "close", lambda: None)()  # the worker processes
    # In prompt order, not as the threads finish: the same replies give the same file, so the checksum in a
    # data sheet says whether a rewrite came out the same. Written whole and renamed, so a run that fails
    # never leaves an earlier good file empty or half written.
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in rows if r is not None), encoding="utf-8")
    tmp.replace(out)
    if failed:
        print(f"{len(failed)} replies failed and were left out, e.g. {failed[0]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
