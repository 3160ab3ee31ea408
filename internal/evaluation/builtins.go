package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// The built-in checklists, after the sheets the seeds describe. An administrator's edit
// for a subtree, or of a built-in, is a later version of the same key. When a checklist
// here changes (the six competitions' learning item now reads the points ledger), the
// next start saves it as a new version, unless an administrator's edit of the built-in
// came first: theirs stands. Rounds keep the version they were made with.

func standardLevels() []Band {
	return []Band{{90, "excellent"}, {80, "good"}, {60, "qualified"}, {0, "unqualified"}}
}

func item(section, sectionEn, title, titleEn string, m Method, max, per float64, src Source, guidance, evidence string) Item {
	return Item{Section: section, SectionEn: sectionEn, Title: title, TitleEn: titleEn, Method: m, Max: max,
		PerOccurrence: per, Source: src, Guidance: guidance, Evidence: evidence}
}

// Builtins lists the built-in templates (without ids).
func Builtins() []Template {
	return []Template{
		{Key: "standardization", Subject: SubjectOrg, Name: "党支部标准化规范化建设考评", NameEn: "Branch standardization",
			Bands: standardLevels(), Items: []Item{
				item("好班子", "A good committee", "支委会按期换届，分工明确", "Committee elected on time, duties assigned", Points, 10, 0, "", "按期换届得满分，逾期不得分", "换届选举材料"),
				item("好班子", "A good committee", "支委会每月召开", "Committee meets monthly", Points, 10, 0, FromMeetings, "按应开未开的月份比例扣分", "会议记录"),
				item("好队伍", "A good team of members", "党员参加组织生活", "Members take part in organizational life", Points, 15, 0, FromAttendance, "按出勤率计分", "签到记录"),
				item("好队伍", "A good team of members", "发展党员程序规范", "Development follows the regulation", YesNo, 10, 0, "", "程序不全不得分", "发展档案"),
				item("好机制", "A good work mechanism", "“三会一课”落实", "Three meetings and one lesson held", Points, 15, 0, FromMeetings, "按应开已开的比例计分", "会议记录"),
				item("好机制", "A good work mechanism", "会议决议任务办结", "Tasks from resolutions closed", Points, 10, 0, FromTasks, "按到期任务办结比例计分", "任务台账"),
				item("好台账", "Good records", "台账资料齐全", "Records complete", Deduction, 15, 3, "", "每缺一项扣3分", "台账"),
				item("好成效", "Good results", "服务群众、发挥作用", "Serving the people, playing a role", Graded, 15, 0, "", "A/B/C/D 四档", "工作成效材料"),
				item("好成效", "Good results", "获得上级表彰", "Commended by a higher committee", Bonus, 5, 0, "", "每项加分，最多5分", "表彰文件"),
			}},
		{Key: "political_exam_branch", Subject: SubjectOrg, Name: "党支部政治体检", NameEn: "Political physical examination of a branch",
			Bands: standardLevels(), Items: []Item{
				item("政治体检", "Political examination", "政治忠诚", "Political loyalty", Graded, 25, 0, "", "自查、互查、审查", "自查报告"),
				item("政治体检", "Political examination", "政治坚定", "Political steadfastness", Graded, 25, 0, "", "自查、互查、审查", "学习记录"),
				item("政治体检", "Political examination", "政治担当", "Political responsibility", Graded, 25, 0, FromTasks, "任务办结情况", "任务台账"),
				item("政治体检", "Political examination", "政治能力", "Political ability", Graded, 25, 0, FromMeetings, "组织生活落实情况", "会议记录"),
			}},
		{Key: "political_exam_member", Subject: SubjectPerson, Name: "党员政治体检", NameEn: "Political physical examination of a member",
			Bands: standardLevels(), Items: []Item{
				item("政治体检", "Political examination", "政治忠诚", "Political loyalty", Graded, 25, 0, "", "自查、互查、审查", "自查报告"),
				item("政治体检", "Political examination", "政治坚定", "Political steadfastness", Graded, 25, 0, "", "自查、互查、审查", ""),
				item("政治体检", "Political examination", "政治担当", "Political responsibility", Graded, 25, 0, FromTasks, "承担任务办结情况", "任务台账"),
				item("政治体检", "Political examination", "政治能力", "Political ability", Points, 25, 0, FromAttendance, "参加组织生活情况", "签到记录"),
			}},
		{Key: "six_competitions", Subject: SubjectOrg, Name: "“六比六赛”", NameEn: "The six competitions",
			Bands: standardLevels(), Items: []Item{
				item("六比六赛", "Six competitions", "比学习", "Learning", Points, 20, 0, FromPoints, "按年度积分达到一星标准的党员比例计分", "积分台账"),
				item("六比六赛", "Six competitions", "比调研", "Research", Points, 15, 0, "", "", "调研报告"),
				item("六比六赛", "Six competitions", "比创新", "Innovation", Points, 15, 0, "", "", "创新成果"),
				item("六比六赛", "Six competitions", "比实干", "Practicality", Points, 20, 0, FromTasks, "", "任务台账"),
				item("六比六赛", "Six competitions", "比争先", "Excellence", Points, 15, 0, "", "", "获奖材料"),
				item("六比六赛", "Six competitions", "比廉洁", "Integrity", YesNo, 15, 0, "", "有违纪不得分", ""),
			}},
		{Key: "star_branch", Subject: SubjectOrg, Name: "星级党支部评定", NameEn: "Star-rated branch",
			Bands: []Band{{110, "star5"}, {100, "star4"}, {90, "star3"}, {75, "star2"}, {0, "star1"}}, Items: []Item{
				item("基础分", "Base", "组织生活", "Organizational life", Deduction, 40, 5, FromMeetings, "基础40分，每缺一次扣5分", "会议记录"),
				item("基础分", "Base", "党员管理", "Member management", Deduction, 30, 5, "", "基础30分，每发现一个问题扣5分", "党员名册"),
				item("基础分", "Base", "作用发挥", "Playing a role", Deduction, 30, 5, FromTasks, "基础30分，每项未办结扣5分", "任务台账"),
				item("加分", "Additions", "创新项目", "Innovation project", Bonus, 10, 0, "", "", "项目材料"),
				item("加分", "Additions", "上级表彰", "Commendations", Bonus, 10, 0, "", "", "表彰文件"),
			}},
	}
}

// InstallBuiltins saves each built-in template that is not there yet, or that changed
// here since the version the system saved last. It is safe to run on every start and on
// several nodes at once: a node that loses the race for a key finds the winner's version
// and leaves it.
func (s *Service) InstallBuiltins(ctx context.Context) error {
	for _, t := range Builtins() {
		if err := t.validate(); err != nil {
			return fmt.Errorf("evaluation: built-in %s: %w", t.Key, err)
		}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			current, err := s.builtinCurrent(ctx, tx, t)
			if err != nil || current {
				return err
			}
			_, err = s.insertTemplate(ctx, tx, t, 0)
			return err
		})
		var ie *i18n.Error
		if errors.As(err, &ie) && ie.Key == "evaluation.error.version_race" {
			continue
		}
		if err != nil {
			return fmt.Errorf("evaluation: install %s: %w", t.Key, err)
		}
	}
	return nil
}

// builtinCurrent tells whether the latest built-in version of t's key needs no new one:
// it says what t says, or an administrator made it (created_by is set) and their edit wins.
func (s *Service) builtinCurrent(ctx context.Context, tx *store.Tx, t Template) (bool, error) {
	var id int64
	var by sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, created_by FROM eval_templates WHERE key = $1 AND org_id IS NULL
		ORDER BY version DESC LIMIT 1`, t.Key).Scan(&id, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("evaluation: latest built-in %s: %w", t.Key, err)
	}
	if by.Valid {
		return true, nil
	}
	saved, err := s.template(ctx, tx, id)
	if err != nil {
		return false, err
	}
	return sameChecklist(saved, t), nil
}

// sameChecklist compares what two versions of a checklist say, ids and versions aside.
func sameChecklist(a, b Template) bool {
	if a.Subject != b.Subject || a.Name != b.Name || a.NameEn != b.NameEn ||
		!slices.Equal(a.Bands, b.Bands) || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		x, y := a.Items[i], b.Items[i]
		x.ID, y.ID = 0, 0
		if x != y {
			return false
		}
	}
	return true
}

// BuiltinID finds the id of the built-in template of a key.
func (s *Service) BuiltinID(ctx context.Context, key string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM eval_templates WHERE key = $1 AND org_id IS NULL ORDER BY version DESC LIMIT 1`, key).Scan(&id)
	if err != nil {
		return 0, store.ErrNotFound
	}
	return id, nil
}
