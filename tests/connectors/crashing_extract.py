"""An extractor for tests/connectors/test_extraction_pool.py that kills its process on pages
saying CRASH, as a parser crash or the OOM killer would (importable by spawned workers)."""

from __future__ import annotations

import os

from parallax.connectors.articles import article_from
from parallax.connectors.records import ArticleFetch, FetchResult, PendingArticle


def crash_on_marker(result: FetchResult, job: PendingArticle) -> ArticleFetch:
    if b"CRASH" in result.body:
        os._exit(1)
    return article_from(result, job)
