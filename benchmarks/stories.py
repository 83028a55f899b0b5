"""Stories benchmark: are re-published copies found, and only they? And how fast at 100,000 articles?

    python -m benchmarks.stories                  # quality (about 2 minutes) and the 100,000-article run
    python -m benchmarks.stories --skip-scale     # quality only
    python -m benchmarks.stories --scale-only -n 100000 --dir /work/cache/stories

**Quality.** A test set is built from the 181 pages of ``shared/bench/articles``. Each page is
re-published 1–5 times, each copy inside **another real page of the set** (that site's
navigation, related stories, newsletter boxes and footer around it; its own date) with a
rewritten headline and a random mix of the edits wire copy and press releases get: the
first paragraph dropped or its first sentence cut, a sentence added (a credit line, a
local angle), a dateline put in front, the last paragraphs cut for length, a few words
changed, straight quotes for curly ones. Hard negatives are added: for every page its two
nearest articles on the same topic (TF-IDF cosine over words) among the ~1,075 real
pages of ``dates/``, ``dates-more/`` and ``snippets/``, and for a third of the pages a
follow-up story: one of those neighbours with a paragraph of the page quoted inside it.
Every page goes through the extractor (bytes → body), as a crawled page would.

Pair precision and recall: a pair of articles is a true pair when both come from the same
original page; a found pair when both end in the same story. Each threshold setting is
scored on the tune half and the check half of the pages (:func:`benchmarks.scoring.half`),
and the whole set; the setting in :mod:`scraper.stories` is marked. Last, the whole set
is stored in a real archive in shuffled order (clustering as articles arrive) and rebuilt
with ``scraper stories --rebuild``: both must give the same stories, and their precision
and recall are what the archive really does.

**Scale.** An archive of ``-n`` articles (default 100,000) with bodies made of sentences
of the real pages (the 181 + 1,075 pages' sentences, 12–40 per article), a fifth of them
edited copies of earlier ones, is written straight into SQLite; then
``scraper stories --rebuild`` runs as its own process: wall time and peak RSS (from
``os.wait4``), and the pair precision and recall of its stories against the copies planted
(copies of copies included). Then the clustering step that every store runs is timed for
1,000 more articles at that scale (each rolled back).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import pickle
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import numpy as np

from benchmarks.scoring import bench_dir, half, load_articles, read_page
from scraper import stories
from scraper.extraction import extract

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“‘(]?[A-Z0-9])|(?<=[.!?][\"”’)])\s+(?=[A-Z0-9])")
ADDED = [
    "This article was originally published by the Associated Press.",
    "Reuters contributed reporting to this story.",
    "Additional reporting by our correspondent in the capital.",
    "This story has been updated with additional details.",
    "The company did not immediately respond to a request for comment on Tuesday.",
    "Local officials said they were monitoring the situation closely.",
    "Readers can send tips and questions to our newsroom by email.",
    "The news agency said it could not independently verify the claims.",
]
DATELINES = ["WASHINGTON (AP) — ", "LONDON (Reuters) - ", "NEW YORK — ", "PARIS (AFP) - ", "BERLIN (dpa) – "]
SWAPS = [("said", "told reporters"), ("says", "said"), ("percent", "per cent"), ("about", "around"),
         ("However,", "But"), ("also", "additionally"), ("people", "residents"), ("will", "would")]


@dataclass
class Item:
    key: str          # unique name
    group: str        # items of one group are copies of one original
    kind: str         # original, copy, neighbour, follow-up
    url: str
    html: bytes
    half: str
    body: str = ""
    text: str = ""    # for a copy, the text put into the host page


# -- building the set -----------------------------------------------------------------------------

def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE.split(paragraph) if s.strip()]


def edit(paras: list[str], rng: random.Random) -> tuple[list[str], list[str]]:
    """A re-published copy's text: a random mix of realistic edits (at least two)."""
    paras = list(paras)
    done: list[str] = []
    edits = ["trim-lead", "add-sentence", "dateline", "cut-end", "reword", "quotes"]
    for name in rng.sample(edits, rng.randint(2, 4)):
        if name == "trim-lead" and len(paras) > 3:
            first = sentences(paras[0])
            if len(first) > 1 and rng.random() < 0.5:
                paras[0] = " ".join(first[1:])
            else:
                paras = paras[1:]
        elif name == "add-sentence":
            where = rng.choice(["start", "end", "middle"])
            line = rng.choice(ADDED)
            if where == "start":
                paras.insert(0, line)
            elif where == "end":
                paras.append(line)
            else:
                i = rng.randrange(len(paras))
                paras[i] = paras[i] + " " + line
        elif name == "dateline":
            paras[0] = rng.choice(DATELINES) + paras[0]
        elif name == "cut-end" and len(paras) > 6:
            paras = paras[:len(paras) - rng.randint(1, min(3, len(paras) // 4))]
        elif name == "reword":
            for _ in range(3):
                i = rng.randrange(len(paras))
                old, new = rng.choice(SWAPS)
                paras[i] = paras[i].replace(f" {old} ", f" {new} ", 1)
        elif name == "quotes":
            paras = [p.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'") for p in paras]
        else:
            continue
        done.append(name)
    return paras, done


def headline(title: str, rng: random.Random) -> str:
    words = title.split()
    if len(words) > 4 and rng.random() < 0.5:
        cut = rng.randint(2, len(words) - 2)
        words = words[cut:] + [":"] + words[:cut]
    return rng.choice(["", "UPDATE: ", "Report: ", "Watch: "]) + " ".join(words)


def _norm(text: str) -> str:
    return " ".join(text.split())


def host_page(html: bytes, truth: str, new_paras: Sequence[str], new_title: str) -> bytes | None:
    """``html`` (a real page) with its article paragraphs replaced by ``new_paras``."""
    try:
        tree = lxml.html.fromstring(html.decode("utf-8", "replace"))  # the shared pages are UTF-8
    except Exception:  # noqa: BLE001 - a page lxml cannot parse is not used as a host
        return None
    known = _norm(truth)
    story = [p for p in tree.iter("p") if len(_norm(p.text_content())) > 30 and _norm(p.text_content()) in known]
    if len(story) < 2 or sum(len(_norm(p.text_content())) for p in story) < 0.8 * len(known):
        return None  # the host's own story would show through
    first = story[0]
    parent = first.getparent()
    index = parent.index(first)
    for p in story:
        p.drop_tree()
    for offset, text in enumerate(new_paras):
        element = lxml.html.Element("p")
        element.text = text
        parent.insert(index + offset, element)
    for title in tree.iter("title"):
        title.text = new_title
    for h1 in list(tree.iter("h1"))[:1]:
        for child in list(h1):
            h1.remove(child)
        h1.text = new_title
    for meta in tree.iter("meta"):
        if meta.get("property") in ("og:title", "twitter:title") or meta.get("name") in ("twitter:title",):
            meta.set("content", new_title)
    head = tree.find("head")
    if head is not None:
        head.insert(0, lxml.html.Element("meta", charset="utf-8"))
    return lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>")


def other_pages() -> list[tuple[str, str, bytes]]:
    """(name, url, bytes) of the pages of dates/, dates-more/ and snippets/: the pool of same-topic negatives."""
    root = bench_dir()
    pages: list[tuple[str, str, bytes]] = []
    for folder in ("dates", "dates-more"):
        labels = json.loads((root / folder / "labels.json").read_text(encoding="utf-8"))
        for name in sorted(labels):
            path = root / folder / (name if name.endswith(".gz") else name + ".gz")
            if path.exists():
                pages.append((f"{folder}/{name}", labels[name].get("url") or "", read_page(path)))
    evaldata = json.loads((root / "snippets" / "evaldata.json").read_text(encoding="utf-8"))
    for url in sorted(evaldata):
        path = root / "snippets" / evaldata[url]["file"]
        if not path.exists():
            path = path.with_name(path.name + ".gz")
        if path.exists():
            pages.append((f"snippets/{evaldata[url]['file']}", url, read_page(path)))
    return pages


def _tfidf(texts: Sequence[str]) -> list[dict[str, float]]:
    docs = [Counter(stories.words(t)) for t in texts]
    df: Counter = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    vectors = []
    for d in docs:
        v = {w: (1 + math.log(c)) * math.log(n / df[w]) for w, c in d.items() if df[w] > 1}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def build_set(seed: int = 18) -> list[Item]:
    rng = random.Random(seed)
    bases = list(load_articles())
    titles = {}
    for page_id, url, html, _truth in bases:
        titles[page_id] = extract(html, url).title or "Untitled"
    items: list[Item] = []
    for page_id, url, html, _truth in bases:
        items.append(Item(page_id, page_id, "original", url, html, half(page_id)))
    for page_id, _url, _html, truth in bases:
        paras = paragraphs(truth)
        for n in range(rng.randint(1, 5)):
            for _attempt in range(10):
                host_id, host_url, host_html, host_truth = rng.choice(bases)
                if host_id == page_id:
                    continue
                text, _done = edit(paras, rng)
                page = host_page(host_html, host_truth, text, headline(titles[page_id], rng))
                if page is not None:
                    copy_url = f"https://copy{n}.{host_url.split('/')[2] if '//' in host_url else 'example'}/{page_id}"
                    items.append(Item(f"{page_id}#copy{n}", page_id, "copy", copy_url, page, half(page_id),
                                      text="\n\n".join(text)))
                    break
    # hard negatives: the nearest articles on the same topic among the other shared pages
    pool = other_pages()
    pool_bodies = [extract(html, url or None).body for _, url, html in pool]
    # the same page can be in two sets (dates-more/ and snippets/): one copy only, and none
    # that is one of the articles themselves
    seen = {" ".join(stories.words(truth))[:300] for _, _, _, truth in bases}
    keep = []
    for i, body in enumerate(pool_bodies):
        start = " ".join(stories.words(body))[:300]
        if len(stories.words(body)) >= stories.MIN_WORDS and start not in seen:
            seen.add(start)
            keep.append(i)
    base_bodies = [truth for _, _, _, truth in bases]
    vectors = _tfidf(base_bodies + [pool_bodies[i] for i in keep])
    base_vectors, pool_vectors = vectors[:len(bases)], vectors[len(bases):]
    chosen: set[int] = set()
    for b, (page_id, _url, _html, truth) in enumerate(bases):
        ranked = sorted(range(len(keep)), key=lambda j: -_cosine(base_vectors[b], pool_vectors[j]))
        near = [j for j in ranked if keep[j] not in chosen][:2]
        for j in near:
            name, url, html = pool[keep[j]]
            chosen.add(keep[j])
            items.append(Item(name, name, "neighbour", url or f"https://neighbour.example/{len(items)}", html,
                              half(page_id)))
        if b % 3 == 0 and near:
            # a follow-up story: the neighbour's text with one paragraph of this page quoted in
            # it — a hard negative for this page, a re-publication of the neighbour
            name, url, html = pool[keep[near[0]]]
            theirs = paragraphs(pool_bodies[keep[near[0]]])
            ours = paragraphs(truth)
            quoted = rng.choice(ours[1:] or ours)
            text = theirs[:len(theirs) // 2] + [quoted] + theirs[len(theirs) // 2:]
            host_id, host_url, host_html, host_truth = bases[(b + 7) % len(bases)]
            page = host_page(host_html, host_truth, text, "Follow-up: " + titles[page_id])
            if page is not None:
                items.append(Item(f"{name}#follow-up", name, "follow-up",
                                  f"https://followup.example/{b}", page, half(page_id)))
    for item in items:
        item.body = extract(item.html, item.url).body
    return items


def carried(item: Item, text: str) -> float:
    """Share of ``text``'s shingles found in the item's extracted body."""
    wanted = stories.shingles(text)
    return len(wanted & stories.shingles(item.body)) / len(wanted) if wanted else 0.0


# -- scoring ---------------------------------------------------------------------------------------

def true_pairs(groups: Sequence[str]) -> set[tuple[int, int]]:
    by: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by[g].append(i)
    return {(a, b) for members in by.values() for x, a in enumerate(members) for b in members[x + 1:]}


def cluster_pairs(labels: Sequence[object | None]) -> set[tuple[int, int]]:
    by: dict[object, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        if label is not None:
            by[label].append(i)
    return {(a, b) for members in by.values() for x, a in enumerate(members) for b in members[x + 1:]}


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def precision_recall(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float]:
    hit = len(found & truth)
    return (hit / len(found) if found else 1.0), (hit / len(truth) if truth else 1.0)


@dataclass
class PairStats:
    jaccard: float       # estimated, from the sketches
    containment: float
    exact_jaccard: float
    exact_containment: float
    candidate: bool      # found by the LSH bands
    shapes: dict[tuple[int, int], bool]   # found by the bands of other (bands, rows) shapes


def all_pairs(items: Sequence[Item]) -> dict[tuple[int, int], PairStats]:
    """Similarity of every pair with any shingle in common (others have J = C = 0)."""
    sketches = [stories.sketch(i.body) for i in items]
    sets = [stories.shingles(i.body) for i in items]
    keys = [set(s.keys()) if s else set() for s in sketches]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, shingle_set in enumerate(sets):
        if sketches[i] is None:
            continue
        for s in shingle_set:
            postings[s].append(i)
    shared: Counter = Counter()
    for members in postings.values():
        if len(members) > 200:
            continue
        for x, a in enumerate(members):
            for b in members[x + 1:]:
                shared[(a, b)] += 1
    out = {}
    for (a, b), common in shared.items():
        sa, sb = sketches[a], sketches[b]
        assert sa is not None and sb is not None
        j = sa.jaccard(sb)
        union = len(sets[a]) + len(sets[b]) - common
        agree = np.asarray(sa.values) == np.asarray(sb.values)
        shapes = {(bands, rows): bool(agree[:bands * rows].reshape(bands, rows).all(axis=1).any())
                  for bands, rows in SHAPES}
        out[(a, b)] = PairStats(j, sa.containment(sb, j), common / union, common / min(len(sets[a]), len(sets[b])),
                                bool(keys[a] & keys[b]), shapes)
    return out


SHAPES = ((15, 8), (31, 4), (42, 3), (63, 2))  # each within NUM_PERM = 126 values


def evaluate(pairs: dict[tuple[int, int], PairStats], n: int, truth: set[tuple[int, int]], select: Sequence[int],
             jaccard: float, containment: float, jaccard_contained: float, *, exact: bool = False,
             lsh: bool = True, shape: tuple[int, int] | None = None) -> tuple[float, float]:
    chosen = set(select)
    edges = []
    for (a, b), p in pairs.items():
        if a not in chosen or b not in chosen:
            continue
        if lsh and not (p.shapes[shape] if shape else p.candidate):
            continue
        j, c = (p.exact_jaccard, p.exact_containment) if exact else (p.jaccard, p.containment)
        if j >= jaccard or (j >= jaccard_contained and c >= containment):
            edges.append((a, b))
    labels: list[object | None] = list(components(n, edges))
    size = Counter(labels)
    labels = [label if size[label] > 1 and i in chosen else None for i, label in enumerate(labels)]
    wanted = {(a, b) for a, b in truth if a in chosen and b in chosen}
    return precision_recall(cluster_pairs(labels), wanted)


def archive_run(items: Sequence[Item], folder: Path, seed: int) -> tuple[float, float, float, bool, int]:
    """Store every item (shuffled) in a real archive; P/R of its stories; and after a rebuild."""
    from scraper.archive import Archive

    path = folder / "stories-quality.db"
    for stale in folder.glob(path.name + "*"):
        stale.unlink()
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    ids: dict[int, int] = {}
    t0 = time.perf_counter()
    with Archive(path) as archive:
        for i in order:
            item = items[i]
            result = archive.store(extract(item.html, item.url), raw=item.html, url=item.url)
            ids[i] = result.article_id
    seconds = time.perf_counter() - t0

    def labels() -> list[object | None]:
        with Archive(path, readonly=True) as archive:
            story = {r["id"]: r["story"] for r in archive.query("SELECT id, story FROM articles")}
        return [story[ids[i]] for i in range(len(items))]

    truth = true_pairs([i.group for i in items])
    incremental = labels()
    p, r = precision_recall(cluster_pairs(incremental), truth)
    script = Path(sys.executable).with_name("scraper")
    subprocess.run([str(script), "stories", "--rebuild", "--db", str(path)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rebuilt = labels()
    same = cluster_pairs(incremental) == cluster_pairs(rebuilt)
    return p, r, seconds, same, len({x for x in incremental if x is not None})


def quality(folder: Path, seed: int, cache: Path | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    if cache is not None and cache.exists():
        items = [Item(**fields) for fields in pickle.loads(cache.read_bytes())]
    else:
        items = build_set(seed)
        if cache is not None:
            cache.write_bytes(pickle.dumps([vars(i) for i in items]))
    built = time.perf_counter() - t0
    # A copy whose page the extractor did not read right (the host's own text, or nothing)
    # says nothing about clustering: such copies are counted and left out.
    lost = [i for i in items if i.kind == "copy" and carried(i, i.text) < 0.5]
    items = [i for i in items if i not in lost]
    kinds = Counter(i.kind for i in items)
    print(f"test set: {len(items)} articles ({dict(kinds)}), built and extracted in {built:.0f} s; "
          f"{len(lost)} copies left out whose extracted body holds under half of the copy's text", flush=True)
    groups = [i.group for i in items]
    truth = true_pairs(groups)
    print(f"true pairs: {len(truth)}; articles with too short a body to cluster: "
          f"{sum(1 for i in items if stories.sketch(i.body) is None)}")
    t0 = time.perf_counter()
    pairs = all_pairs(items)
    print(f"pairs sharing a shingle: {len(pairs)} (compared in {time.perf_counter() - t0:.0f} s)")
    missed_by_lsh = sum(1 for (a, b), p in pairs.items() if (a, b) in truth and not p.candidate)
    print(f"true pairs the LSH bands ({stories.BANDS}x{stories.ROWS}) do not propose: {missed_by_lsh}; "
          f"false pairs proposed: {sum(1 for k, p in pairs.items() if p.candidate and k not in truth)}")
    n = len(items)
    halves = {"tune": [i for i, it in enumerate(items) if it.half == "tune"],
              "check": [i for i, it in enumerate(items) if it.half == "check"],
              "all": list(range(n))}
    chosen = (stories.MIN_JACCARD, stories.MIN_CONTAINMENT, stories.MIN_JACCARD_CONTAINED)
    grid = sorted({(j, c, jc) for j in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8) for c in (0.7, 0.75, 0.8, 0.85, 0.9, 1.01)
                   for jc in (0.15, 0.2, 0.25, 0.3) if jc <= j} | {chosen})
    print("\nthresholds (Jaccard; containment with Jaccard at least)  tune P/R    check P/R    all P/R   "
          "(all, exact similarity)")
    rows = []
    for j, c, jc in grid:
        scores = {h: evaluate(pairs, n, truth, sel, j, c, jc) for h, sel in halves.items()}
        exact = evaluate(pairs, n, truth, halves["all"], j, c, jc, exact=True, lsh=False)
        rows.append(((j, c, jc), scores, exact))
    def f1(pr: tuple[float, float]) -> float:
        return 2 * pr[0] * pr[1] / (pr[0] + pr[1]) if pr[0] + pr[1] else 0.0

    # best on the tune half first; among equals, the higher thresholds (a margin from the negatives)
    rows.sort(key=lambda r: (-round(f1(r[1]["tune"]), 4), -r[0][0], -r[0][1], -r[0][2]))
    shown = rows[:12] + [r for r in rows[12:] if r[0] == chosen]
    for (j, c, jc), scores, exact in shown:
        mark = "  <- scraper.stories" if (j, c, jc) == chosen else ""
        cont = "off" if c > 1 else f"{c:.2f}"
        print(f"  J>={j:.2f} or C>={cont} & J>={jc:.2f}      "
              + "  ".join(f"{scores[h][0]:.3f}/{scores[h][1]:.3f}" for h in ("tune", "check", "all"))
              + f"   ({exact[0]:.3f}/{exact[1]:.3f}){mark}")
    print("\nLSH shape (bands x rows), with the thresholds of scraper.stories:   all P/R   "
          "candidate pairs: true / false / true not proposed")
    for shape in SHAPES:
        prec, rec = evaluate(pairs, n, truth, halves["all"], *chosen, shape=shape)
        proposed = [k for k, p in pairs.items() if p.shapes[shape]]
        true_proposed = sum(1 for k in proposed if k in truth)
        mark = "  <- scraper.stories" if shape == (stories.BANDS, stories.ROWS) else ""
        print(f"  {shape[0]:>2} x {shape[1]}{'':<60}{prec:.3f}/{rec:.3f}   {true_proposed} / "
              f"{len(proposed) - true_proposed} / {len(truth) - true_proposed}{mark}")
    by_kind: dict[str, list[float]] = defaultdict(list)
    for (a, b), p in pairs.items():
        if (a, b) in truth:
            by_kind["true pairs"].append(p.jaccard)
        elif "neighbour" in (items[a].kind, items[b].kind) or "follow-up" in (items[a].kind, items[b].kind):
            by_kind["hard negatives"].append(p.jaccard)
    for kind, values in by_kind.items():
        values.sort()
        q = [values[int(len(values) * f)] for f in (0.01, 0.05, 0.5)] if values else []
        print(f"estimated Jaccard of {kind}: min {values[0]:.3f}, 1% {q[0]:.3f}, 5% {q[1]:.3f}, "
              f"median {q[2]:.3f}, max {values[-1]:.3f} ({len(values)} pairs)")
    p, r, seconds, same, count = archive_run(items, folder, seed)
    print(f"\nin a real archive (stored one by one, shuffled; {seconds:.1f} s for {n} pages): "
          f"{count} stories, pair precision {p:.3f}, recall {r:.3f}; "
          f"`scraper stories --rebuild` gives the same stories: {same}")
    return {"articles": n, "true_pairs": len(truth), "precision": round(p, 4), "recall": round(r, 4),
            "rebuild_same": same}


class _Undo(Exception):
    """Raised to roll a measured store back."""


# -- scale -----------------------------------------------------------------------------------------

def sentence_pool() -> list[str]:
    pool = []
    for _page_id, _url, _html, truth in load_articles():
        for para in paragraphs(truth):
            pool.extend(s for s in sentences(para) if len(s.split()) >= 6)
    for _name, url, html in other_pages():
        for para in paragraphs(extract(html, url or None).body):
            pool.extend(s for s in sentences(para) if len(s.split()) >= 6)
    return pool


def build_scale(path: Path, n: int, seed: int = 18) -> float:
    """Write ``n`` articles straight into a new archive (stories empty); return the seconds."""
    from scraper.archive import Archive

    rng = random.Random(seed)
    pool = sentence_pool()
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    t0 = time.perf_counter()
    with Archive(path) as archive:
        conn = archive.db.conn
        texts: list[list[str]] = []
        groups: list[int] = []   # the original each article is a copy of (itself for an original)
        with archive.transaction():
            for i in range(n):
                if i > 100 and rng.random() < 0.2:
                    source = rng.randrange(len(texts))
                    paras, _ = edit(texts[source], rng)
                    groups.append(groups[source])
                else:
                    chosen = rng.sample(pool, rng.randint(12, 40))
                    paras = [" ".join(chosen[k:k + 3]) for k in range(0, len(chosen), 3)]
                    groups.append(i)
                texts.append(paras)
                body = "\n\n".join(paras)
                when = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00+00:00"
                conn.execute(
                    "INSERT INTO articles (url, site, title, body, published, published_month, word_count, "
                    "content_hash, first_fetched, last_fetched, updated_at, is_article, description) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                    (f"https://site{i % 50}.example/{i}", f"site{i % 50}.example", f"Story {i}", body,
                     when[:10], when[:7], len(body.split()), str(i), when, when, when, f"group {groups[i]}"))
    return time.perf_counter() - t0


def scale(folder: Path, n: int, reuse: bool) -> dict[str, object]:
    from scraper.archive import Archive, _now

    path = folder / f"stories-{n}.db"
    if not (reuse and path.exists()):
        # built in a process of its own: a child forked from a process holding the sentence
        # pool would count that memory in its peak RSS (which survives exec)
        t0 = time.perf_counter()
        builder = multiprocessing.get_context("spawn").Process(target=build_scale, args=(path, n))
        builder.start()
        builder.join()
        if builder.exitcode != 0:
            raise SystemExit(f"building the archive failed (exit {builder.exitcode})")
        print(f"built {path} ({n} articles, written directly) in {time.perf_counter() - t0:.0f} s", flush=True)
    script = Path(sys.executable).with_name("scraper")
    load = os.getloadavg()[0]  # the machine is shared: the CPU time says what the wall time cannot
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(script), "stories", "--rebuild", "--db", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = (proc.stdout.read() if proc.stdout else "") + (proc.stderr.read() if proc.stderr else "")
    code = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    print(f"`scraper stories --rebuild` on {n} articles: {wall:.0f} s wall ({cpu:.0f} s of CPU), "
          f"peak RSS {rss:.0f} MB, exit {code}; load average before it {load:.1f}")
    print("  " + out.strip().replace("\n", "\n  "))
    with Archive(path, readonly=True) as archive:
        clustered = archive.db.conn.execute("SELECT count(*) FROM articles WHERE story IS NOT NULL").fetchone()[0]
        count = archive.db.conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        bodies = [r[0] for r in archive.db.conn.execute("SELECT body FROM articles ORDER BY random() LIMIT 1000")]
    print(f"  {count} stories holding {clustered} articles")
    # the copies planted (an article's description names its original) against the stories found
    with Archive(path, readonly=True) as archive:
        cells: Counter = Counter()
        sizes_true: Counter = Counter()
        sizes_found: Counter = Counter()
        for row in archive.db.conn.execute("SELECT id, story, description FROM articles"):
            group = row[2]
            story = row[1] if row[1] is not None else -row[0]
            cells[(story, group)] += 1
            sizes_true[group] += 1
            sizes_found[story] += 1
    pairs = lambda counts: sum(c * (c - 1) // 2 for c in counts.values())  # noqa: E731
    hit, found, truth = pairs(cells), pairs(sizes_found), pairs(sizes_true)
    scale_precision, scale_recall = (hit / found if found else 1.0), (hit / truth if truth else 1.0)
    print(f"  against the planted copies: pair precision {scale_precision:.4f}, recall {scale_recall:.4f} "
          f"({truth} true pairs, {found} found)")
    # the incremental step, as every store runs it, at this scale (each store rolled back after)
    rng = random.Random(5)
    timings = []
    with Archive(path) as archive:
        conn = archive.db.conn
        for k, body in enumerate(bodies):
            paras, _ = edit(paragraphs(body), rng) if k % 2 else (paragraphs(body)[::-1], [])
            text = "\n\n".join(paras)
            try:
                with archive.transaction():
                    article_id = conn.execute(
                        "INSERT INTO articles (url, body, first_fetched, last_fetched, updated_at, is_article) "
                        "VALUES (?, ?, ?, ?, ?, 1)", (f"https://late.example/{k}", text, _now(), _now(), _now())
                    ).lastrowid
                    t1 = time.perf_counter()
                    stories.assign(conn, int(article_id or 0), text, True, _now(), fresh=True)
                    timings.append(time.perf_counter() - t1)
                    raise _Undo
            except _Undo:
                pass
    timings.sort()
    print(f"clustering step of one store at this scale: median {timings[len(timings) // 2] * 1000:.2f} ms, "
          f"95th percentile {timings[int(len(timings) * 0.95)] * 1000:.2f} ms ({len(timings)} articles)")
    return {"articles": n, "rebuild_s": round(wall, 1), "rebuild_cpu_s": round(cpu, 1),
            "rebuild_peak_rss_mb": round(rss), "exit": code,
            "stories": count, "clustered": clustered, "precision": round(scale_precision, 4),
            "recall": round(scale_recall, 4),
            "store_step_median_ms": round(timings[len(timings) // 2] * 1000, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--articles", type=int, default=100_000, help="articles in the scale run")
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--scale-only", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse the scale archive of a previous run")
    parser.add_argument("--cache", type=Path, help="keep the built test set in FILE and reuse it (pickle)")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {}
    if not args.scale_only:
        results["quality"] = quality(args.dir, args.seed, args.cache)
    if not args.skip_scale:
        results["scale"] = scale(args.dir, args.articles, args.reuse)
    print(json.dumps(results, indent=2))
    ok = True
    if "quality" in results:
        q = results["quality"]
        assert isinstance(q, dict)
        ok = ok and q["precision"] >= 0.95 and q["recall"] >= 0.95 and bool(q["rebuild_same"])
    if "scale" in results:
        s = results["scale"]
        assert isinstance(s, dict)
        ok = ok and s["exit"] == 0 and float(s["rebuild_s"]) < 300 and float(s["rebuild_peak_rss_mb"]) < 1024
    print("pair precision and recall >= 0.95, rebuild < 300 s and < 1 GB:", "ok" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
