"""Finding ideas by their words: one interface, `similar(viewer, text)`, over each
database's own full-text search — what the duplicate suggestions while typing a title,
and the API's ?q=, ask.

- Words: every word typed is matched by its stem and as a prefix (the last word is
  usually half-typed), so "mowing" finds "mow", "mower" and "mowers", and "hydr" finds
  "hydraulic". SQLite: the FTS5 table idea_fts (porter stemmer), ranked by bm25 with the
  title weighing most, then the customer's problem, then the description. PostgreSQL
  (english configuration, ts_rank): every word together in the title first (the generated
  tsvector idea.title_vector; there only the last word is a prefix, the others whole —
  one GIN posting list each), then any word anywhere, each as a prefix
  (idea.search_vector, weights A/B/C as SQLite's).
- Small typos ("hydrolic"): when the words find fewer than asked for, by trigrams. SQLite:
  the FTS5 trigram table idea_trigram for candidate titles, scored the way pg_trgm scores
  them. PostgreSQL: pg_trgm's similarity over the words titles use (idea_title_word, kept
  by triggers), then the ideas whose titles have the nearest of those words. A typed word
  and a title word must share 40 % of their trigrams ("hydrolic" and "hydraulic" share
  46 %); words shorter than four letters don't take part (too many near misses), and only
  title words are looked at for typos (the problem and description aren't trigram-indexed).

- Bounded at any scale: the words are looked for together first (every word, the last
  as a prefix), and only when that finds fewer than asked for, any of them. Each look
  ranks at most SCAN (500) matches — the newest, when more match (a first word like "hyd"
  matches a third of a large board): ranking all of them is what cost time at 100,000
  ideas (docs/performance.md, "Ideas at scale"). SQLite's typo look scores at most
  TYPO_SCAN (200) titles; PostgreSQL's reads a few words, then the newest few ideas per
  word. On PostgreSQL both word looks are one statement, the ideas are loaded for the best
  few only, and the words typed are written into the statements (see `_inline`).

Results pass through the access policy (feedback.ideas.access.visible_ideas) like every
other list of ideas. The migrations create the search tables, columns and indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from feedback.ideas.access import visible_ideas
from feedback.ideas.models import Idea, IdeaStatus
from hub import db
from hub.models import Person

MAX_WORDS = 8
CANDIDATES = 200  # word matches ranked inside the search index before scoping
SCAN = 500  # matches one look ranks at most: the newest (see the module's docstring)
# PostgreSQL's every-word-in-the-title look: titles with every word typed rank nearly alike.
TITLE_SCAN = 50
# Titles the typo look scores at most: a typo of a common word ("hydrolic") is as near to
# tens of thousands of titles (SQLite scores them in Python, ~30 µs a title).
TYPO_SCAN = 200
TYPO_WORDS = 3  # PostgreSQL: title words looked for per typed word, the most alike
TYPO_MIN_LENGTH = 4
# How alike a typed word and a title word must be: shared trigrams over all trigrams of
# the two (pg_trgm's word_similarity) — "hydrolic" and "hydraulic" are 0.46.
SIMILARITY = 0.4
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Match:
    idea: Idea
    score: float  # higher is better, comparable within one answer only
    typo: bool = False  # found by the trigram fallback, not by its words


# Words too common to tell ideas apart: as prefixes ("the"*) they match nearly every idea's
# problem text, which is what made a title like "wireless charger for the cab" slow.
STOPWORDS = frozenset(
    [
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "when",
        "which",
        "while",
        "who",
        "will",
        "with",
        "you",
        "your",
    ]
)


def words(text: str) -> list[str]:
    """The words of a query, lower-cased, at most MAX_WORDS, without STOPWORDS (letters
    and digits only, so nothing typed can reach the search syntax)."""
    found = _WORD.findall((text or "").lower())
    return [w for w in found if len(w) >= 2 and w not in STOPWORDS][:MAX_WORDS]


def similar(
    viewer: Person, text: str, *, product_line_id: int | None = None, limit: int = 5
) -> list[Match]:
    """The ideas the viewer may see that best match text, best first."""
    terms = words(text)
    if not terms:
        return []
    # A merged idea lives on in the one it was merged into: never suggested on its own.
    scope = visible_ideas(viewer).where(Idea.status != IdeaStatus.MERGED)
    if product_line_id is not None:
        scope = scope.where(Idea.product_line_id == product_line_id)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    found = (_postgres_words if postgres else _sqlite_words)(scope, terms, limit)
    if len(found) < limit:
        seen = {m.idea.id for m in found}
        typos = (_postgres_typos if postgres else _sqlite_typos)(scope, terms, limit + len(seen))
        found += [m for m in typos if m.idea.id not in seen][: limit - len(found)]
    return found


# --- SQLite: FTS5 ------------------------------------------------------------------------


def _sqlite_words(scope: sa.Select, terms: list[str], limit: int) -> list[Match]:
    quoted = [f'"{term}"*' for term in terms]
    found = _sqlite_match(scope, " AND ".join(quoted), limit)
    if len(found) < limit and len(terms) > 1:
        seen = {m.idea.id for m in found}
        more = _sqlite_match(scope, " OR ".join(quoted), limit + len(seen))
        found += [m for m in more if m.idea.id not in seen][: limit - len(found)]
    return found


def _sqlite_match(scope: sa.Select, query: str, limit: int) -> list[Match]:
    # bm25 is computed for the SCAN newest matches only: FTS5 walks its index in rowid
    # order and stops there (ORDER BY rowid DESC LIMIT), however many match.
    ranked = (
        sa.text(
            "SELECT id, score FROM (SELECT rowid AS id, bm25(idea_fts, 8.0, 2.0, 1.0) AS score "
            "FROM idea_fts WHERE idea_fts MATCH :query ORDER BY rowid DESC LIMIT :scan) "
            "ORDER BY score LIMIT :candidates"
        )
        .bindparams(query=query, scan=SCAN, candidates=CANDIDATES)
        .columns(id=sa.Integer, score=sa.Float)
        .subquery()
    )
    rows = db.session.execute(
        scope.join(ranked, ranked.c.id == Idea.id)
        .add_columns(ranked.c.score)
        .order_by(ranked.c.score, Idea.id)
        .limit(limit)
    ).all()
    return [Match(idea, -score) for idea, score in rows]


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def word_similarity(term: str, title: str) -> float:
    """How alike term and the closest word of title are (0..1): shared trigrams over all
    trigrams of the two, as pg_trgm's word_similarity measures it for one word."""
    wanted = _trigrams(term)
    return max(
        (len(wanted & _trigrams(w)) / len(wanted | _trigrams(w)) for w in words(title)),
        default=0.0,
    )


def _sqlite_typos(scope: sa.Select, terms: list[str], limit: int) -> list[Match]:
    long_terms = [t for t in terms if len(t) >= TYPO_MIN_LENGTH]
    grams = sorted({t[i : i + 3] for t in long_terms for i in range(len(t) - 2)})
    if not grams:
        return []
    candidates = (
        sa.text(
            "SELECT id FROM (SELECT rowid AS id, bm25(idea_trigram) AS score FROM idea_trigram "
            "WHERE idea_trigram MATCH :query ORDER BY rowid DESC LIMIT :scan) "
            "ORDER BY score LIMIT :candidates"
        )
        .bindparams(query=" OR ".join(f'"{g}"' for g in grams), scan=SCAN, candidates=TYPO_SCAN)
        .columns(id=sa.Integer)
        .subquery()
    )
    titles = db.session.execute(
        scope.with_only_columns(Idea.id, Idea.title).join(candidates, candidates.c.id == Idea.id)
    ).all()
    scored = sorted(
        (
            (-score, idea_id)
            for idea_id, title in titles
            if (score := max(word_similarity(t, title) for t in long_terms)) >= SIMILARITY
        )
    )[:limit]
    if not scored:
        return []
    ideas = {i.id: i for i in db.session.scalars(scope.where(Idea.id.in_([i for _, i in scored])))}
    return [Match(ideas[i], -score, typo=True) for score, i in scored if i in ideas]


# --- PostgreSQL: tsvector and pg_trgm -----------------------------------------------------


def _postgres_words(scope: sa.Select, terms: list[str], limit: int) -> list[Match]:
    """Both looks in one statement: every word in the title (idea.title_vector), then —
    only when that finds fewer than `limit` (a one-time filter: the second look is not
    run otherwise) — any word anywhere (idea.search_vector, title weighing most)."""
    # Every word in the title: whole earlier words read one GIN posting list each; only the
    # last, usually half-typed, is a prefix — expanding every prefix in the index cost
    # 37 ms for four words at 100,000 ideas (90 ms over all the text), exact words 4 ms.
    every = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
    # Any word anywhere, each as a prefix ("mowing dek" finds "mower deck"): most ideas
    # have one of them, so the planner reads the newest ideas in id order until SCAN match.
    some = " | ".join(f"{term}:*" for term in terms)
    every, some = (sa.func.to_tsquery(ENGLISH, _inline(q)) for q in (every, some))
    scan = max(TITLE_SCAN, limit)  # the API asks for up to 200
    title = _ranked(scope, "title_vector", every, scan, limit).cte("title_look")
    found = sa.select(sa.func.count()).select_from(title).scalar_subquery()
    anywhere = _ranked(
        scope.where(found < limit, Idea.id.not_in(sa.select(title.c.id))),
        "search_vector",
        some,
        SCAN,
        limit,
    ).subquery()
    looks = sa.union_all(
        sa.select(title.c.id, title.c.score, sa.literal(0).label("look")),
        sa.select(anywhere.c.id, anywhere.c.score, sa.literal(1).label("look")),
    ).subquery()
    rows = db.session.execute(
        sa.select(Idea)
        .join(looks, looks.c.id == Idea.id)
        .add_columns(looks.c.score)
        .order_by(looks.c.look, looks.c.score.desc(), Idea.id)
        .limit(_inline(limit))
    ).all()
    return [Match(idea, float(score)) for idea, score in rows]


def _ranked(scope: sa.Select, column: str, query, scan: int, limit: int) -> sa.Select:
    """The best `limit` (id, score) by ts_rank among the `scan` newest matches of query —
    ranked there only, however many match."""
    vector = sa.literal_column(f"idea.{column}")
    newest = (
        scope.with_only_columns(Idea.id, vector.label("vector"))
        .where(vector.op("@@")(query))
        .order_by(Idea.id.desc())
        .limit(_inline(scan))
        .subquery()
    )
    rank = sa.func.ts_rank(newest.c.vector, query).label("score")
    return sa.select(newest.c.id, rank).order_by(rank.desc(), newest.c.id).limit(_inline(limit))


# The queries' words and limits are written into the statement, not bound: psycopg prepares
# a statement run five times, and PostgreSQL may then plan it once for any words — a plan
# for unknown words walked 20,000 ideas for "snowblower chute" (168 ms against 12 ms).
ENGLISH = sa.literal_column("'english'::regconfig")


def _inline(value):
    return sa.literal(value, literal_execute=True)


def _postgres_typos(scope: sa.Select, terms: list[str], limit: int) -> list[Match]:
    """Typos by way of the words titles use: the title words (idea_title_word, kept by
    triggers) alike enough to a typed word, then the ideas whose titles have those words
    (idea.title_vector) — two small indexed reads, however many ideas there are."""
    long_terms = [t for t in terms if len(t) >= TYPO_MIN_LENGTH]
    if not long_terms:
        return []
    word = sa.column("word", sa.String)
    words_table = sa.table("idea_title_word", word)
    alike = sa.union_all(
        *(
            sa.select(word, sa.func.similarity(_inline(t), word).label("score"))
            .select_from(words_table)
            # `%` (GIN-indexed) at pg_trgm's default threshold (0.3) finds the candidates.
            .where(word.op("%")(_inline(t)), sa.func.similarity(_inline(t), word) >= SIMILARITY)
            .order_by(sa.text("score DESC"), word)
            .limit(_inline(TYPO_WORDS))
            for t in long_terms
        )
    )
    scores: dict[str, float] = {}
    for w, score in db.session.execute(alike):
        scores[w] = max(score, scores.get(w, 0.0))
    if not scores:
        return []
    # Per word, the newest `limit` ideas whose titles have it (an idea's score: its best
    # word's), each an indexed read the planner sees the word of.
    title = sa.literal_column("idea.title_vector")
    per_word = [
        scope.with_only_columns(Idea.id, sa.literal(score).label("score"))
        .where(title.op("@@")(sa.func.plainto_tsquery(ENGLISH, _inline(w))))
        .order_by(Idea.id.desc())
        .limit(_inline(limit))
        for w, score in scores.items()
    ]
    both = sa.union_all(*per_word).subquery()
    best = (
        sa.select(both.c.id, sa.func.max(both.c.score).label("score"))
        .group_by(both.c.id)
        .order_by(sa.text("score DESC"), both.c.id.desc())
        .limit(_inline(limit))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Idea)
        .join(best, best.c.id == Idea.id)
        .add_columns(best.c.score)
        .order_by(best.c.score.desc(), Idea.id.desc())
    ).all()
    return [Match(idea, float(score), typo=True) for idea, score in rows]
