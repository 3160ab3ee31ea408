-- Points and stars: the rule catalogue, the append-only ledger, objections, star
-- thresholds and each organization's choices.

-- The ledger's sequence. Every transaction that writes entries takes this one row first and
-- holds it to commit, so entry ids are handed out in commit order: a reader that tails the
-- ledger by id (the ranking index on every node) never skips an entry that commits late.
CREATE TABLE point_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO point_head (id, seq) VALUES (1, 0);

-- A rule says what a contribution is worth. org_id NULL: built in, in force everywhere;
-- otherwise in force in the organization's subtree, where a lower organization may define
-- the same code again with tighter caps (never looser) and its own points.
CREATE TABLE point_rules (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT REFERENCES orgs(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    points INTEGER NOT NULL,
    chosen TEXT NOT NULL DEFAULT '',
    day_cap INTEGER,
    period_cap INTEGER,
    cap_period TEXT NOT NULL DEFAULT '',
    stages TEXT NOT NULL,
    earned_by TEXT NOT NULL,
    valid_from DATE,
    valid_to DATE,
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX point_rules_code ON point_rules (COALESCE(org_id, 0), code);

-- The ledger. Rows are only ever inserted: a correction is a reversing entry. org_id is the
-- person's organization when the entry was recorded; rankings count an entry under that
-- organization and its ancestors. day is the Beijing calendar day (yyyymmdd) the
-- contribution happened on. People and organizations are never deleted (they leave or are
-- dissolved), so the ledger carries no foreign keys: checking two of them on every one of
-- millions of inserts would halve the ingest rate for nothing.
CREATE TABLE point_entries (
    id BIGINT PRIMARY KEY,
    idem_hash BIGINT NOT NULL,
    idem_key TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    rule_code TEXT NOT NULL,
    points INTEGER NOT NULL,
    asked INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    occurred_at TIMESTAMPTZ NOT NULL,
    day INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT,
    recorded_at TIMESTAMPTZ NOT NULL,
    reverses BIGINT UNIQUE
);
CREATE INDEX point_entries_idem ON point_entries (idem_hash);
CREATE INDEX point_entries_person ON point_entries (person_id, day);

-- What a person has earned by a capped rule in a day ('d20261121') or a period ('m202611',
-- 'q20264', 'y2026'), kept beside the ledger in the same transaction so a cap is checked
-- without summing the ledger.
CREATE TABLE point_counters (
    person_id BIGINT NOT NULL,
    rule_code TEXT NOT NULL,
    bucket TEXT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (person_id, rule_code, bucket)
);

-- An organization's choices. Rankings of individuals are off unless its administrator
-- switches them on (burden-reduction rules); the star roll and prize lists work without.
CREATE TABLE point_org_settings (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    rankings BOOLEAN NOT NULL DEFAULT FALSE,
    objection_days INTEGER NOT NULL DEFAULT 15,
    first_prizes INTEGER NOT NULL DEFAULT 1,
    second_prizes INTEGER NOT NULL DEFAULT 2,
    third_prizes INTEGER NOT NULL DEFAULT 3,
    closed_through INTEGER NOT NULL DEFAULT 0
);

-- Star thresholds: at least `points` in a period of the kind earns `stars`.
CREATE TABLE point_stars (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    period_kind TEXT NOT NULL,
    stars INTEGER NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (org_id, period_kind, stars)
);

-- A member's objection to an entry, answered by a manager of the entry's organization.
CREATE TABLE point_objections (
    id BIGSERIAL PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES point_entries(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    reason TEXT NOT NULL,
    raised_at TIMESTAMPTZ NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    upheld BOOLEAN,
    answered_by BIGINT REFERENCES accounts(id),
    answered_at TIMESTAMPTZ,
    UNIQUE (entry_id)
);
CREATE INDEX point_objections_open ON point_objections (answered_at);

-- The built-in catalogue. Every rule rewards a contribution; none rewards logging in or
-- time online, and the editor refuses such rules.
INSERT INTO point_rules (org_id, code, name_zh, name_en, points, chosen, day_cap, period_cap, cap_period, stages, earned_by, created_at) VALUES
    (NULL, 'meeting-attended', '参加组织生活', 'Took part in organizational life', 2, '', 6, NULL, '', 'probationary,full', 'attendance', CURRENT_TIMESTAMP),
    (NULL, 'lesson-completed', '完成一课学习', 'Completed a lesson', 1, '', 5, NULL, '', 'applicant,activist,candidate,probationary,full', 'learning', CURRENT_TIMESTAMP),
    (NULL, 'quiz-completed', '完成一次测验', 'Completed a quiz', 2, '', 4, NULL, '', 'applicant,activist,candidate,probationary,full', 'learning', CURRENT_TIMESTAMP),
    (NULL, 'idea-adopted', '金点子被采纳', 'Idea adopted', 5, '', NULL, 30, 'year', 'resident,applicant,activist,candidate,probationary,full', 'idea', CURRENT_TIMESTAMP),
    (NULL, 'idea-implemented', '金点子落地见效', 'Idea implemented', 10, '', NULL, 60, 'year', 'resident,applicant,activist,candidate,probationary,full', 'idea', CURRENT_TIMESTAMP),
    (NULL, 'volunteer-service', '志愿服务', 'Volunteer service', 3, '', 6, NULL, '', 'applicant,activist,candidate,probationary,full', 'volunteer', CURRENT_TIMESTAMP),
    (NULL, 'manual-award', '组织加分', 'Award by the organization', 0, 'positive', NULL, NULL, '', 'applicant,activist,candidate,probationary,full', 'award', CURRENT_TIMESTAMP),
    (NULL, 'manual-deduction', '组织扣分', 'Deduction by the organization', 0, 'negative', NULL, NULL, '', 'applicant,activist,candidate,probationary,full', 'deduction', CURRENT_TIMESTAMP),
    (NULL, 'learning-platform', '学习平台积分', 'Learning-platform points', 0, 'positive', NULL, NULL, '', 'applicant,activist,candidate,probationary,full', 'import', CURRENT_TIMESTAMP);
