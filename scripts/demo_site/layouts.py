"""Six page layouts with different markup, as different publishing systems would write it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from .furniture import Furniture
from .pages import (
    Page,
    attr,
    blocks,
    byline_parts,
    esc,
    head,
    links,
    nav_href,
    page_config,
    script_json,
    section_href,
    text_direction,
)
from .styles import (
    BROADCASTER_CSS,
    CLASSIC_CSS,
    MAGAZINE_CSS,
    MODERN_CSS,
    TABLOID_CSS,
    WIRE_CSS,
)


def _doc(page: Page, css: str, body: str, og: bool = True, body_attrs: str = "") -> str:
    """A complete HTML document around a rendered <body> content."""
    return (
        f'<!DOCTYPE html>\n<html lang="{attr(page.article.language)}"{text_direction(page)}>\n'
        f"{head(page, css, og)}\n<body{body_attrs}>\n{body.strip()}\n</body>\n</html>\n"
    )


def _nav_items(labels: tuple[str, ...], item: str) -> str:
    """Navigation links, one per label, in a per-layout template."""
    return "\n".join(item.format(href=nav_href(label), label=esc(label)) for label in labels)


def _buttons(labels: tuple[str, ...], attrs: str = 'type="button"') -> str:
    """Buttons with the given labels."""
    return " ".join(f"<button {attrs}>{esc(label)}</button>" for label in labels)


def _comments(page: Page, item: str) -> str:
    """The reader comments in a per-layout template with {user} and {text}."""
    return "\n".join(item.format(user=esc(c.user), text=esc(c.text)) for c in page.comments)


def _section_link(page: Page, upper: bool = False) -> str:
    """A link to the article's section front, for breadcrumbs."""
    label = page.section_label.upper() if upper else page.section_label
    return f'<a href="{section_href(page)}">{esc(label)}</a>'


def _signup(f: Furniture, action: str, labelled: bool = False) -> str:
    """A newsletter sign-up form."""
    label = ' aria-label="Email"' if labelled else ""
    return (
        f'<form action="{action}" method="post">'
        f'<input type="email" name="email"{label}>\n'
        f'<button type="submit">{esc(f.newsletter_button)}</button></form>'
    )


def _share_url(label: str, url: str) -> str:
    """A share link for a share-button label."""
    target = quote(url, safe="")
    if "Facebook" in label:
        return f"https://www.facebook.com/sharer/sharer.php?u={target}"
    if "LinkedIn" in label:
        return f"https://www.linkedin.com/sharing/share-offsite/?url={target}"
    if "mail" in label:
        return f"mailto:?body={target}"
    if "WhatsApp" in label:
        return f"https://api.whatsapp.com/send?text={target}"
    return f"https://twitter.com/intent/tweet?url={target}"


def wire(page: Page) -> str:
    """A news agency site: semantic HTML5 with <main> and <article>, byline with a <time>."""
    f, outlet = page.furniture, page.outlet
    author, date = byline_parts(page, "us")
    byline = f'<span class="author">By {author}</span>' if author else ""
    share = "\n".join(
        f'<li><a class="share-link" href="{attr(_share_url(s, page.url))}">{esc(s)}</a></li>'
        for s in f.share
    )
    body = "\n".join(blocks(page, lambda p: f"<p>{p}</p>", "live-update"))
    html = f"""
<div id="consent-banner" class="consent" role="dialog" aria-label="Cookie consent">
<p class="consent__text">{esc(f.cookie_text)}</p>
<div class="consent__actions">{_buttons(f.cookie_buttons)}</div>
</div>
<header class="site-header" role="banner">
<a class="site-logo" href="/" aria-label="{attr(outlet.name)} home">{esc(outlet.name)}</a>
<p class="site-tagline">{esc(outlet.tagline)}</p>
<nav class="site-nav" aria-label="Main">
<ul>
{_nav_items(f.nav, '<li><a href="{href}">{label}</a></li>')}
</ul>
</nav>
<form class="site-search" action="/search" method="get" role="search">
<input type="search" name="q" aria-label="Search"><button type="submit">Search</button>
</form>
</header>
<main id="main" class="layout-article">
<nav class="breadcrumbs" aria-label="Breadcrumb">
<ol><li><a href="/">Home</a></li><li>{_section_link(page)}</li></ol>
</nav>
<article class="article">
<header class="article-header">
<h1 class="article-headline">{esc(page.article.title)}</h1>
<div class="article-byline">{byline} {date}</div>
</header>
<ul class="article-share" aria-label="Share">
{share}
</ul>
<div class="article-body">
{body}
</div>
</article>
<aside class="related-stories" aria-labelledby="related-heading">
<h2 id="related-heading">{esc(f.related_heading)}</h2>
<ul>
{links(page.related)}
</ul>
</aside>
<section class="newsletter-signup">
<h2>{esc(f.newsletter_heading)}</h2>
<p>{esc(f.newsletter_text)}</p>
<form action="/account/newsletter" method="post">
<input type="email" name="email" aria-label="Email address">
<button type="submit">{esc(f.newsletter_button)}</button>
</form>
</section>
<section id="comments" class="comments">
<h2>{esc(f.comments_heading)}</h2>
<p class="comments__note">{esc(f.comments_prompt)}</p>
<ol class="comment-list">
{
        _comments(
            page,
            '<li class="comment"><p class="comment__author">{user}</p>'
            '<p class="comment__text">{text}</p></li>',
        )
    }
</ol>
</section>
</main>
<footer class="site-footer">
<ul class="site-footer__links">
{_nav_items(f.footer_links, '<li><a href="{href}">{label}</a></li>')}
</ul>
<p class="site-footer__legal">{esc(f.footer_text)}</p>
</footer>
{page_config(page, "nw-config")}
"""
    return _doc(page, WIRE_CSS, html, body_attrs=' class="article-page"')


def broadcaster(page: Page) -> str:
    """A public broadcaster: div soup with data-component blocks, no <article> or <main>."""
    f, outlet = page.furniture, page.outlet
    author, date = byline_parts(page, "uk")
    byline = ""
    if author:
        byline = (
            f'<div class="byline"><span class="byline__name">By {author}</span></div>'
            if page.article.meta == "full"
            else f'<p class="byline">By {author}</p>'
        )
    dateline = f'<div class="story-date">{date}</div>' if date else ""
    body = "\n".join(
        blocks(
            page,
            lambda p: f'<div data-component="text-block" class="text-block"><p>{p}</p></div>',
            "lx-stream-post",
        )
    )
    share = _buttons(f.share, 'type="button" class="share-tools__button"')
    html = f"""
<div id="cookie-prompt" class="cookie-banner" data-component="consent-banner">
<div class="cookie-banner__inner">
<p class="cookie-banner__text">{esc(f.cookie_text)}</p>
{_buttons(f.cookie_buttons, 'type="button" class="cookie-banner__button"')}
</div>
</div>
<div id="orb-header" class="orb-header">
<div class="orb-nav">
<a class="orb-logo" href="/">{esc(outlet.name)}</a>
<ul class="orb-nav__links">
{_nav_items(f.nav, '<li><a href="{href}">{label}</a></li>')}
</ul>
</div>
</div>
<div class="nw-navigation" role="navigation">
<div class="nw-brand"><a href="/news/">{esc(outlet.tagline)}</a></div>
<ul class="nw-subnav">
{_nav_items(f.subnav, '<li class="nw-subnav__item"><a href="{href}">{label}</a></li>')}
</ul>
</div>
<div id="main-content" class="page-wrapper">
<div class="breadcrumb"><a href="/news/">News</a>
<span aria-hidden="true">&rsaquo;</span> {_section_link(page)}</div>
<div class="container">
<div class="column--primary" role="main">
<div class="story-header">
<div id="main-heading" data-component="headline-block">
<h1 class="story-headline">{esc(page.article.title)}</h1>
</div>
<div data-component="byline-block">{byline}{dateline}</div>
</div>
<div class="share-tools" data-component="share-tools">{share}</div>
<div class="story-body" data-component="story-body">
{body}
</div>
<div class="related-content" data-component="links-block">
<h2 class="related-content__title">{esc(f.related_heading)}</h2>
<ul class="related-content__list">
{links(page.related)}
</ul>
</div>
</div>
<div class="column--secondary">
<div class="newsletter-promo">
<h2 class="newsletter-promo__title">{esc(f.newsletter_heading)}</h2>
<p>{esc(f.newsletter_text)}</p>
<a class="newsletter-promo__link" href="/account/newsletters">{esc(f.newsletter_button)}</a>
</div>
</div>
</div>
<div id="comments" class="comments-module">
<h2 class="comments-module__title">{esc(f.comments_heading)}</h2>
<p class="comments-module__rules">{esc(f.comments_prompt)}</p>
{
        _comments(
            page,
            '<div class="comments-module__comment"><span class="comment-user">{user}</span>'
            '<p class="comment-body">{text}</p></div>',
        )
    }
</div>
</div>
<div id="orb-footer" class="orb-footer">
<ul class="orb-footer__links">
{_nav_items(f.footer_links, '<li><a href="{href}">{label}</a></li>')}
</ul>
<p class="orb-footer__text">{esc(f.footer_text)}</p>
</div>
{page_config(page, "page-data")}
"""
    return _doc(page, BROADCASTER_CSS, html)


def classic(page: Page) -> str:
    """An older newspaper CMS: fixed-width div soup with ids, a sidebar and no Open Graph tags."""
    f, outlet = page.furniture, page.outlet
    author, date = byline_parts(page, "uk-time")
    meta = " | ".join(
        part
        for part in (date, f'By <span class="author-name">{author}</span>' if author else "")
        if part
    )
    paragraphs = "\n".join(blocks(page, lambda p: f"<p>{p}</p>", "ticker-entry"))
    tools = " | ".join(f'<a href="#" class="tool">{esc(s)}</a>' for s in f.share)
    comments = _comments(
        page,
        '<div class="comment"><div class="comment-head"><b>{user}</b> '
        'wrote:</div><div class="comment-text">{text}</div></div>',
    )
    html = f"""
<div id="cookieNotice" class="cookie-notice">{esc(f.cookie_text)}
<a href="/privacy/">{esc(f.cookie_buttons[1])}</a>
<button type="button" onclick="acceptCookies()">{esc(f.cookie_buttons[0])}</button>
</div>
<div id="wrapper">
<div id="header">
<div id="logo"><a href="/">{esc(outlet.name)}</a></div>
<div id="slogan">{esc(outlet.tagline)}</div>
<div id="topmenu">
{_nav_items(f.nav, '<a class="menu-item" href="{href}">{label}</a>')}
</div>
</div>
<div id="breadcrumb">You are here: <a href="/">Front page</a> &raquo; {_section_link(page)}</div>
<div id="content">
<div id="maincol">
<div class="article">
<h1 class="article-title">{esc(page.article.title)}</h1>
<div class="article-meta">{meta}</div>
<div class="article-tools">{tools}</div>
<div class="article-text content__text">
{paragraphs}
</div>
</div>
<div class="related-box">
<h3>{esc(f.related_heading)}</h3>
<ul>
{links(page.related)}
</ul>
</div>
<div id="comments" class="comment-box">
<h3>{esc(f.comments_heading)} ({len(page.comments)})</h3>
{comments}
<p class="comment-login">{esc(f.comments_prompt)}</p>
</div>
</div>
<div id="sidebar">
<div class="box most-read">
<h3>{esc(f.extra[0])}</h3>
<ol>
{links(page.most_read)}
</ol>
</div>
<div class="box newsletter-box">
<h3>{esc(f.newsletter_heading)}</h3>
<p>{esc(f.newsletter_text)}</p>
<form action="/account/newsletter" method="post"><input type="text" name="email">
<input type="submit" value="{attr(f.newsletter_button)}"></form>
</div>
<div class="box ad-box"><span class="ad-label">{esc(f.extra[1])}</span>
<div class="ad-slot" id="ad-skyscraper"></div></div>
</div>
</div>
<div id="footer">
{_nav_items(f.footer_links, '<a href="{href}">{label}</a>')}
<p>{esc(f.footer_text)}</p>
</div>
</div>
<script>
function acceptCookies() {{
  document.getElementById("cookieNotice").style.display = "none";
}}
</script>
{page_config(page, "site-config")}
"""
    return _doc(page, CLASSIC_CSS, html, og=False)


def tabloid(page: Page) -> str:
    """A tabloid: crowded page, trending bar, inline advertisements, right rail of popular links."""
    f, outlet = page.furniture, page.outlet
    author, date = byline_parts(page, "tabloid")
    box = f'<span class="author">By {author}</span>' if author else ""
    if date:
        box += f'<p class="publish-date">Published: {date}</p>'
    paragraphs = blocks(page, lambda p: f'<p class="article-paragraph">{p}</p>', "live-post")
    if len(paragraphs) > 3:
        # Advertising breaks the body after the second paragraph, as tabloid templates do.
        ad = (
            f'<div class="ad-container ad-inline" data-ad="mpu">'
            f'<span class="ad-label">{esc(f.extra[1])}</span></div>'
        )
        paragraphs.insert(2, ad)
    share = "\n".join(
        f'<a class="share-btn" href="{attr(_share_url(s, page.url))}">{esc(s)}</a>' for s in f.share
    )
    trending = links(page.most_read[:3], '<span class="trending-item">{link}</span>')
    html = f"""
<div class="cmp-overlay" id="cmp-dialog" role="dialog">
<div class="cmp-box"><p>{esc(f.cookie_text)}</p>
<div class="cmp-buttons">{_buttons(f.cookie_buttons, 'type="button" class="cmp-btn"')}</div></div>
</div>
<div class="masthead">
<a class="masthead-logo" href="/">{esc(outlet.name)}</a>
<span class="masthead-strap">{esc(outlet.tagline)}</span>
<ul class="masthead-nav">
{_nav_items(f.nav, '<li><a href="{href}">{label}</a></li>')}
</ul>
</div>
<div class="trending-bar"><strong>{esc(f.extra[0])}</strong>
{trending}
</div>
<div class="breadcrumb"><a href="/">Home</a> / {_section_link(page, upper=True)}</div>
<div class="page-content">
<div class="article-column">
<h1 class="headline">{esc(page.article.title)}</h1>
<div class="author-box">{box}</div>
<div class="share-bar">
{share}
</div>
<div class="article-content text-content">
{chr(10).join(paragraphs)}
</div>
<div class="newsletter-widget">
<h3>{esc(f.newsletter_heading)}</h3>
<p>{esc(f.newsletter_text)}</p>
{_signup(f, "/account/signup")}
</div>
<div class="comments-container" id="comments">
<h3>{esc(f.comments_heading)}</h3>
<p class="comments-disclaimer">{esc(f.comments_prompt)}</p>
{
        _comments(
            page,
            '<div class="user-comment"><strong class="username">{user}</strong><p>{text}</p></div>',
        )
    }
</div>
</div>
<div class="right-rail">
<h3 class="rail-title">{esc(f.related_heading)}</h3>
<ul class="rail-list">
{links(page.related)}
</ul>
</div>
</div>
<div class="footer">
<div class="footer-links">
{_nav_items(f.footer_links, '<a href="{href}">{label}</a>')}
</div>
<p class="footer-legal">{esc(f.footer_text)}</p>
</div>
{page_config(page, "clarion-config")}
"""
    return _doc(page, TABLOID_CSS, html, body_attrs=' class="tabloid"')


def magazine(page: Page) -> str:
    """A policy magazine: semantic long-form markup, kicker, essay header and footer."""
    f, outlet = page.furniture, page.outlet
    author, date = byline_parts(page, "us-date")
    byline = ""
    if author:
        byline = f'<p class="essay__byline">By <span class="author">{author}</span></p>'
    if date:
        byline += date if date.startswith("<time") else f"<time>{date}</time>"
    body = "\n".join(blocks(page, lambda p: f"<p>{p}</p>", "live-entry"))
    share = "\n".join(f'<li><button type="button">{esc(s)}</button></li>' for s in f.share)
    html = f"""
<a class="skip-link" href="#main">Skip to content</a>
<header class="masthead">
<a class="masthead__logo" href="/">{esc(outlet.name)}</a>
<p class="masthead__tagline">{esc(outlet.tagline)}</p>
<nav class="masthead__nav" aria-label="Primary">
<ul>
{_nav_items(f.nav, '<li><a href="{href}">{label}</a></li>')}
</ul>
</nav>
</header>
<main id="main">
<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Home</a> / {_section_link(page)}</nav>
<article class="essay">
<header class="essay__header">
<h1 class="essay__title">{esc(page.article.title)}</h1>
<div class="essay__meta">{byline}</div>
</header>
<section class="essay__body">
{body}
</section>
<footer class="essay__footer">
<ul class="essay__share">
{share}
</ul>
</footer>
</article>
<aside class="further-reading">
<h2>{esc(f.related_heading)}</h2>
<ul>
{links(page.related)}
</ul>
</aside>
<section class="newsletter">
<h2>{esc(f.newsletter_heading)}</h2>
<p>{esc(f.newsletter_text)}</p>
{_signup(f, "/account/newsletters", labelled=True)}
</section>
<section class="comments" id="comments">
<h2>{esc(f.comments_heading)}</h2>
<p>{esc(f.comments_prompt)}</p>
{
        _comments(
            page,
            '<article class="comment"><h3 class="comment__author">{user}</h3>'
            "<p>{text}</p></article>",
        )
    }
</section>
<div class="paywall-prompt"><a href="/account/subscribe">{esc(f.extra[0])}</a></div>
</main>
<footer class="site-footer">
<ul>
{_nav_items(f.footer_links, '<li><a href="{href}">{label}</a></li>')}
</ul>
<p>{esc(f.footer_text)}</p>
</footer>
{page_config(page, "apr-config")}
"""
    return _doc(page, MAGAZINE_CSS, html)


def modern(page: Page) -> str:
    """A JavaScript-framework site: hashed class names, a __NEXT_DATA__ blob, banner at the end."""
    f, outlet = page.furniture, page.outlet
    author, date = byline_parts(page, "short")
    meta = "".join(
        (
            f'<span class="ArticleHeader_author__r4Tq1">{author}</span>' if author else "",
            f'<span class="ArticleHeader_date__Lm0sV">{date}</span>' if date else "",
        )
    )
    body = "\n".join(
        blocks(
            page,
            lambda p: f'<p class="ArticleBody_paragraph__qW1xZ">{p}</p>',
            "LiveBlog_update__x8Kp2",
        )
    )
    share = _buttons(f.share, 'type="button" class="ShareBar_button__7YhQe"')
    comments = _comments(
        page,
        '<div class="Comments_item__cV2s1"><span class="Comments_user'
        '__1bN7d">{user}</span><p class="Comments_text__Ps3w0">{text}</p>'
        "</div>",
    )
    data = {
        "buildId": "demo-build",
        "page": "/[section]/[...slug]",
        "props": {"pageProps": {"path": page.article.path, "section": page.section}},
    }
    html = f"""
<div id="__next">
<div class="Layout_root__k2Jd8">
<header class="Header_header__Xc8aL">
<a class="Header_logo__1pQ2w" href="/">{esc(outlet.name)}</a>
<span class="Header_tagline__T0ob3">{esc(outlet.tagline)}</span>
<nav class="Header_nav__3JfTq">
{_nav_items(f.nav, '<a class="Header_link__a9sW2" href="{href}">{label}</a>')}
</nav>
</header>
<main class="ArticlePage_main__9dK3s">
<div class="Breadcrumbs_root__p0Lk1"><a href="/">Home</a><span>/</span>{_section_link(page)}</div>
<article class="ArticlePage_article__Vb3k1">
<header class="ArticleHeader_root__Nf6c2">
<h1 class="ArticleHeader_title__Zr0aP">{esc(page.article.title)}</h1>
<div class="ArticleHeader_meta__G7rpv">{meta}</div>
</header>
<div class="ShareBar_root__4ldMx">{share}</div>
<div class="ArticleBody_body__hT3kd">
{body}
</div>
</article>
<div class="Donate_box__s8Hn2"><a href="/support/">{esc(f.extra[0])}</a></div>
<section class="ReadAlso_root__v5Gm9">
<h2 class="ReadAlso_title__Jq7bF">{esc(f.related_heading)}</h2>
{links(page.related, '<div class="ReadAlso_item__Wd1eR">{link}</div>')}
</section>
<div class="Newsletter_root__L0pXe">
<h2>{esc(f.newsletter_heading)}</h2>
<p>{esc(f.newsletter_text)}</p>
{_signup(f, "/account/newsletter", labelled=True)}
</div>
<section class="Comments_root__m2Hc5" id="comments">
<h2 class="Comments_title__zX4e1">{esc(f.comments_heading)}</h2>
<p>{esc(f.comments_prompt)}</p>
{comments}
</section>
</main>
<footer class="Footer_root__8bN1c">
<nav class="Footer_links__Rk3Vd">
{_nav_items(f.footer_links, '<a href="{href}">{label}</a>')}
</nav>
<p class="Footer_copy__e2Wn0">{esc(f.footer_text)}</p>
</footer>
<div class="CookieBanner_root__Qe4sZ" role="dialog">
<p>{esc(f.cookie_text)}</p>
{_buttons(f.cookie_buttons, 'type="button" class="CookieBanner_button__Y7d1a"')}
</div>
</div>
</div>
<script id="__NEXT_DATA__" type="application/json">{script_json(data)}</script>
"""
    return _doc(page, MODERN_CSS, html)


LAYOUTS: dict[str, Callable[[Page], str]] = {
    "wire": wire,
    "broadcaster": broadcaster,
    "classic": classic,
    "tabloid": tabloid,
    "magazine": magazine,
    "modern": modern,
}
