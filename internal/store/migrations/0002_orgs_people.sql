-- Organizations, the people in them, their development, posts, transfers, alliances,
-- and the roles accounts hold on organizations.

-- The unit a party organization is set up in: an enterprise, a village, an office, a school.
CREATE TABLE units (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE orgs (
    id BIGSERIAL PRIMARY KEY,
    parent_id BIGINT REFERENCES orgs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    code TEXT UNIQUE,
    unit_id BIGINT REFERENCES units(id),
    depth INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    dissolved_at TIMESTAMPTZ
);
CREATE INDEX orgs_parent ON orgs (parent_id);

-- The tree as a closure table: a row for every ancestor of every organization, itself
-- included at distance 0. "Everything under X" is one indexed lookup on either engine,
-- with no recursive query and no collation-dependent path prefix.
CREATE TABLE org_tree (
    ancestor_id BIGINT NOT NULL REFERENCES orgs(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    distance INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, org_id)
);
CREATE INDEX org_tree_org ON org_tree (org_id, distance);

CREATE TABLE people (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    gender TEXT NOT NULL DEFAULT '',
    birth_date DATE,
    id_number TEXT UNIQUE,
    phone TEXT NOT NULL DEFAULT '',
    org_id BIGINT REFERENCES orgs(id),
    unit_id BIGINT REFERENCES units(id),
    stage TEXT NOT NULL,
    stage_since DATE,
    applied_at DATE,
    talked_at DATE,
    activist_since DATE,
    candidate_since DATE,
    political_review_done BOOLEAN NOT NULL DEFAULT FALSE,
    training_hours INTEGER NOT NULL DEFAULT 0,
    admitted_at DATE,
    approved_at DATE,
    extension_months INTEGER NOT NULL DEFAULT 0,
    joined_at DATE,
    note TEXT NOT NULL DEFAULT '',
    account_id BIGINT UNIQUE REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX people_org_stage ON people (org_id, stage);
CREATE INDEX people_name ON people (name);

-- Contact members of an activist (培养联系人) and introducers of a candidate (入党介绍人).
CREATE TABLE person_links (
    person_id BIGINT NOT NULL REFERENCES people(id),
    other_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    since DATE NOT NULL,
    PRIMARY KEY (person_id, other_id, kind)
);

-- Every step of a person's development, dated, with its documents.
CREATE TABLE stage_events (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    on_date DATE NOT NULL,
    org_id BIGINT REFERENCES orgs(id),
    months INTEGER NOT NULL DEFAULT 0,
    documents TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES accounts(id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX stage_events_person ON stage_events (person_id, on_date);

-- Which organization a person belonged to, and when.
CREATE TABLE person_orgs (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    started_on DATE NOT NULL,
    ended_on DATE,
    via TEXT NOT NULL
);
CREATE INDEX person_orgs_person ON person_orgs (person_id, started_on);
CREATE INDEX person_orgs_org ON person_orgs (org_id);

CREATE TABLE posts (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX posts_org ON posts (org_id, kind);
CREATE INDEX posts_person ON posts (person_id);

-- 组织关系转接: an introduction letter, valid for three months, and its receipt.
CREATE TABLE transfers (
    id BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people(id),
    from_org_id BIGINT NOT NULL REFERENCES orgs(id),
    to_org_id BIGINT NOT NULL REFERENCES orgs(id),
    letter_no TEXT NOT NULL,
    issued_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    status TEXT NOT NULL,
    received_on DATE,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX transfers_person ON transfers (person_id);
CREATE INDEX transfers_to ON transfers (to_org_id, status);
CREATE INDEX transfers_from ON transfers (from_org_id, status);

CREATE TABLE alliances (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    agreement TEXT NOT NULL DEFAULT '',
    founded_on DATE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE alliance_members (
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    joined_on DATE NOT NULL,
    PRIMARY KEY (alliance_id, org_id)
);
CREATE INDEX alliance_members_org ON alliance_members (org_id);

-- Venues, lecturers and courses one member organization offers the others.
CREATE TABLE alliance_resources (
    id BIGSERIAL PRIMARY KEY,
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

-- Paired assistance: a strong branch helps a weak one.
CREATE TABLE alliance_pairs (
    id BIGSERIAL PRIMARY KEY,
    alliance_id BIGINT NOT NULL REFERENCES alliances(id),
    strong_org_id BIGINT NOT NULL REFERENCES orgs(id),
    weak_org_id BIGINT NOT NULL REFERENCES orgs(id),
    started_on DATE NOT NULL,
    goal TEXT NOT NULL DEFAULT ''
);

-- A role on an organization holds for its whole subtree.
CREATE TABLE role_grants (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    granted_by BIGINT REFERENCES accounts(id),
    UNIQUE (account_id, org_id, role)
);
CREATE INDEX role_grants_org ON role_grants (org_id);

-- An uploaded roster between its preview and its import.
CREATE TABLE roster_imports (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    filename TEXT NOT NULL,
    content BYTEA NOT NULL,
    row_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    imported_at TIMESTAMPTZ
);
