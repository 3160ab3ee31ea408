package demo

// Evaluations: a standardization round of the Shengze branches this year, past its
// deadline with some branches scored, some half done and some not begun (seed 004's
// town, judged by seed 002's standardization sheet); a political physical examination
// of the Jiaxing editorial office with a rectification fixed and re-checked (seed 001);
// and the two Xinruifeng secretaries' reports of 2022 from seed 002's joint meeting,
// rated and commented by the general branch's liaison and members of each branch.
//
// The raters of the reports are generated members given logins of their own
// (xrf-rater-…, with the demo password): a rating is one per account. The reports' text
// paraphrases what the seed says was reported — the year's party building, the problems,
// next year's work — and gives no invented facts about the real people it names.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/evaluation"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

type evaluationLoader struct {
	*loader
	svc *evaluation.Service
	rnd *rand.Rand // of its own, so the steps before keep their draws
	at  time.Time  // the clock the service reads while a past step is recorded
	sys evaluation.Caller
}

// evaluations loads the rounds and the work reports.
func (l *loader) evaluations(ctx context.Context) error {
	e := &evaluationLoader{loader: l, at: time.Now(), rnd: rand.New(rand.NewPCG(2026, 801))}
	e.svc = evaluation.New(l.db, l.orgs, l.people, activity.New(l.db, activity.Options{}), points.New(l.db))
	e.svc.SetClock(func() time.Time { return e.at })
	if err := e.svc.InstallBuiltins(ctx); err != nil {
		return err
	}
	var adminID int64
	if err := l.db.QueryRowContext(ctx, `SELECT id FROM accounts WHERE username = 'admin'`).Scan(&adminID); err != nil {
		return fmt.Errorf("the demo administrator: %w", err)
	}
	e.sys = evaluation.Caller{Account: auth.Account{ID: adminID, Username: "admin", IsAdmin: true}}
	if err := e.standardization(ctx); err != nil {
		return fmt.Errorf("standardization round: %w", err)
	}
	if err := e.examination(ctx); err != nil {
		return fmt.Errorf("political examination: %w", err)
	}
	if err := e.reports(ctx); err != nil {
		return fmt.Errorf("work reports: %w", err)
	}
	return nil
}

// score scores every item of an assessment: the suggestion from the records where there
// is one, otherwise a value drawn between a good and a full score.
func (e *evaluationLoader) score(ctx context.Context, r evaluation.Round, a evaluation.Assessment, items int) error {
	sug, err := e.svc.Suggest(ctx, r, a)
	if err != nil {
		return err
	}
	in := map[int64]evaluation.ScoreInput{}
	for i, it := range r.Template.Items {
		if i >= items {
			break
		}
		v := it.Max - float64(e.rnd.IntN(int(it.Max/4)+1))
		switch it.Method {
		case evaluation.Deduction:
			v = float64(e.rnd.IntN(3))
		case evaluation.YesNo:
			v = 1
		case evaluation.Graded:
			v = float64(e.rnd.IntN(3))
		case evaluation.Bonus:
			v = float64(e.rnd.IntN(int(it.Max) + 1))
		}
		if s, ok := sug[it.ID]; ok {
			v = s.Value
		}
		in[it.ID] = evaluation.ScoreInput{Value: v, Comment: ""}
	}
	_, err = e.svc.ScoreItems(ctx, e.sys, a.ID, evaluation.RoleAssessor, in)
	return err
}

func (e *evaluationLoader) selfAssess(ctx context.Context, r evaluation.Round, a evaluation.Assessment, note string) error {
	in := map[int64]evaluation.ScoreInput{}
	for _, it := range r.Template.Items {
		if it.Method == evaluation.Points {
			in[it.ID] = evaluation.ScoreInput{Value: it.Max}
		}
	}
	if len(in) > 0 {
		if _, err := e.svc.ScoreItems(ctx, e.sys, a.ID, evaluation.RoleSelf, in); err != nil {
			return err
		}
	}
	_, err := e.svc.SubmitSelf(ctx, e.sys, a.ID, note)
	return err
}

// standardization is this year's round of the Shengze branches, its deadline passed: the
// first three branches scored, the next two self-assessed and half scored, the rest not
// begun. The Renfu branch is among those scored, with a rectification still open.
func (e *evaluationLoader) standardization(ctx context.Context) error {
	tid, err := e.svc.BuiltinID(ctx, "standardization")
	if err != nil {
		return err
	}
	e.at = e.today.AddDate(0, 0, -30)
	r, err := e.svc.CreateRound(ctx, e.sys, evaluation.NewRound{TemplateID: tid, OrgID: e.orgIDs["shengze"],
		Title: fmt.Sprintf("%d年度盛泽镇党支部标准化规范化建设考评", e.today.Year()), Year: e.today.Year(),
		Deadline: e.today.AddDate(0, 0, -5)})
	if err != nil {
		return err
	}
	list, err := e.svc.Assessments(ctx, r.ID, "")
	if err != nil {
		return err
	}
	renfu := e.orgIDs["renfu"]
	// Renfu first, so the demo's branch secretary finds a finished sheet.
	for i := range list {
		if list[i].SubjectOrgID == renfu {
			list[0], list[i] = list[i], list[0]
		}
	}
	for i, a := range list {
		e.at = e.today.AddDate(0, 0, -20+i)
		switch {
		case i < 3:
			if err := e.selfAssess(ctx, r, a, "对照“五好”标准逐项自查：班子健全，组织生活按期开展，台账仍需完善。"); err != nil {
				return err
			}
			if err := e.score(ctx, r, a, len(r.Template.Items)); err != nil {
				return err
			}
		case i < 5:
			if err := e.selfAssess(ctx, r, a, "已完成自查，待镇党委考评。"); err != nil {
				return err
			}
			if err := e.score(ctx, r, a, len(r.Template.Items)/2); err != nil {
				return err
			}
		}
	}
	a, err := e.svc.Assessment(ctx, list[0].ID, "")
	if err != nil {
		return err
	}
	lost := a.Lost(r.Template)
	if len(lost) == 0 {
		return nil
	}
	owner, err := e.secretaryOf(ctx, "renfu")
	if err != nil {
		return err
	}
	_, err = e.svc.OpenRectification(ctx, e.sys, a.ID, evaluation.NewRectification{ItemID: lost[0].Item.ID,
		Title: "补齐" + lost[0].Item.Title + "的短板", OwnerID: owner, DueOn: e.today.AddDate(0, 0, 20)})
	return err
}

func (e *evaluationLoader) secretaryOf(ctx context.Context, key string) (int64, error) {
	posts, err := e.orgs.PostsOn(ctx, e.orgIDs[key], e.today)
	if err != nil {
		return 0, err
	}
	for _, p := range posts {
		if p.Kind == org.Secretary {
			return p.PersonID, nil
		}
	}
	return 0, fmt.Errorf("no secretary of %s", key)
}

// examination is last year's political physical examination of the editorial office,
// organized by the municipal organs' committee: scored, with the item that lost most
// rectified and re-checked.
func (e *evaluationLoader) examination(ctx context.Context) error {
	tid, err := e.svc.BuiltinID(ctx, "political_exam_branch")
	if err != nil {
		return err
	}
	year := e.today.Year() - 1
	e.at = time.Date(year, 11, 20, 2, 0, 0, 0, time.UTC)
	r, err := e.svc.CreateRound(ctx, e.sys, evaluation.NewRound{TemplateID: tid, OrgID: e.orgIDs["jx-organs"],
		Title: fmt.Sprintf("%d年度党支部政治体检", year), Year: year, Deadline: time.Date(year, 12, 20, 0, 0, 0, 0, time.UTC),
		OrgIDs: []int64{e.orgIDs["jx-bianban"]}})
	if err != nil {
		return err
	}
	list, err := e.svc.Assessments(ctx, r.ID, "")
	if err != nil {
		return err
	}
	a := list[0]
	e.at = e.at.AddDate(0, 0, 7)
	if err := e.selfAssess(ctx, r, a, "对照政治忠诚、政治坚定、政治担当、政治能力四个方面开展自查，查找问题三条。"); err != nil {
		return err
	}
	e.at = e.at.AddDate(0, 0, 7)
	in := map[int64]evaluation.ScoreInput{}
	for i, it := range r.Template.Items {
		in[it.ID] = evaluation.ScoreInput{Value: float64(i % 2), Comment: "审查意见：总体良好"}
	}
	if _, err := e.svc.ScoreItems(ctx, e.sys, a.ID, evaluation.RoleAssessor, in); err != nil {
		return err
	}
	if a, err = e.svc.Assessment(ctx, a.ID, ""); err != nil {
		return err
	}
	lost := a.Lost(r.Template)
	owner, err := e.secretaryOf(ctx, "jx-bianban")
	if err != nil || len(lost) == 0 {
		return err
	}
	rc, err := e.svc.OpenRectification(ctx, e.sys, a.ID, evaluation.NewRectification{ItemID: lost[0].Item.ID,
		Title: "加强政治理论学习，落实“第一议题”制度", OwnerID: owner, DueOn: e.at.AddDate(0, 1, 0)})
	if err != nil {
		return err
	}
	e.at = e.at.AddDate(0, 0, 20)
	if _, err := e.svc.MoveRectification(ctx, e.sys, rc.ID, evaluation.RectFixed, "建立“第一议题”学习台账，每月支委会首先学习。"); err != nil {
		return err
	}
	e.at = e.at.AddDate(0, 0, 5)
	_, err = e.svc.MoveRectification(ctx, e.sys, rc.ID, evaluation.RectClosed, "复查：台账齐全，已落实。")
	return err
}

// reports are the two secretaries' reports of 2022, made at the joint meeting of 27 April
// 2023, rated by the general branch's liaison (the higher committee) and by three members
// of each branch.
func (e *evaluationLoader) reports(ctx context.Context) error {
	e.at = time.Date(2023, 4, 27, 7, 30, 0, 0, time.UTC)
	texts := map[string][3]string{
		"xrf-tech": {"2022年，技术中心党支部坚持党建工作与研发工作同谋划、同部署，组织党员围绕技术攻关开展学习和岗位实践，按期开展“三会一课”和主题党日。",
			"党建与业务融合的结合点还不够多；党员教育方式较单一，青年党员参与度有待提高。",
			"2023年，深入学习宣传贯彻党的二十大精神，以联席会议为契机与车间支部互学互鉴，找准党建工作与研发工作的结合点，建设党员先锋岗。"},
		"xrf-workshop2": {"2022年，车间第二党支部围绕安全生产和降本增效，发挥党员示范岗作用，组织党员带头解决生产中的急难问题。",
			"倒班生产使组织生活时间难统一；支部台账记录不够规范。",
			"2023年，推行班前学习和线上学习相结合，规范支部台账，做好“一岗双责”，争创模范党支部。"},
	}
	liaison, err := e.rater(ctx, "xrf-rater-liaison", e.holders["xrf-liaison"], "xinruifeng")
	if err != nil {
		return err
	}
	grades := []evaluation.Grade{"good", "good", "fairly_good"}
	comments := []string{"工作扎实，问题找得准。", "", "希望在党建与业务融合上再下功夫。"}
	for _, key := range []string{"xrf-tech", "xrf-workshop2"} {
		sec, err := e.secretaryOf(ctx, key)
		if err != nil {
			return err
		}
		p, err := e.people.Get(ctx, sec)
		if err != nil {
			return err
		}
		t := texts[key]
		w, err := e.svc.SubmitReport(ctx, evaluation.Caller{Account: e.sys.Account, Person: &p},
			evaluation.NewReport{OrgID: e.orgIDs[key], Year: 2022, WorkDone: t[0], Problems: t[1], Plans: t[2]})
		if err != nil {
			return err
		}
		e.at = e.at.Add(time.Hour)
		if _, err := e.svc.RateReport(ctx, liaison, w.ID, "good", "两个支部要以联席会议为契机，互学互鉴，共同提高。"); err != nil {
			return fmt.Errorf("the liaison's rating: %w", err)
		}
		for i := range 3 {
			m, err := e.pick(key)
			if err != nil {
				return err
			}
			c, err := e.rater(ctx, fmt.Sprintf("xrf-rater-%s-%d", key[4:], i+1), m.ID, "")
			if err != nil {
				return err
			}
			if _, err := e.svc.RateReport(ctx, c, w.ID, grades[i], comments[i]); err != nil {
				return fmt.Errorf("a member's rating: %w", err)
			}
		}
	}
	return nil
}

// rater gives a person a login of their own, with a manager's role on orgKey if set.
func (e *evaluationLoader) rater(ctx context.Context, username string, personID int64, orgKey string) (evaluation.Caller, error) {
	p, err := e.people.Get(ctx, personID)
	if err != nil {
		return evaluation.Caller{}, err
	}
	a, err := e.accounts.CreateAccount(ctx, auth.NewAccount{Username: username, DisplayName: p.Name, Password: auth.DemoPassword})
	if err != nil {
		return evaluation.Caller{}, fmt.Errorf("account %s: %w", username, err)
	}
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		if err := e.people.LinkAccount(ctx, tx, p.ID, a.ID); err != nil {
			return err
		}
		if orgKey == "" {
			return nil
		}
		return e.orgs.GrantRole(ctx, tx, a.ID, e.orgIDs[orgKey], org.RoleManager)
	})
	return evaluation.Caller{Account: a, Person: &p}, err
}
