"""Tests for :mod:`scraper.metadata` (and the language helpers it uses).

Fixture pages under ``tests/fixtures/metadata/`` are written to look like real news
pages: navigation and footers with tag links that must not be taken, bylines next to
the site name, SEO keyword stuffing, relative URLs.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from scraper.language import detect_language, normalize_language
from scraper.metadata import Metadata, read_metadata, tag_line_label
from scraper.parsing import parse_html

FIXTURES = Path(__file__).parent / "fixtures" / "metadata"


def load(name: str):
    return parse_html((FIXTURES / name).read_bytes())


def meta_of(html: str, url: str | None = "https://news.example.com/2021/07/story", **kw) -> Metadata:
    return read_metadata(parse_html(html), url, **kw)


# ---------------------------------------------------------------------------
# The seed page: "Read more about: Tajikistan , Afghanistan"

MT_URL = ("https://www.themoscowtimes.com/2021/07/22/"
          "russia-in-talks-to-help-tajikistan-build-afghan-border-outpost-a74587")


def test_moscow_times_tag_line_gives_exactly_its_tags():
    m = read_metadata(load("moscow_times.html"), MT_URL)
    assert m.tags == ["Tajikistan", "Afghanistan"]
    assert m.explain["tags"] == "tag line 'Read more about:'"


def test_moscow_times_other_fields():
    m = read_metadata(load("moscow_times.html"), MT_URL)
    assert m.title == "Russia in Talks to Help Tajikistan Build Afghan Border Outpost"
    assert m.site_name == "The Moscow Times"
    # The only author signals are the site itself and a Facebook URL.
    assert m.authors == []
    assert m.language == "en"
    assert m.canonical_url == MT_URL
    assert m.image == "https://static.themoscowtimes.com/image/og/8e/tass_47109871.jpg"
    assert m.description.startswith("Russia will help Tajikistan build an outpost on the ex-Soviet state's")


def test_tag_line_with_links_that_are_not_tag_urls():
    # Same shape, but the links point at a search page: the label alone identifies it.
    html = """<html><head><title>Story</title></head><body><h1>Story</h1>
    <p>Body text of the story.</p>
    <div class="meta">Read more about: <a href="/search?q=Tajikistan">Tajikistan</a> ,
    <a href="/search?q=Afghanistan">Afghanistan</a></div></body></html>"""
    m = meta_of(html)
    assert m.tags == ["Tajikistan", "Afghanistan"]
    assert m.explain["tags"] == "tag line 'Read more about:'"


def test_read_metadata_does_not_change_the_tree():
    doc = load("moscow_times.html")
    before = lxml.html.tostring(doc)
    read_metadata(doc, MT_URL)
    assert lxml.html.tostring(doc) == before


# ---------------------------------------------------------------------------
# Tag lines in other languages


def test_german_schlagworte_and_byline():
    m = read_metadata(load("german_schlagworte.html"),
                      "https://www.rundschau.example.de/koeln/hochwasser-pegel-rhein-steigt-weiter-12345")
    assert m.tags == ["Hochwasser", "Rhein", "Köln", "Unwetter"]
    assert m.explain["tags"] == "tag line 'Schlagworte:'"
    # "Von A und B, Rheinische Rundschau": two people, the paper's name dropped.
    assert m.authors == ["Anna Müller", "Jonas Weber"]
    assert m.title == "Hochwasser: Pegel am Rhein steigt weiter"
    assert m.site_name == "Rheinische Rundschau"
    assert m.language == "de-de"
    assert m.image == "https://www.rundschau.example.de/bilder/2021/rhein-hochwasser-koeln.jpg"
    assert m.canonical_url == ("https://www.rundschau.example.de/koeln/"
                               "hochwasser-pegel-rhein-steigt-weiter-12345")


def test_french_etiquettes_visible_list_wins_over_shorter_meta():
    m = read_metadata(load("french_etiquettes.html"),
                      "https://www.journaldumidi.fr/societe/greve-sncf-trafic-perturbe")
    # article:tag lists three; the page shows four: what the reader sees wins.
    assert m.tags == ["Grève", "SNCF", "Transports", "Retraites"]
    assert m.explain["tags"] == "tag line 'Étiquettes :'"
    assert m.authors == ["Jean Dupont", "Marie Curie"]
    assert m.language == "fr-fr"
    assert m.explain["language"] == "content-language meta"
    assert m.title == "Grève SNCF : le trafic reste perturbé ce week-end"
    assert m.site_name == "Le Journal du Midi"
    assert m.image == "https://cdn.journaldumidi.fr/photos/greve-sncf.jpg"
    assert m.canonical_url == "https://www.journaldumidi.fr/societe/greve-sncf-trafic-perturbe"


def test_spanish_plain_text_tag_line_and_detected_language():
    m = read_metadata(load("spanish_plain_tags.html"),
                      "https://www.diariodelsur.es/economia/banco-central-sube-tipos")
    assert m.tags == ["Economía", "Inflación", "Banco central", "Hipotecas"]
    assert m.explain["tags"] == "tag line 'Etiquetas:'"
    assert m.authors == ["Carlos Pérez", "Lucía Fernández"]
    assert m.language == "es"
    assert m.explain["language"] == "text detection"
    assert m.title == "El banco central sube los tipos de interés por tercera vez"
    assert m.site_name == "Diario del Sur"


def test_russian_tegi_and_wrong_template_language():
    m = read_metadata(load("russian_tegi.html"), "https://rv.example.ru/news/2020/01/13/nagrady")
    assert m.tags == ["журналистика", "Рязань", "конкурс"]
    assert m.explain["tags"] == "tag line 'Теги:'"
    assert m.authors == ["Иван Петров"]
    # <html lang="en"> is a template default; the text is plainly Russian.
    assert m.language == "ru"
    assert "html lang" in m.explain["language"]
    assert m.site_name == "Рязанские Вести"
    assert m.title == "В Рязани наградили лучших журналистов года"


def test_japanese_tag_label_with_fullwidth_colon():
    m = read_metadata(load("japanese_tags.html"), "https://space.example.jp/news/rocket")
    assert m.tags == ["ロケット", "JAXA", "人工衛星"]
    assert m.explain["tags"] == "tag line 'タグ：'"
    assert m.language == "ja"
    assert m.title == "新型ロケットの打ち上げに成功"
    assert m.image == "https://space.example.jp/img/rocket.jpg"


# ---------------------------------------------------------------------------
# Authors


def test_byline_next_to_site_name():
    m = read_metadata(load("byline_site_name.html"),
                      "https://www.dailyplanet.example.com/news/bike-lanes")
    assert m.authors == ["Jane Doe"]
    assert m.explain["authors"] == "byline element"
    assert m.site_name == "The Daily Planet"
    # The site's own name is not one of its tags.
    assert m.tags == ["City council", "Cycling"]
    assert m.title == "City council approves new bike lanes downtown"
    assert m.language == "en-us"


def test_jsonld_graph_authors_as_references_objects_and_strings():
    m = read_metadata(load("jsonld_graph_authors.html"), "https://fieldnotes.example.org/bees/")
    assert m.authors == ["Priya Natarajan", "Tom O'Brien", "Sam Lee"]
    assert m.explain["authors"] == "JSON-LD author"
    assert m.tags == ["bees", "pollination", "flowers"]
    assert m.explain["tags"] == "JSON-LD keywords"
    assert m.site_name == "Field Notes"
    assert m.language == "en-gb"
    assert m.image == "https://fieldnotes.example.org/wp-content/uploads/bee.jpg"
    assert m.title == "How bees choose their flowers"


def test_jsonld_author_list_of_person_objects():
    html = """<html><head><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "H",
     "author": [{"@type": "Person", "name": "Ana Silva"},
                {"@type": "Person", "givenName": "Rui", "familyName": "Costa"},
                {"@type": "Person", "name": "Ana Silva"}]}
    </script></head><body><h1>H</h1></body></html>"""
    assert meta_of(html).authors == ["Ana Silva", "Rui Costa"]


def test_meta_author_that_is_a_url_is_ignored():
    html = """<html><head>
    <meta property="article:author" content="https://www.facebook.com/somepaper">
    <meta name="author" content="Maria Rossi">
    <title>Titolo</title></head><body><h1>Titolo</h1></body></html>"""
    m = meta_of(html)
    assert m.authors == ["Maria Rossi"]
    assert m.explain["authors"] == "author meta"


def test_only_url_authors_give_no_author():
    html = """<html><head>
    <meta property="article:author" content="https://www.facebook.com/somepaper">
    <meta name="author" content="www.somepaper.com"></head><body><p>x</p></body></html>"""
    assert meta_of(html).authors == []


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Sarah E. Needleman", ["Sarah E. Needleman"]),
        ("By LISA MASCARO, MARY CLARE JALONICK and ERIC TUCKER", ["Lisa Mascaro", "Mary Clare Jalonick",
                                                                 "Eric Tucker"]),
        ("by Madeline Fry | November 18, 2019 12:01 PM", ["Madeline Fry"]),
        ("By Sandee LaMotte, CNN", ["Sandee LaMotte"]),
        ("Von Claudia Ludewig", ["Claudia Ludewig"]),
        ("Par Jean Dupont et Marie Curie", ["Jean Dupont", "Marie Curie"]),
        ("Por Carlos Pérez y Lucía Fernández", ["Carlos Pérez", "Lucía Fernández"]),
        ("Di Marco Rossi e Giulia Bianchi", ["Marco Rossi", "Giulia Bianchi"]),
        ("By Tom Krisher, AP Auto Writer", ["Tom Krisher"]),
        ("By Jeff Foust jeff@example.com @jfoust", ["Jeff Foust"]),
        ("Rachael Link, MS, RD on November 2, 2019", ["Rachael Link"]),
    ],
)
def test_byline_text_shapes(byline, expected):
    html = f"""<html><head><title>T</title><meta property="og:site_name" content="CNN"></head>
    <body><h1>A headline for the story</h1><div class="byline">{byline}</div>
    <p>Text.</p></body></html>"""
    assert meta_of(html).authors == expected


# ---------------------------------------------------------------------------
# Title and site name


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Big news today - The Example Times", "The Example Times", "Big news today"),
        ("Big news today | Politics | The Example Times", "The Example Times", "Big news today | Politics"),
        ("The Example Times: Big news today", "The Example Times", "Big news today"),
        ("Big news today – example.com", None, "Big news today"),
        # A dash inside the headline is not a site suffix.
        ("Pfizer – the long road to a vaccine", None, "Pfizer – the long road to a vaccine"),
    ],
)
def test_title_site_affixes_removed(title, site, expected):
    site_meta = f'<meta property="og:site_name" content="{site}">' if site else ""
    html = f"<html><head><title>{title}</title>{site_meta}</head><body><p>x</p></body></html>"
    m = meta_of(html, "https://www.example.com/story")
    assert m.title == expected


def test_title_h1_agreeing_with_og_title_drops_section_prefix():
    html = """<html><head><title>Opinion | Trump to Nowhere - The New York Times</title>
    <meta property="og:title" content="Opinion | Trump to Nowhere"></head>
    <body><h1>Trump to Nowhere</h1></body></html>"""
    m = meta_of(html, "https://www.nytimes.com/2019/11/19/opinion/x.html")
    assert m.title == "Trump to Nowhere"
    assert m.explain["title"] == "h1 (agrees with og:title)"
    # No og:site_name: the <title> suffix names the site.
    assert m.site_name == "The New York Times"


def test_site_name_falls_back_to_host_and_prefers_display_form():
    assert meta_of("<html><body><p>x</p></body></html>",
                   "https://www.example-news.org/a").site_name == "example-news.org"
    html = """<html><head><meta property="og:site_name" content="usatoday">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",
    "publisher": {"@type": "Organization", "name": "USA TODAY"}}</script></head>
    <body><p>x</p></body></html>"""
    assert meta_of(html, "https://www.usatoday.com/story/x").site_name == "USA TODAY"


def test_entities_and_whitespace_are_cleaned():
    html = """<html><head><meta property="og:title" content="Australian &amp;#039;megablaze&amp;#039;
       brought   under control"></head><body><p>x</p></body></html>"""
    assert meta_of(html).title == "Australian 'megablaze' brought under control"


# ---------------------------------------------------------------------------
# Tags: sources and noise


def test_keywords_meta_stuffing_is_not_taken_for_tags():
    # 20+ site-wide SEO terms and no explicit tag source: no tags rather than junk.
    m = read_metadata(load("german_schlagworte.html"), None,
                      meta={"keywords": ["Nachrichten, Köln, Bonn, Region, Politik, Sport, "
                                         "Wirtschaft, Kultur, Wetter, Verkehr, Polizei, Lokales, "
                                         "NRW, Deutschland, Welt, Panorama, Video, Bilder, Ticker, "
                                         "Newsletter, E-Paper"]})
    # The page's own Schlagworte line gives the tags, not the 21 keywords.
    assert m.tags == ["Hochwasser", "Rhein", "Köln", "Unwetter"]
    html = """<html><head><title>Storm hits the coast</title>
    <meta name="keywords" content="news, breaking news, latest news, world news, national news">
    </head><body><h1>Storm hits the coast</h1></body></html>"""
    assert meta_of(html).tags == []
    terms = ", ".join(["storm", "coast", "weather", "rain", "wind", "flood", "forecast"] * 3)
    html = f"""<html><head><title>Storm hits the coast</title>
    <meta name="keywords" content="{terms}"></head><body><h1>Storm hits the coast</h1></body></html>"""
    assert meta_of(html).tags == []  # 21 terms: stuffing, even though some are relevant


def test_keywords_meta_used_when_relevant_and_nothing_better():
    m = read_metadata(load("relative_urls.html"), "https://www.jornaldaserra.com.br/noticias/chuva")
    assert m.tags == ["chuva", "alagamento", "Defesa Civil"]
    assert m.explain["tags"] == "news_keywords meta"


def test_jsonld_keyword_markers_dropped():
    html = """<html><head><title>Moon plumes</title><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "Moon plumes",
     "keywords": ["Category: Jupiter", "nasa", "europa", "channel_other", "type_news",
                  "@post-id:1913719", "Section:culture", "tag:Europa Clipper", "Nasa", "/article"]}
    </script></head><body><h1>Moon plumes</h1></body></html>"""
    assert meta_of(html).tags == ["nasa", "europa", "Europa Clipper"]


def test_article_tag_meta_single_comma_string_is_split():
    html = """<html><head><title>A city on the brink</title>
    <meta property="article:tag" content="Hong Kong,Protest,Asia Pacific,China"></head>
    <body><p>x</p></body></html>"""
    m = meta_of(html)
    assert m.tags == ["Hong Kong", "Protest", "Asia Pacific", "China"]
    assert m.explain["tags"] == "article:tag"


def test_visible_tags_confirm_longer_structured_list():
    # The page shows only the first tag; JSON-LD has the full list starting with it.
    html = """<html><head><title>Keyboards</title><script type="application/ld+json">
    {"@type": "Article", "headline": "Keyboards", "keywords": ["innovation", "MacBook Pro", "macbook"]}
    </script></head><body><h1>Keyboards</h1>
    <div class="js_tag-dropdown"><a href="/tag/innovation">Filed to:innovation</a></div>
    </body></html>"""
    m = meta_of(html)
    assert m.tags == ["innovation", "MacBook Pro", "macbook"]
    assert m.explain["tags"].startswith("JSON-LD keywords (confirmed by")


def test_navigation_footer_and_prose_tag_links_are_not_tags():
    html = """<html><head><title>Story</title></head><body>
    <nav><a href="/tag/a">Alpha</a><a href="/tag/b">Beta</a></nav>
    <div class="sidebar"><div class="tagcloud"><a href="/tag/c">Gamma</a><a href="/tag/d">Delta</a></div></div>
    <h1>Story</h1>
    <p>The <a href="/topic/un">United Nations</a> said the <a href="/topic/who">WHO</a> would
    send more staff to the region next week, after talks in Geneva on Monday.</p>
    <footer><a href="/tag/e">Epsilon</a> <a href="/tag/f">Zeta</a></footer>
    </body></html>"""
    assert meta_of(html).tags == []


def test_category_links_are_not_tags():
    html = """<html><head><title>Story</title></head><body><h1>Story</h1>
    <p class="postinfo">Filed under: <a href="/category/world/" rel="category tag">World</a></p>
    <span class="tag-links">Tagged <a href="/tag/elections/" rel="tag">Elections</a>,
    <a href="/tag/europe/" rel="tag">Europe</a></span></body></html>"""
    assert meta_of(html).tags == ["Elections", "Europe"]


def test_tags_are_deduplicated_case_insensitively_keeping_first_form():
    html = """<html><head><title>Story</title></head><body><h1>Story</h1>
    <div class="tags"><a href="/tag/ai">AI</a> <a href="/tag/openai">OpenAI</a></div>
    <div class="article-tags">Tags: <a href="/tag/ai">ai</a>, <a href="/tag/robots">Robots</a></div>
    </body></html>"""
    assert meta_of(html).tags == ["AI", "OpenAI", "Robots"]


# ---------------------------------------------------------------------------
# tag_line_label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Read more about: Tajikistan , Afghanistan", "Read more about:"),
        ("Tags: economy, inflation", "Tags:"),
        ("TAGS", "TAGS"),
        ("Topics: Politics", "Topics:"),
        ("Related Topics", "Related Topics"),
        ("Schlagworte: Hochwasser, Rhein", "Schlagworte:"),
        ("Themen: Klima", "Themen:"),
        ("Étiquettes : Grève, SNCF", "Étiquettes :"),
        ("Mots-clés : climat, énergie", "Mots-clés :"),
        ("Etiquetas: Economía, Inflación", "Etiquetas:"),
        ("Temas: Fútbol", "Temas:"),
        ("Tag: calcio, Serie A", "Tag:"),
        ("Argomenti: calcio", "Argomenti:"),
        ("Trefwoorden: verkiezingen, Den Haag", "Trefwoorden:"),
        ("Теги: Рязань, конкурс", "Теги:"),
        ("Темы: экономика", "Темы:"),
        ("Tagi: Chile, Koronawirus", "Tagi:"),
        ("Etiketler: ekonomi, enflasyon", "Etiketler:"),
        ("タグ：ロケット", "タグ："),
        ("标签：经济, 房地产", "标签："),
        ("Filed under china , illnesses , plague", "Filed under"),
        ("tags #Local Markets #Nifty #Sensex", "tags"),
        ("Tagged Elections, Europe", "Tagged"),
    ],
)
def test_tag_line_label_positive(text, label):
    assert tag_line_label(text) == label


@pytest.mark.parametrize(
    "text",
    [
        "Read more",
        "Read more: Russian Tanks Move to Afghan Border Ahead of Drills",
        "Price tags rose sharply across the country this year.",
        "Tags are a useful way to organise the archive, the editors say.",
        "Topics we cover include politics and more",
        "Thema des Abends war die Energiepolitik der Regierung in Berlin.",
        "Topics: the meeting covered budgets, roads and the new school that opens next year.",
        "",
        "By Jane Doe",
        "Subject - the restoration of account / unlock access",
        "Subject : *",
        "Tag der Arbeit in Berlin",
    ],
)
def test_tag_line_label_negative(text):
    assert tag_line_label(text) is None


# ---------------------------------------------------------------------------
# Language


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en_US", "en-us"), ("EN", "en"), ("pt-BR", "pt-br"), ("zh-Hant-TW", "zh-hant-tw"),
     ("en-US,fr;q=0.8", "en-us"), ("English", "en"), ("x-default", None), ("und", None),
     ("*", None), ("", None), (None, None), ("iw", "he")],
)
def test_normalize_language(value, expected):
    assert normalize_language(value) == expected


def test_language_sources_in_order():
    body = "<body><p>Short.</p></body>"
    assert meta_of(f'<html lang="en_GB"><head></head>{body}</html>').language == "en-gb"
    m = meta_of(f'<html><head><meta property="og:locale" content="it_IT"></head>{body}</html>')
    assert (m.language, m.explain["language"]) == ("it-it", "og:locale")
    m = meta_of(f"<html><head></head>{body}</html>", headers={"Content-Language": "nl-NL"})
    assert (m.language, m.explain["language"]) == ("nl-nl", "Content-Language header")
    m = meta_of(f"""<html><head><script type="application/ld+json">
        {{"@type": "NewsArticle", "headline": "x", "inLanguage": "sv-SE"}}</script></head>{body}</html>""")
    assert (m.language, m.explain["language"]) == ("sv-se", "JSON-LD inLanguage")


def test_declared_language_kept_when_text_agrees_or_is_too_short():
    # A short English blurb does not overrule a page that says it is Hindi.
    html = """<html><head><meta property="og:locale" content="hi_IN"></head><body>
    <p>Get all India News in Hindi related to live update of politics, sports and more.</p>
    </body></html>"""
    assert meta_of(html).language == "hi-in"


def test_english_text_on_page_declared_german_is_english():
    para = ("<p>How to retire early is a question that many people ask when they are thinking "
            "about their money and the years that are left for them to work, and the answer is "
            "that it depends on how much you save and what you spend.</p>")
    html = f'<html lang="de"><head></head><body>{para * 3}</body></html>'
    m = meta_of(html)
    assert m.language == "en"
    assert m.explain["language"] == "text detection (html lang says 'de')"


def test_language_checked_again_against_the_article_body():
    """A template whose paragraphs are an English footer, around a story written in
    Romanian in divs: the page's paragraphs agree with lang="en", the story does not."""
    from scraper import extract

    footer = "".join(f"<p>Read our privacy policy and the terms of use before you sign in, item {i}.</p>"
                     for i in range(4))
    story = "".join(
        f"<div>Femeile din țara noastră pot obține studii gratuite în domeniul IT, a anunțat ministerul, "
        f"iar cursurile vor începe în toamnă pentru toate cele care se înscriu până la sfârșitul lunii {i}.</div>"
        for i in range(5))
    html = f'<html lang="en"><body><article><h1>Studii gratuite</h1>{story}</article><footer>{footer}</footer></body></html>'
    article = extract(html, "https://news.example.md/a")
    assert article.language == "ro"
    assert article.explain["language"] == "article text (html lang says 'en')"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The government said on Monday that it would not change the plan, which has been "
         "criticised by the opposition and by many of the unions that were at the talks.", "en"),
        ("Die Regierung hat am Montag erklärt, dass sie den Plan nicht ändern wird, der von der "
         "Opposition und von vielen Gewerkschaften kritisiert worden ist, die bei den Gesprächen waren.",
         "de"),
        ("Le gouvernement a déclaré lundi qu'il ne changerait pas le plan, qui a été critiqué par "
         "l'opposition et par les syndicats qui étaient présents aux discussions avec les ministres.",
         "fr"),
        ("El gobierno dijo el lunes que no cambiará el plan, que ha sido criticado por la oposición "
         "y por muchos de los sindicatos que estaban en las conversaciones con los ministros.", "es"),
        ("O governo disse na segunda-feira que não vai mudar o plano, que foi criticado pela "
         "oposição e por muitos dos sindicatos que estavam nas conversas com os ministros.", "pt"),
        ("Il governo ha detto lunedì che non cambierà il piano, che è stato criticato "
         "dall'opposizione e da molti dei sindacati che erano presenti alle trattative con il ministro.",
         "it"),
        ("Правительство заявило в понедельник, что не будет менять план, который критиковали "
         "оппозиция и многие профсоюзы, которые были на переговорах.", "ru"),
        ("政府は月曜日、計画を変更しないと発表した。野党や労働組合からは批判が出ている。", "ja"),
        ("政府周一表示不会改变该计划，反对派和许多工会都批评了这个计划。", "zh"),
        ("정부는 월요일 계획을 바꾸지 않겠다고 밝혔다. 야당과 노조는 이를 비판했다.", "ko"),
        ("أعلنت الحكومة يوم الاثنين أنها لن تغير الخطة التي انتقدتها المعارضة والنقابات في هذا الأسبوع", "ar"),
        ("Η κυβέρνηση δήλωσε τη Δευτέρα ότι δεν θα αλλάξει το σχέδιο που επικρίθηκε από την αντιπολίτευση.",
         "el"),
        ("सरकार ने सोमवार को कहा कि वह योजना में बदलाव नहीं करेगी, जिसकी विपक्ष ने आलोचना की है।", "hi"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text).language == lang


# ---------------------------------------------------------------------------
# Images and canonical URLs


def test_relative_image_and_canonical_made_absolute_garbage_ignored():
    m = read_metadata(load("relative_urls.html"), "https://www.jornaldaserra.com.br/noticias/chuva")
    assert m.image == "https://www.jornaldaserra.com.br/fotos/2020/03/chuva-centro.jpg"
    # rel=canonical is "javascript:void(0)": og:url is used instead.
    assert m.canonical_url == "https://www.jornaldaserra.com.br/noticias/chuva-forte-alaga-ruas"
    assert m.explain["canonical_url"] == "og:url"
    assert m.language == "pt-br"
    assert m.site_name == "Jornal da Serra"
    assert m.title == "Chuva forte alaga ruas no centro"


def test_canonical_pointing_at_home_page_is_ignored():
    html = """<html><head><link rel="canonical" href="https://www.example.com/">
    </head><body><p>x</p></body></html>"""
    m = meta_of(html, "https://www.example.com/2021/07/story")
    assert m.canonical_url is None


def test_jsonld_image_object_list_and_protocol_relative():
    html = """<html><head><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "H", "image": [{"@type": "ImageObject",
     "url": "//img.example.com/a.jpg"}, "https://img.example.com/b.jpg"]}
    </script></head><body><p>x</p></body></html>"""
    m = meta_of(html)
    assert m.image == "https://img.example.com/a.jpg"
    assert m.explain["image"] == "JSON-LD image"


def test_empty_page_gives_empty_metadata():
    m = read_metadata(parse_html(b""), None)
    assert m == Metadata(explain={})


def test_coauthors_marked_up_one_by_one():
    html = """<html><head><title>Protests</title></head><body><article class="post h-entry">
    <h1>The quiet hand behind the protests</h1>
    <div class="byline-text">By
      <a class="p-author h-card" rel="author" href="/a/jr"><span itemprop="author">Jim Rutenberg</span></a>,
      <a class="p-author h-card" rel="author" href="/a/ll"><span itemprop="author">Lisa Lerer</span></a> and
      <a class="p-author h-card" rel="author" href="/a/kv"><span itemprop="author">KENNETH P. VOGEL</span></a>
      <span class="p-author">The New York Times</span></div>
    <p>Story text.</p>
    <div class="related"><span class="card__author">Someone Else</span></div>
    </article></body></html>"""
    m = meta_of(html)
    assert m.authors == ["Jim Rutenberg", "Lisa Lerer", "Kenneth P. Vogel"]
    assert m.explain["authors"] == "itemprop=author"


def test_byline_element_naming_the_section_is_not_an_author():
    html = """<html><head><title>Fútbol alemán</title></head><body><div class="content">
    <div class="author">Internacional</div><h1>Se reanuda el fútbol alemán</h1>
    <p>Texto.</p></div></body></html>"""
    m = meta_of(html, "https://www.diario.example.com/actualidad/internacional/futbol-aleman-123")
    assert m.authors == []


def test_logo_h1_and_site_name_headline_are_not_the_title():
    html = """<html><head><title>News.az</title>
    <meta property="og:title" content="Azerbaijan launches counteroffensive, envoy says">
    <meta name="twitter:title" content="News.az"></head>
    <body><h1 class="logo">News.az</h1><h1>Azerbaijan launches counteroffensive, envoy says</h1>
    </body></html>"""
    m = meta_of(html, "https://www.news.az/news/azerbaijan-launches-counteroffensive")
    assert m.title == "Azerbaijan launches counteroffensive, envoy says"


@pytest.mark.parametrize("wrap", [("", ""), ('<div class="col"><div class="meta">', "</div></div>")])
def test_listing_page_with_a_tag_per_story_has_no_page_tags(wrap):
    cards = "".join(
        f'<div class="card"><h3><a href="/story/{i}">Story {i}</a></h3>{wrap[0]}'
        f'<span class="tag"><a rel="tag" href="/channel/{name}">{name}</a></span>{wrap[1]}</div>'
        for i, name in enumerate(["World", "Science", "Money", "Culture", "Sports"]))
    html = f"<html><head><title>Front page</title></head><body><h1>Today</h1>{cards}</body></html>"
    assert meta_of(html).tags == []


# ---------------------------------------------------------------------------
# Robustness: any markup and any JSON-LD shape give a Metadata, never an exception


def test_read_metadata_never_raises_on_odd_input():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    pieces = st.sampled_from([
        "<html lang='", "xx_YY", "'>", "<title>", "</title>", "<h1>", "</h1>", "<p>", "By ",
        '<meta property="og:title" content="', '<meta name="keywords" content="', '">',
        '<link rel="canonical" href="', "http://[::1", "//", "Tags: ", "Read more about: ",
        '<div class="tags">', "</div>", '<a href="/tag/x" rel="tag">', "</a>", "&amp;#039;",
        "<nav>", "</nav>", "<footer>", "<article>", "タグ：", ", ", " | "])
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
            st.sampled_from(["@id", "@type", "name", "url", "author", "keywords", "headline",
                             "image", "publisher", "inLanguage", "givenName"]), inner, max_size=4),
        max_leaves=12)
    article = st.dictionaries(
        st.sampled_from(["@id", "author", "keywords", "headline", "image", "publisher",
                         "inLanguage", "description", "creator"]), json_value, max_size=6)

    @hypothesis.settings(max_examples=150, deadline=None)
    @hypothesis.given(st.lists(st.one_of(pieces, st.text(max_size=10)), max_size=30),
                      st.lists(article, max_size=3),
                      st.sampled_from([None, "https://www.example.com/a/b", "http://[::1", "x"]))
    def check(parts, objects, url):
        doc = parse_html("".join(parts))
        objects = [{**o, "@type": "NewsArticle"} for o in objects]
        for objs in (None, objects):
            m = read_metadata(doc, url, objects=objs, headers={"Content-Language": "".join(parts)[:8]})
            assert isinstance(m.authors, list) and isinstance(m.tags, list)
            assert all(isinstance(t, str) and t for t in m.tags + m.authors)

    check()


def test_a_cms_login_is_not_an_author():
    html = """<html><head><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "Biden predicts a delay",
     "author": [{"@type": "Person", "name": "gqlshare"}, {"@type": "Person", "name": "Kate Sullivan"}]}
    </script></head><body><p>Story.</p></body></html>"""
    assert meta_of(html).authors == ["Kate Sullivan"]
