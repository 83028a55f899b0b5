"""Language tags: normalising what pages declare, and guessing from the text itself.

Pages declare their language in many places (``<html lang>``, ``og:locale``,
``Content-Language``, JSON-LD ``inLanguage``) and templates often get it wrong: a
WordPress theme says ``en-US`` on a Portuguese blog, a German edition serves English
articles. A small detector lets :mod:`scraper.metadata` check a declaration against
the text. It needs no model and no dependency: the Unicode script of the letters
settles most non-Latin languages, and counts of very common function words settle
the Latin-script ones. It is meant for a few thousand characters of article text,
not for single sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["normalize_language", "detect_language", "Detection", "language_script", "word_score",
           "dominant_script", "tokens_of"]

# ---------------------------------------------------------------------------
# Normalising declared tags

_NAMES = {
    "english": "en", "german": "de", "deutsch": "de", "french": "fr", "français": "fr",
    "francais": "fr", "spanish": "es", "español": "es", "espanol": "es", "portuguese": "pt",
    "português": "pt", "italian": "it", "italiano": "it", "dutch": "nl", "russian": "ru",
    "japanese": "ja", "chinese": "zh", "korean": "ko", "arabic": "ar", "polish": "pl",
    "turkish": "tr", "swedish": "sv", "danish": "da", "norwegian": "no", "finnish": "fi",
}
# Deprecated ISO 639 codes that pages still use.
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
_SUBTAG = re.compile(r"^[a-z0-9]{1,8}$")
_PRIMARY = re.compile(r"^[a-z]{2,3}$")
_PLACEHOLDERS = {"und", "mul", "zxx", "xx", "x", "i", "all", "none", "null", "default"}


def normalize_language(value: str | None) -> str | None:
    """A declared language value as a lower-case BCP 47-ish tag, or None if unusable.

    ``"en_US"`` → ``"en-us"``; ``"en-US,fr;q=0.8"`` → ``"en-us"``; ``"English"`` → ``"en"``;
    ``"x-default"``, ``"und"``, ``"*"`` and malformed values → None.
    """
    if not value:
        return None
    value = value.strip().split(",")[0].split(";")[0].strip().lower().replace("_", "-")
    if not value:
        return None
    if value in _NAMES:
        return _NAMES[value]
    parts = [p for p in value.split("-") if p]
    if not parts or not _PRIMARY.match(parts[0]) or parts[0] in _PLACEHOLDERS:
        return None
    if not all(_SUBTAG.match(p) for p in parts):
        return None
    parts[0] = _ALIASES.get(parts[0], parts[0])
    return "-".join(parts)


# ---------------------------------------------------------------------------
# Scripts

# (script name, regex class of its letters)
_SCRIPTS: list[tuple[str, str]] = [
    ("cyrillic", "\u0400-\u04ff\u0500-\u052f"),
    ("greek", "\u0370-\u03ff\u1f00-\u1fff"),
    ("arabic", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"),
    ("hebrew", "\u0590-\u05ff"),
    ("devanagari", "\u0900-\u097f"),
    ("bengali", "\u0980-\u09ff"),
    ("gurmukhi", "\u0a00-\u0a7f"),
    ("gujarati", "\u0a80-\u0aff"),
    ("oriya", "\u0b00-\u0b7f"),
    ("tamil", "\u0b80-\u0bff"),
    ("telugu", "\u0c00-\u0c7f"),
    ("kannada", "\u0c80-\u0cff"),
    ("malayalam", "\u0d00-\u0d7f"),
    ("sinhala", "\u0d80-\u0dff"),
    ("thai", "\u0e00-\u0e7f"),
    ("lao", "\u0e80-\u0eff"),
    ("tibetan", "\u0f00-\u0fff"),
    ("myanmar", "\u1000-\u109f"),
    ("georgian", "\u10a0-\u10ff"),
    ("hangul", "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"),
    ("ethiopic", "\u1200-\u139f"),
    ("khmer", "\u1780-\u17ff"),
    ("armenian", "\u0530-\u058f"),
    ("kana", "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"),
    ("han", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"),
]
_SCRIPT_RES = [(name, re.compile(f"[{chars}]+")) for name, chars in _SCRIPTS]
# Languages that a script alone identifies (well enough for metadata).
_SCRIPT_LANG = {
    "greek": "el", "hebrew": "he", "bengali": "bn", "gurmukhi": "pa", "gujarati": "gu",
    "oriya": "or", "tamil": "ta", "telugu": "te", "kannada": "kn", "malayalam": "ml",
    "sinhala": "si", "thai": "th", "lao": "lo", "tibetan": "bo", "myanmar": "my",
    "georgian": "ka", "hangul": "ko", "ethiopic": "am", "khmer": "km", "armenian": "hy",
}
_LETTER = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]+")


def _count(rx: re.Pattern, text: str) -> int:
    """How many characters of ``text`` the run-matching ``rx`` covers (no list built)."""
    return len(text) - len(rx.sub("", text))

# ---------------------------------------------------------------------------
# Function words per language: the most frequent, with some that tell close
# languages apart (da/no/sv, es/pt/ca, cs/sk, id). Lower case.

_WORDS_RAW: dict[str, str] = {
    "en": "the and of to in is that for it with was on as are be by this have from at not but "
          "has they which were been would their will there his her an its who about after",
    "de": "der die und das ist nicht mit den von zu sich auch ein eine auf dem des für im wird "
          "sie ich wir werden nach bei aus oder wie dass noch einen einer hat sind wurde über",
    "fr": "le la les et des est une un du dans que qui pour pas sur au avec par ce il sont plus "
          "mais ont aux été cette nous leur elle ses entre comme aussi fait être",
    "es": "el la los las de que y en del se por un una con para es al lo como más pero sus fue "
          "este ha también está son entre cuando muy sin sobre ya hay esta desde han",
    "pt": "o a os as de que e do da dos das em no na um uma para com não por se mais foi ao "
          "pelo pela também é são nos ele ela como mas seu sua já está entre foram",
    "it": "il di che e la per un una del della non sono con le gli si è da nel anche come alla "
          "dei ha ma più questo lo delle nella sul stato essere degli",
    "nl": "de het een en van is dat op te in voor niet met zijn er aan ook als bij maar om door "
          "nog worden wordt naar hij ze werd heeft die deze dit hun",
    "sv": "och att det som en är på av för med till den har inte om ett var jag de men sig från "
          "vid så kan ska också när hon han efter eller vi",
    "da": "og at det er en til på af med for den de som har ikke et var jeg men om fra vil kan "
          "også blev efter skal ved sig når hun han eller vi nu har",
    "no": "og i det er på som en til å av for med har ikke den de et var jeg men om fra vil kan "
          "også ble etter skal ved seg når hun han eller vi nå",
    "fi": "ja on ei että se oli hän mutta kun ovat myös tai joka jos niin sekä mukaan kanssa "
          "ole tämä sen hänen nyt ollut mitä vain kuin",
    "pl": "i w na z się nie do że jest to o jak ale po co tak przez od za jego już tym był są "
          "dla oraz może także który która które tylko",
    "cs": "a se na v je že to s z do o jako ale k by pro jsou jsem byl bylo které který jeho "
          "také však po od při už jen jak může",
    "sk": "a sa na v je že to s z do o ako ale k by pre sú som bol bolo ktoré ktorý jeho aj "
          "však po od pri už len ako môže",
    "hu": "a az és hogy nem is egy van meg de ez azt már csak mint el ki volt még pedig kell "
          "lesz amely után vagy szerint minden",
    "ro": "și de la în cu pe care a nu că o din un este pentru mai au fost sunt se ce al lui "
          "sau dar acest această fi",
    "tr": "ve bir bu da de için ile ne çok olarak daha gibi en o ki ama olan sonra kadar var "
          "değil diye her şey mi ise",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada ke juga ada adalah oleh "
          "karena bisa saya mereka telah sudah atau kami",
    "vi": "và của có là không được cho những các người trong một này với đã để khi từ ra về "
          "đến cũng sẽ như",
    "ca": "el la els les de i que a en per amb un una del és no es al ha als més però com seva "
          "aquest també dels aquesta",
    "hr": "i je u da se na su za od a koji ne s o sa što kao biti ali će bio još ili koja iz "
          "nije samo",
    "sl": "in je da se na v za so pa z ki ne bi tudi ter po od kot s še pri bo ali smo sem",
    "et": "ja on ei et see oli kui ka mis ta aga nii või seda oma siis veel ning kes pole juba",
    "lt": "ir yra kad į su iš o bet buvo tai kaip jo ne per nuo už dar ar taip jau bus",
    "lv": "un ir ka ar no par uz kā bet tas to arī vai lai bija pie nav jau tā kas viņš",
    "tl": "ang ng sa na mga at ay si ni para hindi kay ito siya ko niya kung may",
    "sq": "të në e i për me një që nga se është dhe u ka do nuk si më ai por janë ishte kjo",
    # Cyrillic
    "ru": "и в не на что с по это как он к из за от о но его то же так для все она был было "
          "у мы ее уже или только были",
    "uk": "і в не на що з та до це як він за від у але його так для все вона був було ми "
          "її вже або тільки які є",
    "bg": "и на да се е за от че са в с не по това как той но тя като ще бе също които",
    "sr": "и у је да се на за од са не су то као што али ће био још или која из није само",
    "mk": "и на да се е за од што со не ги во тоа како тој но таа ќе беше исто кои",
    # Arabic script
    "ar": "في من على إلى أن عن مع التي الذي هذا هذه كان ما لا قد بين كما بعد أو حيث ذلك",
    "fa": "و در به از که این را با است برای آن یک می تا بر هم شده خود شد نیز کرد",
    "ur": "کے میں کی اور سے کا کو نے ہے یہ کہ پر ہیں تھا بھی ایک گیا",
    # Devanagari
    "hi": "के में की है और से को का एक पर यह ने भी हैं कि था लिए गया इस कर",
    "mr": "आणि या आहे की व ते हे तर आहेत केले होते त्या करण्यात",
    "ne": "र को मा छ गर्न पनि हो भने गरेको छन् लागि यो",
}
_WORDS: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in _WORDS_RAW.items()}
_BY_SCRIPT = {
    "latin": ["en", "de", "fr", "es", "pt", "it", "nl", "sv", "da", "no", "fi", "pl", "cs",
              "sk", "hu", "ro", "tr", "id", "vi", "ca", "hr", "sl", "et", "lt", "lv", "tl", "sq"],
    "cyrillic": ["ru", "uk", "bg", "sr", "mk"],
    "arabic": ["ar", "fa", "ur"],
    "devanagari": ["hi", "mr", "ne"],
}
# Languages whose stopword list stands for a close relative.
_WORD_ALIASES = {"nb": "no", "nn": "no", "ms": "id", "bs": "hr", "sh": "hr", "fil": "tl",
                 "gl": None}

# Which script(s) a language is written in, for checking declarations against text.
_LANG_SCRIPTS: dict[str, set[str]] = {lang: {"latin"} for lang in _BY_SCRIPT["latin"]}
_LANG_SCRIPTS.update({
    "nb": {"latin"}, "nn": {"latin"}, "ms": {"latin"}, "bs": {"latin", "cyrillic"},
    "gl": {"latin"}, "eu": {"latin"}, "is": {"latin"}, "ga": {"latin"},
    "cy": {"latin"}, "mt": {"latin"}, "af": {"latin"}, "sw": {"latin"}, "eo": {"latin"},
    "la": {"latin"}, "az": {"latin", "cyrillic"}, "uz": {"latin", "cyrillic"},
    "ru": {"cyrillic"}, "uk": {"cyrillic"}, "bg": {"cyrillic"}, "mk": {"cyrillic"},
    "be": {"cyrillic"}, "kk": {"cyrillic"}, "ky": {"cyrillic"}, "mn": {"cyrillic"},
    "tg": {"cyrillic"}, "sr": {"cyrillic", "latin"},
    "ar": {"arabic"}, "fa": {"arabic"}, "ur": {"arabic"}, "ps": {"arabic"}, "sd": {"arabic"},
    "ug": {"arabic"}, "hi": {"devanagari"}, "mr": {"devanagari"}, "ne": {"devanagari"},
    "sa": {"devanagari"}, "zh": {"han"}, "ja": {"kana", "han"}, "ko": {"hangul", "han"},
    "yi": {"hebrew"},
})
for _script, _lang in _SCRIPT_LANG.items():
    _LANG_SCRIPTS.setdefault(_lang, set()).add(_script)

# Words are runs between spaces and punctuation. (``\w`` would cut Indic words apart
# at their vowel signs, which are combining marks, not letters.)
_TOKEN = re.compile(r"[^\s\d.,;:!?\"'’‘“”„«»()\[\]{}<>/\\|*&%$#@+=~^`…—–\-।॥،؛؟。、，！？：；]+")


def language_script(lang: str) -> set[str] | None:
    """The scripts a language (primary subtag) is written in, if known."""
    return _LANG_SCRIPTS.get(lang.split("-")[0])


@dataclass
class Detection:
    """What the text says about its language.

    ``script`` is the dominant script of the letters. ``scores`` holds function-word
    hit counts per language (empty when the script alone decided). ``confident``
    means the evidence is strong enough to overrule a page's own declaration.
    """

    language: str | None
    script: str | None
    confident: bool
    scores: dict[str, int]
    words: int


def dominant_script(text: str) -> tuple[str | None, int]:
    """The script most of the letters are in, and how many letters there are."""
    letters = _count(_LETTER, text)
    if not letters:
        return None, 0
    latin = _count(_LATIN, text)
    if latin >= 0.6 * letters:
        return "latin", letters
    counts = {name: _count(rx, text) for name, rx in _SCRIPT_RES}
    # Japanese mixes kana with Han: any real share of kana makes it Japanese.
    if counts["kana"] and counts["kana"] >= 0.1 * (counts["kana"] + counts["han"]):
        counts["kana"] += counts["han"]
        counts["han"] = 0
    name, best = max(counts.items(), key=lambda kv: kv[1])
    if best < max(latin, 1):
        return "latin", letters
    return name, letters


def word_score(text_tokens: list[str], lang: str) -> int | None:
    """Function-word hits for ``lang`` in the tokens, or None if we have no list for it."""
    code = lang.split("-")[0]
    primary: str | None = _WORD_ALIASES.get(code, code)
    if primary is None or primary not in _WORDS:
        return None
    words = _WORDS[primary]
    return sum(1 for t in text_tokens if t in words)


def detect_language(text: str) -> Detection:
    """Guess the language of ``text`` (a sample of article paragraphs).

    Returns a :class:`Detection`; ``language`` is None when there is too little
    text to say anything.
    """
    script, letters = dominant_script(text)
    if script is None or letters < 20:
        return Detection(None, script, False, {}, 0)
    if script in _SCRIPT_LANG:
        return Detection(_SCRIPT_LANG[script], script, letters >= 40, {}, 0)
    if script == "han":
        return Detection("zh", script, letters >= 20, {}, 0)
    if script == "kana":
        return Detection("ja", script, letters >= 20, {}, 0)
    candidates = _BY_SCRIPT.get(script)
    if not candidates:
        return Detection(None, script, False, {}, 0)
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    counts = Counter(tokens)
    scores = {lang: sum(counts[w] for w in _WORDS[lang] if w in counts) for lang in candidates}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best_lang, best), (_, second) = ranked[0], ranked[1]
    if best < 3:
        if script == "cyrillic" and letters >= 40:
            return Detection("ru", script, False, scores, len(tokens))
        return Detection(None, script, False, scores, len(tokens))
    confident = best >= 8 and best >= 1.3 * second and best >= 0.12 * len(tokens)
    return Detection(best_lang, script, confident, scores, len(tokens))


def tokens_of(text: str) -> list[str]:
    """Lower-cased word tokens, as :func:`detect_language` counts them."""
    return [t.lower() for t in _TOKEN.findall(text)]
