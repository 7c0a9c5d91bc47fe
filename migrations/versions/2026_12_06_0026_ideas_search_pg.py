"""ideas search on PostgreSQL: a title-only tsvector and the words titles use

What PostgreSQL's duplicate suggestions read instead of testing thousands of ideas
(docs/performance.md, "Ideas at scale"; feedback.ideas.search):

- idea.title_vector, a generated tsvector of the title alone (english configuration), with
  a GIN index: the "every word in the title" look;
- idea_title_word, every word any title has had (3 to 60 characters), with a pg_trgm GIN
  index, kept by triggers on idea (a statement trigger for inserts, so a bulk COPY adds
  its words in one statement): the typo look finds the title words alike to a typed word
  here, then the ideas with those words through title_vector. Words are not removed when
  a title changes; a word no title has any more costs a read that finds nothing.

ix_idea_title_trgm (pg_trgm on idea.title) is dropped: nothing asks it any more.

Both GIN indexes on idea keep their pending list (fastupdate) but at most 64 kB of it
(gin_pending_list_limit, default 4 MB): every vote rewrites its idea's row (vote_count is
indexed, so the update is not HOT) and adds the row's lexemes there, and every search
reads the whole list — 337 pages of it after bench.ideas's bulk load made the title look
67 ms instead of 3 ms. fastupdate off instead doubled a vote's update (0.77 against
0.34 ms); 64 kB cost it nothing measurable (0.32 ms).

SQLite: nothing (its FTS5 tables from 0012_ideas already do both).

Revision ID: 0026_ideas_search_pg
Revises: 0025_studio_admin
Create Date: 2026-12-06 12:30:00
"""

from alembic import op

revision = "0026_ideas_search_pg"
down_revision = "0025_studio_admin"
branch_labels = None
depends_on = None

TITLE_WORDS = (
    "SELECT DISTINCT word FROM {source}, "
    "unnest(tsvector_to_array(to_tsvector('simple', {source}.title))) AS word "
    "WHERE length(word) BETWEEN 3 AND 60"
)

UPGRADE = [
    "ALTER TABLE idea ADD COLUMN title_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english', coalesce(title, ''))) STORED",
    "CREATE INDEX ix_idea_title_vector ON idea USING gin (title_vector) "
    "WITH (gin_pending_list_limit = 64)",
    "ALTER INDEX ix_idea_search_vector SET (gin_pending_list_limit = 64)",
    "CREATE TABLE idea_title_word (word varchar(60) NOT NULL, "
    "CONSTRAINT pk_idea_title_word PRIMARY KEY (word))",
    "CREATE INDEX ix_idea_title_word_trgm ON idea_title_word USING gin (word gin_trgm_ops)",
    f"INSERT INTO idea_title_word (word) {TITLE_WORDS.format(source='idea')}",
    "CREATE FUNCTION idea_title_words_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN INSERT INTO idea_title_word (word) {TITLE_WORDS.format(source='inserted')} "
    "ON CONFLICT DO NOTHING; RETURN NULL; END $$",
    "CREATE TRIGGER idea_title_words_insert AFTER INSERT ON idea "
    "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
    "EXECUTE FUNCTION idea_title_words_inserted()",
    "CREATE FUNCTION idea_title_words_updated() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO idea_title_word (word) "
    "SELECT DISTINCT word FROM unnest(tsvector_to_array(to_tsvector('simple', NEW.title))) "
    "AS word WHERE length(word) BETWEEN 3 AND 60 ON CONFLICT DO NOTHING; RETURN NULL; END $$",
    "CREATE TRIGGER idea_title_words_update AFTER UPDATE OF title ON idea FOR EACH ROW "
    "WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION idea_title_words_updated()",
    "DROP INDEX ix_idea_title_trgm",
]

DOWNGRADE = [
    "CREATE INDEX ix_idea_title_trgm ON idea USING gin (title gin_trgm_ops)",
    "DROP TRIGGER idea_title_words_update ON idea",
    "DROP FUNCTION idea_title_words_updated()",
    "DROP TRIGGER idea_title_words_insert ON idea",
    "DROP FUNCTION idea_title_words_inserted()",
    "DROP TABLE idea_title_word",
    "DROP INDEX ix_idea_title_vector",
    "ALTER INDEX ix_idea_search_vector RESET (gin_pending_list_limit)",
    "ALTER TABLE idea DROP COLUMN title_vector",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
