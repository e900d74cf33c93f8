"""Article extraction and the choice of publication date."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from parallax.analysis.language_id import Detection, detect_language
from parallax.analysis.languages import MIN_CONFIDENCE
from parallax.analysis.wordcount import count_words
from parallax.connectors.articles import (
    MIN_WORDS,
    ExtractedPage,
    NoText,
    build_article,
    choose_published,
    extract_page,
)
from parallax.connectors.pagedates import parse_timestamp
from parallax.connectors.records import DateSource, FeedEntry

PAGE = """<html lang="de-DE"><head><meta charset="{charset}"><title>{title} | Rhein Post</title>
<link rel="canonical" href="https://rheinpost.example/english/{slug}.html">
<script type="application/ld+json">{{"@context": "https://schema.org", "@graph": [
 {{"@type": "WebPage"}}, {{"@type": "NewsArticle", "datePublished": "2021-12-02T18:45:00+01:00"}}]}}
</script></head><body><nav>Politik Wirtschaft Sport</nav><article><h1>{title}</h1>
<p class="byline">Von Jürgen Weiß</p>
<p>Die Außenminister trafen sich in Stockholm am Rande des OSZE-Treffens zu einem Gespräch,
das nach Angaben beider Seiten etwa vierzig Minuten dauerte und ohne Durchbruch endete.</p>
<p>Beide Seiten vereinbarten jedoch, den Dialog fortzusetzen, während die Spannungen wegen
der Truppenbewegungen an der Grenze zur Ukraine weiter zunahmen, wie Diplomaten berichteten.</p>
</article><footer>Impressum Datenschutz</footer></body></html>"""


def page(charset: str = "utf-8", title: str = "Gespräch in Stockholm") -> bytes:
    return PAGE.format(charset=charset, title=title, slug="talks").encode(charset)


def test_extracts_text_title_author_language_canonical_and_time() -> None:
    extracted = extract_page(page(), "https://rheinpost.example/english/talks.html?utm_source=x")
    assert extracted.title == "Gespräch in Stockholm"
    assert "vierzig Minuten" in extracted.text
    assert "Impressum" not in extracted.text and "Wirtschaft" not in extracted.text
    assert extracted.language == "de"
    assert extracted.canonical_url == "https://rheinpost.example/english/talks.html"
    assert extracted.date == datetime(2021, 12, 2, 17, 45, tzinfo=UTC)  # JSON-LD in a @graph
    assert extracted.date_has_time


def test_the_header_charset_decodes_the_page() -> None:
    raw = page(charset="iso-8859-1")
    assert "Außenminister" in extract_page(raw, "http://x.example/a", charset="iso-8859-1").text
    # An unknown charset name falls back to detection instead of failing.
    assert "Gespräch" in extract_page(page(), "http://x.example/a", charset="no-such-charset").text


def test_a_page_without_text_raises_no_text() -> None:
    with pytest.raises(NoText):
        extract_page(b"<html><body><nav>Home</nav></body></html>", "http://x.example/")
    with pytest.raises(NoText):
        extract_page(b"", "http://x.example/")


ENTRY = FeedEntry(
    feed_url="http://x.example/feed",
    url="http://x.example/a",
    link="http://x.example/a",
    title="From the feed",
    position=0,
    published_at=datetime(2021, 12, 2, 16, 0, tzinfo=UTC),
)
SEEN = datetime(2021, 12, 3, 9, 0, tzinfo=UTC)


def extracted(date: datetime | None, has_time: bool) -> ExtractedPage:
    return ExtractedPage("text", None, None, date, has_time, None, None, None, None)


@pytest.mark.parametrize(
    ("page_date", "has_time", "entry", "expected"),
    [
        (
            datetime(2021, 12, 2, 15, 0, tzinfo=UTC),
            True,
            ENTRY,
            (datetime(2021, 12, 2, 15, 0, tzinfo=UTC), DateSource.PAGE_META),
        ),
        (datetime(2021, 12, 2, tzinfo=UTC), False, ENTRY, (ENTRY.published_at, DateSource.FEED)),
        (
            datetime(2021, 12, 2, tzinfo=UTC),
            False,
            None,
            (datetime(2021, 12, 2, tzinfo=UTC), DateSource.PAGE_DATE),
        ),
        (None, False, None, (SEEN, DateSource.FIRST_SEEN)),
        (None, False, ENTRY, (ENTRY.published_at, DateSource.FEED)),
    ],
    ids=["page-time-wins", "feed-beats-page-day", "page-day", "first-seen", "feed-only"],
)
def test_the_most_precise_date_wins(
    page_date: datetime | None,
    has_time: bool,
    entry: FeedEntry | None,
    expected: tuple[datetime, DateSource],
) -> None:
    assert choose_published(extracted(page_date, has_time), entry, SEEN) == expected


def test_the_feed_fills_what_the_page_lacks() -> None:
    bare = (
        b"<html><body><article>"
        + b"<p>"
        + b"A sentence about the talks in Stockholm. " * 20
        + b"</p></article></body></html>"
    )
    article = build_article(bare, "http://x.example/a", "Outlet", entry=ENTRY, first_seen=SEEN)
    assert article.title == "From the feed"
    assert (article.published_at, article.date_source) == (ENTRY.published_at, DateSource.FEED)
    assert article.word_count > 100 and len(article.text_hash) == 64


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-12-02T16:20:00+00:00", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02T17:20:00+01:00", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02T16:20:00Z", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02 16:20", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02", None),
        ("yesterday", None),
    ],
)
def test_timestamps_need_a_time_of_day(value: str, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


# -- scripts without spaces, and the language of the text -------------------------------------

# Written for these tests: short news paragraphs on one meeting, in eight languages.
NEWS = {
    "en": "The foreign ministers met for about forty minutes on the sidelines of the OSCE meeting "
    "in Stockholm on Thursday and agreed to keep talking, officials on both sides said.",
    "ru": "Министры иностранных дел России и США встретились в четверг в Стокгольме на полях "
    "заседания ОБСЕ. Переговоры продлились около сорока минут, стороны договорились "
    "продолжить диалог.",
    "uk": "Міністри закордонних справ Росії та США зустрілися в четвер у Стокгольмі на полях "
    "засідання ОБСЄ. Переговори тривали близько сорока хвилин, сторони домовилися "
    "продовжити діалог.",
    "de": "Die Außenminister trafen sich am Donnerstag in Stockholm am Rande des OSZE-Treffens. "
    "Das Gespräch dauerte nach Angaben beider Seiten etwa vierzig Minuten.",
    "fr": "Les ministres des Affaires étrangères se sont rencontrés jeudi à Stockholm en marge de "
    "la réunion de l'OSCE. L'entretien a duré une quarantaine de minutes, selon les deux "
    "délégations.",
    "ar": "التقى وزيرا خارجية روسيا والولايات المتحدة يوم الخميس في ستوكهولم على هامش اجتماع "
    "منظمة الأمن والتعاون في أوروبا، واستمر اللقاء نحو أربعين دقيقة.",
    "zh": "美国国务卿布林肯与俄罗斯外长拉夫罗夫周四在斯德哥尔摩举行会谈。双方在欧安组织部长级"
    "会议期间会面约四十分钟，同意继续保持对话。",
    "ja": "ブリンケン米国務長官とロシアのラブロフ外相は木曜日、ストックホルムで会談した。両氏は"
    "欧州安全保障協力機構の閣僚会合に合わせて約四十分間話し合い、対話を続けることで一致した。",
}

CJK_PAGE = """<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav>首页 国际 财经</nav><article><h1>{title}</h1>{paragraphs}</article>
<footer>版权所有</footer></body></html>"""

ZH_PARAGRAPHS = [
    NEWS["zh"],
    "拉夫罗夫在会后对记者表示，俄方希望美国就北约不再东扩提供具有法律约束力的安全保障。",
    "布林肯则警告说，如果俄罗斯对乌克兰采取进一步军事行动，西方将实施严厉的经济制裁。",
]
JA_PARAGRAPHS = [
    NEWS["ja"],
    "ラブロフ氏は会談後の記者会見で、北大西洋条約機構がこれ以上東方へ拡大しないという"
    "法的な保証を求めた。",
    "ブリンケン氏は、ロシアがウクライナに対して軍事行動を取れば、深刻な結果を招くと警告した。",
]


def cjk_page(lang: str, title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return CJK_PAGE.format(lang=lang, title=title, paragraphs=body).encode("utf-8")


@pytest.mark.parametrize(
    ("lang", "paragraphs"), [("zh-CN", ZH_PARAGRAPHS), ("ja", JA_PARAGRAPHS)], ids=["zh", "ja"]
)
def test_chinese_and_japanese_stories_are_long_enough(lang: str, paragraphs: list[str]) -> None:
    """Three short paragraphs hold next to no spaces; as words, they make a brief."""
    html = cjk_page(lang, "斯德哥尔摩会谈", paragraphs)
    article = build_article(html, "http://x.example/a", "Outlet", entry=ENTRY, first_seen=SEEN)
    characters = sum(len(p) for p in paragraphs)
    assert len(article.text.split()) < MIN_WORDS  # what the old count found
    # About one word per 1.7 characters: as long as an English brief of the same news.
    assert characters / 2.5 < article.word_count < characters / 1.2
    assert article.language == lang[:2] == article.detected_language


def test_a_chinese_caption_is_still_too_short() -> None:
    html = cjk_page("zh", "图片", ["图为两国外长在斯德哥尔摩握手。"])
    with pytest.raises(NoText):
        extract_page(html, "http://x.example/a")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The ministers met in Stockholm — briefly.", 7),  # as str.split counts it
        ("拜登与习近平会谈", 5),  # 8 characters / 1.7
        ("拜登 15日 与习近平会谈。", 6),  # 9 Han characters, and the number 15
        ("Xi Jinping 习近平, Joe Biden 拜登", 7),  # 4 Latin words, and 5 Han characters
        ("ประธานาธิบดีสหรัฐฯ และผู้นำจีน", 7),  # 29 Thai code points / 4
        ("미국과 중국 정상이 화상으로 회담했다", 5),  # Korean spaces its words
        ("", 0),
    ],
)
def test_words_are_counted_in_any_script(text: str, words: int) -> None:
    assert count_words(text) == words


@pytest.mark.parametrize("language", sorted(NEWS))
def test_the_language_is_detected_from_the_text(language: str) -> None:
    detected = detect_language(NEWS[language])
    assert detected.language == language
    assert detected.confidence >= MIN_CONFIDENCE


def test_text_without_words_has_no_language() -> None:
    assert detect_language("") == Detection(None, 0.0)
    assert detect_language("12:45 — 2021-12-02 / +++").language is None


def test_the_detected_language_stands_beside_the_declared_one() -> None:
    """The page says English (its site's language); the story is in German."""
    html = page().replace(b'lang="de-DE"', b'lang="en"')
    article = build_article(html, "http://x.example/a", "Outlet", entry=ENTRY, first_seen=SEEN)
    assert article.language == "en"
    assert article.detected_language == "de"
    assert article.detection_confidence is not None and article.detection_confidence > 0.9


def test_the_detector_is_loaded_once_for_all_threads() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(detect_language, [NEWS[lang] for lang in sorted(NEWS)] * 4))
    assert [d.language for d in found] == sorted(NEWS) * 4
