-- Organizational life, the rest of issue 4: the party lecture the rules ask for is the
-- secretary's, heart-to-heart talks are counted by the pair of people who talked, and the
-- compliance calendar reads one summary row per organization and year instead of every
-- held activity.

-- Whether the speaker held the secretary post of this host on the day of the activity,
-- decided when it is marked held (the party lecture rule counts only those).
ALTER TABLE activity_hosts ADD COLUMN by_secretary BOOLEAN NOT NULL DEFAULT FALSE;
-- The two people who attended a held heart-to-heart talk, the lower id first; NULL when
-- it is not a talk or when not exactly two attended.
ALTER TABLE activity_hosts ADD COLUMN talk_a BIGINT;
ALTER TABLE activity_hosts ADD COLUMN talk_b BIGINT;

-- Talks and lectures held before this migration. The post's dates are compared with the
-- start instant, not the Beijing date the service uses for new ones: on the first or last
-- day of a secretary's term an early-morning lecture may fall on the wrong side.
UPDATE activity_hosts SET by_secretary = EXISTS (
    SELECT 1 FROM activities a JOIN posts p ON p.person_id = a.speaker_id
    WHERE a.id = activity_hosts.activity_id AND p.org_id = activity_hosts.org_id AND p.kind = 'secretary'
      AND p.started_on <= a.starts_at AND (p.ended_on IS NULL OR p.ended_on >= a.starts_at))
WHERE held_year IS NOT NULL AND kind = 'party_lecture';
UPDATE activity_hosts SET
    talk_a = (SELECT CASE WHEN COUNT(*) = 2 THEN MIN(x.person_id) END FROM attendance x
              WHERE x.activity_id = activity_hosts.activity_id AND x.status IN ('present', 'late')),
    talk_b = (SELECT CASE WHEN COUNT(*) = 2 THEN MAX(x.person_id) END FROM attendance x
              WHERE x.activity_id = activity_hosts.activity_id AND x.status IN ('present', 'late'))
WHERE held_year IS NOT NULL AND kind = 'heart_talk';

-- An organization's year of held activities, as the compliance calendar reads it:
--   held:  "kind=month,month,…;kind=…", the months (1–12, Beijing time) of the activities
--          that count for the kind's rule, a month repeated for each activity in it;
--   talks: "a-b-month;…", the pair of every heart-to-heart talk;
--   and the attendance at all of them.
-- It is a copy of activity_hosts, rewritten in the same transaction as every change to a
-- held activity's hosts or attendance (activity.Service.summarize, which runs the same
-- SELECT as below), so that a province's calendar reads one row per organization rather
-- than one per activity.
CREATE TABLE activity_org_years (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    year INTEGER NOT NULL,
    held TEXT NOT NULL DEFAULT '',
    talks TEXT NOT NULL DEFAULT '',
    present INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    on_leave INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, year)
);
CREATE INDEX activity_org_years_year ON activity_org_years (year, org_id);

INSERT INTO activity_org_years (org_id, year, held, talks, present, late, on_leave, absent)
SELECT org_id, held_year, COALESCE(string_agg(kind || '=' || months, ';'), ''), COALESCE(string_agg(talks, ';'), ''),
       SUM(present), SUM(late), SUM(on_leave), SUM(absent)
FROM (SELECT h.org_id, h.held_year, h.kind,
             string_agg(CASE WHEN h.kind <> 'party_lecture' OR h.by_secretary THEN CAST(h.held_month AS TEXT) END, ',') AS months,
             string_agg(CASE WHEN h.talk_a IS NOT NULL THEN CAST(h.talk_a AS TEXT) || '-' || CAST(h.talk_b AS TEXT) || '-' || CAST(h.held_month AS TEXT) END, ';') AS talks,
             SUM(h.present) AS present, SUM(h.late) AS late, SUM(h.on_leave) AS on_leave, SUM(h.absent) AS absent
      FROM activity_hosts h
      WHERE h.held_year IS NOT NULL
      GROUP BY h.org_id, h.held_year, h.kind) k
GROUP BY org_id, held_year;
