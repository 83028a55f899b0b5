"""Stories: the same text published on several sites (wire copy, press releases), found.

Every article whose body is near-identical to another's gets a ``story``: the id of a row in
the ``stories`` table, shared by every member. The earliest published member is the story's
first (``articles.story_first = 1``); exports, lists and searches can keep one article per
story. Clustering runs inside the archive's write transaction, article by article, whatever
brought the page in (fetch, crawl, import-warc, reextract all store through
:class:`scraper.archive.Archive`), and :func:`rebuild` runs the same step over a whole archive.

How two bodies are compared
    A body is cut into shingles: every run of :data:`SHINGLE_WORDS` consecutive words
    (case-folded, punctuation dropped; Chinese, Japanese and Korean characters count as
    words), each hashed to 32 bits (:func:`shingle_hash`). A MinHash of :data:`NUM_PERM` values estimates the Jaccard similarity J of two
    shingle sets, and with the sets' sizes their containment C (the share of the shorter
    text's shingles found in the longer one). Two bodies are the same story when
    J ≥ :data:`MIN_JACCARD`, or C ≥ :data:`MIN_CONTAINMENT` while J ≥ :data:`MIN_JACCARD_CONTAINED`
    (a copy cut short, or the original with a paragraph added, still shares most of its
    text). A story is the connected group of such pairs.

How candidates are found
    Locality-sensitive hashing: the signature is cut into :data:`BANDS` bands of
    :data:`ROWS` values; two articles that agree on every value of some band are candidates
    (probability 1 − (1 − J^ROWS)^BANDS: 0.68 at J = 0.3, 0.94 at J = 0.4, 0.996 at J = 0.5;
    and a story needs only one chain of proposed pairs between its members). Each band
    is an 8-byte key in ``story_keys`` (an index), so a new article finds its candidates in
    one indexed query however large the archive. Only candidates are compared.

Why our own MinHash
    The MinHash is datasketch's "affine32" scheme (the MurmurHash3 finalizer on the 32-bit
    hash of each shingle, then ``a·h + b mod 2³²`` with odd ``a``, permutations drawn from
    ``numpy.random.RandomState(SEED)``), bit for bit — ``tests/test_stories.py`` checks it
    against datasketch itself. It is written out here rather than imported because importing
    datasketch loads SciPy (about 1 s and 60 MB, for its LSH parameter search), which every
    ``scraper fetch`` would pay; because the LSH index must live in the archive, inside its
    transactions, where datasketch's storage backends (memory, Redis, Cassandra) cannot be;
    and because signatures stored in an archive must stay comparable across releases
    (datasketch 2.0 changed its default scheme). :data:`SCHEME` names the one used here.

The thresholds were chosen with ``python -m benchmarks.stories`` (README, "For researchers").
"""

from __future__ import annotations

import hashlib
import operator
import re
import sqlite3
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - numpy is imported only where it pays (see sketch)
    import numpy as np

    from .archive import Archive

__all__ = ["SHINGLE_WORDS", "NUM_PERM", "BANDS", "ROWS", "MIN_WORDS", "MIN_JACCARD", "MIN_CONTAINMENT",
           "MIN_JACCARD_CONTAINED", "SCHEME", "Sketch", "sketch", "shingles", "shingle_hash", "word_hash", "similar", "assign",
           "remove", "refresh", "rebuild", "members", "list_stories", "also_published"]

# -- named thresholds (chosen with benchmarks/stories.py; see README) ---------------------------

SHINGLE_WORDS = 5          # words per shingle
NUM_PERM = 126             # MinHash values per body
BANDS = 42                 # LSH bands ...
ROWS = 3                   # ... of this many values each (BANDS * ROWS == NUM_PERM)
MIN_WORDS = 50             # shorter bodies (stubs, captions, list pages) are never clustered
MIN_JACCARD = 0.5          # same story when the shingle sets' Jaccard similarity reaches this
MIN_CONTAINMENT = 0.8      # ... or when this share of the shorter text is in the longer one
MIN_JACCARD_CONTAINED = 0.25   # ... and the Jaccard similarity is at least this
SEED = 1
SCHEME = f"minhash-affine32-crcpoly-w{SHINGLE_WORDS}-p{NUM_PERM}-b{BANDS}x{ROWS}-s{SEED}"

assert BANDS * ROWS == NUM_PERM

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_PERMUTATIONS: tuple[Any, Any] | None = None


def words(text: str | None) -> list[str]:
    """The words of a text as compared: case-folded runs of letters and digits; CJK characters one by one."""
    return _WORD.findall((text or "").casefold())


def shingles(text: str | None, size: int = SHINGLE_WORDS) -> set[str]:
    """Every run of ``size`` consecutive words (one shingle for a shorter text)."""
    tokens = words(text)
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


# datasketch's affine32 permutation parameters for (NUM_PERM, SEED), odd ``a`` and any ``b``:
# what ``numpy.random.RandomState(SEED)`` draws (see _permutations; tests/test_stories.py
# checks the two agree), written out so that signing a body needs no numpy.
_PERM_A = (
    0xD583E84B, 0xFE8F01D7, 0x70CE5F19, 0xDD782891, 0x000EFDFF, 0x41998713, 0x9ACB5597, 0xFF823D0B,
    0x4B23969F, 0x78E0A781, 0x2F470121, 0xCB0CA103, 0x5F5D7F99, 0xC69C3C8F, 0xB0ED55DB, 0x56E8F3F9,
    0xCB251B0D, 0xDEFEFA33, 0x13DFC965, 0xB14FAA29, 0xD6A0A9FD, 0xA06562CB, 0x5ED51725, 0x0C9193A9,
    0x68ADF717, 0xE30C41F9, 0xC1989BD5, 0x758B2539, 0x0E05BF3B, 0x119EB31D, 0x57478465, 0xD3F2D489,
    0xD5A8F9AF, 0xEA16BFAF, 0x1E0C97D3, 0xDC8485E3, 0x47E0CBEF, 0xE0D55BBD, 0x656D8EC1, 0x8E8908AD,
    0x99FB311B, 0x6E93AFD3, 0xEFBFFB13, 0x9B03080F, 0xA079227F, 0x2F83967B, 0x62781C2D, 0x094B4A73,
    0xC0B61403, 0xBAE3EF01, 0xCA09E279, 0xA885F1A3, 0x2B8AEA11, 0xA8C1C5B1, 0x13FEFD1B, 0x8BCD34E7,
    0x56F4035F, 0x1E551FD5, 0xC19BE4F3, 0x574F7391, 0x325A843D, 0x2FA6488F, 0xD79B6B07, 0x57E30B8D,
    0xEA707F2B, 0xD2D5DC63, 0x10FB0A73, 0x65256407, 0x623DB789, 0x944A5631, 0xA18B43E3, 0x48C3F857,
    0x5F7D0C99, 0x910E9835, 0xAB540E69, 0xD3384AA1, 0x095D14DB, 0x117EE6E7, 0x8012EA53, 0x3F80DBA5,
    0xFA4C001F, 0x523ED881, 0x7F0F9189, 0x98D46033, 0x8F965ADF, 0xE46BBDC5, 0x941C6BAF, 0x71BA4F0F,
    0x34DA0A35, 0x258FFD33, 0xE5524CD1, 0xF040082D, 0xD1336E13, 0x313D7D87, 0x965497CF, 0xCE8688FD,
    0x93574A2F, 0x3D2DDAFB, 0x42931AC9, 0x0CB28137, 0x09EA774B, 0x2AD0A273, 0x5B9054A7, 0xD56ED94D,
    0x6C5A8511, 0xD2264A41, 0x87F5BB45, 0x990D5E15, 0xFBAF7A2F, 0x2B350D1F, 0x1B5255DF, 0x21BF38AF,
    0x25F2BE33, 0x3A561F8F, 0x4B2001E7, 0xE9BF0AB9, 0x2DB97495, 0x859F097D, 0x6646BA5D, 0x7647A741,
    0x34652DB1, 0x1120292F, 0xD3FF256F, 0xE65E4A83, 0x63886AE3, 0xFC724E9B,
)

_PERM_B = (
    0x6A07A703, 0x8A64CB80, 0x0CC9BFF8, 0xC3F6D4FD, 0x893081CD, 0x0B9BC706, 0xA9EE7234, 0x23D4D1D5,
    0x83CFC5C6, 0xCADAF602, 0xF1D0F64C, 0x07A10FDB, 0x96287895, 0xE21482CB, 0xE7455907, 0x8A71184D,
    0x23318AC8, 0x72AED44B, 0x23A79D4C, 0xE463042B, 0xCEB13214, 0x60A95E1E, 0x65CE2624, 0x89D63367,
    0x2A54A707, 0xA6FD0F2D, 0xED7133C4, 0x5C7B9A39, 0x59072EF0, 0x922D9DFC, 0xC03538D2, 0xA3494060,
    0xB9DB010D, 0x20562C0A, 0xE2205917, 0xB0B13F7C, 0x9FA8FB51, 0xA5D2E787, 0xC03DC379, 0x5A9BC098,
    0x595166CA, 0xC3633DDC, 0x4519FE94, 0x5B45A9A0, 0xE558CC8C, 0xC0B6BCC1, 0x6D97625E, 0xE19F9E3C,
    0xF6FFC1E9, 0x02FCC098, 0xA9D74D52, 0x7F841373, 0x9F277361, 0x12E40882, 0x1D5FFDEC, 0xC975A6DC,
    0xF311BA67, 0x1066B762, 0x732D710A, 0x5AF59EB6, 0x94115760, 0xF11C39E9, 0x687BA752, 0x613AC9D6,
    0x3CADCCC6, 0xC34EBAC2, 0xE743E147, 0xC5873FE7, 0x92DCA8B0, 0x4D25F636, 0x00BC1C0F, 0xC5D23B85,
    0x9DFD3591, 0x272668AA, 0x539F0014, 0x94215A76, 0x86ED47B0, 0x024E5916, 0xE2CD19E5, 0xB583CF8D,
    0x5B7607F1, 0x787BEA72, 0xE895C261, 0xC3BC56B5, 0x9F948754, 0x77A70C0A, 0x040CDC60, 0x44DD40B7,
    0xEDEF993D, 0xD4E9CE38, 0xB0DE9ED9, 0x8D23A195, 0xFF508CE7, 0x11F0DC60, 0x2C1E81F9, 0x78F41FD3,
    0x231B5419, 0xBE25D5F1, 0xEEBE938E, 0x3124088D, 0xB262ACD4, 0x76DD1E74, 0x10E5632B, 0x3AF90E86,
    0xC16606CD, 0x821C82B8, 0xC0FE07BB, 0x3564BB8F, 0xEC4B5618, 0x0C9F33FB, 0xB6267C89, 0x84D421C2,
    0x1FD038C7, 0x2C1A6F35, 0x0516DD45, 0x6574C9A4, 0x06B5C365, 0x1B7C4AF8, 0x073F1815, 0x8282ED28,
    0x3F07B04D, 0x1A2588DB, 0xDC2ACAB1, 0x49E96971, 0x89F0D52F, 0x3B5485CD,
)

assert len(_PERM_A) == len(_PERM_B) == NUM_PERM

# Signing in pure Python costs about 9 µs per shingle (all NUM_PERM values); numpy signs a
# body in about a millisecond but takes 40–60 ms to import. So a process signs its first
# few bodies without it (a one-page ``fetch`` never imports numpy) and imports numpy from
# then on, or for a body too long to sign quickly by hand. Both give the same values.
PURE_PYTHON_BODIES = 8          # bodies a process signs in pure Python before it imports numpy
PURE_PYTHON_SHINGLES = 3000     # ... each of at most this many distinct shingles
_signed_in_python = 0
_U32 = next(code for code in "IL" if array(code).itemsize == 4)  # the array type of uint32


def _permutations() -> tuple[Any, Any]:
    """datasketch's affine32 permutation parameters for (NUM_PERM, SEED) as numpy drew them."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        import numpy as np

        gen = np.random.RandomState(SEED)
        a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
        _PERMUTATIONS = (a, b)
    return _PERMUTATIONS


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, element-wise (multiplication wraps, as intended)."""
    import numpy as np

    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def _fmix32_int(hv: int) -> int:
    """:func:`_fmix32` of one value, in pure Python."""
    hv ^= hv >> 16
    hv = (hv * 0x85EBCA6B) & 0xFFFFFFFF
    hv ^= hv >> 13
    hv = (hv * 0xC2B2AE35) & 0xFFFFFFFF
    return hv ^ (hv >> 16)


_MULTIPLIER = 0x01000193   # FNV's 32-bit prime: a shingle's hash is a polynomial in its words' hashes
_WORD_HASHES: dict[str, int] = {}


def word_hash(word: str) -> int:
    """The 32-bit hash of one word (CRC-32 of its UTF-8 bytes: fast and the same in every run)."""
    found = _WORD_HASHES.get(word)
    if found is None:
        if len(_WORD_HASHES) > 2_000_000:  # a cache, not a vocabulary: keep it bounded
            _WORD_HASHES.clear()
        found = _WORD_HASHES[word] = zlib.crc32(word.encode("utf-8"))
    return found


def shingle_hash(words: Sequence[str]) -> int:
    """The 32-bit hash of one shingle: Σ word_hash(wᵢ)·P^(k−1−i) mod 2³², order-sensitive.

    :func:`sketch` computes the same for every shingle of a text at once.
    """
    value = 0
    for word in words:
        value = (value * _MULTIPLIER + word_hash(word)) & 0xFFFFFFFF
    return value


def _uint32s(values: Iterable[int] | bytes) -> array[int]:
    """An array of unsigned 32-bit ints (from ints, or from little-endian bytes)."""
    if isinstance(values, bytes):
        out = array(_U32)
        out.frombytes(values)
        if sys.byteorder == "big":
            out.byteswap()
        return out
    return array(_U32, values)


@dataclass
class Sketch:
    """A body's MinHash ``values`` (NUM_PERM unsigned 32-bit ints) and its shingle count ``size``."""

    values: array[int]
    size: int

    def to_bytes(self) -> bytes:
        if sys.byteorder == "big":
            swapped = array(_U32, self.values)
            swapped.byteswap()
            return swapped.tobytes()
        return self.values.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, size: int) -> Sketch:
        return cls(_uint32s(data), size)

    def keys(self) -> list[int]:
        """One signed 64-bit LSH key per band (the band's number is part of the key)."""
        raw = self.to_bytes()
        width = ROWS * 4
        return [int.from_bytes(hashlib.blake2b(bytes([band]) + raw[band * width:(band + 1) * width],
                                               digest_size=8).digest(), "little", signed=True)
                for band in range(BANDS)]

    def jaccard(self, other: Sketch) -> float:
        """Estimated Jaccard similarity of the two shingle sets."""
        return sum(map(operator.eq, self.values, other.values)) / len(self.values)

    def containment(self, other: Sketch, jaccard: float | None = None) -> float:
        """Estimated share of the smaller set's shingles that are in the other set.

        |A ∩ B| = J·(|A| + |B|)/(1 + J), divided by the smaller size (capped at 1).
        """
        j = self.jaccard(other) if jaccard is None else jaccard
        smaller = min(self.size, other.size)
        if smaller <= 0:
            return 0.0
        return min(1.0, j * (self.size + other.size) / (1.0 + j) / smaller)


def sketch(text: str | None) -> Sketch | None:
    """The MinHash of a body, or None when it is too short to be clustered (< MIN_WORDS words).

    Signed in pure Python or with numpy (see :data:`PURE_PYTHON_BODIES`): the same values.
    """
    global _signed_in_python
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    hashed = [word_hash(token) for token in tokens]
    if ("numpy" not in sys.modules and _signed_in_python < PURE_PYTHON_BODIES
            and len(tokens) <= PURE_PYTHON_SHINGLES + SHINGLE_WORDS - 1):
        _signed_in_python += 1
        return _sketch_python(hashed)
    return _sketch_numpy(hashed)


def _shingle_hashes(hashed: list[int]) -> list[int]:
    """Every shingle's polynomial (see :func:`shingle_hash`), from its words' hashes."""
    count = len(hashed) - SHINGLE_WORDS + 1
    grams = [0] * count
    for offset in range(SHINGLE_WORDS):
        grams = [(g * _MULTIPLIER + h) & 0xFFFFFFFF for g, h in zip(grams, hashed[offset:offset + count])]
    return grams


def _sketch_python(hashed: list[int]) -> Sketch:
    """:func:`sketch` in pure Python."""
    grams = set(_shingle_hashes(hashed))
    mixed = [_fmix32_int(g) for g in grams]
    values = [min([(m * a + b) & 0xFFFFFFFF for m in mixed]) for a, b in zip(_PERM_A, _PERM_B)]
    return Sketch(_uint32s(values), len(grams))


def _sketch_numpy(hashed: list[int]) -> Sketch:
    """:func:`sketch` with numpy: every shingle and every permutation at once."""
    import numpy as np

    words_hashed = np.array(hashed, dtype=np.uint32)
    count = len(hashed) - SHINGLE_WORDS + 1
    grams = np.zeros(count, dtype=np.uint32)
    for offset in range(SHINGLE_WORDS):  # every shingle's polynomial at once (uint32 wraps: mod 2³²)
        grams = grams * np.uint32(_MULTIPLIER) + words_hashed[offset:offset + count]
    grams = np.unique(grams)
    a, b = _permutations()
    mixed = _fmix32(grams).reshape(-1, 1)
    values = (mixed * a + b).min(axis=0)
    return Sketch(_uint32s(values.astype("<u4").tobytes()), len(grams))


def similar(a: Sketch, b: Sketch) -> bool:
    """The named thresholds applied to two sketches: the same story or not."""
    j = a.jaccard(b)
    if j >= MIN_JACCARD:
        return True
    return j >= MIN_JACCARD_CONTAINED and a.containment(b, j) >= MIN_CONTAINMENT


# -- the archive's side ---------------------------------------------------------------------------

def _date_key(published: str | None) -> str:
    """A sortable UTC form of a publication date ('~' sorts undated members last)."""
    if not published:
        return "~"
    try:
        moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return published
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat()


def members(conn: sqlite3.Connection, story: int) -> list[tuple[int, str | None, str, str | None, str | None]]:
    """(id, published, first_fetched, site, title) of a story's articles, the first one first."""
    rows = conn.execute("SELECT id, published, first_fetched, site, title FROM articles WHERE story = ?",
                        (story,)).fetchall()
    return sorted(rows, key=lambda r: (_date_key(r[1]), r[2] or "", r[0]))


def refresh(conn: sqlite3.Connection, story: int, now: str) -> None:
    """Mark the story's first member and update its row; dissolve a story left with one member."""
    rows = members(conn, story)
    if len(rows) < 2:
        conn.execute("UPDATE articles SET story = NULL, story_first = NULL WHERE story = ?", (story,))
        conn.execute("DELETE FROM stories WHERE id = ?", (story,))
        return
    first = rows[0]
    conn.execute("UPDATE articles SET story_first = (id = ?) WHERE story = ?", (first[0], story))
    sites = len({r[3] for r in rows})
    conn.execute("UPDATE stories SET first_article_id = ?, title = ?, first_published = ?, articles = ?, "
                 "sites = ?, updated_at = ? WHERE id = ?",
                 (first[0], first[4], first[1], len(rows), sites, now, story))


def remove(conn: sqlite3.Connection, article_id: int, now: str) -> None:
    """Take an article out of the index and out of its story (whose first may change)."""
    row = conn.execute("SELECT minhash, shingles FROM story_sketches WHERE article_id = ?", (article_id,)).fetchone()
    if row is not None:
        keys = Sketch.from_bytes(row[0], row[1]).keys()
        conn.executemany("DELETE FROM story_keys WHERE key = ? AND article_id = ?",
                         [(k, article_id) for k in keys])
        conn.execute("DELETE FROM story_sketches WHERE article_id = ?", (article_id,))
    story = conn.execute("SELECT story FROM articles WHERE id = ?", (article_id,)).fetchone()
    if story and story[0] is not None:
        conn.execute("UPDATE articles SET story = NULL, story_first = NULL WHERE id = ?", (article_id,))
        refresh(conn, story[0], now)


def _candidates(conn: sqlite3.Connection, keys: Sequence[int], article_id: int) -> list[tuple[int, bytes, int]]:
    marks = ", ".join("?" for _ in keys)
    return conn.execute(
        "SELECT s.article_id, s.minhash, s.shingles FROM story_sketches s WHERE s.article_id IN "
        f"(SELECT DISTINCT article_id FROM story_keys WHERE key IN ({marks})) AND s.article_id != ?",
        (*keys, article_id)).fetchall()


def assign(conn: sqlite3.Connection, article_id: int, body: str | None, is_article: bool, now: str, *,
           fresh: bool = False, signed: Sketch | None = None) -> int | None:
    """Index an article's body and join it to the story of every near-identical article.

    Runs inside the caller's transaction. ``fresh`` says the article is not indexed yet
    (a new row, or a rebuild), which saves a lookup. Returns the article's story, or None.
    """
    if not fresh:
        remove(conn, article_id, now)
    signature = signed if signed is not None else (sketch(body) if is_article else None)
    if signature is None:
        return None
    keys = signature.keys()
    matches = [other for other, data, size in _candidates(conn, keys, article_id)
               if similar(signature, Sketch.from_bytes(data, size))]
    conn.execute("INSERT OR REPLACE INTO story_sketches (article_id, shingles, minhash) VALUES (?, ?, ?)",
                 (article_id, signature.size, signature.to_bytes()))
    conn.executemany("INSERT OR IGNORE INTO story_keys (key, article_id) VALUES (?, ?)",
                     [(k, article_id) for k in keys])
    if not matches:
        return None
    marks = ", ".join("?" for _ in matches)
    stories = sorted({r[0] for r in conn.execute(
        f"SELECT story FROM articles WHERE id IN ({marks}) AND story IS NOT NULL", matches)})
    if stories:
        target = stories[0]
    else:
        target = int(conn.execute("INSERT INTO stories (articles, updated_at) VALUES (0, ?)", (now,)).lastrowid or 0)
    for merged in stories[1:]:
        conn.execute("UPDATE articles SET story = ? WHERE story = ?", (target, merged))
        conn.execute("DELETE FROM stories WHERE id = ?", (merged,))
    conn.execute(f"UPDATE articles SET story = ? WHERE id IN ({marks}) OR id = ?", (target, *matches, article_id))
    refresh(conn, target, now)
    return target


def rebuild(conn: sqlite3.Connection, now: str, *, progress: Callable[[int], None] | None = None,
            sketches: Callable[[Iterable[str | None]], Iterable[Sketch | None]] | None = None) -> int:
    """Cluster every article again from scratch, inside the caller's transaction.

    Articles are taken in id order (arrival order), each through :func:`assign`, the step
    that runs when an article is stored: a rebuild gives what storing them one by one gave.
    ``sketches`` may compute the signatures of a batch of bodies elsewhere (in other
    processes); ``progress`` is called with the count of articles done. Returns the number
    of stories.
    """
    conn.execute("UPDATE articles SET story = NULL, story_first = NULL WHERE story IS NOT NULL")
    conn.execute("DELETE FROM stories")
    conn.execute("DELETE FROM story_keys")
    conn.execute("DELETE FROM story_sketches")
    sign = sketches or (lambda bodies: [sketch(b) for b in bodies])
    last = 0
    done = 0
    while True:
        batch = conn.execute("SELECT id, body, is_article FROM articles WHERE id > ? ORDER BY id LIMIT 500",
                             (last,)).fetchall()
        if not batch:
            break
        signed = list(sign([body if is_article else None for _, body, is_article in batch]))
        for (article_id, _body, _is_article), signature in zip(batch, signed):
            if signature is not None:
                assign(conn, article_id, None, True, now, fresh=True, signed=signature)
        last = batch[-1][0]
        done += len(batch)
        if progress is not None:
            progress(done)
    return int(conn.execute("SELECT count(*) FROM stories").fetchone()[0])


# -- reading ----------------------------------------------------------------------------------------

def list_stories(archive: Archive, *, limit: int = 20) -> list[dict[str, Any]]:
    """The ``limit`` largest stories, each with its members (the first one first)."""
    rows = list(archive.query("SELECT id, title, first_published, articles, sites, first_article_id FROM stories "
                              "ORDER BY articles DESC, first_published, id LIMIT ?", (limit,)))
    for row in rows:
        found = {m["id"]: m for m in archive.query(
            "SELECT id, url, site, title, published, story_first FROM articles WHERE story = ?", (row["id"],))}
        order = members(archive.db.conn, row["id"])
        row["members"] = [found[m[0]] for m in order if m[0] in found]
    return rows


def also_published(conn: sqlite3.Connection, article_id: int) -> list[dict[str, Any]]:
    """The other articles of an article's story, the first one first: id, url, site, title, published."""
    story = conn.execute("SELECT story FROM articles WHERE id = ?", (article_id,)).fetchone()
    if not story or story[0] is None:
        return []
    return [{"id": r[0], "published": r[1], "site": r[3], "title": r[4],
             "url": conn.execute("SELECT url FROM articles WHERE id = ?", (r[0],)).fetchone()[0]}
            for r in members(conn, story[0]) if r[0] != article_id]
