-- Learning (the "cloud micro-classroom", seeds 000 and 004): courses and their lessons,
-- progress sampled by the page, a question bank per organization, quizzes and their
-- attempts, and campaigns such as winter training (冬训).

-- Files uploaded for lessons (a video, a PDF), kept in the database so that every node
-- of a cluster serves the same bytes.
CREATE TABLE learning_files (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- A course belongs to an organization and is seen by its subtree, by the members of an
-- alliance (and their subtrees), or by everyone signed in. Tags are kept as
-- ",tag,tag," so that one LIKE finds a tag on either engine.
CREATE TABLE courses (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    summary_en TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT ',',
    required BOOLEAN NOT NULL DEFAULT FALSE,
    minutes INTEGER NOT NULL DEFAULT 0,
    cover_url TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL,
    alliance_id BIGINT REFERENCES alliances(id),
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX courses_org ON courses (org_id);

-- A question bank per organization. Options and the answer are JSON; the answer never
-- leaves the server before an attempt is submitted.
CREATE TABLE questions (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT ',',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX questions_org ON questions (org_id);

-- A quiz draws question_count questions with its tags from the bank of its organization
-- and its ancestors. A daily quiz earns once a day; a special quiz only in its window.
CREATE TABLE quizzes (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT ',',
    question_count INTEGER NOT NULL,
    time_limit_seconds INTEGER NOT NULL,
    pass_percent INTEGER NOT NULL,
    opens_at TIMESTAMPTZ,
    closes_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE lessons (
    id BIGSERIAL PRIMARY KEY,
    course_id BIGINT NOT NULL REFERENCES courses(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    media_url TEXT NOT NULL DEFAULT '',
    file_id BIGINT REFERENCES learning_files(id),
    quiz_id BIGINT REFERENCES quizzes(id),
    -- Reading time an article or document needs, and a video's length, in seconds.
    min_seconds INTEGER NOT NULL DEFAULT 0,
    duration_seconds INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX lessons_course ON lessons (course_id, position);

-- A member's progress in a lesson, kept as the page reports it. last_report_at is the
-- server's clock at the last accepted report: no report may claim more time than has
-- passed since, which is also what keeps two tabs from counting the same minutes twice.
-- version guards the read-modify-write against a concurrent report on PostgreSQL.
-- watched holds one character per 5-second slice of a video: '1' once it was played.
CREATE TABLE lesson_progress (
    lesson_id BIGINT NOT NULL REFERENCES lessons(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    seconds INTEGER NOT NULL DEFAULT 0,
    scroll INTEGER NOT NULL DEFAULT 0,
    watched TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    last_report_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (lesson_id, person_id)
);
CREATE INDEX lesson_progress_person ON lesson_progress (person_id, completed_at);

-- Written once, when the last lesson of a course is completed: campaigns count these.
CREATE TABLE course_completions (
    course_id BIGINT NOT NULL REFERENCES courses(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    completed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (course_id, person_id)
);
CREATE INDEX course_completions_person ON course_completions (person_id);

-- An attempt at a quiz: the questions drawn and the order their options were shown in.
-- day is the Beijing date the attempt was started on, for the daily quiz's points.
CREATE TABLE quiz_attempts (
    id BIGSERIAL PRIMARY KEY,
    quiz_id BIGINT NOT NULL REFERENCES quizzes(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    day TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    deadline_at TIMESTAMPTZ NOT NULL,
    submitted_at TIMESTAMPTZ,
    score INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    passed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX quiz_attempts_person ON quiz_attempts (person_id, quiz_id);

CREATE TABLE quiz_attempt_questions (
    attempt_id BIGINT NOT NULL REFERENCES quiz_attempts(id),
    position INTEGER NOT NULL,
    question_id BIGINT NOT NULL REFERENCES questions(id),
    option_order TEXT NOT NULL DEFAULT '',
    given TEXT NOT NULL DEFAULT '',
    correct BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (attempt_id, position)
);

-- A time-boxed drive: the organizations taking part (with their subtrees), the required
-- courses and activities, and the targets every member is held to.
CREATE TABLE campaigns (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    title_en TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    target_courses INTEGER NOT NULL DEFAULT 0,
    target_activities INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE campaign_orgs (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (campaign_id, org_id)
);

CREATE TABLE campaign_courses (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    course_id BIGINT NOT NULL REFERENCES courses(id),
    PRIMARY KEY (campaign_id, course_id)
);

CREATE TABLE campaign_activities (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    PRIMARY KEY (campaign_id, activity_id)
);
