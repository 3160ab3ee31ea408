-- Deliberation (围炉议事, 有事好商量), ideas (金点子) and in-app notifications.

-- The kinds of vote, after Loomio's poll types: data, not a switch in code. A kind either
-- brings its own options (a proposal: agree, disagree, abstain) or takes the options the
-- organizer writes for the topic (a choice between plans). Labels are catalog keys:
-- consult.vote_kind.<key> and consult.option.<option key>.
CREATE TABLE vote_kinds (
    key TEXT PRIMARY KEY,
    own_options BOOLEAN NOT NULL,
    min_options INTEGER NOT NULL DEFAULT 0,
    max_options INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL
);

CREATE TABLE vote_kind_options (
    kind TEXT NOT NULL REFERENCES vote_kinds(key),
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);

INSERT INTO vote_kinds (key, own_options, min_options, max_options, position) VALUES
    ('proposal', FALSE, 0, 0, 1),
    ('choice', TRUE, 2, 10, 2);
INSERT INTO vote_kind_options (kind, key, position) VALUES
    ('proposal', 'agree', 1),
    ('proposal', 'disagree', 2),
    ('proposal', 'abstain', 3);

-- A topic put to an organization's members (and residents, or named representatives).
-- Opinions and votes are taken between opens_at and closes_at while the status is open;
-- closing early moves closes_at. last_vote_at is touched by every vote, so that a vote
-- and the close of the topic take the same row lock on PostgreSQL and cannot cross.
CREATE TABLE topics (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    background TEXT NOT NULL DEFAULT '',
    vote_kind TEXT NOT NULL REFERENCES vote_kinds(key),
    eligibility TEXT NOT NULL,
    secret BOOLEAN NOT NULL DEFAULT FALSE,
    results TEXT NOT NULL,
    opens_at TIMESTAMPTZ NOT NULL,
    closes_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    decision_reasons TEXT NOT NULL DEFAULT '',
    decided_option_id BIGINT,
    decided_by BIGINT REFERENCES accounts(id),
    decided_at TIMESTAMPTZ,
    last_vote_at TIMESTAMPTZ,
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX topics_org ON topics (org_id, status);

-- The options a vote is cast for: copied from the kind's options (key set, label from
-- the catalog) or written by the organizer (label set).
CREATE TABLE topic_options (
    id BIGSERIAL PRIMARY KEY,
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    key TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL
);
CREATE INDEX topic_options_topic ON topic_options (topic_id, position);

-- Named representatives, for a topic put to them only (村民代表).
CREATE TABLE topic_representatives (
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (topic_id, person_id)
);
CREATE INDEX topic_representatives_person ON topic_representatives (person_id);

-- Conditions of a decision, such as voluntary participation.
CREATE TABLE topic_conditions (
    id BIGSERIAL PRIMARY KEY,
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    position INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX topic_conditions_topic ON topic_conditions (topic_id, position);

-- Opinions and replies. A hidden opinion keeps its text for the record; readers see the
-- moderator's reason instead.
CREATE TABLE opinions (
    id BIGSERIAL PRIMARY KEY,
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    parent_id BIGINT REFERENCES opinions(id),
    stance TEXT NOT NULL DEFAULT '',
    option_id BIGINT REFERENCES topic_options(id),
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    edited_at TIMESTAMPTZ,
    hidden_at TIMESTAMPTZ,
    hidden_by BIGINT REFERENCES accounts(id),
    hidden_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX opinions_topic ON opinions (topic_id, id);
CREATE INDEX opinions_parent ON opinions (parent_id);

-- One row per person and topic: the primary key is what makes one person one vote,
-- whatever the number of concurrent requests. A changed vote updates the row.
CREATE TABLE votes (
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    option_id BIGINT NOT NULL REFERENCES topic_options(id),
    cast_at TIMESTAMPTZ NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, person_id)
);
CREATE INDEX votes_option ON votes (topic_id, option_id);

-- Follow-up updates on a decision, published until the topic is marked done.
CREATE TABLE topic_updates (
    id BIGSERIAL PRIMARY KEY,
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    body TEXT NOT NULL,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    posted_by BIGINT REFERENCES accounts(id),
    posted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX topic_updates_topic ON topic_updates (topic_id, id);

-- Meetings held on a topic (the fireside talk itself), with their minutes or a link to
-- them. A simple record of its own until activities can be linked.
CREATE TABLE topic_meetings (
    id BIGSERIAL PRIMARY KEY,
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    minutes TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    added_by BIGINT REFERENCES accounts(id),
    added_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX topic_meetings_topic ON topic_meetings (topic_id, held_on);

-- Every move of a topic's status, after its transition table.
CREATE TABLE topic_status_history (
    id BIGSERIAL PRIMARY KEY,
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    account_id BIGINT REFERENCES accounts(id),
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX topic_status_history_topic ON topic_status_history (topic_id, id);

-- Ideas (the Golden Idea Project). reviewer_id and adopted_at are the source of truth
-- from which points for an adopted idea are derived.
CREATE TABLE ideas (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    title TEXT NOT NULL,
    problem TEXT NOT NULL DEFAULT '',
    proposal TEXT NOT NULL,
    benefit TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reviewer_id BIGINT REFERENCES accounts(id),
    reviewer_name TEXT NOT NULL DEFAULT '',
    submitted_at TIMESTAMPTZ NOT NULL,
    review_started_at TIMESTAMPTZ,
    adopted_at TIMESTAMPTZ,
    declined_at TIMESTAMPTZ,
    implemented_at TIMESTAMPTZ,
    supports INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ideas_org_status ON ideas (org_id, status);
CREATE INDEX ideas_person ON ideas (person_id);

-- One support per person and idea.
CREATE TABLE idea_supports (
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (idea_id, person_id)
);

CREATE TABLE idea_status_history (
    id BIGSERIAL PRIMARY KEY,
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    account_id BIGINT REFERENCES accounts(id),
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idea_status_history_idea ON idea_status_history (idea_id, id);

CREATE TABLE idea_attachments (
    id BIGSERIAL PRIMARY KEY,
    idea_id BIGINT NOT NULL REFERENCES ideas(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idea_attachments_idea ON idea_attachments (idea_id);

-- In-app notices: a catalog key with its parameters (JSON), translated when read.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    link TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ
);
CREATE INDEX notifications_account ON notifications (account_id, read_at, id);
