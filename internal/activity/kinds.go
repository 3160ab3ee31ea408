package activity

// Kind is a kind of activity. The kinds are data — a table with their catalog keys and
// whether they count as organizational life — not a switch spread through the code.
type Kind string

const (
	GeneralMeeting      Kind = "general_meeting"      // 支部党员大会
	CommitteeMeeting    Kind = "committee_meeting"    // 支部委员会会议
	GroupMeeting        Kind = "group_meeting"        // 党小组会
	PartyLecture        Kind = "party_lecture"        // 党课 / 微党课
	ThemeDay            Kind = "theme_day"            // 主题党日
	StudyMeeting        Kind = "study_meeting"        // 传达学习会议精神的专题学习会
	LifeMeeting         Kind = "life_meeting"         // 组织生活会
	DemocraticAppraisal Kind = "democratic_appraisal" // 民主评议党员
	HeartTalk           Kind = "heart_talk"           // 谈心谈话
	JointMeeting        Kind = "joint_meeting"        // 支部联席会议
	AllianceActivity    Kind = "alliance_activity"    // 党建联盟活动
	ExchangeVisit       Kind = "exchange_visit"       // 交流互访
	WinterTraining      Kind = "winter_training"      // 冬训
	VolunteerService    Kind = "volunteer_service"    // 志愿服务
	Deliberation        Kind = "deliberation"         // 议事协商会
	OtherKind           Kind = "other"                // 其他
)

// KindInfo describes a kind of activity.
type KindInfo struct {
	Kind Kind `json:"kind"`
	// OrgLife tells whether attending counts as taking part in the party's organizational
	// life (组织生活): the forms the branch work regulation (中国共产党支部工作条例（试行）,
	// ch. 6) names — 三会一课, theme party day, organizational life meeting, democratic
	// appraisal, heart-to-heart talks — and the branch's own study, joint meetings and
	// winter training, which are organized for members as members. Alliance activities,
	// visits, volunteering and deliberation are open to everyone and do not count: a
	// member who only did those has still missed organizational life.
	OrgLife bool `json:"org_life"`
}

// kinds is the table, in the order a form offers them.
var kinds = [...]KindInfo{
	{GeneralMeeting, true},
	{CommitteeMeeting, true},
	{GroupMeeting, true},
	{PartyLecture, true},
	{ThemeDay, true},
	{StudyMeeting, true},
	{LifeMeeting, true},
	{DemocraticAppraisal, true},
	{HeartTalk, true},
	{JointMeeting, true},
	{AllianceActivity, false},
	{ExchangeVisit, false},
	{WinterTraining, true},
	{VolunteerService, false},
	{Deliberation, false},
	{OtherKind, false},
}

// Kinds lists every kind of activity, in the order a form offers them.
func Kinds() []KindInfo { return kinds[:] }

func (k Kind) info() (KindInfo, bool) {
	for _, i := range kinds {
		if i.Kind == k {
			return i, true
		}
	}
	return KindInfo{}, false
}

// Valid tells whether k is a known kind.
func (k Kind) Valid() bool { _, ok := k.info(); return ok }

// OrgLife tells whether attending an activity of this kind is organizational life.
func (k Kind) OrgLife() bool { i, _ := k.info(); return i.OrgLife }

// Key is the catalog key of the kind's name.
func (k Kind) Key() string { return "activity.kind." + string(k) }

// orgLifeKinds lists the kinds that count as organizational life, for SQL. They come from
// the table above, never from input.
func orgLifeKinds() []string {
	var list []string
	for _, i := range kinds {
		if i.OrgLife {
			list = append(list, string(i.Kind))
		}
	}
	return list
}

// Status is where an activity stands.
type Status string

const (
	Planned   Status = "planned"
	Held      Status = "held"
	Cancelled Status = "cancelled"
)

// Key is the catalog key of the status's name.
func (s Status) Key() string { return "activity.status." + string(s) }

// transitions is the table of allowed moves: an activity is planned, then held or
// cancelled, and both are final. move is the one place that enforces it.
var transitions = map[Status][]Status{
	Planned: {Held, Cancelled},
}

// CanMove tells whether an activity may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Presence is a person's attendance at an activity.
type Presence string

const (
	Invited Presence = "invited" // in the audience, not signed in (yet)
	Present Presence = "present"
	Late    Presence = "late"
	OnLeave Presence = "leave" // leave approved, or marked so at the roll call
	Absent  Presence = "absent"
)

// Presences lists the attendance statuses.
func Presences() []Presence { return []Presence{Invited, Present, Late, OnLeave, Absent} }

// Valid tells whether p is a known status.
func (p Presence) Valid() bool {
	for _, v := range Presences() {
		if p == v {
			return true
		}
	}
	return false
}

// Attended tells whether the person was there.
func (p Presence) Attended() bool { return p == Present || p == Late }

// Key is the catalog key of the status's name.
func (p Presence) Key() string { return "activity.presence." + string(p) }

// Leave request states.
const (
	LeaveRequested = "requested"
	LeaveApproved  = "approved"
	LeaveDeclined  = "declined"
)

// Sign-in methods, as recorded on an attendance row.
const (
	MethodQR       = "qr"        // the member scanned the host's code
	MethodRollCall = "roll_call" // a manager marked them
	MethodLeave    = "leave"     // a manager approved their leave
	MethodHeld     = "held"      // marked absent when the activity was marked held
)
