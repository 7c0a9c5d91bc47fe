"""Finding ideas by their words: one interface, `similar(viewer, text)`, over each
database's own full-text search — what the duplicate suggestions while typing a title,
and the API's ?q=, ask.

- Words: every word typed is matched by its stem and as a prefix (the last word is
  usually half-typed), so "mowing" finds "mow", "mower" and "mowers", and "hydr" finds
  "hydraulic". SQLite: the FTS5 table idea_fts (porter stemmer), ranked by bm25 with the
  title weighing most, then the customer's problem, then the description. PostgreSQL:
  the generated tsvector idea.search_vector (english configuration, same weights A/B/C)
  with a GIN index, ranked by ts_rank.
- Small typos ("hydrolic"): when the words find fewer than asked for, titles are looked
  up by trigrams — PostgreSQL's pg_trgm word similarity (`<%`, GIN-indexed), SQLite's
  FTS5 trigram table idea_trigram for the candidates, scored the way pg_trgm scores
  them. A typed word and a title word must share 40 % of their trigrams ("hydrolic" and
  "hydraulic" share 46 %); words shorter than four letters don't take part (too many
  near misses), and a typo in a title word only (the problem and description aren't
  trigram-indexed) is not found.

- Bounded at any scale: the words are looked for together first (every word, the last
  as a prefix), and only when that finds fewer than asked for, any of them. Each look
  ranks at most SCAN (500) matches — the newest, when more match (a first word like "hyd"
  matches a third of a large board): ranking all of them is what cost time at 100,000
  ideas (docs/performance.md, "Ideas at scale"). The typo look scores at most TYPO_SCAN (200)
  titles, and only titles, before it loads the few ideas it answers with.

Results pass through the access policy (feedback.ideas.access.visible_ideas) like every
other list of ideas. The migration creates the search tables, columns and indexes.
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
# Titles the typo look scores at most: pg_trgm's word similarity costs ~30 µs a title, and
# a typo of a common word ("hydrolic") is as near to tens of thousands of titles.
TYPO_SCAN = 200
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
    found = _postgres_match(scope, " & ".join(f"{term}:*" for term in terms), limit)
    if len(found) < limit and len(terms) > 1:
        seen = {m.idea.id for m in found}
        more = _postgres_match(scope, " | ".join(f"{term}:*" for term in terms), limit + len(seen))
        found += [m for m in more if m.idea.id not in seen][: limit - len(found)]
    return found


def _postgres_match(scope: sa.Select, tsquery: str, limit: int) -> list[Match]:
    query = sa.func.to_tsquery("english", tsquery)
    vector = sa.literal_column("idea.search_vector")
    # ts_rank for the SCAN newest matches only, however many match.
    newest = (
        scope.with_only_columns(Idea.id)
        .where(vector.op("@@")(query))
        .order_by(Idea.id.desc())
        .limit(SCAN)
        .subquery()
    )
    rank = sa.func.ts_rank(vector, query).label("score")
    rows = db.session.execute(
        sa.select(Idea)
        .join(newest, newest.c.id == Idea.id)
        .add_columns(rank)
        .order_by(rank.desc(), Idea.id)
        .limit(limit)
    ).all()
    return [Match(idea, float(score)) for idea, score in rows]


def _postgres_typos(scope: sa.Select, terms: list[str], limit: int) -> list[Match]:
    long_terms = [t for t in terms if len(t) >= TYPO_MIN_LENGTH]
    if not long_terms:
        return []
    # `<%` uses the GIN trigram index with this threshold, for this transaction only.
    db.session.execute(
        sa.select(sa.func.set_config("pg_trgm.word_similarity_threshold", str(SIMILARITY), True))
    )
    similarity = sa.func.greatest(
        *(sa.func.word_similarity(sa.literal(t), Idea.title) for t in long_terms)
    ).label("score")
    newest = (
        scope.with_only_columns(Idea.id)
        .where(sa.or_(*(sa.literal(t).op("<%")(Idea.title) for t in long_terms)))
        .order_by(Idea.id.desc())
        .limit(TYPO_SCAN)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Idea)
        .join(newest, newest.c.id == Idea.id)
        .add_columns(similarity)
        .order_by(similarity.desc(), Idea.id)
        .limit(limit)
    ).all()
    return [Match(idea, float(score), typo=True) for idea, score in rows]
