package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Campaign is a time-boxed drive such as winter training (冬训) or "Four Dares" study.
type Campaign struct {
	ID               int64     `json:"id"`
	OrgID            int64     `json:"org_id"`
	Title            string    `json:"title"`
	TitleEn          string    `json:"title_en,omitempty"`
	StartsAt         time.Time `json:"starts_at"`
	EndsAt           time.Time `json:"ends_at"`
	TargetCourses    int       `json:"target_courses"`
	TargetActivities int       `json:"target_activities"`
	OrgIDs           []int64   `json:"org_ids"`      // organizations taking part, with their subtrees
	CourseIDs        []int64   `json:"course_ids"`   // required courses
	ActivityIDs      []int64   `json:"activity_ids"` // required activities (sessions to attend)
}

// DisplayTitle is the title in the reader's language.
func (c Campaign) DisplayTitle(lang string) string { return pick(lang, c.Title, c.TitleEn) }

// CreateCampaign adds a campaign. The handler checks Manage on its organization.
func (s *Service) CreateCampaign(ctx context.Context, c Campaign) (Campaign, error) {
	var errs i18n.Errors
	if strings.TrimSpace(c.Title) == "" {
		errs = append(errs, i18n.Invalid("title", "error.required"))
	}
	if !c.EndsAt.After(c.StartsAt) {
		errs = append(errs, i18n.Invalid("ends_at", "learning.error.window_order"))
	}
	if c.TargetCourses < 0 || c.TargetCourses > len(c.CourseIDs) {
		errs = append(errs, i18n.Invalid("target_courses", "learning.error.target", "max", len(c.CourseIDs)))
	}
	if c.TargetActivities < 0 || c.TargetActivities > len(c.ActivityIDs) {
		errs = append(errs, i18n.Invalid("target_activities", "learning.error.target", "max", len(c.ActivityIDs)))
	}
	if len(c.OrgIDs) == 0 {
		errs = append(errs, i18n.Invalid("org_ids", "error.required"))
	}
	if err := errs.Err(); err != nil {
		return Campaign{}, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO campaigns (org_id, title, title_en, starts_at, ends_at, target_courses,
			target_activities, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			c.OrgID, c.Title, c.TitleEn, c.StartsAt, c.EndsAt, c.TargetCourses, c.TargetActivities, s.now()).Scan(&c.ID); err != nil {
			return wrap("create campaign", err)
		}
		for _, link := range []struct {
			table, column string
			ids           []int64
		}{{"campaign_orgs", "org_id", c.OrgIDs}, {"campaign_courses", "course_id", c.CourseIDs}, {"campaign_activities", "activity_id", c.ActivityIDs}} {
			for _, id := range link.ids {
				if _, err := tx.ExecContext(ctx, `INSERT INTO `+link.table+` (campaign_id, `+link.column+`) VALUES ($1, $2)
					ON CONFLICT DO NOTHING`, c.ID, id); err != nil {
					return wrap("link campaign", err)
				}
			}
		}
		return audit.Record(ctx, tx, "create", "campaign", strconv.FormatInt(c.ID, 10), nil, map[string]any{"title": c.Title})
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.getCampaign(ctx, c.ID)
}

func (s *Service) getCampaign(ctx context.Context, id int64) (Campaign, error) {
	var c Campaign
	err := s.db.QueryRowContext(ctx, `SELECT id, org_id, title, title_en, starts_at, ends_at, target_courses, target_activities
		FROM campaigns WHERE id = $1`, id).Scan(&c.ID, &c.OrgID, &c.Title, &c.TitleEn, &c.StartsAt, &c.EndsAt, &c.TargetCourses, &c.TargetActivities)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, wrap(fmt.Sprintf("campaign %d", id), err)
	}
	for _, link := range []struct {
		query string
		ids   *[]int64
	}{
		{`SELECT org_id FROM campaign_orgs WHERE campaign_id = $1 ORDER BY org_id`, &c.OrgIDs},
		{`SELECT course_id FROM campaign_courses WHERE campaign_id = $1 ORDER BY course_id`, &c.CourseIDs},
		{`SELECT activity_id FROM campaign_activities WHERE campaign_id = $1 ORDER BY activity_id`, &c.ActivityIDs},
	} {
		if *link.ids, err = ids(ctx, s.db, link.query, id); err != nil {
			return c, err
		}
	}
	return c, nil
}

func ids(ctx context.Context, q store.Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("ids", err)
	}
	defer rows.Close()
	list := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("scan id", err)
		}
		list = append(list, id)
	}
	return list, rows.Err()
}

// campaignsWhere is the condition that the caller may read campaign m: View on its
// organization or on one taking part, or a person in a taking part organization's subtree.
func campaignsWhere(c Caller, next int) (string, []any) {
	cond, args := org.ScopeOf(c.Account, org.View).Condition("co.org_id", next)
	cond2, args2 := org.ScopeOf(c.Account, org.View).Condition("m.org_id", next+len(args))
	args = append(args, args2...)
	out := `(` + cond2 + ` OR EXISTS (SELECT 1 FROM campaign_orgs co WHERE co.campaign_id = m.id AND (` + cond
	if c.Person != nil {
		args = append(args, c.Person.ID)
		out += ` OR co.org_id IN (SELECT x.ancestor_id FROM org_tree x JOIN people p ON p.org_id = x.org_id WHERE p.id = $` + strconv.Itoa(next+len(args)-1) + `)`
	}
	return out + `)))`, args
}

// Campaign reads a campaign the caller may see, else store.ErrNotFound.
func (s *Service) Campaign(ctx context.Context, c Caller, id int64) (Campaign, error) {
	cond, args := campaignsWhere(c, 2)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaigns m WHERE m.id = $1 AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return Campaign{}, wrap("campaign visibility", err)
	}
	if n == 0 {
		return Campaign{}, store.ErrNotFound
	}
	return s.getCampaign(ctx, id)
}

// Campaigns lists the campaigns the caller may see, latest first.
func (s *Service) Campaigns(ctx context.Context, c Caller) ([]Campaign, error) {
	cond, args := campaignsWhere(c, 1)
	list, err := ids(ctx, s.db, `SELECT m.id FROM campaigns m WHERE `+cond+` ORDER BY m.starts_at DESC, m.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	out := make([]Campaign, 0, len(list))
	for _, id := range list {
		m, err := s.getCampaign(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// MemberCompletion is one member's standing in a campaign.
type MemberCompletion struct {
	PersonID   int64  `json:"person_id"`
	Name       string `json:"name"`
	OrgID      int64  `json:"org_id"`
	OrgName    string `json:"org_name"`
	Courses    int    `json:"courses"`
	Activities int    `json:"activities"`
	Complete   bool   `json:"complete"`
}

// OrgCompletion is how far an organization's members are.
type OrgCompletion struct {
	OrgID    int64  `json:"org_id"`
	Name     string `json:"name"`
	NameEn   string `json:"name_en,omitempty"`
	Members  int    `json:"members"`
	Complete int    `json:"complete"`
	Percent  int    `json:"percent"`
}

func (o *OrgCompletion) add(complete bool) {
	o.Members++
	if complete {
		o.Complete++
	}
	o.Percent = o.Complete * 100 / o.Members
}

// Completion is a campaign's completion in an organization's subtree.
type Completion struct {
	Campaign Campaign           `json:"campaign"`
	OrgID    int64              `json:"org_id"`
	Total    OrgCompletion      `json:"total"`
	Branches []OrgCompletion    `json:"branches"` // by the organization members belong to
	Children []OrgCompletion    `json:"children"` // by each subtree directly below the organization
	Behind   []MemberCompletion `json:"behind"`   // who has not met the targets, furthest behind first
	Members  []MemberCompletion `json:"members"`
}

// Completion answers, live from the records, how far the members of an organization's
// subtree (those in an organization taking part) are with a campaign. orgID 0 means the
// campaign's own organization. The caller needs View on the organization; an
// organization out of sight is store.ErrNotFound.
func (s *Service) Completion(ctx context.Context, c Caller, campaignID, orgID int64) (Completion, error) {
	m, err := s.Campaign(ctx, c, campaignID)
	if err != nil {
		return Completion{}, err
	}
	if orgID == 0 {
		orgID = m.OrgID
	}
	if ok, err := s.orgs.Can(ctx, c.Account, org.View, orgID); err != nil {
		return Completion{}, err
	} else if !ok {
		return Completion{}, store.ErrNotFound
	}
	members, err := s.memberCompletion(ctx, m, orgID)
	if err != nil {
		return Completion{}, err
	}
	out := Completion{Campaign: m, OrgID: orgID, Members: members, Branches: []OrgCompletion{}, Children: []OrgCompletion{}, Behind: []MemberCompletion{}}
	o, err := s.orgs.Get(ctx, orgID)
	if err != nil {
		return out, err
	}
	out.Total = OrgCompletion{OrgID: o.ID, Name: o.Name, NameEn: o.NameEn}
	childOf, children, err := s.children(ctx, orgID)
	if err != nil {
		return out, err
	}
	branches := map[int64]*OrgCompletion{}
	var branchOrder []int64
	for _, mc := range members {
		out.Total.add(mc.Complete)
		b := branches[mc.OrgID]
		if b == nil {
			b = &OrgCompletion{OrgID: mc.OrgID, Name: mc.OrgName}
			branches[mc.OrgID] = b
			branchOrder = append(branchOrder, mc.OrgID)
		}
		b.add(mc.Complete)
		if ch := children[childOf[mc.OrgID]]; ch != nil {
			ch.add(mc.Complete)
		}
		if !mc.Complete {
			out.Behind = append(out.Behind, mc)
		}
	}
	for _, id := range branchOrder {
		out.Branches = append(out.Branches, *branches[id])
	}
	sort.SliceStable(out.Branches, func(i, j int) bool { return out.Branches[i].Percent > out.Branches[j].Percent })
	for _, ch := range sortedChildren(children) {
		if ch.Members > 0 {
			out.Children = append(out.Children, *ch)
		}
	}
	sort.SliceStable(out.Behind, func(i, j int) bool {
		a, b := out.Behind[i], out.Behind[j]
		return a.Courses+a.Activities < b.Courses+b.Activities
	})
	return out, nil
}

// memberCompletion counts, for every member in the subtree of orgID that takes part,
// the campaign's courses completed before it ended and its activities attended.
func (s *Service) memberCompletion(ctx context.Context, m Campaign, orgID int64) ([]MemberCompletion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name, p.org_id, o.name,
		(SELECT COUNT(*) FROM course_completions cc JOIN campaign_courses k ON k.course_id = cc.course_id
			WHERE k.campaign_id = $1 AND cc.person_id = p.id AND cc.completed_at <= $3),
		(SELECT COUNT(*) FROM attendance a JOIN campaign_activities ka ON ka.activity_id = a.activity_id
			WHERE ka.campaign_id = $1 AND a.person_id = p.id AND a.status IN ('present', 'late'))
		FROM people p JOIN orgs o ON o.id = p.org_id
		WHERE p.stage IN ('probationary', 'full')
		  AND p.org_id IN (SELECT x.org_id FROM org_tree x WHERE x.ancestor_id = $2)
		  AND p.org_id IN (SELECT x.org_id FROM org_tree x JOIN campaign_orgs co ON co.org_id = x.ancestor_id WHERE co.campaign_id = $1)
		ORDER BY o.id, p.id`, m.ID, orgID, m.EndsAt)
	if err != nil {
		return nil, wrap("campaign completion", err)
	}
	defer rows.Close()
	var list []MemberCompletion
	for rows.Next() {
		var mc MemberCompletion
		if err := rows.Scan(&mc.PersonID, &mc.Name, &mc.OrgID, &mc.OrgName, &mc.Courses, &mc.Activities); err != nil {
			return nil, wrap("scan completion", err)
		}
		mc.Complete = mc.Courses >= m.TargetCourses && mc.Activities >= m.TargetActivities
		list = append(list, mc)
	}
	return list, rows.Err()
}

// children maps every organization below orgID to the child of orgID it lies under.
func (s *Service) children(ctx context.Context, orgID int64) (map[int64]int64, map[int64]*OrgCompletion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT x.org_id, ch.id, ch.name, ch.name_en FROM orgs ch
		JOIN org_tree x ON x.ancestor_id = ch.id WHERE ch.parent_id = $1 ORDER BY ch.id`, orgID)
	if err != nil {
		return nil, nil, wrap("campaign subtrees", err)
	}
	defer rows.Close()
	childOf := map[int64]int64{}
	children := map[int64]*OrgCompletion{}
	for rows.Next() {
		var below int64
		var ch OrgCompletion
		if err := rows.Scan(&below, &ch.OrgID, &ch.Name, &ch.NameEn); err != nil {
			return nil, nil, wrap("scan subtree", err)
		}
		childOf[below] = ch.OrgID
		if children[ch.OrgID] == nil {
			children[ch.OrgID] = &ch
		}
	}
	return childOf, children, rows.Err()
}

func sortedChildren(m map[int64]*OrgCompletion) []*OrgCompletion {
	list := make([]*OrgCompletion, 0, len(m))
	for _, c := range m {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].OrgID < list[j].OrgID })
	return list
}

// Mine is the caller's own standing in a campaign they take part in; ok is false when
// they do not.
func (s *Service) Mine(ctx context.Context, c Caller, campaignID int64) (MemberCompletion, bool, error) {
	if c.Person == nil || c.Person.OrgID == 0 {
		return MemberCompletion{}, false, nil
	}
	m, err := s.Campaign(ctx, c, campaignID)
	if err != nil {
		return MemberCompletion{}, false, err
	}
	members, err := s.memberCompletion(ctx, m, c.Person.OrgID)
	if err != nil {
		return MemberCompletion{}, false, err
	}
	for _, mc := range members {
		if mc.PersonID == c.Person.ID {
			return mc, true, nil
		}
	}
	return MemberCompletion{}, false, nil
}

// BehindFirst is the first n of those behind, for a page; the export has them all.
func (c Completion) BehindFirst(n int) []MemberCompletion {
	if len(c.Behind) <= n {
		return c.Behind
	}
	return c.Behind[:n]
}

// BehindMore is how many are behind beyond the first n.
func (c Completion) BehindMore(n int) int { return max(0, len(c.Behind)-n) }
