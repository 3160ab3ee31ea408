package demo

// Deliberation and ideas: the Renfu fireside talk on "wired housekeeping" (有线管家) of
// seed 004, recorded through the deliberation service as it would have been held — put
// to the village, opinions and votes over two weeks, a decision bound to voluntariness,
// follow-up until done — beside an open topic a newcomer can join; and the Golden Idea
// board (金点子) of the Minglong group of seed 000 with ideas in every status.
//
// The opinions the report quotes are given by the demo's generated people in the roles
// the report names (a villager representative, a veteran party member, the branch
// secretary), in words after the report; the real people get no invented data. The demo
// accounts member and resident take part in nothing, so that they find the topics as a
// new user would.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/consult"
	"vanguard/internal/idea"
	"vanguard/internal/member"
	"vanguard/internal/notify"
	"vanguard/internal/org"
)

// deliberation loads the Renfu topics and the Minglong ideas.
func (l *loader) deliberation(ctx context.Context) error {
	notices := notify.New(l.db)
	d := &deliberationLoader{loader: l, rnd: rand.New(rand.NewPCG(2026, 4004)), now: time.Now(),
		topics: consult.New(l.db, l.orgs, l.people, notices), ideas: idea.New(l.db, l.orgs, l.people, notices)}
	if err := d.renfu(ctx); err != nil {
		return fmt.Errorf("deliberation in Renfu: %w", err)
	}
	if err := d.minglong(ctx); err != nil {
		return fmt.Errorf("golden ideas of Minglong: %w", err)
	}
	return nil
}

type deliberationLoader struct {
	*loader
	rnd    *rand.Rand // of its own, so the steps before keep their draws
	now    time.Time
	at     time.Time // the clock the services read while a past event is recorded
	topics *consult.Service
	ideas  *idea.Service
}

// clock is what the services read: the moment being recorded.
func (d *deliberationLoader) clock() time.Time { return d.at }

func (d *deliberationLoader) daysAgo(days float64) time.Time {
	return d.now.Add(-time.Duration(days * 24 * float64(time.Hour)))
}

// people lists the people of an organization's subtree who have no login (the demo
// accounts are left to the newcomer), members first if members is set, else residents.
func (d *deliberationLoader) peopleOf(ctx context.Context, orgKey string, members bool) ([]member.Person, error) {
	stages := `('resident')`
	if members {
		stages = `('probationary', 'full')`
	}
	rows, err := d.db.QueryContext(ctx, `SELECT p.id FROM people p
		WHERE p.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1)
		  AND p.account_id IS NULL AND p.stage IN `+stages+` ORDER BY p.joined_at, p.id`, d.orgIDs[orgKey])
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	list := make([]member.Person, 0, len(ids))
	for _, id := range ids {
		p, err := d.people.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		list = append(list, p)
	}
	return list, nil
}

// holder is the person holding a post of an organization today.
func (d *deliberationLoader) holder(ctx context.Context, orgKey string, kind org.PostKind) (member.Person, error) {
	posts, err := d.orgs.PostsOn(ctx, d.orgIDs[orgKey], d.today)
	if err != nil {
		return member.Person{}, err
	}
	for _, p := range posts {
		if p.Kind == kind {
			return d.people.Get(ctx, p.PersonID)
		}
	}
	return member.Person{}, fmt.Errorf("no %s of %s", kind, orgKey)
}

func caller(p member.Person) consult.Caller { return consult.Caller{Person: &p} }

// generatedOpinions are what villagers said online besides the fireside talk.
var generatedOpinions = []struct{ stance, body string }{
	{consult.StanceFor, "家里老人白天一个人在家，装了监控，子女在外面上班也放心。"},
	{consult.StanceFor, "村口那段路晚上经常有外来车辆乱停，装上以后好管理。"},
	{consult.StanceNeutral, "支持安装，但监控画面谁能看、保存多久，要提前说清楚，保护好大家的隐私。"},
	{consult.StanceAgainst, "我家院子小，摄像头难免对着邻居家门口，不太合适，希望不要强制安装。"},
	{consult.StanceNeutral, "费用是多少？村里补贴多少、自己出多少，要公开透明。"},
	{consult.StanceFor, "作为党员，我愿意第一批报名安装，带个头。"},
	{consult.StanceFor, "去年隔壁村电动车被偷，就是靠监控找回来的。"},
	{consult.StanceAgainst, "年纪大了不会用手机看监控，装了也用不上。"},
}

// renfu records the "wired housekeeping" deliberation and opens the square's.
func (d *deliberationLoader) renfu(ctx context.Context) error {
	branch, err := d.accounts.AccountByUsername(ctx, "branch")
	if err != nil {
		return err
	}
	// The organizer is the branch secretary's account: the topics are hers to run.
	ctx = audit.WithActor(ctx, audit.Actor{AccountID: branch.ID, Name: branch.Username})
	secretary, err := d.holder(ctx, "renfu", org.Secretary)
	if err != nil {
		return err
	}
	members, err := d.peopleOf(ctx, "renfu", true)
	if err != nil {
		return err
	}
	residents, err := d.peopleOf(ctx, "renfu", false)
	if err != nil {
		return err
	}
	var veteran member.Person // the member of longest standing
	var others []member.Person
	for _, p := range members {
		if p.ID == secretary.ID {
			continue
		}
		if veteran.ID == 0 && p.Stage == member.StageFull {
			veteran = p
			continue
		}
		others = append(others, p)
	}
	if veteran.ID == 0 || len(residents) < 10 {
		return fmt.Errorf("Renfu has %d members and %d residents to speak", len(members), len(residents))
	}
	representative := residents[0] // a villager representative (村民代表)
	villagers := append(append([]member.Person{}, residents[1:]...), others...)
	d.rnd.Shuffle(len(villagers), func(i, j int) { villagers[i], villagers[j] = villagers[j], villagers[i] })

	svc := d.topics.WithClock(d.clock)
	d.at = d.daysAgo(41)
	opens := d.daysAgo(40)
	t, err := svc.Create(ctx, consult.NewTopic{OrgID: d.orgIDs["renfu"], Title: "是否建设数字乡村5G监控入户项目——“有线管家”",
		Background: "为提升村庄治安防范和基层治理数字化水平，村两委提出在仁复新村建设数字乡村5G监控入户项目“有线管家”，" +
			"实现监控覆盖到户。项目涉及每家每户，费用、隐私和自愿等问题需要充分听取大家的意见。\n\n" +
			"本议题先在村民家中以“围炉煮茶·有事好商量”的形式当面讨论，再在线上征求意见并表决。表决为无记名投票，截止后公布结果。",
		VoteKind: "proposal", Eligibility: consult.MembersAndResidents, Secret: true, Results: consult.ResultsAfterClose,
		OpensAt: opens, ClosesAt: d.daysAgo(26)})
	if err != nil {
		return err
	}
	d.at = d.daysAgo(38)
	if err := svc.AddMeeting(ctx, t.ID, consult.NewMeeting{Title: "仁复村“围炉煮茶·有事好商量”议事会", HeldOn: civil(d.daysAgo(38)),
		Minutes: "地点：村民家中小院，围炉煮茶。\n参加人员：区政协委员、新老党员、辖区民警、村民代表和村民。\n" +
			"议题：仁复新村是否建设数字乡村5G监控入户项目——“有线管家”。\n" +
			"发言摘要：村民代表认为监控全覆盖后，偷盗、乱停车等问题能第一时间追溯追责，村民住着更安心；" +
			"老党员认为项目能消除安全隐患、提升治理的数字化智能化水平，建议村里拿出部分资金补贴；" +
			"村党支部书记指出，“有线管家”是建设智慧数字乡村的关键一步，安装必须坚持村民自愿原则，请党员带头宣传、充分解释引导。\n" +
			"会议意见：多数与会者赞成建设，议题转入线上征求意见和表决。"}); err != nil {
		return err
	}
	agree, disagree, abstain := t.Options[0].ID, t.Options[1].ID, t.Options[2].ID
	// The three voices of the report, the day after the talk.
	quoted := []struct {
		who  member.Person
		body string
	}{
		{representative, "如果家家户户都装上监控，一旦发生偷盗、乱停车等情况，就能第一时间追溯、追责，村里的“小偷小摸”会大大减少，村民住着也更安心。"},
		{veteran, "家家户户实现监控，不仅能消除各类安全隐患，还能提升基层治理的数字化、智能化水平，更符合现代人的生活理念。我建议村里拿出一部分资金给予补贴。"},
		{secretary, "“有线管家”是我们村建设智慧数字乡村的关键一步，也是深入学习贯彻党的二十大精神、激发“敢为、敢闯、敢干、敢首创”精神的具体举措。" +
			"安装“有线管家”必须坚持村民自愿原则，希望党员们带头宣传，向大家做好充分的解释和引导。"},
	}
	for i, q := range quoted {
		d.at = d.daysAgo(37 - float64(i)*0.1)
		if _, err := svc.Give(ctx, caller(q.who), t.ID, consult.NewOpinion{Stance: consult.StanceFor, Body: q.body}); err != nil {
			return err
		}
	}
	var given []consult.Opinion
	for i, g := range generatedOpinions {
		d.at = d.daysAgo(36 - float64(i))
		o, err := svc.Give(ctx, caller(villagers[i]), t.ID, consult.NewOpinion{Stance: g.stance, Body: g.body})
		if err != nil {
			return err
		}
		given = append(given, o)
	}
	replies := []struct {
		who    member.Person
		to     consult.Opinion
		body   string
		dayAgo float64
	}{
		{secretary, given[2], "画面只接入村级平台，用于治安防范；调看需要登记，保存期限按规定执行。这些都会写进实施方案，向全村公开。", 33},
		{veteran, given[7], "不会用手机不要紧，网格员可以上门帮忙设置，有事直接打电话给村里。", 28.5},
		{representative, given[4], "听说村里会补贴一部分，具体标准等村两委商量后公布。", 31},
	}
	for _, r := range replies {
		d.at = d.daysAgo(r.dayAgo)
		if _, err := svc.Give(ctx, caller(r.who), t.ID, consult.NewOpinion{Body: r.body, ReplyTo: r.to.ID}); err != nil {
			return err
		}
	}
	// The vote: four in five of the village take part, most of them for.
	voters := append([]member.Person{representative, veteran, secretary}, villagers[:len(villagers)*4/5]...)
	spacing := (t.ClosesAt.Sub(opens) - time.Hour) / time.Duration(len(voters)+1)
	for i, p := range voters {
		d.at = opens.Add(time.Duration(i+1) * spacing)
		choice := agree
		switch n := d.rnd.IntN(20); {
		case i < 3:
		case n < 2:
			choice = disagree
		case n < 5:
			choice = abstain
		}
		if _, err := svc.Cast(ctx, caller(p), t.ID, choice); err != nil {
			return fmt.Errorf("vote of %s: %w", p.Name, err)
		}
	}
	d.at = d.daysAgo(25)
	if _, err := svc.Decide(ctx, t.ID, consult.NewDecision{
		Text:    "建设数字乡村5G监控入户项目“有线管家”，按户自愿报名、分批安装，村集体对安装费用给予部分补贴。",
		Reasons: "围炉议事和线上征求意见中，多数村民和党员赞成建设；项目有助于防范偷盗、规范停车，提升基层治理数字化水平。村民关心的隐私和费用问题，在实施方案中逐项明确。",
		Conditions: []string{"坚持村民自愿原则，不强制任何一户安装", "党员干部带头宣传，向村民充分解释和引导",
			"监控画面仅用于治安防范，严格保护村民隐私", "补贴标准和费用分担向全村公开"},
		OptionID: agree}); err != nil {
		return err
	}
	for _, u := range []struct {
		body string
		ago  float64
		done bool
	}{
		{"村两委公布实施方案：补贴标准、报名方式和隐私保护措施已在村务公开栏和微信群公示。", 20, false},
		{"首批63户村民自愿报名，已完成入户安装并接入村级平台。", 12, false},
		{"第二批报名户安装完毕，累计118户；未报名的农户不受影响，今后仍可随时报名。本事项办结。", 4, true},
	} {
		d.at = d.daysAgo(u.ago)
		if err := svc.AddUpdate(ctx, t.ID, u.body, u.done); err != nil {
			return err
		}
	}
	return d.square(ctx, svc, villagers)
}

// square opens a topic a newcomer can join today: where to build the village's fitness
// square, a choice between three plots.
func (d *deliberationLoader) square(ctx context.Context, svc *consult.Service, villagers []member.Person) error {
	d.at = d.daysAgo(2)
	t, err := svc.Create(ctx, consult.NewTopic{OrgID: d.orgIDs["renfu"], Title: "村民健身广场选址",
		Background: "村里计划利用美丽乡村建设补助资金新建一处村民健身广场，配置健身器材和夜间照明。现有三处备选地块，请大家发表意见并投票，结果实时公开。",
		VoteKind:   "choice", Options: []string{"村东晒谷场：面积大，离集中居住区稍远", "村委会旁空地：交通方便，面积较小", "河滨绿地：环境好，需要加装护栏"},
		Eligibility: consult.MembersAndResidents, Results: consult.ResultsLive, OpensAt: d.daysAgo(2), ClosesAt: d.now.Add(12 * 24 * time.Hour)})
	if err != nil {
		return err
	}
	talk := []struct {
		option int
		body   string
	}{
		{1, "晒谷场平时空着，地方大，还能兼顾秋收晾晒，放在那里最合适。"},
		{2, "村委会旁边老人小孩走过去方便，晚上也有人看着，安全。"},
		{3, "河边环境好，早上散步的人多，护栏装好就没问题。"},
		{2, "支持村委会旁边，离卫生室近，老人锻炼万一不舒服能及时处理。"},
	}
	for i, s := range talk {
		d.at = d.daysAgo(1.8 - float64(i)*0.3)
		if _, err := svc.Give(ctx, caller(villagers[i]), t.ID, consult.NewOpinion{Stance: consult.StanceOption,
			OptionID: t.Options[s.option-1].ID, Body: s.body}); err != nil {
			return err
		}
	}
	for i, p := range villagers[:len(villagers)/3] {
		d.at = d.daysAgo(1.9 - float64(i)*0.05)
		choice := t.Options[[]int{0, 1, 1, 2, 1, 0}[d.rnd.IntN(6)]].ID
		if _, err := svc.Cast(ctx, caller(p), t.ID, choice); err != nil {
			return err
		}
	}
	return nil
}

// civil is the date of a moment in China, as a date field holds it.
func civil(t time.Time) time.Time {
	c := t.In(time.FixedZone("CST", 8*3600))
	return time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, time.UTC)
}

// goldenIdeas are the Minglong group's ideas, after the "Four Dares" micro party class of
// seed 000: fine management, 6S, the Minglong Service Day, differentiation, cutting costs.
var goldenIdeas = []struct {
	title, problem, proposal, benefit, category string
	status                                      idea.Status
	monthsAgo                                   float64
	reason                                      string
}{
	{"推行车间6S目视化管理看板", "车间物料、工具摆放随意，找料耽误时间。", "各车间按6S标准划定区域，设置目视化看板，每周评比。", "减少找料时间，提升现场管理水平。", "production", idea.Implemented, 19, ""},
	{"建立“明龙服务日”客户回访机制", "外贸客户反馈分散在业务员手里，问题处理不及时。", "每月固定一天为“明龙服务日”，各业务团队集中回访重点客户，问题登记闭环。", "提高客户满意度，稳住外贸订单。", "service", idea.Implemented, 17, ""},
	{"车间照明改LED并分区控制", "老式灯管耗电高，无人区域也常亮。", "分批更换LED灯具，按工位分区安装开关和感应控制。", "预计照明用电下降四成。", "cost", idea.Implemented, 15, ""},
	{"叉车通道地面划线和转角镜", "叉车与行人混行，转角视线差。", "主通道划分叉车道和人行道，转角处加装凸面镜。", "消除车间内交通安全隐患。", "safety", idea.Implemented, 13, ""},
	{"员工食堂错峰就餐", "中午集中下班，食堂排队时间长。", "各车间分三个时段错峰就餐。", "缩短排队时间。", "service", idea.Declined, 12, "食堂改造工程已列入年度计划，改造完成后将统一调整就餐安排，暂不单独实施。"},
	{"外贸订单交期预警表", "订单交期靠人工记，临近交期才发现排产冲突。", "在现有表格中增加交期倒排和红黄绿预警，每周例会通报。", "减少延期交货和空运补货费用。", "management", idea.Adopted, 10, ""},
	{"定型机余热回收用于预热", "定型机排出的热风直接排放，能源浪费。", "加装余热回收装置，预热进风和生活热水。", "降低天然气消耗，减少排放。", "cost", idea.Adopted, 8, ""},
	{"废纱回收再利用", "生产中产生的废纱直接当废品卖掉。", "分拣后回用于低档产品。", "节约原料成本。", "cost", idea.Declined, 7, "经工艺部门测算，回收纱线的强度和色差达不到再利用标准，暂不采纳；欢迎继续提出改进建议。"},
	{"原料仓库增设温湿度监测", "梅雨季节原料受潮，影响染色质量。", "仓库加装温湿度传感器，超限自动报警。", "减少因原料受潮造成的质量问题。", "quality", idea.Adopted, 5, ""},
	{"组建差异化新品开发小组", "产品同质化，在“红海”中拼价格。", "从研发、营销、生产抽调骨干组成跨部门小组，每季度推出差异化新品。", "走差异化路线，提高产品附加值。", "management", idea.UnderReview, 3, ""},
	{"质检抽样记录电子化", "纸质抽样记录查找难，质量追溯慢。", "用平板录入抽样数据，自动生成质量报表。", "质量问题可追溯到批次和班组。", "quality", idea.UnderReview, 2, ""},
	{"班组绩效考核结果每月公示", "员工不清楚考核结果和改进方向。", "每月在班组园地公示绩效考核结果和加减分理由。", "考核更透明，激发干劲。", "management", idea.UnderReview, 1.5, ""},
	{"新员工师带徒结对", "新员工上手慢，流失率高。", "每名新员工配一名老师傅，签订结对协议，三个月考核。", "缩短新员工适应期，降低流失率。", "management", idea.Submitted, 0.5, ""},
	{"开设“金点子”扫码提交入口", "一线员工不方便到办公室交建议。", "在车间张贴二维码，手机扫码即可提交金点子。", "让更多一线员工参与。", "other", idea.Submitted, 0.3, ""},
	{"开展“四敢”主题劳动竞赛", "部分班组干劲不足。", "围绕“敢为、敢闯、敢干、敢首创”开展季度劳动竞赛，评选先进班组。", "营造比学赶超的氛围。", "other", idea.Submitted, 0.1, ""},
}

// minglong fills the group's Golden Idea board.
func (d *deliberationLoader) minglong(ctx context.Context) error {
	secretary, err := d.holder(ctx, "minglong", org.Secretary)
	if err != nil {
		return err
	}
	employees, err := d.peopleOf(ctx, "minglong", false)
	if err != nil {
		return err
	}
	members, err := d.peopleOf(ctx, "minglong", true)
	if err != nil {
		return err
	}
	if len(employees) < 5 || len(members) < 10 {
		return fmt.Errorf("Minglong has %d employees and %d members", len(employees), len(members))
	}
	svc := d.ideas.WithClock(d.clock)
	everyone := append(append([]member.Person{}, employees...), members...)
	for k, g := range goldenIdeas {
		// Two in three ideas come from employees on the line, the rest from members.
		author := employees[k%len(employees)]
		if k%3 == 2 {
			author = members[k%len(members)]
		}
		submitted := d.daysAgo(g.monthsAgo * 30)
		d.at = submitted
		i, err := svc.Submit(ctx, idea.Caller{Person: &author}, idea.NewIdea{OrgID: d.orgIDs["minglong"], Title: g.title,
			Problem: g.problem, Proposal: g.proposal, Benefit: g.benefit, Category: g.category})
		if err != nil {
			return fmt.Errorf("idea %s: %w", g.title, err)
		}
		var path []idea.Status
		switch g.status {
		case idea.UnderReview:
			path = []idea.Status{idea.UnderReview}
		case idea.Adopted, idea.Declined:
			path = []idea.Status{idea.UnderReview, g.status}
		case idea.Implemented:
			path = []idea.Status{idea.UnderReview, idea.Adopted, idea.Implemented}
		}
		step := time.Duration(min(g.monthsAgo*30/4, 20) * 24 * float64(time.Hour))
		for n, to := range path {
			d.at = submitted.Add(time.Duration(n+1) * step)
			note := ""
			switch to {
			case idea.Declined:
				note = g.reason
			case idea.Adopted:
				note = "经集团党委和经营层研究，予以采纳，由相关部门牵头实施。"
			case idea.Implemented:
				note = "已在全集团推广。"
			}
			if _, err := svc.ReviewBy(ctx, i.ID, to, note, secretary.Name); err != nil {
				return fmt.Errorf("review of %s: %w", g.title, err)
			}
		}
		if g.status == idea.Submitted || g.status == idea.Declined {
			continue // colleagues see an idea once it is taken up, and not once declined
		}
		supporters := 3 + d.rnd.IntN(10)
		for n, at := range d.rnd.Perm(len(everyone))[:supporters] {
			p := everyone[at]
			if p.ID == author.ID {
				continue
			}
			d.at = submitted.Add(step + time.Duration(n+1)*time.Hour)
			if err := svc.Support(ctx, idea.Caller{Person: &p}, i.ID); err != nil {
				return fmt.Errorf("support of %s: %w", g.title, err)
			}
		}
	}
	return nil
}
