"""The page furniture of each layout (navigation, banners, boxes), and the reader comments pool."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Furniture:
    """The fixed texts around an article on one outlet's pages; `{name}` is the outlet name."""

    nav: tuple[str, ...]
    subnav: tuple[str, ...]
    cookie_text: str
    cookie_buttons: tuple[str, ...]
    share: tuple[str, ...]
    related_heading: str
    newsletter_heading: str
    newsletter_text: str
    newsletter_button: str
    comments_heading: str
    comments_prompt: str
    footer_links: tuple[str, ...]
    footer_text: str
    extra: tuple[str, ...] = ()

    def for_outlet(self, name: str) -> Furniture:
        """The same furniture with the outlet's name filled in."""

        def fill(text: str) -> str:
            return text.replace("{name}", name)

        return replace(
            self,
            cookie_text=fill(self.cookie_text),
            related_heading=fill(self.related_heading),
            newsletter_heading=fill(self.newsletter_heading),
            newsletter_text=fill(self.newsletter_text),
            footer_links=tuple(fill(t) for t in self.footer_links),
            footer_text=fill(self.footer_text),
            extra=tuple(fill(t) for t in self.extra),
        )

    def phrases(self) -> set[str]:
        """The distinctive strings of this furniture, as a page shows them."""
        found = {
            " ".join(self.nav),
            self.cookie_text,
            " ".join(self.cookie_buttons),
            self.related_heading,
            self.newsletter_heading,
            self.newsletter_text,
            self.comments_heading,
            self.comments_prompt,
            " ".join(self.footer_links),
            self.footer_text,
            *self.share,
            *self.extra,
        }
        if self.subnav:
            found.add(" ".join(self.subnav))
        return found


LAYOUT_FURNITURE: dict[str, Furniture] = {
    "wire": Furniture(
        nav=(
            "World",
            "U.S.",
            "Politics",
            "Business",
            "Markets",
            "Technology",
            "Health",
            "Fact Check",
        ),
        subnav=(),
        cookie_text=(
            "We use cookies and similar technologies to deliver our services, measure "
            "audiences and show relevant advertising. You can change your choices at "
            "any time under Privacy settings."
        ),
        cookie_buttons=("I accept", "Reject non-essential", "Privacy settings"),
        share=("Share on Facebook", "Share on X", "Share on LinkedIn", "Email this story"),
        related_heading="More from {name}",
        newsletter_heading="The {name} Daily Briefing",
        newsletter_text=(
            "The stories that matter, from {name} reporters around the world, "
            "delivered on weekday mornings."
        ),
        newsletter_button="Sign me up",
        comments_heading="Reader discussion",
        comments_prompt="Comments are reviewed by moderators before they appear.",
        footer_links=(
            "About {name}",
            "Licensing",
            "Careers",
            "Terms of use",
            "Privacy policy",
            "Accessibility",
        ),
        footer_text=(
            "{name} is an independent news agency serving publishers and "
            "broadcasters worldwide. All rights reserved."
        ),
    ),
    "broadcaster": Furniture(
        nav=("Home", "News", "Sport", "Weather", "iPlayer", "Sounds", "Culture"),
        subnav=(
            "World",
            "Europe",
            "Business",
            "Politics",
            "Tech",
            "Science",
            "Health",
            "In Pictures",
        ),
        cookie_text=(
            "Let us know you agree to cookies. We use cookies to give you the best "
            "online experience. Please let us know if you agree to all of these "
            "cookies."
        ),
        cookie_buttons=("Yes, I agree", "No, take me to settings"),
        share=("Share this page", "Share via email", "Share via messenger"),
        related_heading="More on this story",
        newsletter_heading="Get the news in your inbox",
        newsletter_text=(
            "Our morning email brings you the headlines and the best of our "
            "journalism from around the world."
        ),
        newsletter_button="Sign up for the newsletter",
        comments_heading="Have your say",
        comments_prompt="Comments are open to registered users and follow our house rules.",
        footer_links=(
            "Terms of Use",
            "About the {name}",
            "Privacy Policy",
            "Cookies",
            "Accessibility Help",
            "Contact the {name}",
        ),
        footer_text=(
            "The {name} is not responsible for the content of external sites. "
            "Read about our approach to external linking."
        ),
    ),
    "classic": Furniture(
        nav=("Front page", "World", "Nation", "Economy", "Culture", "Sport", "Opinion", "Archive"),
        subnav=(),
        cookie_text=(
            "This website uses cookies. By continuing to browse the site you are "
            "agreeing to our use of cookies."
        ),
        cookie_buttons=("OK", "More information"),
        share=("Print this article", "Send by e-mail", "Recommend on Facebook"),
        related_heading="Related articles",
        newsletter_heading="Newsletter",
        newsletter_text="Receive the {name} headlines every evening, free of charge.",
        newsletter_button="Register",
        comments_heading="Readers' comments",
        comments_prompt="Please log in to write a comment.",
        footer_links=(
            "Imprint",
            "Data protection",
            "Advertise with us",
            "Subscriptions",
            "Contact the editors",
        ),
        footer_text=(
            "Copyright {name}. Reproduction only with the written permission of the publisher."
        ),
        extra=("Most read", "Advertisement"),
    ),
    "tabloid": Furniture(
        nav=("NEWS", "POLITICS", "SHOWBIZ", "SPORT", "MONEY", "TRAVEL", "SHOPPING"),
        subnav=(),
        cookie_text=(
            "We value your privacy. We and our partners store and access information on "
            "your device to personalise ads and content. Click ACCEPT to agree or "
            "OPTIONS to manage your choices."
        ),
        cookie_buttons=("ACCEPT", "OPTIONS"),
        share=("Share on Facebook", "Share on Twitter", "Share on WhatsApp"),
        related_heading="MOST POPULAR",
        newsletter_heading="GET THE BIGGEST STORIES IN YOUR INBOX",
        newsletter_text="Sign up for our free newsletter for the biggest stories of the day.",
        newsletter_button="SIGN UP",
        comments_heading="HAVE YOUR SAY",
        comments_prompt="The views expressed in the comments are those of our readers.",
        footer_links=(
            "Contact us",
            "Complaints",
            "Corrections",
            "Advertising",
            "Privacy notice",
            "Cookie settings",
        ),
        footer_text="© {name} Media Group LLC. All rights reserved.",
        extra=("TRENDING", "Advertisement"),
    ),
    "magazine": Furniture(
        nav=("Latest", "Analysis", "Essays", "Podcasts", "Events", "The Archive"),
        subnav=(),
        cookie_text=(
            "{name} uses cookies to understand how readers use this site and to improve "
            "your experience. Read our cookie policy to learn more."
        ),
        cookie_buttons=("Accept", "Decline"),
        share=("Share this essay", "Save for later", "Gift this article"),
        related_heading="Further reading",
        newsletter_heading="The Weekly Brief",
        newsletter_text=(
            "Our editors' pick of essays and analysis on foreign policy, "
            "in your inbox every Friday."
        ),
        newsletter_button="Subscribe",
        comments_heading="Join the discussion",
        comments_prompt="Comments are open to subscribers and moderated for civility.",
        footer_links=(
            "About",
            "Masthead",
            "Submissions",
            "Advertise",
            "Privacy",
            "Subscriber services",
        ),
        footer_text="{name} is published by an independent, nonpartisan nonprofit foundation.",
        extra=("Subscribe for full access to our archive",),
    ),
    "modern": Furniture(
        nav=("Latest", "Politics", "Economy", "World", "Opinion", "Video"),
        subnav=(),
        cookie_text=(
            "We care about your privacy. We use cookies to improve the site and to show "
            "you relevant content. You can manage your preferences at any time."
        ),
        cookie_buttons=("Accept all", "Customize"),
        share=("Share to Telegram", "Share to Facebook", "Copy link"),
        related_heading="Read also",
        newsletter_heading="Get our morning newsletter",
        newsletter_text="One email a day with the stories you need to know, from {name} editors.",
        newsletter_button="Subscribe",
        comments_heading="Discussion",
        comments_prompt="Log in to join the discussion.",
        footer_links=("About us", "Editorial policy", "Advertising", "Jobs", "Contacts"),
        footer_text="All materials on this site are protected by copyright. {name}.",
        extra=("Support independent journalism: become a member of {name}",),
    ),
}


@dataclass(frozen=True)
class Comment:
    """One invented reader comment."""

    user: str
    text: str


COMMENTS = (
    Comment("mapleleaf_74", "Good to see someone actually explaining the background for once."),
    Comment("J. Okafor", "I would like to read more about what ordinary people there think."),
    Comment("harbourlights", "Clear and balanced piece, thank you for keeping it free to read."),
    Comment("OldSchoolReader", "Same story every few months and nothing ever really changes."),
    Comment("petra_k", "The headline promised more than the article delivered, honestly."),
    Comment("Tom W.", "Can anyone recommend a good book on the history behind all this?"),
    Comment("quietobserver", "Let's wait and see what actually happens before panicking."),
    Comment("Nadia R.", "Shared this with my students, it makes a good discussion starter."),
    Comment("grumpy_gardener", "Why is this not on the front page? Seems important to me."),
    Comment("Lukas B.", "Interesting, though I would have liked a map with this article."),
    Comment("seaside_sam", "Thanks for the update, I had been waiting for someone to cover it."),
    Comment("M. Haddad", "A fair summary. The comments section is another story entirely."),
    Comment("bookworm_88", "Well written, but who exactly are the sources for this?"),
    Comment("Ingrid S.", "My family lives nearby and nobody there is talking about anything else."),
    Comment("the_real_dave", "First time I have read this site and I am impressed."),
    Comment("Ana P.", "Please keep following this, the details matter more than the headlines."),
    Comment("northernsky", "I remember a very similar story from a few years ago."),
    Comment("K. Mensah", "Good reporting. Less speculation and more facts like this, please."),
    Comment("coffee_first", "Reading this on my commute and now I am worried, thanks a lot."),
    Comment("Rosa L.", "A timeline of events at the top of pieces like this would help."),
    Comment("frank_the_tank", "Typical. Everyone talks and nobody listens."),
    Comment("Yuki T.", "Important context here that I did not get from the TV news."),
    Comment("hillwalker", "Sensible piece. Subscribed to the newsletter because of it."),
    Comment("D. Novak", "Does anyone know where the full statement can be found?"),
)


def pick_comments(domain: str, path: str) -> tuple[Comment, ...]:
    """Two or three comments for a page, chosen by a hash of its URL so reruns agree."""
    digest = hashlib.sha256(f"{domain}{path}".encode()).digest()
    count = 2 + digest[0] % 2
    chosen: list[Comment] = []
    for byte in digest[1:]:
        comment = COMMENTS[byte % len(COMMENTS)]
        if comment not in chosen:
            chosen.append(comment)
        if len(chosen) == count:
            break
    return tuple(chosen)
