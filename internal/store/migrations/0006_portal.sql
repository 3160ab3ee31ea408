-- Uploads, articles and the public portal: media kept in the database (so that every
-- node serves the same bytes), articles with their revisions, tags and search index,
-- comments, and the photos and files attached to an activity's record.

-- An uploaded file, once per content: sha256 is the key readers see in its URL. An
-- image too wide for a page keeps its original beside a resized copy (display).
CREATE TABLE media (
    id BIGSERIAL PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    content BYTEA NOT NULL,
    display BYTEA,
    display_type TEXT NOT NULL DEFAULT '',
    display_width INTEGER NOT NULL DEFAULT 0,
    display_height INTEGER NOT NULL DEFAULT 0,
    filename TEXT NOT NULL DEFAULT '',
    owner_id BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL
);

-- Photos and files of a held activity's record; they feed its report.
CREATE TABLE activity_media (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    media_id BIGINT NOT NULL REFERENCES media(id),
    caption TEXT NOT NULL DEFAULT '',
    added_by BIGINT REFERENCES accounts(id),
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (activity_id, media_id)
);

-- An article of an organization's portal. body is sanitized HTML; search_len is the
-- indexed length in terms, for the ranking's length normalization.
CREATE TABLE articles (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    author_id BIGINT REFERENCES accounts(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    cover_media_id BIGINT REFERENCES media(id),
    status TEXT NOT NULL,
    released_at TIMESTAMPTZ,
    activity_id BIGINT REFERENCES activities(id),
    comments_open BOOLEAN NOT NULL DEFAULT FALSE,
    search_len INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX articles_portal ON articles (status, org_id, released_at);
CREATE INDEX articles_released ON articles (status, released_at);
CREATE INDEX articles_activity ON articles (activity_id);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);
CREATE INDEX article_tags_tag ON article_tags (tag, article_id);

-- Every saved version of an article, and every move of its status.
CREATE TABLE article_revisions (
    id BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    account_id BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX article_revisions_article ON article_revisions (article_id, id);

-- The search index of published articles only (so a draft is never found): one row
-- per term and article, with the term's BM25 weight in that article (title counted
-- several times). Terms are CJK bigrams and lower-cased Latin words, which plain SQL
-- on both engines can look up by equality. The indexes are ordered by weight, so a
-- search reads the best postings of each term first and stops (impact ordering).
CREATE TABLE article_terms (
    term TEXT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles(id),
    org_id BIGINT NOT NULL,
    weight REAL NOT NULL
);
CREATE INDEX article_terms_rank ON article_terms (term, weight, article_id);
CREATE INDEX article_terms_org ON article_terms (term, org_id, weight, article_id);
CREATE INDEX article_terms_article ON article_terms (article_id);

-- How many published articles hold each term, kept with the index, for the inverse
-- document frequency; the empty term counts the published articles themselves.
CREATE TABLE article_term_df (
    term TEXT PRIMARY KEY,
    df INTEGER NOT NULL
);

-- Readers' comments: held until a moderator approves them; spam is held as spam.
CREATE TABLE article_comments (
    id BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id),
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    moderated_by BIGINT REFERENCES accounts(id),
    moderated_at TIMESTAMPTZ
);
CREATE INDEX article_comments_article ON article_comments (article_id, status, id);
CREATE INDEX article_comments_address ON article_comments (address, created_at);
