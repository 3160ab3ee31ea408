-- Evaluations (seed 001, 002): versioned checklists, assessment rounds with self-assessment
-- and item-by-item scoring, rectification, the democratic appraisal of members and the
-- secretaries' work reports.

-- A checklist. Editing one makes a new version under the same key; a round keeps the
-- version it was made with. org_id NULL: a built-in, offered everywhere; otherwise the
-- version an administrator made for their subtree. bands is a JSON list of
-- {"min": score, "level": key}, highest first: the level of a total.
CREATE TABLE eval_templates (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    org_id BIGINT REFERENCES orgs(id),
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    bands TEXT NOT NULL,
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (key, version)
);

-- An item of a checklist. method: points (0..max), deduction (max less per_occurrence for
-- each occurrence, not below 0), yesno (max or 0), level (a share of max by grade), bonus
-- (0..max added above the base, never "lost"). source names the records a suggested
-- score is computed from: meetings_held, attendance, tasks_closed, or '' for none.
CREATE TABLE eval_items (
    id BIGSERIAL PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES eval_templates(id),
    position INTEGER NOT NULL,
    section TEXT NOT NULL,
    section_en TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL,
    max_score DOUBLE PRECISION NOT NULL,
    per_occurrence DOUBLE PRECISION NOT NULL DEFAULT 0,
    guidance TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    UNIQUE (template_id, position)
);

-- A round applies a template to organizations or people of the organizer's subtree for
-- a year, with a deadline.
CREATE TABLE eval_rounds (
    id BIGSERIAL PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES eval_templates(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    year INTEGER NOT NULL,
    deadline DATE NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ
);
CREATE INDEX eval_rounds_org ON eval_rounds (org_id, year);

-- One subject of a round. total and scored are kept by every assessor's score, in the
-- same transaction, for the dashboard and the history across years.
CREATE TABLE assessments (
    id BIGSERIAL PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES eval_rounds(id),
    subject_org_id BIGINT REFERENCES orgs(id),
    subject_person_id BIGINT REFERENCES people(id),
    self_note TEXT NOT NULL DEFAULT '',
    self_submitted_at TIMESTAMPTZ,
    scored INTEGER NOT NULL DEFAULT 0,
    total DOUBLE PRECISION NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (round_id, subject_org_id),
    UNIQUE (round_id, subject_person_id)
);
CREATE INDEX assessments_org ON assessments (subject_org_id);
CREATE INDEX assessments_person ON assessments (subject_person_id);

-- A score of one item: the subject's own (role self) or the assessor's. value is what was
-- entered (a score, a count of occurrences, 1/0, a grade's index); score what it is worth.
CREATE TABLE assessment_scores (
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    item_id BIGINT NOT NULL REFERENCES eval_items(id),
    role TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    suggested DOUBLE PRECISION,
    comment TEXT NOT NULL DEFAULT '',
    scored_by BIGINT REFERENCES accounts(id),
    scored_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (assessment_id, item_id, role)
);

-- 整改: an item that lost points, with an owner and a due date; open -> fixed (the owner
-- says what was done) -> closed by a re-check, or back to open when the re-check fails.
CREATE TABLE rectifications (
    id BIGSERIAL PRIMARY KEY,
    assessment_id BIGINT NOT NULL REFERENCES assessments(id),
    item_id BIGINT NOT NULL REFERENCES eval_items(id),
    title TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES people(id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    fix_note TEXT NOT NULL DEFAULT '',
    check_note TEXT NOT NULL DEFAULT '',
    fixed_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rectifications_assessment ON rectifications (assessment_id);
CREATE INDEX rectifications_owner ON rectifications (owner_id, status);

-- 民主评议党员: a branch's yearly appraisal of its members.
CREATE TABLE appraisals (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, year)
);

CREATE TABLE appraisal_subjects (
    id BIGSERIAL PRIMARY KEY,
    appraisal_id BIGINT NOT NULL REFERENCES appraisals(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    self_assessment TEXT NOT NULL DEFAULT '',
    proposed_grade TEXT NOT NULL DEFAULT '',
    final_grade TEXT NOT NULL DEFAULT '',
    UNIQUE (appraisal_id, person_id)
);

-- The secret ballot is two tables that share no key: who rated whom (so that nobody rates
-- twice and anyone can check who took part), and how many ratings of each grade a subject
-- has. No row anywhere ties a rater to a grade.
CREATE TABLE appraisal_ballots (
    subject_id BIGINT NOT NULL REFERENCES appraisal_subjects(id),
    voter_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (subject_id, voter_id)
);

CREATE TABLE appraisal_tallies (
    subject_id BIGINT NOT NULL REFERENCES appraisal_subjects(id),
    grade TEXT NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (subject_id, grade)
);

-- 述职评议: a branch secretary's report of a year's work.
CREATE TABLE work_reports (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    year INTEGER NOT NULL,
    work_done TEXT NOT NULL,
    problems TEXT NOT NULL,
    plans TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, year)
);

-- A rating of a report by a member of a higher committee (role committee) or of the
-- branch (role member), with a comment; one per rater.
CREATE TABLE work_report_ratings (
    report_id BIGINT NOT NULL REFERENCES work_reports(id),
    rater_id BIGINT NOT NULL REFERENCES accounts(id),
    rater_name TEXT NOT NULL,
    role TEXT NOT NULL,
    grade TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    rated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (report_id, rater_id)
);
