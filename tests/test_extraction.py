"""Body extraction: boilerplate in several languages, structure kept, formats, rules, comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import extract
from scraper.cli import EXIT_USAGE, cli
from scraper.extraction import render_body
from scraper.rules import RulesError, load_rules, parse_rules

BOILERPLATE = Path(__file__).parent / "fixtures" / "boilerplate"
URL = "https://news.example.org/2024/01/12/story"


def page(name: str) -> bytes:
    return (BOILERPLATE / name).read_bytes()


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


# (fixture, first paragraph starts, last paragraph, paragraph count, text that must not appear)
CASES = [
    ("de_klima.html", "Die Stadtwerke wollen", "Die ersten Anlagen sollen noch in diesem Sommer in der Südstadt in Betrieb gehen.",
     6, ["Lesen Sie auch", "Fernwärme: Warum", "Anzeige", "Teilen", "Schlagworte", "Newsletter abonnieren",
         "Mehr zum Thema", "Solardächer", "Unterstützen Sie", "Jetzt abonnieren", "Endlich passiert",
         "Von Jana Becker", "Energiewende", "Impressum", "Alle Rechte"]),
    ("fr_obfusque.html", "Depuis le début de l'année",
     "La métropole prévoit d'ouvrir trois nouveaux centres de distribution urbains d'ici à 2024 afin de "
     "raccourcir les trajets entre les entrepôts et les quartiers.",
     4, ["Lire aussi", "zone à faibles émissions", "Partager sur", "Mots-clés", "Abonnez-vous", "Sur le même sujet",
         "Trottinettes", "Par Claire Dumas", "Tous droits réservés", "S'abonner"]),
    ("es_elecciones.html", "Las cinco bibliotecas municipales",
     "Las asociaciones de estudiantes han pedido que la ampliación se extienda también a los exámenes de junio.",
     5, ["Te puede interesar", "carril bici", "Compartir", "Etiquetas", "Suscríbete", "Noticias relacionadas",
         "becas de transporte", "Comentarios", "Muy buena noticia", "Lo más leído", "Lucía Romero", "Aviso legal"]),
    ("ru_novosti.html", "В понедельник в Казани", "Старый мост закроют на капитальный ремонт уже в сентябре.",
     4, ["Читайте также", "Вторую линию метро", "Теги", "Поделиться", "Поддержите", "каток", "Все права",
         "Анна Смирнова"]),
    ("ja_news.html", "市教育委員会は10日",
     "委員会によると、延長に伴う人件費などとして約800万円を補正予算案に計上する。職員の負担を考慮し、夜間は一部の窓口業務を自動貸出機に切り替える。",
     3, ["シェア", "タグ", "関連記事", "市民プール", "Copyright", "2024年5月10日"]),
    ("ar_news.html", "افتتحت البلدية صباح اليوم",
     "ومن المقرر أن تفتح المكتبة أبوابها للجمهور ابتداءً من يوم السبت المقبل.",
     4, ["اقرأ أيضاً", "حديقة جديدة", "شارك", "الوسوم", "أخبار ذات صلة", "معرض الكتاب", "جميع الحقوق",
         "بقلم سارة حسن"]),
    ("th_news.html", "เทศบาลเมืองเปิดห้องสมุดประชาชนแห่งใหม่",
     "ประชาชนในพื้นที่หลายคนแสดงความยินดี เพราะที่ผ่านมาเมืองยังไม่มีสถานที่เงียบสงบสำหรับอ่านหนังสือ "
     "โดยเฉพาะในช่วงสอบของนักเรียนและนักศึกษา",
     3, ["แชร์", "ข่าวที่เกี่ยวข้อง", "ตลาดนัด", "สงวนลิขสิทธิ์"]),
]


@pytest.mark.parametrize("name,first,last,count,absent", CASES, ids=[c[0] for c in CASES])
def test_boilerplate_is_stripped_in_many_languages(name, first, last, count, absent):
    article = extract(page(name), URL)
    found = paragraphs(article.body)
    assert found[0].startswith(first)
    assert found[-1] == last
    assert len(found) == count, found
    for text in absent:
        assert text not in article.body, text
    assert article.is_article


def test_headings_lists_quotes_tables_and_code_are_kept():
    html = """<html><body><nav><a href="/">Home</a> <a href="/a">A</a> <a href="/b">B</a></nav>
    <article><h1>Release notes</h1><div class="post-content">
    <p>This release changes how the parser treats broken markup, which matters for anyone archiving old pages.</p>
    <h2>What changed</h2>
    <ul><li>Faster parsing of long pages</li><li>Fewer crashes on broken tables</li></ul>
    <blockquote><p>We rewrote the tokenizer from scratch, and it shows in every benchmark we ran.</p></blockquote>
    <table><tr><th>Version</th><th>Pages per second</th></tr><tr><td>1.0</td><td>120</td></tr>
    <tr><td>2.0</td><td>310</td></tr></table>
    <pre><code>pip install parser==2.0
parser --check page.html</code></pre>
    <p>Upgrading is safe for all users; the configuration format did not change in this release at all.</p>
    </div></article><footer>Copyright 2024</footer></body></html>"""
    article = extract(html, "https://blog.example.com/release-2")
    text = article.body
    assert "What changed" in text
    assert "Faster parsing of long pages\nFewer crashes on broken tables" in text
    assert "We rewrote the tokenizer from scratch" in text
    assert "Version | Pages per second\n1.0 | 120\n2.0 | 310" in text
    assert "pip install parser==2.0\nparser --check page.html" in text
    assert "Copyright" not in text and "Home" not in text and "Release notes" not in text

    markdown = render_body(article.body_html, "markdown")
    assert "## What changed" in markdown
    assert "- Faster parsing of long pages\n- Fewer crashes on broken tables" in markdown
    assert "> We rewrote the tokenizer" in markdown
    assert "| Version | Pages per second |\n| --- | --- |\n| 1.0 | 120 |" in markdown
    assert "```\npip install parser==2.0\nparser --check page.html\n```" in markdown
    html_body = render_body(article.body_html, "html")
    assert "<h2>What changed</h2>" in html_body and 'class=' not in html_body


def test_story_endings_a_table_a_closing_line_an_appeal_box_and_a_paywall():
    """What follows the last paragraph: a table of figures is the story, a closing
    "follow him on" sentence is the story, a boxed appeal with its heading is not, nor
    is a paywall box with its offers."""
    prose = "".join(f"<p>The council published the list of donors on Monday, paragraph {i} of the story "
                    "explains the rules for campaign gifts in the county.</p>" for i in range(3))
    rows = "".join(f"<tr><td>2020-09-0{i}</td><td>${i * 250:,}</td><td>Donor Number {i}</td></tr>"
                   for i in range(1, 8))
    html = f"""<html><body><article><h1>Donors</h1>{prose}
    <p>The following table lists every gift made in September.</p>
    <table><thead><tr><th>Date</th><th>Amount</th><th>Contributor</th></tr></thead><tbody>{rows}</tbody></table>
    </article></body></html>"""
    body = extract(html, URL).body
    assert "2020-09-01 | $250 | Donor Number 1" in body
    assert body.endswith("2020-09-07 | $1,750 | Donor Number 7")

    closing = ("Rumor has it that this song leads up to a holiday special with a few famous guests that the "
               "singer plans to release on Christmas. Follow him on Instagram to watch.")
    box = """<div class="support-box"><h2>How many of our stories do you read each day?</h2>
    <p>Have you thought about it? Independent reporting costs money, and readers like you keep it going.
    Support our journalism with a gift today.</p><a class="btn" href="/support">Support us</a></div>"""
    signup = ("<div><p>To receive our news updates every morning, enter your email address below.</p>"
              "<p>- DAILY UPDATES -</p><p>Morning news</p></div>")
    html = f"<html><body><article><h1>Song</h1>{prose}<p>{closing}</p>{box}{signup}</article></body></html>"
    body = extract(html, URL).body
    assert paragraphs(body)[-1] == closing
    assert "How many of our stories" not in body and "Independent reporting" not in body
    assert "UPDATES" not in body and "Morning news" not in body

    paywall = """<div class="article-locked"><h2>Read the rest of this article</h2>
    <p>To read this article you need a digital subscription to one of our daily newspapers or to the site.</p>
    <p>You can have a day of access for 3 euros, or a whole month for 25 euros; the first month costs 5 euros.</p>
    <ul><li>Day pass: full access</li><li>Archive</li><li>Buy a day pass</li></ul>
    <p>Already a subscriber? <a href="/login">Log in</a></p></div>"""
    html = f"<html><body><article><h1>Story</h1>{prose}{paywall}</article></body></html>"
    body = extract(html, URL).body
    assert paragraphs(body)[-1].startswith("The council published the list of donors on Monday, paragraph 2")
    assert "subscription" not in body and "Buy a day pass" not in body


@pytest.mark.parametrize("line", [
    "Please follow and like us:", "- Anúncio -", "Оставить комментарий (0)", "Leave a reply",
    "Your feedback is important to us", "See More Speed Reads",
    "▶️ Mantente informado en nuestro canal de Google Noticias",
])
def test_one_line_furniture_inside_a_story_goes(line):
    story = [f"<p>The harbour wall was finished three weeks early, paragraph {i} of the story says, and the "
             "ferry will use the new berth from next month.</p>" for i in range(4)]
    html = f"<html><body><article><h1>Harbour</h1>{story[0]}{story[1]}<p>{line}</p>{story[2]}{story[3]}" \
           f"<div><h3>{line}</h3></div></article></body></html>"
    body = extract(html, URL).body
    assert len(paragraphs(body)) == 4
    assert line not in body


def test_an_abbreviation_with_a_tooltip_keeps_its_text():
    """class="has-tooltip" says the element holds a tooltip; it is not the tooltip."""
    abbr = ('<abbr class="m-abbreviation has-tooltip" title="Ottawa School Transportation Authority">OSTA'
            '<span aria-hidden="true" class="e-tooltip"><span class="tooltip-content">Ottawa School '
            'Transportation Authority</span></span></abbr>')
    story = "".join(f"<p>L'{abbr} attend toujours des détails de la part des conseils scolaires avant "
                    f"d'attribuer les places dans les autobus, paragraphe {i}.</p>" for i in range(4))
    body = extract(f"<html><body><article><h1>Autobus</h1>{story}</article></body></html>", URL).body
    assert paragraphs(body)[0].startswith("L'OSTA attend toujours des détails")
    assert "Transportation Authority" not in body


def test_other_news_blocks_go_in_several_languages():
    story = "".join(f"<p>Fetele din Moldova vor putea profita de noi oportunități de carieră, paragraful {i} "
                    "al articolului spune, prin instruirea IT în cadrul proiectului.</p>" for i in range(4))
    for heading in ("Alte ştiri de Unica.md", "Other news", "Otras noticias", "Другие новости"):
        others = "".join(f'<li><a href="/s/{i}">Știrea numărul {i} din oraș</a></li>' for i in range(5))
        html = f"<html><body><article><h1>IT</h1>{story}<h3>{heading}</h3><ul>{others}</ul></article></body></html>"
        body = extract(html, URL).body
        assert heading not in body and "Știrea numărul" not in body, heading
        assert len(paragraphs(body)) == 4


def test_comments_are_kept_apart_only_when_asked():
    without = extract(page("es_elecciones.html"), URL)
    assert without.comments is None
    with_comments = extract(page("es_elecciones.html"), URL, comments=True)
    assert "Muy buena noticia para los que estudiamos de noche" in with_comments.comments
    assert "Muy buena noticia" not in with_comments.body
    assert with_comments.body == without.body


def test_listing_pages_are_not_articles():
    items = "".join(f'<li><a href="/story/{i}">Headline number {i} about the city council</a></li>' for i in range(30))
    html = f"<html><body><h1>Example News</h1><ul>{items}</ul><footer>About us</footer></body></html>"
    article = extract(html, "https://news.example.org/")
    assert article.is_article is False
    assert "is_article" in article.explain


def test_json_ld_article_body_helps_choose_the_region():
    story = " ".join(f"Sentence number {i} of the story, with enough words to count." for i in range(40))
    half = len(story) // 2
    html = f"""<html><head><script type="application/ld+json">
    {json.dumps({"@type": "NewsArticle", "articleBody": story})}</script></head><body>
    <div class="wrap"><div class="part"><p>{story[:half]}</p></div>
    <div class="box"><p>Advertisement</p></div><div class="part2"><p>{story[half:]}</p></div></div>
    </body></html>"""
    article = extract(html, URL)
    assert "Sentence number 0 of the story" in article.body
    assert "Sentence number 39 of the story" in article.body


RULES = """
[[site]]
domain = "news.example.org"
content = "div.weird-wrapper"
remove = [".promo-inline"]
date = "span.when"
tags = "ul.kw li"
title = "div.headline-text"
authors = "span.who"
"""


def test_site_rule_overrides_generic_choices(tmp_path):
    html = """<html><head><title>Wrong title | Site</title></head><body>
    <div class="intro-box"><p>This long paragraph would win the generic contest because it is very long and full of
    sentences. It goes on and on about nothing at all, yet it is prose. More prose follows here, sentence after
    sentence, so a generic extractor would take it for the story.</p></div>
    <div class="headline-text">The real headline</div><span class="who">Ana Lima</span>
    <span class="when">Published 2023-06-01T08:00:00Z</span>
    <div class="weird-wrapper"><p>The real story is short.</p><p class="promo-inline">Buy our mug!</p>
    <p>It has two paragraphs.</p></div>
    <ul class="kw"><li>Rules</li><li>rules</li><li>Selectors</li></ul></body></html>"""
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(RULES)
    rules = load_rules(rules_file)
    article = extract(html, URL, rules=rules)
    assert article.body == "The real story is short.\n\nIt has two paragraphs."
    assert article.title == "The real headline"
    assert article.authors == ["Ana Lima"]
    assert article.published == "2023-06-01T08:00:00Z"
    assert article.tags == ["Rules", "Selectors"]
    assert article.explain["body"] == "rule news.example.org: content div.weird-wrapper"
    assert article.explain["tags"].startswith("rule news.example.org")
    generic = extract(html, URL)
    assert "would win the generic contest" in generic.body
    other_site = extract(html, "https://other.example.com/x", rules=rules)
    assert other_site.title != "The real headline"


@pytest.mark.parametrize("text,message", [
    ("[[site]]\ncontent = 'p'", "needs a domain"),
    ("[[site]]\ndomain = 'a.com'\ncontent = 'p[['", "invalid CSS selector"),
    ("[[site]]\ndomain = 'a.com'\ncolour = 'red'", "unknown key 'colour'"),
    ("not = [toml", "not valid TOML"),
])
def test_bad_rules_files_are_explained(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(RulesError, match=message):
        load_rules(path)


def test_rules_match_subdomains_most_specific_first():
    rules = parse_rules({"site": [{"domain": "example.org", "content": "main"},
                                  {"domain": "news.example.org", "content": "article"}]})
    assert rules.for_url("https://www.news.example.org/a").domain == "news.example.org"
    assert rules.for_url("https://blog.example.org/a").domain == "example.org"
    assert rules.for_url("https://example.com/a") is None


def test_cli_show_explain_and_rules_errors(tmp_path, fixture_bytes):
    db = tmp_path / "a.db"
    fixture = Path(__file__).parent / "fixtures" / "news_article.html"
    runner = CliRunner()
    url = "https://www.themoscowtimes.com/2021/07/22/a74580"
    assert runner.invoke(cli, ["fetch", str(fixture), "--url", url, "--db", str(db)]).exit_code == 0
    shown = runner.invoke(cli, ["show", url, "--explain", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    lines = {line.split()[0]: line for line in shown.output.splitlines()}
    assert "Tajikistan, Afghanistan" in lines["tags"]
    assert "←" in lines["body"] and "content container" in lines["body"]
    as_json = json.loads(runner.invoke(cli, ["show", url, "--explain", "--format", "json", "--db", str(db)]).output)
    assert as_json["tags"]["value"] == ["Tajikistan", "Afghanistan"]

    rules = tmp_path / "rules.toml"
    rules.write_text('[[site]]\ndomain = "themoscowtimes.com"\ntitle = "h1"\ncontent = "div.article__content"\n')
    ruled = json.loads(runner.invoke(cli, ["show", url, "--explain", "--format", "json", "--rules", str(rules),
                                           "--db", str(db)]).output)
    assert ruled["body"]["source"] == "rule themoscowtimes.com: content div.article__content"
    assert ruled["title"]["source"] == "rule themoscowtimes.com: title h1"

    bad = runner.invoke(cli, ["fetch", "https://e.com/", "--rules", str(tmp_path / "missing.toml"), "--db", str(db)])
    assert bad.exit_code == EXIT_USAGE and "no rules file" in bad.stderr
