-- Organizational life: activities and their hosts and audience, attendance and sign-in,
-- the record (minutes, resolutions, follow-up tasks, amendments) and compliance rules.

CREATE TABLE activities (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    online_link TEXT NOT NULL DEFAULT '',
    speaker_name TEXT NOT NULL DEFAULT '',
    speaker_id BIGINT REFERENCES people(id),
    agenda TEXT NOT NULL DEFAULT '',
    -- Who besides the hosts' members is invited: applicants, activists and development
    -- targets of the hosts; residents and employees (群众) attached to the hosts.
    include_development BOOLEAN NOT NULL DEFAULT FALSE,
    include_non_members BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL,
    held_at TIMESTAMPTZ,
    -- The record may be changed freely until locks_at; afterwards only by amendments.
    locks_at TIMESTAMPTZ,
    minutes TEXT NOT NULL DEFAULT '',
    -- A general meeting's quorum, recorded when it is held: full (voting) members of the
    -- hosts and how many of them attended.
    quorum_voting INTEGER,
    quorum_present INTEGER,
    created_by BIGINT REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX activities_starts ON activities (starts_at);

-- The compliance calendar of a province reads this table alone, through its second
-- index: the activity's kind and, once it is held, the year and month it was held in
-- (Beijing time) and its attendance, copied here in the same transaction as every change
-- to them. The index's order (organization, year, kind) is the calendar's grouping.
CREATE TABLE activity_hosts (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    held_year INTEGER,
    held_month INTEGER,
    present INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    on_leave INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (activity_id, org_id)
);
CREATE INDEX activity_hosts_org ON activity_hosts (org_id, activity_id);
CREATE INDEX activity_hosts_held ON activity_hosts (org_id, held_year, kind, held_month, present, late, on_leave, absent);

-- People invited by name, beyond the hosts' members.
CREATE TABLE activity_people (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (activity_id, person_id)
);

-- Every move of an activity's status, after its explicit transition table.
CREATE TABLE activity_status_events (
    id BIGSERIAL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    account_id BIGINT REFERENCES accounts(id),
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activity_status_events_activity ON activity_status_events (activity_id, id);

-- One row per person invited to an activity: the invitation, a leave request and its
-- decision, and the sign-in. The primary key is what makes a sign-in count once.
CREATE TABLE attendance (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    status TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT '',
    signed_in_at TIMESTAMPTZ,
    leave_state TEXT NOT NULL DEFAULT '',
    leave_reason TEXT NOT NULL DEFAULT '',
    leave_requested_at TIMESTAMPTZ,
    leave_decided_at TIMESTAMPTZ,
    leave_decided_by BIGINT REFERENCES accounts(id),
    marked_by BIGINT REFERENCES accounts(id),
    -- Whether the person was a full (voting) member of a host when the activity was
    -- marked held: the quorum counts these rows, whatever the roster says later.
    voting BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (activity_id, person_id)
);
CREATE INDEX attendance_person ON attendance (person_id, status);

CREATE TABLE activity_resolutions (
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (activity_id, position)
);

-- Changes to a locked record, kept beside the original, which stays as it was.
CREATE TABLE activity_amendments (
    id BIGSERIAL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    part TEXT NOT NULL,
    before_text TEXT NOT NULL DEFAULT '',
    after_text TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    account_id BIGINT REFERENCES accounts(id)
);
CREATE INDEX activity_amendments_activity ON activity_amendments (activity_id, id);

CREATE TABLE activity_tasks (
    id BIGSERIAL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id),
    title TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES people(id),
    due_on DATE NOT NULL,
    closed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    created_by BIGINT REFERENCES accounts(id)
);
CREATE INDEX activity_tasks_activity ON activity_tasks (activity_id);
CREATE INDEX activity_tasks_owner ON activity_tasks (owner_id, closed_at);

CREATE TABLE activity_task_notes (
    id BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES activity_tasks(id),
    note TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    account_id BIGINT REFERENCES accounts(id),
    person_id BIGINT REFERENCES people(id)
);
CREATE INDEX activity_task_notes_task ON activity_task_notes (task_id, id);

-- An administrator's change to the built-in compliance rules for a subtree: from org_id
-- down, organizations of org_kind are due activities of kind at frequency ('none' lifts
-- the rule). The nearest override above an organization wins.
CREATE TABLE compliance_rules (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    org_kind TEXT NOT NULL,
    kind TEXT NOT NULL,
    frequency TEXT NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    set_by BIGINT REFERENCES accounts(id),
    PRIMARY KEY (org_id, org_kind, kind)
);
