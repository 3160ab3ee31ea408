package demo

// Organizational life: the activities the seed reports describe — the "Four Dares" micro
// party class at Minglong (seed 000), the study meeting conveying the three-level cadre
// conference at the editorial office (seed 001, with minutes and follow-up tasks), the
// joint meeting of two Xinruifeng branches (seed 002), the alliance exchange visit in
// the Shiyan development zone (seed 003) and the winter-training sessions in Shengze
// (seed 004) — plus this year's regular meetings of the Shengze branches, recorded
// through the activity service as they would have been held, with some missed so the
// compliance calendar has overdue periods to show, and a theme party day of Renfu in
// the coming week that the demo member is invited to.
//
// Speakers are named by their role in the report, not by name: the real people get no
// invented data.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/org"
)

// beijing is the zone the reports' dates and times are in.
var beijing = time.FixedZone("CST", 8*3600)

type activityLoader struct {
	*loader
	rnd *rand.Rand // of its own, so the steps before keep their draws
	at  time.Time  // the clock the service reads while a past meeting is recorded
	svc *activity.Service
	sc  org.Scope
}

// activities loads the activities of the seeds and the year of regular meetings.
func (l *loader) activities(ctx context.Context) error {
	a := &activityLoader{loader: l, rnd: rand.New(rand.NewPCG(2026, 4404)), at: time.Now(),
		sc: org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)}
	a.svc = activity.New(l.db, activity.Options{Now: func() time.Time { return a.at }})
	if err := a.seeds(ctx); err != nil {
		return fmt.Errorf("activities of the reports: %w", err)
	}
	if err := a.regular(ctx); err != nil {
		return fmt.Errorf("regular meetings: %w", err)
	}
	return nil
}

// on is a time in Beijing.
func on(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, beijing)
}

// held plans an activity as of a day before it, records the roll call after it and marks
// it held. absentees are people who miss it whatever the draw.
func (a *activityLoader) held(ctx context.Context, in activity.Input, absentees map[int64]bool) (activity.Activity, error) {
	a.at = in.StartsAt.AddDate(0, 0, -3)
	act, err := a.svc.Create(ctx, a.sc, in)
	if err != nil {
		return act, fmt.Errorf("plan %q: %w", in.Title, err)
	}
	a.at = in.EndsAt.Add(30 * time.Minute)
	attendees, err := a.svc.Attendees(ctx, act.ID)
	if err != nil {
		return act, err
	}
	var rc activity.RollCall
	for _, at := range attendees {
		p := activity.Present
		switch r := a.rnd.IntN(100); {
		case absentees[at.PersonID]:
			p = activity.Absent
		case r < 5:
			p = activity.Late
		case r < 11:
			p = activity.OnLeave
		case r < 15:
			p = activity.Absent
		}
		rc.Marks = append(rc.Marks, activity.Mark{PersonID: at.PersonID, Presence: p})
	}
	if _, err := a.svc.RecordRollCall(ctx, a.sc, act.ID, rc); err != nil {
		return act, fmt.Errorf("roll call of %q: %w", in.Title, err)
	}
	if act, err = a.svc.Move(ctx, a.sc, act.ID, activity.Held, ""); err != nil {
		return act, fmt.Errorf("close %q: %w", in.Title, err)
	}
	return act, nil
}

// secretary is the person holding the secretary post of an organization today.
func (a *activityLoader) secretary(ctx context.Context, orgID int64) (int64, error) {
	posts, err := a.orgs.PostsOn(ctx, orgID, a.today)
	if err != nil {
		return 0, err
	}
	for _, p := range posts {
		if p.Kind == org.Secretary {
			return p.PersonID, nil
		}
	}
	return 0, fmt.Errorf("no secretary of organization %d", orgID)
}

func (a *activityLoader) seeds(ctx context.Context) error {
	id := func(key string) int64 { return a.orgIDs[key] }

	// Seed 000: early 2023, after the Central Committee's meeting on the year's economic
	// work; all party members, activists and personnel above the class teacher.
	if _, err := a.held(ctx, activity.Input{Kind: activity.PartyLecture, HostIDs: []int64{id("minglong")},
		Title: "微党课：发挥“四敢”精神，展现明龙新面貌", Theme: "“四敢”争先：敢为、敢闯、敢干、敢首创",
		StartsAt: on(2023, time.February, 10, 14, 0), EndsAt: on(2023, time.February, 10, 15, 30), Place: "明龙集团党员活动室",
		SpeakerName: "党委副书记、执行总裁", IncludeDevelopment: true,
		Agenda: "一、学习中央政治局会议关于2023年经济工作的部署\n二、解读嘉兴市“四敢”争先实践活动\n三、结合岗位谈如何敢为、敢闯、敢干、敢首创"}, nil); err != nil {
		return err
	}

	// Seed 001: the afternoon of 8 February 2022, a meeting of the editorial office's
	// cadres and workers conveying the city's three-level cadre conference.
	study, err := a.held(ctx, activity.Input{Kind: activity.StudyMeeting, HostIDs: []int64{id("jx-bianban")},
		Title: "传达学习全市三级干部大会精神", Theme: "全市三级干部大会暨民营经济高质量发展大会精神",
		StartsAt: on(2022, time.February, 8, 14, 30), EndsAt: on(2022, time.February, 8, 16, 30), Place: "市委编办会议室",
		SpeakerName: "市委组织部副部长、市委编办主任（主持）",
		Agenda:      "一、传达市委书记在全市三级干部大会上的讲话精神\n二、交流学习体会\n三、部署贯彻落实工作"}, nil)
	if err != nil {
		return err
	}
	a.at = on(2022, time.February, 8, 18, 0)
	if _, err := a.svc.SaveRecord(ctx, a.sc, study.ID,
		"会议传达了全市三级干部大会暨民营经济高质量发展大会精神。与会同志一致认为，大会是市委市政府召开的新年“第一会”，"+
			"要把思想和行动统一到大会部署上来，以机构编制工作的新作为服务全市高质量发展。",
		[]string{"把学习贯彻大会精神作为当前首要政治任务，在全办迅速掀起学习热潮", "围绕全市中心工作优化机构编制资源配置", "深化“放管服”改革，提升机构编制服务效能"}); err != nil {
		return fmt.Errorf("minutes of the study meeting: %w", err)
	}
	owners := a.byOrg["jx-bianban"]
	for i, task := range []struct {
		title string
		due   time.Time
	}{
		{"各处室专题学习大会精神并报送学习体会", time.Date(2022, time.February, 18, 0, 0, 0, 0, time.UTC)},
		{"梳理机构编制服务保障重点项目清单", time.Date(2022, time.March, 15, 0, 0, 0, 0, time.UTC)},
		{"制定深化“放管服”改革年度工作方案", time.Date(2022, time.March, 31, 0, 0, 0, 0, time.UTC)},
	} {
		n := activity.NewTask{Title: task.title, DueOn: task.due}
		if len(owners) > 0 {
			n.OwnerID = owners[i%len(owners)].ID
		}
		if _, err := a.svc.AddTask(ctx, a.sc, study.ID, n); err != nil {
			return fmt.Errorf("task of the study meeting: %w", err)
		}
	}

	// Seed 002: 27 April (2023, the year after the work it reviews), a joint meeting of
	// the technology center's and the second workshop's branches at their contact point.
	if _, err := a.held(ctx, activity.Input{Kind: activity.JointMeeting, HostIDs: []int64{id("xrf-tech"), id("xrf-workshop2")},
		Title: "技术中心党支部与车间第二党支部联席会议", Theme: "凝心聚力筑堡垒，党建联建促发展",
		StartsAt: on(2023, time.April, 27, 15, 0), EndsAt: on(2023, time.April, 27, 17, 0), Place: "新瑞丰公司会议室",
		SpeakerName: "大队党委委员、公司董事长（主持）",
		Agenda:      "一、学习习近平总书记视察江西重要讲话精神\n二、学习大队党委关于建立党支部联席会议制度和党支部工作联系点的有关内容\n三、两位支部书记报告2022年党建工作情况、存在问题及下一步打算\n四、点评与工作要求"}, nil); err != nil {
		return err
	}

	// Seed 003: 3 July 2021, an exchange visit of the development zone's alliance.
	if _, err := a.held(ctx, activity.Input{Kind: activity.ExchangeVisit, HostIDs: []int64{id("dfxk"), id("songlin")},
		Title: "党建联盟企业交流互访：互学互鉴促发展", Theme: "抓党建、促发展、强队伍、共提升",
		StartsAt: on(2021, time.July, 3, 9, 30), EndsAt: on(2021, time.July, 3, 11, 30), Place: "东风小康汽车有限公司",
		SpeakerName: "东风小康党委委员、党群工作部部长",
		Agenda:      "一、参观企业文化与党员风采展示\n二、介绍“五型”党建工作法、“三不”原则、“六个一”承诺\n三、交流非公企业党建经验"}, nil); err != nil {
		return err
	}

	// Seed 004: the winter training of the 2022–23 winter in Shengze.
	for _, w := range []struct {
		host, title, place string
		at                 time.Time
	}{
		{"shengze", "“学在绸都”党员冬训开班：云端微课堂", "盛泽镇党群服务中心", on(2022, time.December, 20, 9, 0)},
		{"hengli-yarn", "冬训“世界500强”车间课堂", "恒力化纤车间", on(2023, time.January, 5, 14, 0)},
		{"renfu", "冬训“围炉夜话”：有事好商量", "仁复村村民家中", on(2023, time.January, 10, 19, 0)},
		{"new-employment", "新时代文明实践站冬训专场：服务新业态新就业群体", "盛泽镇新时代文明实践站", on(2023, time.January, 12, 14, 0)},
	} {
		if _, err := a.held(ctx, activity.Input{Kind: activity.WinterTraining, HostIDs: []int64{id(w.host)}, Title: w.title,
			StartsAt: w.at, EndsAt: w.at.Add(2 * time.Hour), Place: w.place}, nil); err != nil {
			return err
		}
	}
	return nil
}

// regular records this year's meetings of the Shengze branches, up to last month, each
// branch missing its own set so that the compliance calendar shows the difference; two
// members of Renfu never come, for the six-months alert. Then the coming week's theme
// party day of Renfu, planned, which the demo member is invited to.
func (a *activityLoader) regular(ctx context.Context) error {
	now := time.Now().In(beijing)
	year := now.Year()
	// skip[branch] lists the months (1–12) in which a branch held no committee meeting
	// and no theme party day.
	branches := []struct {
		key  string
		skip []int
	}{
		{"renfu", nil}, {"shengze-organs", []int{4}}, {"huangjiaxi", []int{3, 7}}, {"longquanzui", []int{2, 5, 8, 9}},
		{"shenjia", []int{6}}, {"hengli-yarn", []int{1, 2, 10}}, {"new-employment", []int{3, 4, 5, 6, 7, 8}}, {"shengze-school", []int{7, 8}},
	}
	renfuAbsent := map[int64]bool{}
	if list := a.byOrg["renfu-2"]; len(list) >= 2 {
		renfuAbsent[list[len(list)-1].ID], renfuAbsent[list[len(list)-2].ID] = true, true
	}
	for _, b := range branches {
		host := a.orgIDs[b.key]
		absent := map[int64]bool{}
		if b.key == "renfu" {
			absent = renfuAbsent
		}
		skipped := func(m int) bool {
			for _, s := range b.skip {
				if s == m {
					return true
				}
			}
			return false
		}
		for m := 1; m < int(now.Month()); m++ {
			if skipped(m) {
				continue
			}
			month := time.Month(m)
			meetings := []activity.Input{
				{Kind: activity.CommitteeMeeting, Title: fmt.Sprintf("%d月支委会", m), StartsAt: on(year, month, 5, 19, 0), Place: "支部办公室",
					Agenda: "一、研究本月党建工作\n二、讨论党员发展与教育管理"},
				{Kind: activity.ThemeDay, Title: fmt.Sprintf("%d月主题党日", m), StartsAt: on(year, month, 15, 14, 0), Place: "党员活动室",
					Agenda: "一、重温入党誓词\n二、集中学习\n三、志愿服务"},
			}
			if m%3 == 0 && !(b.key == "new-employment" && m == 6) {
				meetings = append(meetings, activity.Input{Kind: activity.GeneralMeeting, Title: fmt.Sprintf("第%d季度支部党员大会", m/3),
					StartsAt: on(year, month, 25, 19, 0), Place: "党员活动室", Agenda: "一、通报季度工作\n二、审议有关事项"})
			}
			if m == 6 && b.key != "longquanzui" {
				// The secretary on record gives it, so that it counts for the rule; at
				// Shenjia a guest stood in, and the calendar shows the lecture still due.
				lecture := activity.Input{Kind: activity.PartyLecture, Title: "“七一”书记讲党课", SpeakerName: "支部书记",
					StartsAt: on(year, month, 28, 14, 0), Place: "党员活动室"}
				if b.key == "shenjia" {
					lecture.Title, lecture.SpeakerName = "“七一”专题党课", "镇党校讲师"
				} else {
					var err error
					if lecture.SpeakerID, err = a.secretary(ctx, host); err != nil {
						return err
					}
				}
				meetings = append(meetings, lecture)
			}
			for _, in := range meetings {
				in.HostIDs, in.EndsAt = []int64{host}, in.StartsAt.Add(90*time.Minute)
				if _, err := a.held(ctx, in, absent); err != nil {
					return err
				}
			}
		}
	}
	// The coming week: planned, so the secretary can show the code and the member sign in.
	a.at = time.Now()
	next := time.Date(now.Year(), now.Month(), now.Day()+3, 14, 0, 0, 0, beijing)
	_, err := a.svc.Create(ctx, a.sc, activity.Input{Kind: activity.ThemeDay, HostIDs: []int64{a.orgIDs["renfu"]},
		Title: "主题党日：学习贯彻党的二十届四中全会精神", StartsAt: next, EndsAt: next.Add(2 * time.Hour), Place: "仁复村党群服务中心",
		SpeakerName: "支部书记", IncludeDevelopment: true,
		Agenda: "一、重温入党誓词\n二、集中学习全会精神\n三、交流发言\n四、缴纳党费"})
	return err
}
