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


def words(text: str) -> list[str]:
    """The words of a query, lower-cased, at most MAX_WORDS (letters and digits only, so
    nothing typed can reach the search syntax)."""
    return [w for w in _WORD.findall((text or "").lower()) if len(w) >= 2][:MAX_WORDS]


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
    query = " OR ".join(f'"{term}"*' for term in terms)
    ranked = (
        sa.text(
            "SELECT rowid AS id, bm25(idea_fts, 8.0, 2.0, 1.0) AS score FROM idea_fts "
            "WHERE idea_fts MATCH :query ORDER BY score LIMIT :candidates"
        )
        .bindparams(query=query, candidates=CANDIDATES)
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
            "SELECT rowid AS id FROM idea_trigram WHERE idea_trigram MATCH :query "
            "ORDER BY bm25(idea_trigram) LIMIT :candidates"
        )
        .bindparams(query=" OR ".join(f'"{g}"' for g in grams), candidates=CANDIDATES)
        .columns(id=sa.Integer)
        .subquery()
    )
    ideas = db.session.scalars(scope.join(candidates, candidates.c.id == Idea.id)).all()
    scored = []
    for idea in ideas:
        score = max(word_similarity(t, idea.title) for t in long_terms)
        if score >= SIMILARITY:
            scored.append(Match(idea, score, typo=True))
    scored.sort(key=lambda m: (-m.score, m.idea.id))
    return scored[:limit]


# --- PostgreSQL: tsvector and pg_trgm -----------------------------------------------------


def _postgres_words(scope: sa.Select, terms: list[str], limit: int) -> list[Match]:
    query = sa.func.to_tsquery("english", " | ".join(f"{term}:*" for term in terms))
    vector = sa.literal_column("idea.search_vector")
    rank = sa.func.ts_rank(vector, query).label("score")
    rows = db.session.execute(
        scope.where(vector.op("@@")(query))
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
    rows = db.session.execute(
        scope.where(sa.or_(*(sa.literal(t).op("<%")(Idea.title) for t in long_terms)))
        .add_columns(similarity)
        .order_by(similarity.desc(), Idea.id)
        .limit(limit)
    ).all()
    return [Match(idea, float(score), typo=True) for idea, score in rows]
