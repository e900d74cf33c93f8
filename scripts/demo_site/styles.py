"""The inline style sheet of each layout: enough to look like a real page's <style>."""

WIRE_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #1a1a1a; }
.site-header { border-bottom: 4px solid #e4002b; padding: 12px 24px; }
.site-nav ul, .article-share, .comment-list { list-style: none; padding: 0; }
.site-nav li, .article-share li { display: inline-block; margin-right: 16px; }
.article { max-width: 680px; margin: 0 auto; }
.article-headline { font-size: 2.2rem; line-height: 1.15; }
.consent { position: fixed; bottom: 0; left: 0; right: 0; background: #fff; padding: 16px; }
"""
BROADCASTER_CSS = """
body { font-family: "Reith Sans", Arial, sans-serif; margin: 0; background: #fff; }
.orb-header { background: #000; color: #fff; height: 40px; }
.orb-nav__links li, .nw-subnav li { display: inline-block; padding: 0 8px; }
.nw-navigation { background: #bb1919; color: #fff; }
.container { display: flex; max-width: 1008px; margin: 0 auto; }
.column--primary { flex: 2; } .column--secondary { flex: 1; padding-left: 16px; }
.story-headline { font-size: 2rem; } .text-block p { font-size: 1.1rem; line-height: 1.5; }
.cookie-banner { background: #0f1010; color: #fff; padding: 16px; }
"""
CLASSIC_CSS = """
body { font-family: Georgia, "Times New Roman", serif; background: #eee; margin: 0; }
#wrapper { width: 980px; margin: 0 auto; background: #fff; }
#header { height: 110px; border-bottom: 1px solid #999; }
#topmenu a.menu-item { padding: 0 6px; border-right: 1px solid #ccc; }
#content { overflow: hidden; } #maincol { float: left; width: 640px; padding: 10px; }
#sidebar { float: right; width: 300px; } .box { border: 1px solid #ccc; margin: 10px 0; }
.cookie-notice { background: #ffd; font-size: 12px; padding: 6px; text-align: center; }
"""
TABLOID_CSS = """
body.tabloid { font-family: Arial, sans-serif; margin: 0; }
.masthead { background: #d00; color: #fff; padding: 8px; } .masthead-nav li { display: inline; }
.trending-bar { background: #111; color: #ff0; padding: 4px 8px; }
.page-content { display: grid; grid-template-columns: 2fr 1fr; gap: 20px; }
.headline { font-size: 2.6rem; font-weight: 900; }
.ad-container { min-height: 250px; background: #f4f4f4; text-align: center; }
.cmp-overlay { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.6); }
"""
MAGAZINE_CSS = """
body { font-family: "Lyon Text", Georgia, serif; margin: 0; color: #222; }
.masthead { text-align: center; padding: 24px 0; border-bottom: 1px solid #ddd; }
.masthead__nav li { display: inline-block; margin: 0 12px; }
.essay { max-width: 640px; margin: 48px auto; font-size: 1.2rem; line-height: 1.6; }
.essay__title { font-size: 3rem; font-weight: 400; }
.essay__body > p:first-of-type::first-letter { float: left; font-size: 3.4em; }
.skip-link { position: absolute; left: -9999px; }
"""
MODERN_CSS = """
.Layout_root__k2Jd8{display:flex;flex-direction:column;min-height:100vh}
.Header_header__Xc8aL{display:flex;align-items:center;gap:24px;padding:12px 20px}
.Header_link__a9sW2{font-weight:600;text-decoration:none}
.ArticleBody_body__hT3kd{max-width:720px;margin:0 auto;font-size:18px;line-height:1.6}
.CookieBanner_root__Qe4sZ{position:fixed;bottom:16px;left:16px;right:16px;background:#fff}
"""
