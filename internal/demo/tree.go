package demo

// The organizations of the five seed reports, as plain data: host units, the trees of
// party organizations, their posts and the alliances between them. The loader in
// demo.go turns these values into rows; nothing here touches a database.
//
// Every person the loader creates is generated (see names.go). The real persons named
// in the reports (the Minglong chairman and executive president, the Jiaxing editorial
// office director, the Xinruifeng chairman, the Dongfeng Xiaokang minister, the Renfu
// branch secretary, the villagers of the fireside talk) get no invented data: their
// posts are described in PostSpec.Role and given to generated people.

// UnitSpec is a host unit: the enterprise, village, office or school an organization
// is set up in.
type UnitSpec struct {
	Key    string // stable key used by OrgSpec.Unit
	Name   string // Chinese name
	NameEn string // English name
	Kind   string // enterprise, village, community, government, school, other
}

// OrgSpec is a party organization and its sub-organizations.
//
// People counts are for people whose own organization is this one: a committee or
// general branch holds no people of its own (every member belongs to a branch), and a
// branch with party groups keeps its committee members itself and the other members
// in its groups.
type OrgSpec struct {
	Key        string // stable key used by other demo data, e.g. "renfu"
	Kind       string // committee, general_branch, branch, group
	Name       string // Chinese official-style name
	NameEn     string // English name
	Code       string // roster code, unique, ASCII, e.g. "SZ-RF"
	Unit       string // UnitSpec key
	Region     string // region of the generated people (Generator.Person); set on roots, inherited when empty
	Members    int    // generated full and probationary members
	Activists  int    // generated activists (入党积极分子)
	Applicants int    // generated applicants (入党申请人)
	Residents  int    // generated non-members attached to the org (群众: villagers, employees)
	Children   []OrgSpec
}

// People is the number of generated people of the organization itself, without its
// children.
func (o OrgSpec) People() int { return o.Members + o.Activists + o.Applicants + o.Residents }

// PostSpec is a post in an organization. The loader gives each post to a generated
// person: a person of the organization From (Org when From is empty) — always an
// organization with generated members of its own. Posts sharing a non-empty Holder go
// to one and the same person, and then share From as well.
type PostSpec struct {
	Org    string // OrgSpec key
	Kind   string // secretary, deputy_secretary, organization_member, propaganda_member, discipline_member, committee_member, group_leader, contact_point
	Role   string // who holds it in the reports, in English
	From   string // OrgSpec key of the organization the holder is a member of; "" for Org
	Holder string // posts with the same non-empty Holder go to one person
}

// AllianceSpec is a party-building alliance (党建联盟) between organizations of
// different host units.
type AllianceSpec struct {
	Key       string
	Name      string
	NameEn    string
	Agreement string   // the joint-building agreement, in Chinese
	Founded   string   // YYYY-MM-DD
	Members   []string // OrgSpec keys
	Resources []ResourceSpec
	Pairs     [][2]string // paired assistance: strong, weak OrgSpec keys (both members)
}

// ResourceSpec is a venue, lecturer or course one member of an alliance offers the
// others.
type ResourceSpec struct {
	Org    string // OrgSpec key, a member of the alliance
	Kind   string // venue, lecturer, course
	Name   string
	Detail string
}

// Regions of the generated people, one per tree.
const (
	RegionJiaxing    = "jiaxing"    // Jiaxing, Zhejiang (seeds 000, 001)
	RegionWujiang    = "wujiang"    // Wujiang district of Suzhou, Jiangsu (seed 004)
	RegionXinruifeng = "xinruifeng" // Jiangxi (seed 002)
	RegionHubei      = "hubei"      // Shiyan, Hubei (seed 003)
)

// Units lists the host units.
func Units() []UnitSpec {
	return []UnitSpec{
		// Jiaxing (seeds 000, 001).
		{Key: "jx-organs", Name: "嘉兴市级机关", NameEn: "Jiaxing Municipal Organs", Kind: "government"},
		{Key: "jx-bianban", Name: "中共嘉兴市委机构编制委员会办公室", NameEn: "Editorial Office of the CPC Jiaxing Municipal Committee", Kind: "government"},
		{Key: "minglong", Name: "明龙集团", NameEn: "Minglong Group", Kind: "enterprise"},
		// Shengze, Wujiang (seed 004).
		{Key: "shengze", Name: "苏州市吴江区盛泽镇人民政府", NameEn: "Shengze Town Government, Wujiang District, Suzhou", Kind: "government"},
		{Key: "renfu", Name: "盛泽镇仁复村", NameEn: "Renfu Village, Shengze", Kind: "village"},
		{Key: "huangjiaxi", Name: "盛泽镇黄家溪村", NameEn: "Huangjiaxi Village, Shengze", Kind: "village"},
		{Key: "longquanzui", Name: "盛泽镇龙泉嘴村", NameEn: "Longquanzui Village, Shengze", Kind: "village"},
		{Key: "shenjia", Name: "盛泽镇沈家村", NameEn: "Shenjia Village, Shengze", Kind: "village"},
		{Key: "hengli", Name: "江苏恒力化纤股份有限公司", NameEn: "Jiangsu Hengli Chemical Fibre Co., Ltd. (Hengli Group)", Kind: "enterprise"},
		{Key: "shengze-new-employment", Name: "盛泽镇新业态新就业群体", NameEn: "Shengze New Business Formats and New Employment Groups", Kind: "other"},
		{Key: "shengze-school", Name: "苏州市吴江区盛泽实验小学", NameEn: "Shengze Experimental Primary School, Wujiang", Kind: "school"},
		// Xinruifeng, Jiangxi (seed 002).
		{Key: "brigade", Name: "江西省地质局第九地质大队", NameEn: "Ninth Geological Brigade, Jiangxi Geological Bureau", Kind: "other"},
		{Key: "xinruifeng", Name: "江西新瑞丰生化股份有限公司", NameEn: "Jiangxi Xinruifeng Biochemical Co., Ltd.", Kind: "enterprise"},
		// Shiyan economic development zone, Hubei (seed 003).
		{Key: "devzone", Name: "十堰经济技术开发区管理委员会", NameEn: "Shiyan Economic and Technological Development Zone Administrative Committee", Kind: "government"},
		{Key: "dfxk", Name: "东风小康汽车有限公司", NameEn: "Dongfeng Xiaokang Automobile Co., Ltd.", Kind: "enterprise"},
		{Key: "songlin", Name: "松林科技（湖北）有限公司", NameEn: "Songlin Technology (Hubei) Co., Ltd.", Kind: "enterprise"},
	}
}

// Tree returns the roots of the organization trees: the Jiaxing municipal organs and
// the Minglong group (Jiaxing), the Shengze town committee (Wujiang), the geological
// brigade over Xinruifeng (Jiangxi) and the development zone's non-public enterprise
// working committee (Hubei).
func Tree() []OrgSpec {
	return []OrgSpec{
		{
			// Seed 001: the editorial office of the municipal party committee, a
			// municipal organ under the organs working committee.
			Key: "jx-organs", Kind: "committee", Code: "JX-SZJG", Unit: "jx-organs", Region: RegionJiaxing,
			Name:   "中共嘉兴市直属机关工作委员会",
			NameEn: "CPC Working Committee of Jiaxing Municipal Organs",
			Children: []OrgSpec{
				{
					Key: "jx-organs-office", Kind: "branch", Code: "JX-SZJG-JG", Unit: "jx-organs",
					Name:    "中共嘉兴市直属机关工作委员会机关支部委员会",
					NameEn:  "Office Branch of the Municipal Organs Working Committee",
					Members: 9, Activists: 1,
				},
				{
					Key: "jx-bianban", Kind: "branch", Code: "JX-BB", Unit: "jx-bianban",
					Name:    "中共嘉兴市委机构编制委员会办公室支部委员会",
					NameEn:  "Branch of the Editorial Office of the CPC Jiaxing Municipal Committee",
					Members: 22, Activists: 2, Applicants: 1,
				},
			},
		},
		{
			// Seed 000: the Minglong group in Tongxiang, Jiaxing. "Personnel above the
			// class teacher" reads as team leaders (班组长) and up: the group is a
			// manufacturer, so its branches follow the business, not a school.
			Key: "minglong", Kind: "committee", Code: "TX-ML", Unit: "minglong", Region: RegionJiaxing,
			Name:   "中共明龙集团委员会",
			NameEn: "CPC Committee of Minglong Group",
			Children: []OrgSpec{
				{
					Key: "minglong-admin", Kind: "branch", Code: "TX-ML-GL", Unit: "minglong",
					Name:    "中共明龙集团管理支部委员会",
					NameEn:  "Management Branch, Minglong Group",
					Members: 12, Activists: 2, Applicants: 1,
				},
				{
					Key: "minglong-production", Kind: "branch", Code: "TX-ML-SC", Unit: "minglong",
					Name:    "中共明龙集团生产支部委员会",
					NameEn:  "Production Branch, Minglong Group",
					Members: 4, Activists: 3, Applicants: 2, Residents: 8,
					Children: []OrgSpec{
						{Key: "minglong-production-1", Kind: "group", Code: "TX-ML-SC-1", Unit: "minglong",
							Name: "明龙集团生产一车间党小组", NameEn: "Workshop One Party Group, Minglong Group", Members: 7},
						{Key: "minglong-production-2", Kind: "group", Code: "TX-ML-SC-2", Unit: "minglong",
							Name: "明龙集团生产二车间党小组", NameEn: "Workshop Two Party Group, Minglong Group", Members: 7},
					},
				},
				{
					Key: "minglong-sales", Kind: "branch", Code: "TX-ML-YX", Unit: "minglong",
					Name:    "中共明龙集团营销支部委员会",
					NameEn:  "Sales and Foreign Trade Branch, Minglong Group",
					Members: 8, Activists: 2, Applicants: 1,
				},
				{
					Key: "minglong-rd", Kind: "branch", Code: "TX-ML-YF", Unit: "minglong",
					Name:    "中共明龙集团研发支部委员会",
					NameEn:  "Research and Development Branch, Minglong Group",
					Members: 9, Activists: 1, Applicants: 1,
				},
			},
		},
		{
			// Seed 004: Wujiang High-tech Zone (Shengze Town) and its winter training.
			// The town Youth League committee is not a party organization.
			Key: "shengze", Kind: "committee", Code: "SZ", Unit: "shengze", Region: RegionWujiang,
			Name:   "中共苏州市吴江区盛泽镇委员会",
			NameEn: "CPC Shengze Town Committee (Wujiang High-tech Zone), Suzhou",
			Children: []OrgSpec{
				{
					Key: "shengze-organs", Kind: "branch", Code: "SZ-JG", Unit: "shengze",
					Name:    "中共盛泽镇机关支部委员会",
					NameEn:  "Shengze Town Organs Branch",
					Members: 20, Activists: 2, Applicants: 1,
				},
				{
					Key: "renfu", Kind: "branch", Code: "SZ-RF", Unit: "renfu",
					Name:    "中共仁复村支部委员会",
					NameEn:  "Renfu Village Branch",
					Members: 5, Activists: 3, Applicants: 2, Residents: 40,
					Children: []OrgSpec{
						{Key: "renfu-1", Kind: "group", Code: "SZ-RF-1", Unit: "renfu",
							Name: "仁复村第一党小组", NameEn: "Renfu Village Party Group One", Members: 15},
						{Key: "renfu-2", Kind: "group", Code: "SZ-RF-2", Unit: "renfu",
							Name: "仁复村第二党小组", NameEn: "Renfu Village Party Group Two", Members: 15},
					},
				},
				{
					Key: "huangjiaxi", Kind: "branch", Code: "SZ-HJX", Unit: "huangjiaxi",
					Name:    "中共黄家溪村支部委员会",
					NameEn:  "Huangjiaxi Village Branch",
					Members: 26, Activists: 2, Applicants: 1, Residents: 15,
				},
				{
					Key: "longquanzui", Kind: "branch", Code: "SZ-LQZ", Unit: "longquanzui",
					Name:    "中共龙泉嘴村支部委员会",
					NameEn:  "Longquanzui Village Branch",
					Members: 22, Activists: 2, Applicants: 1, Residents: 12,
				},
				{
					Key: "shenjia", Kind: "branch", Code: "SZ-SJ", Unit: "shenjia",
					Name:    "中共沈家村支部委员会",
					NameEn:  "Shenjia Village Branch",
					Members: 24, Activists: 2, Applicants: 2, Residents: 15,
				},
				{
					Key: "hengli-yarn", Kind: "branch", Code: "SZ-HL", Unit: "hengli",
					Name:    "中共恒力化纤工业丝智能车间支部委员会",
					NameEn:  "Hengli Chemical Fiber Industrial Yarn Intelligent Workshop Branch",
					Members: 18, Activists: 3, Applicants: 3, Residents: 10,
				},
				{
					Key: "new-employment", Kind: "branch", Code: "SZ-XJY", Unit: "shengze-new-employment",
					Name:    "中共盛泽镇新业态新就业群体支部委员会",
					NameEn:  "Shengze Town New Business Formats and New Employment Groups Branch",
					Members: 11, Activists: 3, Applicants: 3, Residents: 8,
				},
				{
					Key: "shengze-school", Kind: "branch", Code: "SZ-SY", Unit: "shengze-school",
					Name:    "中共苏州市吴江区盛泽实验小学支部委员会",
					NameEn:  "Shengze Experimental Primary School Branch",
					Members: 19, Activists: 2, Applicants: 1, Residents: 6,
				},
			},
		},
		{
			// Seed 002: the brigade party committee, the company's general branch and
			// its branches; a member of the brigade committee is the contact point of
			// the Technology Center and Workshop Second branches.
			Key: "brigade", Kind: "committee", Code: "JXD9", Unit: "brigade", Region: RegionXinruifeng,
			Name:   "中共江西省地质局第九地质大队委员会",
			NameEn: "CPC Committee of the Ninth Geological Brigade, Jiangxi Geological Bureau",
			Children: []OrgSpec{
				{
					Key: "brigade-organs", Kind: "branch", Code: "JXD9-JG", Unit: "brigade",
					Name:    "中共第九地质大队机关支部委员会",
					NameEn:  "Organs Branch of the Ninth Geological Brigade",
					Members: 15, Activists: 1,
				},
				{
					Key: "xinruifeng", Kind: "general_branch", Code: "XRF", Unit: "xinruifeng",
					Name:   "中共江西新瑞丰生化股份有限公司总支部委员会",
					NameEn: "General Branch of Jiangxi Xinruifeng Biochemical Co., Ltd.",
					Children: []OrgSpec{
						{
							Key: "xrf-office", Kind: "branch", Code: "XRF-JG", Unit: "xinruifeng",
							Name:    "中共新瑞丰公司机关支部委员会",
							NameEn:  "Company Office Branch, Xinruifeng",
							Members: 10, Activists: 1,
						},
						{
							Key: "xrf-tech", Kind: "branch", Code: "XRF-JS", Unit: "xinruifeng",
							Name:    "中共新瑞丰技术中心支部委员会",
							NameEn:  "Technology Center Branch, Xinruifeng",
							Members: 14, Activists: 2, Applicants: 1, Residents: 4,
						},
						{
							Key: "xrf-workshop1", Kind: "branch", Code: "XRF-CJ1", Unit: "xinruifeng",
							Name:    "中共新瑞丰车间第一支部委员会",
							NameEn:  "Workshop First Branch, Xinruifeng",
							Members: 12, Activists: 1, Applicants: 1,
						},
						{
							Key: "xrf-workshop2", Kind: "branch", Code: "XRF-CJ2", Unit: "xinruifeng",
							Name:    "中共新瑞丰车间第二支部委员会",
							NameEn:  "Workshop Second Branch, Xinruifeng",
							Members: 16, Activists: 2, Applicants: 1, Residents: 4,
						},
					},
				},
			},
		},
		{
			// Seed 003: the alliance of non-public enterprises in the economic
			// development zone; Dongfeng Xiaokang's airport factory hosts Songlin.
			Key: "devzone", Kind: "committee", Code: "SY-KFQ", Unit: "devzone", Region: RegionHubei,
			Name:   "中共十堰经济技术开发区非公有制企业工作委员会",
			NameEn: "CPC Non-public Enterprise Working Committee of Shiyan Economic and Technological Development Zone",
			Children: []OrgSpec{
				{
					Key: "devzone-organs", Kind: "branch", Code: "SY-KFQ-JG", Unit: "devzone",
					Name:    "中共开发区非公企业党工委机关支部委员会",
					NameEn:  "Office Branch of the Development Zone Non-public Enterprise Working Committee",
					Members: 10,
				},
				{
					Key: "dfxk", Kind: "committee", Code: "SY-DFXK", Unit: "dfxk",
					Name:   "中共东风小康汽车有限公司委员会",
					NameEn: "CPC Committee of Dongfeng Xiaokang Automobile Co., Ltd.",
					Children: []OrgSpec{
						{
							Key: "dfxk-organs", Kind: "branch", Code: "SY-DFXK-JG", Unit: "dfxk",
							Name:    "中共东风小康机关支部委员会",
							NameEn:  "Headquarters Branch, Dongfeng Xiaokang",
							Members: 16, Activists: 1, Applicants: 1,
						},
						{
							Key: "dfxk-airport", Kind: "branch", Code: "SY-DFXK-KG", Unit: "dfxk",
							Name:    "中共东风小康空港工厂支部委员会",
							NameEn:  "Airport Factory Branch, Dongfeng Xiaokang",
							Members: 6, Activists: 3, Applicants: 2, Residents: 10,
							Children: []OrgSpec{
								{Key: "dfxk-airport-1", Kind: "group", Code: "SY-DFXK-KG-1", Unit: "dfxk",
									Name: "空港工厂冲焊车间党小组", NameEn: "Stamping and Welding Shop Party Group, Airport Factory", Members: 10},
								{Key: "dfxk-airport-2", Kind: "group", Code: "SY-DFXK-KG-2", Unit: "dfxk",
									Name: "空港工厂涂装总装车间党小组", NameEn: "Painting and Final Assembly Shop Party Group, Airport Factory", Members: 10},
							},
						},
						{
							Key: "dfxk-sales", Kind: "branch", Code: "SY-DFXK-YX", Unit: "dfxk",
							Name:    "中共东风小康营销支部委员会",
							NameEn:  "Sales Branch, Dongfeng Xiaokang",
							Members: 10, Activists: 1, Applicants: 1,
						},
					},
				},
				{
					// Fewer than seven members: a branch without a branch committee.
					Key: "songlin", Kind: "branch", Code: "SY-SL", Unit: "songlin",
					Name:    "中共松林科技（湖北）有限公司支部",
					NameEn:  "Branch of Songlin Technology (Hubei) Co., Ltd.",
					Members: 6, Activists: 2, Applicants: 2, Residents: 5,
				},
			},
		},
	}
}

// FlatOrg is an organization with its place in the tree.
type FlatOrg struct {
	OrgSpec
	Parent string // key of the parent, "" for a root
	Depth  int    // 0 for a root
}

// Flatten lists every organization of the trees, parents before children, in the
// order of Tree, with the region inherited from the root where the spec has none.
func Flatten(roots []OrgSpec) []FlatOrg {
	var out []FlatOrg
	var walk func(o OrgSpec, parent string, depth int, region string)
	walk = func(o OrgSpec, parent string, depth int, region string) {
		if o.Region == "" {
			o.Region = region
		}
		out = append(out, FlatOrg{OrgSpec: o, Parent: parent, Depth: depth})
		for _, c := range o.Children {
			walk(c, o.Key, depth+1, o.Region)
		}
	}
	for _, r := range roots {
		walk(r, "", 0, r.Region)
	}
	return out
}

// TotalPeople is the number of generated people the trees ask for.
func TotalPeople(roots []OrgSpec) int {
	n := 0
	for _, o := range Flatten(roots) {
		n += o.People()
	}
	return n
}

// Post kinds, as the org package names them.
const (
	postSecretary    = "secretary"
	postDeputy       = "deputy_secretary"
	postOrganization = "organization_member"
	postPropaganda   = "propaganda_member"
	postDiscipline   = "discipline_member"
	postCommittee    = "committee_member"
	postGroupLeader  = "group_leader"
	postContactPoint = "contact_point"
)

// committeeFrom says which branch the members of a committee or general branch
// belong to, post by post: the committee's own office branch where it has one.
var committeeFrom = map[string]map[string]string{
	"jx-organs": allPosts("jx-organs-office"),
	"minglong":  allPosts("minglong-admin"),
	"shengze":   allPosts("shengze-organs"),
	"brigade":   allPosts("brigade-organs"),
	"devzone":   allPosts("devzone-organs"),
	"dfxk":      allPosts("dfxk-organs"),
	// The members of a general branch committee come from its branches.
	"xinruifeng": {
		postSecretary:    "xrf-office",
		postDeputy:       "xrf-tech",
		postOrganization: "xrf-workshop2",
		postPropaganda:   "xrf-workshop1",
		postDiscipline:   "xrf-tech",
	},
}

func allPosts(from string) map[string]string {
	return map[string]string{postSecretary: from, postDeputy: from, postOrganization: from, postPropaganda: from, postDiscipline: from}
}

// seedRoles describes the posts the reports show at work, by "org/kind".
var seedRoles = map[string]string{
	"jx-bianban/secretary":        "secretary of the editorial office branch, which convenes the office's cadres and workers to study the city's three-level cadre conference and launches the 'six competitions' (seed 001)",
	"minglong/secretary":          "secretary of the Minglong Group committee, which organizes the micro party class and the Tongxiang learning-power awards (seed 000)",
	"minglong/deputy_secretary":   "deputy secretary of the Minglong Group committee and the group's executive president, who gives the micro party class on the 'Four Dares' (seed 000)",
	"shengze/secretary":           "secretary of the Shengze town committee (Wujiang High-tech Zone), which runs the party members' winter training and the 'Learning in the Silk City' cloud micro-classroom (seed 004)",
	"renfu/secretary":             "the Renfu village branch secretary, who sums up the fireside deliberation on the 'wired housekeeping' 5G monitoring project (seed 004)",
	"huangjiaxi/secretary":        "secretary of the Huangjiaxi village branch, which moves the winter-training practice classes into the fields (seed 004)",
	"longquanzui/secretary":       "secretary of the Longquanzui village branch, which joins winter training with village-enterprise charity (seed 004)",
	"shenjia/secretary":           "secretary of the Shenjia village branch, which optimizes the 'points and stars' system with winter training (seed 004)",
	"hengli-yarn/secretary":       "secretary of the Hengli industrial yarn workshop branch, which holds workshop classes at morning meetings and lunch breaks (seed 004)",
	"new-employment/secretary":    "secretary of the new business formats and new employment groups branch, which gathers the 'express delivery boys' for a discussion (seed 004)",
	"shengze-school/secretary":    "secretary of the Shengze Experimental Primary School branch, whose teacher becomes a winter-training lecturer (seed 004)",
	"brigade/committee_member":    "member of the brigade party committee and chairman of Xinruifeng, the contact point who presides the joint branch meeting (seed 002)",
	"xrf-tech/secretary":          "secretary of the Technology Center branch, who reports the branch's 2022 party building work at the joint meeting (seed 002)",
	"xrf-tech/contact_point":      "the brigade committee member and company chairman who is the branch-work contact point of the Technology Center branch (seed 002)",
	"xrf-workshop2/secretary":     "secretary of the Workshop Second branch, who reports the branch's 2022 party building work at the joint meeting (seed 002)",
	"xrf-workshop2/contact_point": "the brigade committee member and company chairman who is the branch-work contact point of the Workshop Second branch (seed 002)",
	"dfxk/committee_member":       "member of the Dongfeng Xiaokang committee and minister of the Party and Mass Work Department, who introduces the 'five-oriented work methods' (seed 003)",
	"dfxk-airport/secretary":      "secretary of the airport factory branch, which shows Songlin's visitors the party-mass post and the employee bookstore (seed 003)",
	"songlin/secretary":           "secretary of the Songlin Technology branch, which leads the company's members, probationary members and business backbones to visit Dongfeng Xiaokang (seed 003)",
}

// Posts lists the posts of every organization, after the party's rules for their
// committees: a committee or general branch has a secretary, a deputy secretary and
// organization, propaganda and discipline members; a branch of seven or more members
// (its groups included) has a branch committee — secretary, organization and
// propaganda members, and from 25 members a deputy secretary and a discipline member
// as well; a smaller branch only a secretary; a group a leader. On top come the posts
// the reports show: a committee member of Dongfeng Xiaokang, and the brigade committee
// member who is the contact point of two Xinruifeng branches.
func Posts() []PostSpec {
	var posts []PostSpec
	flat := Flatten(Tree())
	sizes := map[string]int{}
	for i := len(flat) - 1; i >= 0; i-- { // children come after parents
		o := flat[i]
		sizes[o.Key] += o.Members
		if o.Parent != "" {
			sizes[o.Parent] += sizes[o.Key]
		}
	}
	add := func(o FlatOrg, kind, from string) {
		role, ok := seedRoles[o.Key+"/"+kind]
		if !ok {
			role = defaultRole(kind, o.NameEn)
		}
		posts = append(posts, PostSpec{Org: o.Key, Kind: kind, Role: role, From: from})
	}
	for _, o := range flat {
		switch o.Kind {
		case "committee", "general_branch":
			for _, k := range []string{postSecretary, postDeputy, postOrganization, postPropaganda, postDiscipline} {
				add(o, k, committeeFrom[o.Key][k])
			}
		case "branch":
			kinds := []string{postSecretary}
			switch n := sizes[o.Key]; {
			case n >= 25:
				kinds = []string{postSecretary, postDeputy, postOrganization, postPropaganda, postDiscipline}
			case n >= 7:
				kinds = []string{postSecretary, postOrganization, postPropaganda}
			}
			for _, k := range kinds {
				add(o, k, "")
			}
		case "group":
			add(o, postGroupLeader, "")
		}
	}
	const liaison = "xrf-liaison"
	posts = append(posts,
		PostSpec{Org: "dfxk", Kind: postCommittee, Role: seedRoles["dfxk/committee_member"], From: "dfxk-organs"},
		PostSpec{Org: "brigade", Kind: postCommittee, Role: seedRoles["brigade/committee_member"], From: "xrf-office", Holder: liaison},
		PostSpec{Org: "xrf-tech", Kind: postContactPoint, Role: seedRoles["xrf-tech/contact_point"], From: "xrf-office", Holder: liaison},
		PostSpec{Org: "xrf-workshop2", Kind: postContactPoint, Role: seedRoles["xrf-workshop2/contact_point"], From: "xrf-office", Holder: liaison},
	)
	return posts
}

func defaultRole(kind, orgEn string) string {
	switch kind {
	case postSecretary:
		return "secretary of the " + orgEn
	case postDeputy:
		return "deputy secretary of the " + orgEn
	case postOrganization:
		return "organization member of the committee of the " + orgEn
	case postPropaganda:
		return "propaganda member of the committee of the " + orgEn
	case postDiscipline:
		return "discipline inspection member of the committee of the " + orgEn
	case postGroupLeader:
		return "leader of the " + orgEn
	}
	return kind + " of the " + orgEn
}

// Alliances lists the party-building alliances.
func Alliances() []AllianceSpec {
	return []AllianceSpec{
		{
			// Seed 003.
			Key:     "devzone-alliance",
			Name:    "开发区非公企业党建联盟",
			NameEn:  "Development Zone Non-public Enterprise Party Building Alliance",
			Founded: "2021-06-18",
			Agreement: "为深入探索经济开发区党建联盟企业在组织共建、党员互动、活动互联、资源共享方面的有效途径，" +
				"形成“抓党建、促发展、强队伍、共提高”的整体合力，联盟各成员党组织经协商一致，订立本共建协议。" +
				"一是组织共建。成员党组织在组织建设上互学互促，每季度召开一次联席会议，交流支部建设经验，共同推进党支部标准化规范化建设。" +
				"二是党员互动。定期组织党员、预备党员和业务骨干互访交流、“组团学习”，互派讲师讲党课。" +
				"三是活动互联。主题党日、“三会一课”等组织活动互联互通，联合开展学习教育和志愿服务。" +
				"四是资源共享。党群驿站、职工书屋等党建阵地以及讲师、课程向成员党组织开放共享。" +
				"五是结对帮扶。党建基础较强的党组织与新建党组织结对，推动支部资源从“一点红”变为“一片红”，" +
				"党建工作从“独角戏”变为“大合唱”，以党建联盟引领企业高质量发展。",
			Members: []string{"dfxk", "dfxk-airport", "songlin"},
			Resources: []ResourceSpec{
				{Org: "dfxk-airport", Kind: "venue", Name: "空港工厂党群驿站",
					Detail: "党员活动、学习交流和职工休憩的阵地，可接待联盟成员党组织开展主题党日和参观交流。"},
				{Org: "dfxk-airport", Kind: "venue", Name: "空港工厂职工书屋",
					Detail: "藏有党史、理论和技能类图书，联盟成员党组织的党员可借阅并开展读书活动。"},
				{Org: "dfxk", Kind: "lecturer", Name: "党群工作部党建讲师",
					Detail: "由公司党群工作部选派，讲授企业文化、党员风采和非公企业党建工作历程。"},
				{Org: "dfxk", Kind: "course", Name: "党建“五型”工作法",
					Detail: "介绍东风小康党建“五型”工作法、“三不”原则和“六个一”承诺的具体内容与做法。"},
			},
			Pairs: [][2]string{{"dfxk-airport", "songlin"}},
		},
		{
			// Seed 004: village-enterprise joint building in Shengze.
			Key:     "shengze-village-enterprise",
			Name:    "盛泽镇村企联建党建联盟",
			NameEn:  "Shengze Village-Enterprise Joint Building Party Alliance",
			Founded: "2023-01-10",
			Agreement: "为深化“万企兴万村”行动，推动村企联建、共建共享，仁复村、龙泉嘴村党支部与恒力化纤工业丝智能车间党支部结成村企联建党建联盟。" +
				"一是组织联建。村企党组织每季度召开一次联席会议，共商村庄发展和企业用工、安全生产、生态环境等实事。" +
				"二是党员联动。企业一线党员走进村里参加围炉议事和志愿服务，村党员走进车间小课堂共学冬训内容。" +
				"三是阵地联用。村新时代文明实践站、议事点与车间小课堂相互开放。" +
				"四是发展联促。企业结合公益慈善活动支持村庄治理，村里为企业职工提供就近服务，共同探索村企共富共治的新路径。",
			Members: []string{"renfu", "longquanzui", "hengli-yarn"},
			Resources: []ResourceSpec{
				{Org: "hengli-yarn", Kind: "venue", Name: "车间小课堂",
					Detail: "工业丝智能车间会议室和生产线旁的学习点，利用早会和午休时间开展理论学习。"},
				{Org: "hengli-yarn", Kind: "lecturer", Name: "一线党员宣讲员",
					Detail: "车间一线党员结合岗位讲述“肩负新使命 谱写新篇章”冬训学习体会。"},
				{Org: "renfu", Kind: "venue", Name: "仁复村围炉议事点",
					Detail: "设在村民家中小院，一张小桌、一杯茶，党员和村民围炉商量村里的实事。"},
				{Org: "renfu", Kind: "course", Name: "“有事好商量”围炉议事实务",
					Detail: "介绍仁复村围炉煮茶议事的做法：征集议题、充分讨论、尊重村民意愿、公开议事结果。"},
			},
			Pairs: [][2]string{{"hengli-yarn", "longquanzui"}},
		},
	}
}
