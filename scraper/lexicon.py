"""The extractor's word lists, in one place: tables keyed by language.

Each table maps an ISO 639-1 code (``"*"`` for signs of no language, such as "©") to
the words or phrases of that language, and says in one line what it is for and which
module reads it. A word shared by several languages is listed once, under one of them.
Entries are lower case; where a table's comment says so they are regular-expression
fragments (``r"read (?:more|next|also)"``), joined into one pattern by
:func:`alternation`; other tables are plain words, gathered by :func:`words`.

Phrase lists do not reach the languages nobody wrote down: the extractor leans on
signals that need no language (text and link density, punctuation, position), and
these lists are kept for the few cases that are universal enough to be worth it.
Class-name vocabularies that are English CSS conventions ("related", "sidebar") stay
with the code that reads them; their other-language entries are here (``CLASS_*``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["alternation", "words"]

Table = Mapping[str, tuple[str, ...]]


def alternation(*tables: Table) -> str:
    """The entries of ``tables`` joined with ``"|"`` for a regular expression.

    Languages come in the order they first appear; with several tables, each
    language's entries of the first table come before its entries of the next.
    Entries are used as they are (fragments stay fragments; nothing is escaped).
    """
    languages: dict[str, None] = {}
    for table in tables:
        languages.update(dict.fromkeys(table))
    return "|".join(entry for lang in languages for table in tables for entry in table.get(lang, ()))


def words(*tables: Table | Mapping[str, Iterable[str]]) -> frozenset[str]:
    """Every entry of ``tables``, whatever its language."""
    return frozenset(entry for table in tables for entries in table.values() for entry in entries)


# ---------------------------------------------------------------------------
# Body (read by scraper.body)
# ---------------------------------------------------------------------------

# Class/id words (not English) of furniture that drops its element unless it holds much
# of the article: comments, related stories, reading tips. Unioned into body.FURNITURE_STRONG.
CLASS_FURNITURE_STRONG: Table = {
    "de": ("kommentar", "kommentare", "verwandte", "lesetipp", "lesetipps", "empfehlungen"),
    "fr": ("commentaire", "commentaires"),
    "es": ("comentario", "comentarios", "relacionadas", "relacionados", "relacionada"),
    "it": ("commento", "commenti", "correlati"),
    "nl": ("reactie", "reacties", "gerelateerd"),
    "pl": ("komentarz", "komentarze", "powiazane"),
    "ru": ("kommentarii",),
    "tr": ("yorum", "yorumlar"),
}
# Class/id words (not English) of furniture that is always small: share bars, ads,
# subscriptions. Unioned into body.FURNITURE_SMALL.
CLASS_FURNITURE_SMALL: Table = {
    "es": ("compartir", "publicidad", "suscripcion"),
    "de": ("teilen", "werbung", "anzeige", "abonnieren"),
    "fr": ("partager", "publicite", "abonnement"),
    "it": ("condividi", "pubblicita", "abbonamento"),
    "pt": ("compartilhar", "assinatura"),
    "nl": ("delen",),
    "pl": ("reklama",),
    "tr": ("reklam",),
}
# Class/id words (not English) of weak furniture, that also name harmless wrappers: the
# author box. Unioned into body.FURNITURE_WEAK.
CLASS_FURNITURE_WEAK: Table = {
    "de": ("autor",),
    "es": ("autores",),
    "fr": ("auteur",),
    "it": ("autore",),
}
# Class/id words (not English) of containers whose blocks are all boilerplate, whatever
# their size (comment threads, related stories). Unioned into body.LARGE_CONTEXT.
CLASS_LARGE_CONTEXT: Table = {
    "de": ("kommentar", "kommentare"),
    "fr": ("commentaire", "commentaires"),
    "es": ("comentario", "comentarios", "relacionadas", "relacionados"),
    "it": ("commento", "commenti", "correlati"),
    "nl": ("reacties", "gerelateerd"),
    "pl": ("komentarze",),
    "ru": ("kommentarii",),
    "tr": ("yorumlar",),
}
# Class/id words (not English) of small containers whose blocks are boilerplate (ads).
# Unioned into body.SMALL_CONTEXT.
CLASS_SMALL_CONTEXT: Table = {
    "de": ("werbung", "anzeige"),
    "es": ("publicidad",),
}

# Regex fragments: what opens a short boilerplate block ("Read more", "Advertisement",
# "Lire aussi", a stamp line). body.BOILERPLATE_START matches them at a block's start.
BOILERPLATE_START: Table = {
    "*": ("©",),
    "en": (
        r"read (?:more|next|also)",
        r"related(?: (?:articles?|stories|posts|content|news|coverage|topics?|reading))?",
        r"recommended(?: for you| stories| articles| reading)?",
        r"more (?:from|on|about|stories|news|in|like this)", r"see also", r"also read",
        r"you (?:may|might) (?:also )?(?:like|be interested|enjoy)", r"don'?t miss",
        r"most (?:popular|read|viewed|shared)", r"trending(?: now)?", r"latest (?:news|stories)",
        r"top stories", r"sign up", r"subscribe", r"newsletter", r"follow us", r"share (?:this|on|via)",
        r"share$", r"advertisement", r"sponsored", r"support (?:us|our|independent|the)", r"donate",
        r"contribute", r"become a (?:member|supporter|subscriber|patron)", r"click here", r"tap here",
        r"get the (?:app|newsletter)", r"download (?:the|our) app", r"join (?:us|our)",
        r"see more(?:\W*$| (?:stories|news|articles|from|[\w ]{0,20}reads))",
        r"please (?:follow|share|like)", r"other (?:news|stories|articles)",
        r"leave a (?:comment|reply)", r"report this (?:page|ad|comment)", r"your feedback is important",
        r"continue reading", r"keep reading", r"story continues", r"article continues", r"this story",
        r"editor'?s (?:picks?|note)", r"listen to (?:this|the) (?:article|story)", r"watch:", r"photo:",
        r"image:", r"video:", r"credit:", r"source:", r"copyright", r"all rights reserved", r"loading",
        r"we use cookies", r"this (?:site|website) uses cookies",
        r"(?:last )?updated?\b(?=[^.!?]{0,40}\d)", r"published\b", r"posted\b",
    ),
    "de": (
        r"weitere nachrichten", r"kommentar schreiben", r"aktualisiert", r"veröffentlicht",
        r"mehr zum thema", r"lesen sie (?:auch|mehr)", r"auch interessant", r"weitere artikel",
        r"das könnte sie", r"empfohlen", r"anzeige", r"werbung", r"teilen", r"jetzt abonnieren",
        r"newsletter abonnieren", r"unterstützen sie",
    ),
    "fr": (
        r"autres (?:actualités|articles)", r"laisser un commentaire", r"mis à jour", r"publié le",
        r"lire (?:aussi|plus|la suite)", r"à lire (?:aussi|également)", r"voir aussi",
        r"sur le même sujet", r"articles? liés?", r"publicité", r"partager", r"abonnez-vous",
        r"inscrivez-vous", r"soutenez", r"faire un don", r"les plus lus",
    ),
    "es": (
        r"otras noticias", r"deja (?:un|tu) comentario", r"actualizado", r"publicado",
        r"lee (?:también|más)", r"leer más", r"te puede interesar", r"te recomendamos",
        r"noticias relacionadas", r"también te puede", r"publicidad", r"compartir", r"suscríbete",
        r"más noticias", r"lo más leído",
    ),
    "pt": (
        r"outras not[íi]cias", r"deixe (?:um|seu) coment[áa]rio", r"an[úu]ncio\W*$", r"atualizado",
        r"leia (?:também|mais)", r"veja também", r"saiba mais", r"notícias relacionadas",
        r"publicidade", r"compartilhe", r"assine", r"mais lidas",
    ),
    "it": (
        r"altre notizie", r"lascia un commento", r"aggiornato", r"pubblicato", r"leggi anche",
        r"potrebbe interessarti", r"articoli correlati", r"pubblicità", r"condividi", r"iscriviti",
        r"più letti",
    ),
    "nl": (r"andere nieuws", r"bijgewerkt", r"gepubliceerd", r"lees (?:ook|meer)", r"gerelateerd",
           r"advertentie", r"delen"),
    "no": (r"les (?:også|mer)", r"relaterte"),
    "sv": (r"läs (?:också|mer)",),
    "da": (r"læs også",),
    "fi": (r"lue myös",),
    "pl": (r"inne wiadomości", r"zaktualizowano", r"opublikowano", r"czytaj (?:też|także|więcej)",
           r"zobacz (?:też|także)", r"reklama", r"udostępnij"),
    "ru": (r"другие новости", r"оставить комментарий", r"обновлено", r"опубликовано",
           r"читайте (?:также|тоже)", r"по теме", r"смотрите также", r"реклама", r"поделиться",
           r"подписывайтесь"),
    "uk": (r"інші новини", r"залишити коментар", r"читайте також", r"дивіться також"),
    "tr": (r"diğer haberler", r"güncelleme", r"yayınlanma", r"ayrıca okuyun", r"ilgili haberler",
           r"reklam", r"paylaş"),
    "cs": (r"čtěte (?:také|též)", r"související"),
    "hu": (r"olvassa el", r"kapcsolódó"),
    "ro": (r"alte [șş]tiri", r"citește și", r"articole similare"),
    "el": (r"διαβάστε (?:επίσης|ακόμα)", r"σχετικά άρθρα"),
    "ar": (r"اقرأ أيضا", r"اقرأ أيضاً", r"اقرأ المزيد", r"أخبار ذات صلة", r"مواضيع ذات صلة", r"شارك"),
    "fa": (r"بیشتر بخوانید", r"مطالب مرتبط", r"بخوانید"),
    "he": (r"קראו עוד", r"כתבות נוספות"),
    "hi": (r"यह भी पढ़ें", r"और पढ़ें", r"संबंधित ख़बरें", r"संबंधित खबरें"),
    "id": (r"baca juga", r"baca\s*:", r"simak juga", r"lihat juga", r"berita terkait"),
    "vi": (r"xem thêm", r"tin liên quan", r"đọc thêm"),
    "th": (r"อ่านเพิ่มเติม", r"ข่าวที่เกี่ยวข้อง"),
    "zh": (r"相关阅读", r"相关新闻", r"相關新聞", r"延伸阅读", r"延伸閱讀", r"推荐阅读", r"阅读更多"),
    "ja": (r"関連記事", r"あわせて読みたい", r"続きを読む"),
    "ko": (r"관련기사", r"관련 기사", r"함께 보면 좋은"),
}
# Regex fragments: headings that introduce a block of other stories ("Related", "Lire
# aussi"). body.RELATED_HEADING matches them at a heading's start.
RELATED_HEADING: Table = {
    "en": (r"read (?:more|next|also)", r"related", r"recommended",
           r"more (?:from|on|about|stories|news|in|like)", r"see also", r"also read", r"you (?:may|might)",
           r"don'?t miss", r"most (?:popular|read|viewed)", r"trending", r"latest", r"top stories",
           r"what to read", r"further reading", r"other (?:news|stories)"),
    "de": (r"mehr zum thema", r"lesen sie auch", r"weitere"),
    "fr": (r"lire aussi", r"à lire", r"sur le même sujet", r"voir aussi", r"autres articles"),
    "es": (r"lee también", r"relacionad", r"te puede interesar", r"otras noticias"),
    "pt": (r"leia também", r"veja também", r"outras not[íi]cias"),
    "it": (r"leggi anche", r"correlati", r"altre notizie"),
    "nl": (r"lees ook",),
    "pl": (r"czytaj", r"zobacz", r"inne wiadomości"),
    "ru": (r"читайте", r"по теме", r"другие новости"),
    "uk": (r"інші новини",),
    "tr": (r"ilgili", r"diğer haberler"),
    "cs": (r"související",),
    "hu": (r"kapcsolódó",),
    "ro": (r"articole similare", r"alte [șş]tiri"),
    "el": (r"σχετικά",),
    "fi": (r"lue myös",),
    "ar": (r"اقرأ", r"أخبار ذات صلة"),
    "fa": (r"مطالب مرتبط",),
    "he": (r"קראו",),
    "hi": (r"यह भी पढ़ें", r"संबंधित"),
    "id": (r"baca juga", r"berita terkait"),
    "vi": (r"tin liên quan", r"xem thêm"),
    "th": (r"ข่าวที่เกี่ยวข้อง",),
    "ja": (r"関連",),
    "zh": (r"相关", r"相關", r"延伸", r"推荐"),
    "ko": (r"관련",),
}
# Regex fragments: appeals for money or sign-ups (donations, subscriptions, newsletters,
# affiliate notices), anywhere in a block. body.APPEAL searches for them.
APPEAL: Table = {
    "*": (r"ctrl\s*\+\s*enter",),
    "en": (
        r"donate (?:now|today|here|to (?:us|the|our))", r"(?:make|making) a (?:contribution|donation)",
        r"your (?:donation|contribution|support) (?:helps|makes|keeps|allows|is)",
        r"contribute (?:today|now)",
        r"consider (?:making a (?:donation|contribution)|supporting|subscribing|a (?:donation|contribution))",
        r"support (?:us|our (?:work|journalism|reporting|newsroom)|(?:independent|local|quality) journalism"
        r"|the [\w’' ]{1,30}(?:times|post|news))",
        r"become a (?:member|supporter|patron|subscriber)", r"subscribe (?:now|today)",
        r"subscribe to (?:our|the|get)", r"sign up (?:for (?:our|the|free)|to (?:our|receive|get)|now)",
        r"(?:our|free|daily|weekly) newsletter", r"keep (?:it|us|our journalism) (?:alive|free|going)",
        r"reader[- ]funded", r"follow us on", r"unsubscribe at any time", r"we[’']ll (?:e-?mail|send) you",
        r"e-?mail you (?:a link|when|the)", r"get (?:our|the) (?:best|latest|top) stories",
        r"(?:delivered|right|straight) (?:to|in|into) your (?:inbox|mailbox)", r"enter your e-?mail",
        r"our (?:google news|whatsapp|telegram) channel", r"tell us what you think",
        r"subscribe to [\w.’']+ newsletters?", r"(?:may|might) earn (?:an? )?(?:affiliate )?commission",
        r"affiliate (?:links?|commission)", r"(?:purchases?|buy something) (?:made )?through (?:links|our links)",
    ),
    "de": (r"unterstützen sie", r"jetzt spenden", r"spenden sie"),
    "fr": (r"soutenez", r"faites un don"),
    "es": (r"haz una donación", r"apoya (?:el|la|a|nuestro|nuestra)", r"mantente informad[oa]",
           r"nuestro canal (?:de|do|en|no) (?:google|whatsapp|telegram)"),
    "pt": (r"apoie (?:o|a|já|agora|nosso|nossa)", r"nosso canal (?:de|do|en|no) (?:google|whatsapp|telegram)"),
    "it": (r"sostieni", r"abbonati"),
    "nl": (r"steun ons",),
    "pl": (r"wesprzyj",),
    "ru": (r"поддержите", r"пожертвуйте"),
}
# Regex fragments: the contact line that closes an author's bio ("Follow him on…").
# body.BIO_APPEAL searches for them in short blocks.
BIO_APPEAL: Table = {
    "en": (r"have a (?:news )?tip", r"send (?:us )?(?:a )?(?:news )?tip", r"(?:may|can) be reached at",
           r"follow (?:him|her|them|me) on", r"contact (?:the )?(?:author|reporter|writer)"),
}
# Regex fragments: the opening line of a paywall box ("Already a subscriber?").
# body.PAYWALL searches for them.
PAYWALL: Table = {
    "en": (r"already a (?:subscriber|member)", r"(?:subscribe|log ?in|sign in|register) to (?:continue|keep|read)",
           r"to (?:continue|keep) reading", r"read the (?:rest|full) (?:of )?(?:this|the) (?:article|story)",
           r"(?:this|the) (?:article|story|content) is (?:only )?(?:available|reserved|exclusive)",
           r"(?:for|to) (?:subscribers|members) only", r"subscribers? only",
           r"unlock (?:this|the full) (?:article|story)"),
    "de": (r"bereits abonnent", r"jetzt weiterlesen", r"weiterlesen mit"),
    "fr": (r"déjà abonné", r"réservé aux abonnés"),
    "es": (r"ya (?:soy|eres) suscriptor", r"exclusivo para suscriptores"),
    "pt": (r"já é assinante", r"exclusivo para assinantes"),
    "it": (r"riservato agli abbonati", r"sei già abbonato"),
    "nl": (r"al abonnee",),
    "da": (r"læs resten af artiklen", r"fuld adgang"),
    "sv": (r"läs hela artikeln",),
    "no": (r"les hele saken",),
    "fi": (r"lue koko artikkeli",),
    "ru": (r"читать полностью", r"доступно подписчикам"),
}
# Regex fragments: the link that ends a teaser ("Read more", "Weiterlesen").
# body.READ_MORE_END looks for them at a block's end.
READ_MORE_END: Table = {
    "en": (r"read (?:the )?(?:rest|more|full (?:story|article))", r"continue reading", r"keep reading",
           r"more\s*[»›>]", r"see more", r"view (?:more|story|article)"),
    "de": (r"weiterlesen", r"mehr lesen"),
    "fr": (r"lire la suite", r"voir plus"),
    "es": (r"leer más", r"seguir leyendo", r"ver (?:noticia|más|mas)"),
    "pt": (r"leia mais",),
    "it": (r"continua a leggere", r"leggi (?:tutto|di più)"),
    "nl": (r"lees verder",),
    "pl": (r"czytaj dalej",),
    "ru": (r"читать далее", r"подробнее"),
    "tr": (r"devamını oku",),
    "ja": (r"続きを読む",),
    "zh": (r"阅读全文",),
    "ko": (r"더보기",),
}

# ---------------------------------------------------------------------------
# Dates (read by scraper.dates)
# ---------------------------------------------------------------------------

# Month names, lower case: each row lists the twelve months, "|" between months, spaces
# between the forms of one month (abbreviations may carry a dot in the text). The first
# row that names a word decides its month. dates._MONTHS is built from them.
MONTHS: Table = {
    "en": ("january jan|february feb|march mar|april apr|may|june jun|july jul|august aug|"
           "september sep sept|october oct|november nov|december dec",),
    "de": ("januar jänner jän|februar feber|märz maerz mrz|april|mai|juni|juli|august|"
           "september|oktober okt|november|dezember dez",),
    "fr": ("janvier janv|février fevrier févr fevr|mars|avril avr|mai|juin|juillet juil|août aout|"
           "septembre|octobre|novembre|décembre decembre déc",),
    "es": ("enero ene|febrero|marzo|abril abr|mayo|junio|julio|agosto ago|septiembre setiembre set|"
           "octubre|noviembre|diciembre dic",),
    "it": ("gennaio gen|febbraio|marzo|aprile|maggio mag|giugno giu|luglio lug|agosto|settembre|"
           "ottobre ott|novembre|dicembre",),
    "pt": ("janeiro|fevereiro fev|março marco|abril|maio|junho|julho|agosto|setembro|outubro out|"
           "novembro|dezembro",),
    "nl": ("januari|februari|maart mrt|april|mei|juni|juli|augustus|september|oktober|november|december",),
    "ru": ("январь января янв|февраль февраля фев|март марта мар|апрель апреля апр|май мая|"
           "июнь июня июн|июль июля июл|август августа авг|сентябрь сентября сен сент|"
           "октябрь октября окт|ноябрь ноября ноя|декабрь декабря дек",),
    "uk": ("січень січня січ|лютий лютого лют|березень березня бер|квітень квітня квіт|"
           "травень травня трав|червень червня черв|липень липня лип|серпень серпня серп|"
           "вересень вересня вер|жовтень жовтня жовт|листопад листопада лист|грудень грудня груд",),
    "pl": ("styczeń stycznia sty|luty lutego lut|marzec marca|kwiecień kwietnia kwi|maj maja|"
           "czerwiec czerwca cze|lipiec lipca lip|sierpień sierpnia sie|wrzesień września wrz|"
           "październik października paź|listopad listopada lis|grudzień grudnia gru",),
    "cs": ("leden ledna|únor února|březen března|duben dubna|květen května|červen června|"
           "červenec července|srpen srpna|září|říjen října|listopad listopadu|prosinec prosince",),
    "sk": ("január januára|február februára|marec|apríl apríla|máj mája|jún júna|júl júla|"
           "august augusta|september septembra|október októbra|november novembra|december decembra",),
    "tr": ("ocak|şubat subat|mart|nisan|mayıs mayis|haziran|temmuz|ağustos agustos|eylül eylul|"
           "ekim|kasım kasim|aralık aralik",),
    # and da, no
    "sv": ("januari|februari|mars marts|april|maj|juni|juli|augusti|september|oktober|november|"
           "december desember",),
    # nominative and partitive
    "fi": ("tammikuu tammikuuta|helmikuu helmikuuta|maaliskuu maaliskuuta|huhtikuu huhtikuuta|"
           "toukokuu toukokuuta|kesäkuu kesäkuuta|heinäkuu heinäkuuta|elokuu elokuuta|"
           "syyskuu syyskuuta|lokakuu lokakuuta|marraskuu marraskuuta|joulukuu joulukuuta",),
    "ro": ("ianuarie ian|februarie|martie|aprilie|mai|iunie iun|iulie iul|august|septembrie|"
           "octombrie|noiembrie noi|decembrie",),
    "hu": ("január|február febr|március márc|április ápr|május máj|június jún|július júl|"
           "augusztus|szeptember szept|október|november|december",),
    # and ms
    "id": ("januari|februari|maret mac|april|mei|juni jun|juli julai|agustus ogos agt|september|"
           "oktober|november nop|desember disember des",),
    "ca": ("gener|febrer|març|abril|maig|juny|juliol|agost|setembre|octubre|novembre|desembre",),
    # and bs, sr (Latin script), sl
    "hr": ("siječanj siječnja januar januara januarja|veljača veljače februar februara februarja|"
           "ožujak ožujka mart marta marec|travanj travnja april aprila|svibanj svibnja maj maja|"
           "lipanj lipnja jun juna junij junija|srpanj srpnja jul jula julij julija|"
           "kolovoz kolovoza avgust avgusta|rujan rujna septembar septembra|"
           "listopada oktobar oktobra|studeni studenog studenoga novembar novembra|"
           "prosinac prosinca decembar decembra",),
    # genitive
    "lt": ("sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|rugpjūčio|rugsėjo|spalio|"
           "lapkričio|gruodžio",),
    "lv": ("janvāris janvārī|februāris februārī|marts martā|aprīlis aprīlī|maijs maijā|jūnijs jūnijā|"
           "jūlijs jūlijā|augusts augustā|septembris septembrī|oktobris oktobrī|novembris novembrī|"
           "decembris decembrī",),
    "et": ("jaanuar|veebruar|märts|aprill|mai|juuni|juuli|august|september|oktoober|november|detsember",),
    "sq": ("janar|shkurt|mars|prill|maj|qershor|korrik|gusht|shtator|tetor|nëntor nentor|dhjetor",),
    # genitive and nominative
    "el": ("ιανουαρίου ιανουάριος ιαν|φεβρουαρίου φεβρουάριος φεβ|μαρτίου μάρτιος μαρ|"
           "απριλίου απρίλιος απρ|μαΐου μαίου μάιος μαι|ιουνίου ιούνιος ιουν|ιουλίου ιούλιος ιουλ|"
           "αυγούστου αύγουστος αυγ|σεπτεμβρίου σεπτέμβριος σεπ|οκτωβρίου οκτώβριος οκτ|"
           "νοεμβρίου νοέμβριος νοε|δεκεμβρίου δεκέμβριος δεκ",),
    # and sr (Cyrillic script), mk
    "bg": ("януари јануар јануара|февруари фебруар фебруара|март марта|април априла|май мај маја|"
           "юни јун јуна|юли јул јула|август августа|септември септембар септембра|"
           "октомври октобар октобра|ноември новембар новембра|декември децембар децембра",),
    # and kk, uz (Latin script)
    "az": ("yanvar|fevral|mart|aprel|may|iyun|iyul|avqust avgust|sentyabr|oktyabr|noyabr|dekabr",),
    # Egyptian/Gulf names, then Levantine ones
    "ar": ("يناير|فبراير|مارس|أبريل ابريل إبريل|مايو|يونيو يونيه|يوليو يوليه|أغسطس اغسطس|سبتمبر|"
           "أكتوبر اكتوبر|نوفمبر|ديسمبر",
           "كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|"
           "كانون الأول"),
    # Gregorian months
    "fa": ("ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر",),
    # bare, then with the prefix "in"
    "he": ("ינואר|פברואר|מרץ|אפריל|מאי|יוני|יולי|אוגוסט|ספטמבר|אוקטובר|נובמבר|דצמבר",
           "בינואר|בפברואר|במרץ|באפריל|במאי|ביוני|ביולי|באוגוסט|בספטמבר|באוקטובר|בנובמבר|בדצמבר"),
    # genitive
    "hy": ("հունվարի|փետրվարի|մարտի|ապրիլի|մայիսի|հունիսի|հուլիսի|օգոստոսի|սեպտեմբերի|"
           "հոկտեմբերի|նոյեմբերի|դեկտեմբերի",),
    "ka": ("იანვარი იანვარს|თებერვალი თებერვალს|მარტი მარტს|აპრილი აპრილს|მაისი მაისს|"
           "ივნისი ივნისს|ივლისი ივლისს|აგვისტო აგვისტოს|სექტემბერი სექტემბერს|ოქტომბერი ოქტომბერს|"
           "ნოემბერი ნოემბერს|დეკემბერი დეკემბერს",),
    "kk": ("қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан",),
    "hi": ("जनवरी|फ़रवरी फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर सितम्बर|अक्टूबर अक्तूबर|"
           "नवंबर नवम्बर|दिसंबर दिसम्बर",),
    "bn": ("জানুয়ারি জানুয়ারী|ফেব্রুয়ারি ফেব্রুয়ারী|মার্চ|এপ্রিল|মে|জুন|জুলাই|আগস্ট|সেপ্টেম্বর|"
           "অক্টোবর|নভেম্বর|ডিসেম্বর",),
    "tl": ("enero|pebrero|marso|abril|mayo|hunyo|hulyo|agosto|setyembre|oktubre|nobyembre|disyembre",),
    "sw": ("januari|februari|machi|aprili|mei|juni|julai|agosti|septemba|oktoba|novemba|desemba",),
    "is": ("janúar|febrúar|mars|apríl|maí|júní|júlí|ágúst|september|október|nóvember|desember",),
    "gl": ("xaneiro|febreiro|marzo|abril|maio|xuño|xullo|agosto|setembro|outubro|novembro|decembro",),
}
# Month names that mean another month in this language than in the first row of MONTHS
# that names them (Croatian "listopad" is October, Polish and Czech November). Read by dates.
MONTH_OVERRIDES: Mapping[str, Mapping[str, int]] = {
    "hr": {"listopad": 10, "listopada": 10},
    "bs": {"listopad": 10},
}

# Regex fragments: words that join a clock to the date before it ("um 9.15 Uhr", "à 18h30").
# dates._RE_CLOCK reads them.
CLOCK_LINKS: Table = {
    "en": (r"at",),
    "de": (r"um",),
    "fr": (r"à",),
    "es": (r"a\s+las", r"a\s+la"),
    "it": (r"alle",),
    "pt": (r"às", r"ás"),
    "ru": (r"в",),
    "pl": (r"o",),
    "sv": (r"kl\.?",),  # and da, no
    "fi": (r"klo",),
    "tr": (r"saat",),
    "*": (r"-",),
}
# Regex fragments: morning/afternoon marks written before a clock ("오후 3:05").
# dates._RE_CLOCK reads them; PM_WORDS and AM_WORDS say which is which.
CLOCK_MARKS_BEFORE: Table = {
    "ko": (r"오후", r"오전"),
    "zh": (r"下午", r"上午"),
    "ja": (r"午後", r"午前"),
}
# Regex fragments: morning/afternoon marks written after a clock ("5:02 p.m.").
# dates._RE_CLOCK reads them; PM_WORDS and AM_WORDS say which is which.
CLOCK_MARKS_AFTER: Table = {
    "en": (r"a\.?\s?m\.?", r"p\.?\s?m\.?"),
    "el": (r"μμ", r"μ\.μ\.", r"πμ", r"π\.μ\."),
    "ar": (r"مساءً?", r"صباحاً?"),
}
# The afternoon marks of CLOCK_MARKS_BEFORE/AFTER as read (dots in "p.m." removed):
# dates adds 12 hours to a clock they follow. dates._PM_WORDS.
PM_WORDS: Table = {
    "en": ("pm",),
    "el": ("μμ", "μ.μ."),
    "ar": ("مساء", "مساءً"),
    "ko": ("오후",),
    "zh": ("下午",),
    "ja": ("午後",),
}
# The morning marks, likewise: "12:30 a.m." is 00:30. dates._AM_WORDS.
AM_WORDS: Table = {
    "en": ("am",),
    "el": ("πμ", "π.μ."),
    "ar": ("صباحا", "صباحاً"),
    "ko": ("오전",),
    "zh": ("上午",),
    "ja": ("午前",),
}

# Units of time in relative stamps ("3 hours ago", "vor 2 Tagen"): language → unit →
# its words, space-separated. dates._UNITS maps each word to its unit.
TIME_UNITS: Mapping[str, Mapping[str, str]] = {
    "en": {"second": "second seconds sec secs", "minute": "minute minutes min mins",
           "hour": "hour hours hr hrs", "day": "day days", "week": "week weeks",
           "month": "month months", "year": "year years"},
    "de": {"second": "sekunde sekunden", "minute": "minuten", "hour": "stunde stunden",
           "day": "tag tagen", "week": "woche wochen", "month": "monat monaten", "year": "jahr jahren"},
    "fr": {"second": "seconde secondes", "hour": "heure heures", "day": "jour jours",
           "week": "semaine semaines", "month": "mois", "year": "an ans année années"},
    "es": {"second": "segundo segundos", "minute": "minuto minutos", "hour": "hora horas",
           "day": "día días", "week": "semana semanas", "month": "mes meses", "year": "año años"},
    "pt": {"day": "dia dias"},
    "it": {"second": "secondo secondi", "minute": "minuti", "hour": "ora ore", "day": "giorno giorni",
           "week": "settimana settimane", "month": "mese mesi", "year": "anno anni"},
    "nl": {"second": "seconden", "minute": "minuut", "hour": "uur", "day": "dag dagen", "week": "weken",
           "month": "maand maanden", "year": "jaar jaren"},
    "ru": {"second": "секунду секунды секунд секунда", "minute": "минуту минуты минут минута",
           "hour": "час часа часов", "day": "день дня дней", "week": "неделю недели недель",
           "month": "месяц месяца месяцев", "year": "год года лет"},
    "uk": {"minute": "хвилину хвилини хвилин", "hour": "годину години годин", "day": "дні днів",
           "week": "тиждень тижні тижнів", "month": "місяць місяці місяців", "year": "рік роки років"},
    "pl": {"second": "sekund sekundy sekundę", "minute": "minut minuty minutę minuta",
           "hour": "godzinę godziny godzin", "day": "dzień dni", "week": "tydzień tygodnie tygodni",
           "month": "miesiąc miesiące miesięcy", "year": "rok lata lat"},
    "cs": {"hour": "hodinou hodinami hodin", "day": "dnem dny", "week": "týdnem týdny",
           "month": "měsícem měsíci", "year": "rokem lety"},
    "tr": {"second": "saniye", "minute": "dakika", "hour": "saat", "day": "gün", "week": "hafta",
           "month": "ay", "year": "yıl"},
    "sv": {"second": "sekunder", "minute": "minuter", "hour": "timme timmar", "day": "dagar",
           "week": "vecka veckor", "month": "månad månader", "year": "år"},
    "da": {"minute": "minutter", "day": "dage", "week": "uge uger", "month": "måned måneder"},
    "no": {"hour": "time timer", "day": "dager", "week": "uke uker"},
    "fi": {"second": "sekuntia", "minute": "minuuttia", "hour": "tuntia", "day": "päivää",
           "week": "viikkoa", "month": "kuukautta", "year": "vuotta"},
    "ro": {"second": "secunde secundă", "hour": "oră", "day": "zi zile", "week": "săptămână săptămâni",
           "month": "lună luni", "year": "ani"},
    "hu": {"second": "másodperce", "minute": "perce", "hour": "órája", "day": "napja", "week": "hete",
           "month": "hónapja", "year": "éve"},
    "id": {"second": "detik", "minute": "menit", "hour": "jam", "day": "hari", "week": "minggu",
           "month": "bulan", "year": "tahun"},
    "hr": {"second": "sekundi", "hour": "sati sata sat", "day": "dana dan", "week": "tjedan tjedana",
           "month": "mjesec mjeseci", "year": "godina godine"},
    "ja": {"second": "秒", "minute": "分", "hour": "時間", "day": "日", "week": "週間 週", "month": "か月 ヶ月",
           "year": "年"},
    "zh": {"minute": "分钟 分鐘", "hour": "小时 小時", "day": "天", "week": "周", "month": "个月 個月"},
    "ko": {"second": "초", "minute": "분", "hour": "시간", "day": "일", "week": "주", "month": "개월 달",
           "year": "년"},
    "ar": {"second": "ثانية ثوان", "minute": "دقيقة دقائق", "hour": "ساعة ساعات", "day": "يوم أيام",
           "week": "أسبوع أسابيع", "month": "شهر أشهر", "year": "سنة سنوات"},
}
# Regex fragments: "one" in "an hour ago", "il y a une heure", "vor einem Tag" (a count
# of 1). dates._RE_RELATIVE reads them.
RELATIVE_ONE: Table = {
    "en": (r"an?", r"one"),
    "fr": (r"une?",),
    "es": (r"una?", r"uno"),
    "de": (r"einer?", r"einem", r"ein"),
}
# Regex fragments: "ago" written after the count and unit ("3 hours ago", "3 saat önce").
# dates._RE_RELATIVE reads them.
AGO_AFTER: Table = {
    "en": (r"ago",),
    "nl": (r"geleden",),
    "ru": (r"назад",),
    "uk": (r"тому",),
    "pl": (r"temu",),
    "tr": (r"önce",),
    "sv": (r"sedan",),
    "da": (r"siden",),  # and no
    "fi": (r"sitten",),
    "it": (r"fa",),
    "pt": (r"atrás",),
    "id": (r"(?:yang\s+)?lalu",),
    "ja": (r"前",),  # and zh
    "ko": (r"전",),
    "hu": (r"ezelőtt",),
}
# Regex fragments: "ago" written before the count ("vor 3 Stunden", "il y a 3 heures").
# dates._RE_RELATIVE reads them.
AGO_BEFORE: Table = {
    "de": (r"vor",),
    "fr": (r"il\s+y\s+a",),
    "es": (r"hace",),
    "pt": (r"há",),
    "cs": (r"před",),
    "ro": (r"acum",),
    "hr": (r"prije",),
    "sr": (r"pre",),
    "ar": (r"منذ",),
}
# Unit words that say "ago" by themselves ("3 órája": three hours ago), with their unit.
# dates._RE_RELATIVE and dates._HU_UNITS read them.
AGO_UNITS: Mapping[str, Mapping[str, str]] = {
    "hu": {"másodperce": "second", "perce": "minute", "órája": "hour", "napja": "day",
           "hete": "week", "hónapja": "month", "éve": "year"},
}
# Regex fragments: "today", taken as a date when a clock is next to it. dates._RE_TODAY.
TODAY_WORDS: Table = {
    "en": (r"today",),
    "de": (r"heute",),
    "fr": (r"aujourd['’]hui",),
    "es": (r"hoy",),
    "pt": (r"hoje",),
    "it": (r"oggi",),
    "nl": (r"vandaag",),
    "ru": (r"сегодня",),
    "uk": (r"сьогодні",),
    "pl": (r"dzisiaj", r"dziś"),
    "cs": (r"dnes",),
    "tr": (r"bugün",),
    "sv": (r"idag", r"i\s+dag"),
    "fi": (r"tänään",),
    "ro": (r"azi", r"astăzi"),
    "id": (r"hari\s+ini",),
    "hr": (r"danas",),
    "ja": (r"今日",),
    "zh": (r"今天",),
    "ko": (r"오늘",),
}
# Regex fragments: "yesterday", likewise (the day before ``now``). dates._RE_TODAY and
# dates._YESTERDAY (with "\s+" read as one space).
YESTERDAY_WORDS: Table = {
    "en": (r"yesterday",),
    "de": (r"gestern",),
    "fr": (r"hier",),
    "es": (r"ayer",),
    "pt": (r"ontem",),
    "it": (r"ieri",),
    "nl": (r"gisteren",),
    "ru": (r"вчера",),
    "uk": (r"вчора",),
    "pl": (r"wczoraj",),
    "cs": (r"včera",),
    "tr": (r"dün",),
    "sv": (r"igår", r"i\s+går"),
    "fi": (r"eilen",),
    "hu": (r"tegnap",),
    "id": (r"kemarin",),
    "hr": (r"jučer",),
    "sr": (r"juče",),
    "ja": (r"昨日",),
    "zh": (r"昨天",),
    "ko": (r"어제",),
}

# Regex fragments, found anywhere in a class/id (not English): containers whose dates are
# not the article's (related stories, "today's date"). Joined into dates._RE_NOISE.
CLASS_DATE_NOISE: Table = {
    "es": (r"fecha-?hoy", r"relacionad", r"también"),
    "fr": (r"lire-?aussi", r"a-?lire", r"voir-?aussi"),
    "it": (r"correlat", r"leggi-?anche"),
    "pt": (r"tambem",),
    "de": (r"mehr-?zum", r"weitere-?artikel"),
    "pl": (r"powiazane",),
    "nl": (r"gerelateerd",),
    "tr": (r"ilgili-?haber",),
}
# Whole class/id words (not English) of the same containers (comments, related stories).
# Joined into dates._RE_NOISE.
CLASS_DATE_NOISE_WORDS: Table = {
    "de": ("kommentare",),
    "fr": ("commentaires",),
    "es": ("comentarios", "relacionadas", "relacionados"),
    "it": ("commenti",),
}
# Regex fragments: labels before a date that make it a modification stamp ("Updated",
# "Mis à jour"). dates._UPDATE_WORDS.
UPDATE_LABELS: Table = {
    "en": (r"updated?", r"last\s+modified", r"modified", r"edited"),
    "de": (r"aktualisiert", r"geändert", r"änderung", r"stand:"),
    "fr": (r"mis\s+à\s+jour", r"modifié", r"modification"),
    "es": (r"actualizad[oa]", r"actualización", r"modificación"),
    "pt": (r"atualizad[oa]", r"atualização"),
    "it": (r"aggiornat[oa]", r"aggiornamento", r"ultima\s+modifica"),
    "nl": (r"bijgewerkt", r"gewijzigd", r"wijziging"),
    "ru": (r"обновлено", r"обновлен"),
    "uk": (r"оновлено", r"змінено"),
    "pl": (r"zaktualizowano", r"aktualizacja"),
    "cs": (r"aktualizováno",),
    "sk": (r"aktualizované",),
    "tr": (r"güncelleme", r"güncellendi"),
    "sv": (r"uppdaterad",),
    "da": (r"opdateret",),
    "no": (r"oppdatert",),
    "fi": (r"päivitetty",),
    "ro": (r"actualizat",),
    "hu": (r"frissítve", r"módosítva"),
    "id": (r"diperbarui",),
    "hr": (r"ažurirano",),
    "sl": (r"posodobljeno",),
    "lt": (r"atnaujinta",),
    "el": (r"ενημερώθηκε",),
    "he": (r"עודכן",),
    "ar": (r"محدثة", r"تحديث"),
    "zh": (r"更新",),  # and ja
    "ko": (r"수정",),
}
# Regex fragments: labels before a date that make it the publication stamp ("Published",
# "Publié le"). dates._PUBLISH_WORDS.
PUBLISH_LABELS: Table = {
    "en": (r"published", r"posted"),
    "fr": (r"publié", r"mise?\s+en\s+ligne"),
    "de": (r"erschienen", r"veröffentlicht", r"erstellt"),
    "es": (r"publicado", r"publicada"),  # and pt
    "it": (r"pubblicato",),
    "nl": (r"gepubliceerd",),
    "ru": (r"опубликовано",),
    "uk": (r"опубліковано",),
    "pl": (r"opublikowano",),
    "cs": (r"publikováno",),
    "tr": (r"yayınlanma",),
    "sv": (r"publicerad",),
    "da": (r"publiceret",),
    "no": (r"publisert",),
    "fi": (r"julkaistu",),
    "ro": (r"publicat",),
    "hu": (r"közzétéve",),
    "id": (r"diterbitkan",),
    "hr": (r"objavljeno",),
    "el": (r"δημοσιεύθηκε",),
    "he": (r"פורסם",),
    "ar": (r"نشر",),
    "zh": (r"发布", r"發布"),
    "ja": (r"公開",),
    "ko": (r"입력", r"등록"),
}
# Regex fragments: "updated" written after the stamp, as CJK do ("9時30分 更新").
# dates._RE_UPDATE_AFTER.
UPDATE_LABELS_AFTER: Table = {
    "zh": (r"更新", r"修改"),  # 更新 also ja
    "ko": (r"수정", r"업데이트"),
    "ja": (r"修正",),
}
# Regex fragments: "published" written after the stamp, as languages that put the verb
# last do ("am 19. Mai 2010 um 23:03 Uhr gepostet", "2019年6月24日に公開").
# dates._RE_PUBLISH_AFTER.
PUBLISH_LABELS_AFTER: Table = {
    "de": (r"gepostet", r"veröffentlicht", r"erschienen"),
    "nl": (r"geplaatst", r"gepubliceerd"),
    "tr": (r"yayınlandı",),
    "ja": (r"公開", r"掲載", r"投稿"),
    "zh": (r"发布", r"發布", r"发表", r"發表"),
}
# Regex fragments, found anywhere in a class (not English): an element marked as the
# modification stamp. Joined into dates._RE_CLASS_UPDATED.
CLASS_UPDATED: Table = {
    "de": (r"aktualisiert",),
    "es": (r"actualizado",),
    "pt": (r"atualizado",),
}
# Regex fragments, found anywhere in a class/id (not English): an element marked as a
# date ("fecha", "datum"). Joined into dates._RE_DATE_MARK.
CLASS_DATE_MARK: Table = {
    "es": (r"fecha",),
    "pt": (r"data",),  # and it
    "de": (r"datum",),  # and nl, sv
    "tr": (r"tarih",),
    "hu": (r"dátum",),
}
# Regex fragments: the label of a "Date:" line. dates._RE_DATE_LABEL.
DATE_LABELS: Table = {
    "en": (r"date",),
    "de": (r"datum",),
    "es": (r"fecha",),
    "pt": (r"data",),
    "hu": (r"dátum",),
    "tr": (r"tarih",),
    "fi": (r"päivämäärä",),
}
# Regex fragments: a copyright line, whose year is not a publication date.
# dates._RE_COPYRIGHT.
COPYRIGHT: Table = {
    "*": (r"©", r"&copy;", r"\(c\)\s*\d"),
    "en": (r"copyright", r"all rights reserved"),
}

# ---------------------------------------------------------------------------
# Metadata (read by scraper.metadata)
# ---------------------------------------------------------------------------

# Regex fragments: what opens a byline for sure ("By", "Texto:", "Автор"). metadata._BY_STRICT.
BYLINE_BY: Table = {
    "en": (r"(?:written|posted|reported|story|words|compiled|published|edited|text|photos?|"
           r"reporting)\s+by", r"by", r"author(?:s)?"),
    "de": (r"geschrieben\s+von", r"text(?:e)?", r"autor(?:in|es|a)?"),
    "fr": (r"texte", r"écrit\s+par", r"ecrit\s+par", r"auteur"),
    "nl": (r"tekst",),
    "es": (r"escrit[oa]\s+por", r"publicado\s+por"),  # and pt
    "it": (r"scritto\s+da",),
    "tr": (r"yazan", r"yazar"),
    "ru": (r"автор(?:ы)?", r"текст", r"от"),
    "fi": (r"kirjoittaja",),
}
# Regex fragments: "by" words that are also common words ("de", "da"): they open a byline
# only before a name of two words or more. metadata._BY_LOOSE.
BYLINE_BY_AMBIGUOUS: Table = {
    "de": (r"von",),
    "fr": (r"par",),
    "es": (r"por",),
    "it": (r"di", r"da"),
    "nl": (r"door",),
    "sv": (r"av",),
    "da": (r"af",),
    "pl": (r"przez",),
    "pt": (r"de",),
}
# Month names, full and short, whose mention (before a number) ends the name part of a
# byline; a shorter list than MONTHS. metadata._BYLINE_STOP.
BYLINE_MONTHS: Table = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
           "sept", "oct", "nov", "dec"),
    "de": ("januar", "februar", "märz", "mai", "juni", "juli", "oktober", "dezember"),
    "fr": ("janvier", "février", "mars", "avril", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"),
    "pt": ("janeiro", "fevereiro", "março", "maio", "junho", "julho", "setembro", "outubro", "novembro",
           "dezembro"),
    "it": ("gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre",
           "dicembre"),
}
# Weekday names that end the name part of a byline ("Ana Ruiz Monday, 3 May").
# metadata._BYLINE_STOP.
BYLINE_WEEKDAYS: Table = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
# Words that end the name part of a byline ("Updated", "Share", "ago"). metadata._BYLINE_STOP.
BYLINE_STOP_WORDS: Table = {
    "en": ("updated", "published", "posted", "last updated", "print this", "follow", "share", "ago"),
    "de": ("aktualisiert", "veröffentlicht"),
    "fr": ("publié", "mis à jour"),
    "es": ("publicado", "actualizado"),
    "pt": ("atualizado",),
    "it": ("pubblicato", "aggiornato"),
}
# Capitalised day and month names that a name may run into without a space ("Jeff
# FoustMonday"); case matters. metadata._GLUED_DATE.
GLUED_DATE_WORDS: Table = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
           "February", "March", "April", "June", "July", "August", "September", "October", "November",
           "December"),
}
# Words left dangling at a byline's end once its date is cut off ("on", "le", "vor" of
# "vor 2 Stunden"). metadata._TRAILING_LINK_WORDS removes them.
TRAILING_LINK_WORDS: Table = {
    "en": ("on", "at", "the", "of", "in", "for"),
    "fr": ("le", "du", "pour", "il y a"),
    "de": ("am", "um", "den", "im", "für", "vor"),
    "es": ("el", "de", "hace"),
    "pt": ("em", "para", "há"),
    "it": ("il", "per"),
    "nl": ("op",),
    "hr": ("prije",),
    "sl": ("pred",),
    "cs": ("před",),
    "pl": ("temu",),
    "tr": ("önce",),
}
# Academic and professional credentials after a name ("MD", "PhD"): dropped from author
# lists. metadata._CREDENTIALS.
CREDENTIALS: Table = {
    "en": ("md", "phd", "rd", "ms", "ma", "mph", "rn", "dds", "do", "jd", "mba", "msc", "bsc", "cpt",
           "cscs", "ldn", "mbbs", "frcp", "dr"),
}
# Words of a journalist's role ("Senior Political Correspondent"), cut from the end of a
# name. metadata._ROLE_WORDS.
ROLE_WORDS: Table = {
    "en": ("writer", "reporter", "correspondent", "editor", "columnist", "contributor", "producer",
           "photographer", "journalist", "staff", "intern", "analyst", "critic", "anchor", "contributing",
           "senior", "chief", "deputy", "managing", "associate", "assistant", "political", "national",
           "international", "business", "sports", "science", "health", "technology", "tech",
           "entertainment", "news", "special", "freelance", "auto", "staffer", "reports", "report", "wire",
           "wires", "services", "at-large", "large"),
    "de": ("redakteur", "redakteurin", "korrespondent", "korrespondentin"),
    "fr": ("journaliste", "rédacteur", "rédactrice", "correspondant", "correspondante"),
    "es": ("periodista", "redactor", "redactora", "corresponsal"),
    "pt": ("jornalista", "repórter"),
    "it": ("giornalista", "inviato"),
    "nl": ("redacteur",),
    "ru": ("корреспондент", "журналист", "обозреватель", "редактор"),
}
# The last word of a role ("… Staff Writer"): a byline part ending in one is a role, not
# a person. metadata._ROLE_HEADS.
ROLE_HEADS: Table = {
    "en": ("writer", "reporter", "correspondent", "editor", "columnist", "contributor", "producer",
           "photographer", "journalist", "staff", "intern", "analyst", "critic", "staffer", "reports",
           "wire", "wires", "services", "photo", "photos"),
    "de": ("redakteur", "redakteurin", "korrespondent", "korrespondentin", "foto", "fotos"),
    "fr": ("journaliste", "rédacteur", "rédactrice", "correspondant"),
    "es": ("periodista", "redactor", "redactora", "corresponsal"),
    "pt": ("jornalista", "repórter"),
    "it": ("giornalista",),
    "nl": ("redacteur",),
    "ru": ("корреспондент", "журналист", "обозреватель", "редактор"),
    "ko": ("기자",),
}
# Author values that name nobody ("admin", "Redaktion", "by"). metadata._GENERIC_AUTHORS.
GENERIC_AUTHORS: Table = {
    "en": ("admin", "administrator", "webmaster", "root", "user", "guest", "anonymous", "unknown", "null",
           "none", "undefined", "editor", "editors", "staff", "author", "newsroom", "web desk", "webdesk",
           "desk", "team", "editorial team", "editorial staff", "by", "replying to", "and", "with", "the",
           "of"),
    "es": ("redaccion", "redacción", "por"),
    "de": ("redaktion", "autor", "von", "und"),
    "fr": ("rédaction", "par", "et"),
    "it": ("redazione",),
    "pt": ("redação", "redacao"),
    "ru": ("гость",),
    "sq": ("redaktori",),
    "pl": ("redaktor",),
}
# Words that open a byline part naming a place or an outlet ("em São Paulo", "in
# Washington"), when the byline has other parts. metadata._LOCATION_WORDS.
LOCATION_WORDS: Table = {
    "pt": ("em",),
    "en": ("in", "from"),
    "es": ("en", "desde"),
    "fr": ("à",),
    "de": ("aus",),
    "it": ("da", "dal"),
    "pl": ("z", "w"),
    "ru": ("из", "в"),
}
# Those of LOCATION_WORDS that open a place even in a byline of one part.
# metadata._PLAIN_LOCATION_WORDS.
PLAIN_LOCATION_WORDS: Table = {
    "pt": ("em",),
    "en": ("in", "from"),
    "de": ("aus",),
    "es": ("desde",),
    "fr": ("à",),
    "ru": ("из",),
}
# Words that make a name a newsroom, not a person ("Redazione ANSA"). metadata._STAFF_WORDS.
STAFF_WORDS: Table = {
    "it": ("redazione",),
    "de": ("redaktion",),
    "es": ("redacción", "redaccion"),
    "fr": ("rédaction",),
    "pt": ("redação",),
    "en": ("editorial", "newsroom", "staff", "desk", "team", "bureau"),
    "hi": ("ब्यूरो",),
}
# Particles inside names, kept lower case when a name is title-cased ("Luis de la Fuente").
# metadata._NAME_PARTICLES.
NAME_PARTICLES: Table = {
    "pt": ("de", "da", "do", "dos", "das", "e"),
    "es": ("del", "y"),
    "it": ("della", "di"),
    "nl": ("van", "der", "den"),
    "de": ("von",),
    "fr": ("la", "le", "du"),
    "ar": ("bin", "al"),
}
# Conjunctions between co-authors ("A and B"); case matters (a capital "E." is an
# initial). metadata._SPLIT_AUTHORS.
AUTHOR_CONJUNCTIONS: Table = {
    "en": ("and", "And", "AND"),
    "de": ("und", "UND"),
    "fr": ("et", "ET"),
    "es": ("y",),
    "pt": ("e",),  # and it
    "nl": ("en",),
    "no": ("og",),  # and da
    "sv": ("och",),
    "ru": ("и",),
    "tr": ("ve",),
    "fi": ("ja",),
}
# Labels that introduce a tag line even without a colon ("Tags", "Schlagworte").
# metadata._LABEL_RE and tag_line_label.
TAG_LABELS: Table = {
    "en": ("tags", "tag", "tagged with", "tagged as", "tagged in", "tagged", "filed under", "filed in",
           "filed to", "read more about", "related topics", "related tags", "keywords", "key words"),
    "de": ("schlagworte", "schlagwörter", "stichworte", "stichwörter", "schlüsselwörter"),
    "fr": ("mots-clés", "mots clés", "mots-clefs", "mots clefs", "étiquettes", "etiquettes"),
    "es": ("etiquetas", "palabras clave", "archivado en"),
    "ca": ("etiquetes",),
    "pt": ("palavras-chave", "palavras chave"),
    "it": ("parole chiave",),
    "nl": ("trefwoorden",),
    "ru": ("теги", "тэги", "метки", "ключевые слова"),
    "uk": ("ключові слова", "мітки"),
    "bg": ("тагове", "етикети", "ключови думи"),
    "pl": ("tagi", "słowa kluczowe"),
    "tr": ("etiketler", "anahtar kelimeler"),
    "cs": ("štítky", "klíčová slova"),
    "sk": ("kľúčové slová", "značky"),
    "hu": ("címkék", "kulcsszavak"),
    "ro": ("etichete", "cuvinte cheie"),
    "el": ("ετικέτες", "λέξεις-κλειδιά", "λέξεις κλειδιά"),
    "sv": ("taggar", "nyckelord"),
    "da": ("nøgleord",),
    "no": ("stikkord", "stikkordene", "emneord"),
    "fi": ("avainsanat", "tagit", "asiasanat"),
    "hr": ("oznake", "ključne riječi", "tagovi"),
    "sr": ("ključne reči",),
    "vi": ("từ khóa", "từ khoá", "thẻ"),
    "id": ("kata kunci",),
    "ja": ("関連タグ", "関連キーワード", "タグ", "キーワード"),
    "zh": ("相关标签", "相關標籤", "标签", "標籤", "标签云", "关键词", "關鍵詞", "关键字", "關鍵字"),
    "ko": ("태그", "관련 태그", "키워드"),
    "ar": ("الوسوم", "وسوم", "الكلمات المفتاحية", "كلمات مفتاحية", "الكلمات الدلالية", "كلمات دلالية"),
    "he": ("תגיות",),
    "fa": ("برچسب‌ها", "برچسب ها", "برچسب", "کلیدواژه‌ها", "کلیدواژه ها", "کلید واژه"),
    "hi": ("टैग", "टैग्स", "कीवर्ड"),
    "th": ("แท็ก", "คำค้น", "คำสำคัญ"),
}
# Labels too common as ordinary words or headings to introduce a tag line without a
# colon ("Topics", "Thema"). metadata._LABEL_RE and tag_line_label.
TAG_LABELS_WEAK: Table = {
    "en": ("topics", "topic", "more about", "more on", "themes", "theme", "subjects", "subject", "label",
           "labels"),
    "de": ("themen", "thema", "mehr zum thema"),
    "fr": ("sujets", "sujet", "thèmes", "thème", "lire plus sur", "en savoir plus sur"),
    "es": ("temas", "tema", "más sobre"),
    "pt": ("mais sobre", "tópicos", "assuntos"),
    "it": ("argomenti", "leggi di più su"),
    "nl": ("onderwerpen", "lees meer over"),
    "ru": ("темы", "тема"),
    "uk": ("теми",),
    "pl": ("tematy",),
    "tr": ("konular",),
    "cs": ("témata",),
    "sk": ("témy",),
    "hu": ("témák",),
    "ro": ("subiecte",),
    "el": ("θέματα",),
    "sv": ("ämnen",),
    "da": ("emner",),
    "fi": ("aiheet",),
    "hr": ("teme",),
    "vi": ("chủ đề",),
    "id": ("topik",),
    "zh": ("主题", "主題"),
    "ja": ("話題", "関連"),
    "ko": ("주제",),
    "ar": ("مواضيع", "المواضيع", "موضوعات"),
    "he": ("נושאים",),
    "hi": ("विषय",),
}
# Regex fragments: a path segment of a tag page's address ("/tag/", "/schlagworte/").
# metadata._TAG_HREF.
TAG_URL_WORDS: Table = {
    "en": (r"tags?", r"tagged", r"topics?", r"hot-topics", r"keywords?", r"subjects?", r"label"),
    "de": (r"schlagw[oö]rte?r?", r"stichw[oö]rte?r?", r"themen?", r"thema"),
    "es": (r"temas?", r"etiquet(?:te|tes|a|as|es)?"),
    "pl": (r"tematy", r"tagi"),
    "tr": (r"etiketler", r"etiket"),
    "it": (r"argomenti",),
    "nl": (r"trefwoord(?:en)?", r"onderwerp(?:en)?"),
    "fr": (r"sujets?", r"mots-cles"),
    "ru": (r"teg[iy]?", r"metki"),
}
# Substrings of TAG_URL_WORDS: a cheap first test on every link's address.
# metadata._TAG_HREF_HINTS.
TAG_URL_HINTS: Table = {
    "en": ("tag", "topic", "keyword", "label", "subject"),
    "de": ("them", "schlag", "stichw"),
    "es": ("tema", "etiq"),
    "tr": ("etik",),
    "it": ("argoment",),
    "nl": ("trefw", "onderw"),
    "fr": ("sujet", "mots-cles"),
    "ru": ("teg", "metki"),
}
# Class/id words (not English) of a tag list. Unioned into metadata._TAG_TOKENS.
CLASS_TAG_WORDS: Table = {
    "de": ("schlagworte", "stichworte", "themen"),
    "es": ("etiquetas",),
    "fr": ("etiquettes",),
    "pl": ("tagi",),
}
# Regex fragments: a path segment of a category or section page, whose links are not
# tags. metadata._CATEGORY_HREF.
CATEGORY_URL_WORDS: Table = {
    "en": (r"category", r"categories", r"section", r"sections"),
    "fr": (r"rubri[ck]\w*",),  # and de, ru (transliterated)
    "es": (r"secciones", r"seccion"),
    "de": (r"kategorie",),
    "it": (r"categorie",),  # and nl
}
# Tag values that say nothing about the story ("News", "Read more", "Uncategorized").
# metadata._JUNK_TAGS.
JUNK_TAGS: Table = {
    "en": ("news", "article", "articles", "home", "homepage", "front page", "frontpage", "general",
           "uncategorized", "uncategorised", "featured", "top stories", "top story", "latest",
           "latest news", "breaking news", "main", "default", "none", "null", "undefined",
           "premium content", "sponsored", "more", "view all", "see all", "show more", "show all",
           "read more", "all", "other", "others", "misc", "blog", "post", "posts", "page", "story",
           "stories", "learn more", "see more", "load more", "more topics", "all topics", "follow"),
    "de": ("mehr", "nachrichten"),
    "fr": ("plus", "actualites", "actualités"),
    "es": ("más", "noticias", "últimas noticias"),
    "pt": ("mais",),
    "it": ("altro", "notizie"),
    "nl": ("nieuws",),
    "ru": ("ещё", "еще", "всё", "все", "новости"),
    "tr": ("haber", "haberler", "son dakika", "detay"),
    "ja": ("ニュース",),
    "zh": ("新闻", "新聞"),
}
# Words too generic to tie a keywords-meta tag to the page's topic ("news", "today").
# metadata._GENERIC_WORDS.
GENERIC_TOPIC_WORDS: Table = {
    "en": ("news", "breaking", "latest", "today", "live", "update", "updates", "video", "videos", "photos",
           "world", "online", "national", "local", "current", "daily"),
    "es": ("noticias",),
    "de": ("nachrichten",),
    "fr": ("actualités",),
    "pt": ("notícias",),
    "it": ("notizie",),
    "nl": ("nieuws",),
    "ru": ("новости",),
    "tr": ("haber",),
}
