package demo

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vanguard/internal/member"
)

func flatByKey(t *testing.T) map[string]FlatOrg {
	t.Helper()
	m := map[string]FlatOrg{}
	for _, o := range Flatten(Tree()) {
		m[o.Key] = o
	}
	return m
}

func TestUnits(t *testing.T) {
	kinds := []string{"enterprise", "village", "community", "government", "school", "other"}
	seen := map[string]bool{}
	for _, u := range Units() {
		if u.Key == "" || u.Name == "" || u.NameEn == "" {
			t.Errorf("unit %+v: key and both names are required", u)
		}
		if seen[u.Key] {
			t.Errorf("unit key %q twice", u.Key)
		}
		seen[u.Key] = true
		if !slices.Contains(kinds, u.Kind) {
			t.Errorf("unit %s: kind %q", u.Key, u.Kind)
		}
	}
	used := map[string]bool{}
	for _, o := range Flatten(Tree()) {
		used[o.Unit] = true
	}
	for k := range seen {
		if !used[k] {
			t.Errorf("unit %s hosts no organization", k)
		}
	}
}

func TestTreeKeysCodesAndUnits(t *testing.T) {
	units := map[string]bool{}
	for _, u := range Units() {
		units[u.Key] = true
	}
	keys, codes := map[string]bool{}, map[string]bool{}
	for _, o := range Flatten(Tree()) {
		if o.Key == "" || o.Name == "" || o.NameEn == "" {
			t.Errorf("org %q: key and both names are required", o.Key)
		}
		if keys[o.Key] {
			t.Errorf("org key %q twice", o.Key)
		}
		keys[o.Key] = true
		if codes[o.Code] {
			t.Errorf("org code %q twice", o.Code)
		}
		codes[o.Code] = true
		if o.Code == "" {
			t.Errorf("org %s has no code", o.Key)
		}
		for _, r := range o.Code {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("org %s: code %q is not upper-case ASCII", o.Key, o.Code)
				break
			}
		}
		if !units[o.Unit] {
			t.Errorf("org %s: unknown unit %q", o.Key, o.Unit)
		}
		if !slices.Contains(Regions(), o.Region) {
			t.Errorf("org %s: region %q", o.Key, o.Region)
		}
		if o.Parent != "" && o.Parent != o.Key && !keys[o.Parent] {
			t.Errorf("org %s: parent %q listed after it", o.Key, o.Parent)
		}
	}
	for _, k := range []string{"jx-bianban", "minglong", "shengze", "renfu", "huangjiaxi", "longquanzui", "shenjia",
		"hengli-yarn", "new-employment", "shengze-school", "xrf-tech", "xrf-workshop2", "dfxk", "dfxk-airport", "songlin"} {
		if !keys[k] {
			t.Errorf("the reports' organization %q is missing", k)
		}
	}
}

func TestTreeNesting(t *testing.T) {
	may := map[string][]string{
		"committee":      {"committee", "general_branch", "branch"},
		"general_branch": {"branch"},
		"branch":         {"group"},
		"group":          nil,
	}
	for _, r := range Tree() {
		if r.Kind != "committee" {
			t.Errorf("root %s is a %s, not a committee", r.Key, r.Kind)
		}
		if r.Region == "" {
			t.Errorf("root %s has no region", r.Key)
		}
	}
	var walk func(o OrgSpec)
	walk = func(o OrgSpec) {
		allowed, ok := may[o.Kind]
		if !ok {
			t.Errorf("org %s: kind %q", o.Key, o.Kind)
		}
		for _, c := range o.Children {
			if !slices.Contains(allowed, c.Kind) {
				t.Errorf("%s %s may not contain %s %s", o.Kind, o.Key, c.Kind, c.Key)
			}
			walk(c)
		}
	}
	for _, r := range Tree() {
		walk(r)
	}
	byKey := flatByKey(t)
	if n := len(byKey["renfu"].Children); n != 2 {
		t.Errorf("Renfu has %d party groups, want 2", n)
	}
}

func TestPeople(t *testing.T) {
	byKey := flatByKey(t)
	for _, o := range byKey {
		if o.Members < 0 || o.Activists < 0 || o.Applicants < 0 || o.Residents < 0 {
			t.Errorf("org %s: negative count", o.Key)
		}
		switch o.Kind {
		case "committee", "general_branch":
			if o.People() != 0 {
				t.Errorf("%s %s holds people of its own; members belong to branches", o.Kind, o.Key)
			}
		case "branch":
			if o.Members == 0 {
				t.Errorf("branch %s has no members of its own", o.Key)
			}
		case "group":
			if o.Members == 0 || o.People() != o.Members {
				t.Errorf("group %s: only members belong to a group", o.Key)
			}
		}
	}
	total := TotalPeople(Tree())
	if total < 400 || total > 700 {
		t.Errorf("%d generated people, want 400-700", total)
	}
	renfu := byKey["renfu"]
	members := renfu.Members
	for _, g := range renfu.Children {
		members += g.Members
	}
	if members < 30 || members > 40 || renfu.Residents < 35 || renfu.Activists == 0 || renfu.Applicants == 0 {
		t.Errorf("Renfu: %d members, %d residents, %d activists, %d applicants", members, renfu.Residents, renfu.Activists, renfu.Applicants)
	}
	for _, k := range []string{"xrf-tech", "xrf-workshop2"} {
		if m := byKey[k].Members; m < 12 || m > 18 {
			t.Errorf("%s has %d members, want 12-18", k, m)
		}
	}
	t.Logf("%d orgs, %d generated people", len(byKey), total)
}

func TestPosts(t *testing.T) {
	byKey := flatByKey(t)
	kinds := []string{postSecretary, postDeputy, postOrganization, postPropaganda, postDiscipline, postCommittee, postGroupLeader, postContactPoint}
	type orgKind struct{ org, kind string }
	seen := map[orgKind]bool{}
	holders := map[string]map[string]bool{} // source org -> distinct holders
	holderFrom := map[string]string{}
	for i, p := range Posts() {
		o, ok := byKey[p.Org]
		if !ok {
			t.Errorf("post %d: unknown org %q", i, p.Org)
			continue
		}
		if !slices.Contains(kinds, p.Kind) {
			t.Errorf("post %s/%s: unknown kind", p.Org, p.Kind)
		}
		if p.Role == "" {
			t.Errorf("post %s/%s: no role", p.Org, p.Kind)
		}
		if seen[orgKind{p.Org, p.Kind}] && p.Kind != postCommittee {
			t.Errorf("post %s/%s twice", p.Org, p.Kind)
		}
		seen[orgKind{p.Org, p.Kind}] = true
		switch {
		case p.Kind == postGroupLeader && o.Kind != "group", p.Kind != postGroupLeader && o.Kind == "group":
			t.Errorf("post %s/%s: group leaders, and only they, lead groups", p.Org, p.Kind)
		case p.Kind == postContactPoint && o.Kind != "branch":
			t.Errorf("post %s/%s: a contact point is on a branch", p.Org, p.Kind)
		}
		from := p.From
		if from == "" {
			from = p.Org
		}
		src, ok := byKey[from]
		if !ok {
			t.Errorf("post %s/%s: unknown From %q", p.Org, p.Kind, p.From)
			continue
		}
		if src.Members == 0 {
			t.Errorf("post %s/%s: holder's org %s has no members of its own", p.Org, p.Kind, from)
		}
		if p.Holder != "" {
			if f, ok := holderFrom[p.Holder]; ok && f != from {
				t.Errorf("holder %s drawn from %s and %s", p.Holder, f, from)
			}
			holderFrom[p.Holder] = from
		}
		h := p.Holder
		if h == "" {
			h = p.Org + "/" + p.Kind
		}
		if holders[from] == nil {
			holders[from] = map[string]bool{}
		}
		holders[from][h] = true
	}
	for from, hs := range holders {
		if len(hs) > byKey[from].Members {
			t.Errorf("%d post holders drawn from %s, which has %d members", len(hs), from, byKey[from].Members)
		}
	}
	for _, o := range byKey {
		want := postSecretary
		if o.Kind == "group" {
			want = postGroupLeader
		}
		if !seen[orgKind{o.Key, want}] {
			t.Errorf("%s %s has no %s", o.Kind, o.Key, want)
		}
	}
	for _, k := range []string{"xrf-tech", "xrf-workshop2"} {
		if !seen[orgKind{k, postContactPoint}] {
			t.Errorf("%s has no contact point", k)
		}
	}
	if !seen[orgKind{"renfu", postDeputy}] || !seen[orgKind{"shengze", postDiscipline}] {
		t.Error("Renfu's deputy secretary or Shengze's discipline member is missing")
	}
	if seen[orgKind{"songlin", postOrganization}] {
		t.Error("Songlin has fewer than seven members and no branch committee")
	}
}

func TestAlliances(t *testing.T) {
	byKey := flatByKey(t)
	keys := map[string]bool{}
	for _, a := range Alliances() {
		if a.Key == "" || a.Name == "" || a.NameEn == "" || utf8.RuneCountInString(a.Agreement) < 100 {
			t.Errorf("alliance %q: key, names and an agreement of several sentences are required", a.Key)
		}
		if keys[a.Key] {
			t.Errorf("alliance %s twice", a.Key)
		}
		keys[a.Key] = true
		if _, err := time.Parse(time.DateOnly, a.Founded); err != nil {
			t.Errorf("alliance %s: founded %q: %v", a.Key, a.Founded, err)
		}
		units := map[string]bool{}
		members := map[string]bool{}
		for _, m := range a.Members {
			o, ok := byKey[m]
			if !ok {
				t.Errorf("alliance %s: unknown member %q", a.Key, m)
			}
			if members[m] {
				t.Errorf("alliance %s: member %s twice", a.Key, m)
			}
			members[m] = true
			units[o.Unit] = true
		}
		if len(members) < 2 || len(units) < 2 {
			t.Errorf("alliance %s: %d members of %d host units, want at least two of each", a.Key, len(members), len(units))
		}
		for _, r := range a.Resources {
			if !members[r.Org] {
				t.Errorf("alliance %s: resource %q of %q, not a member", a.Key, r.Name, r.Org)
			}
			if !slices.Contains([]string{"venue", "lecturer", "course"}, r.Kind) || r.Name == "" || r.Detail == "" {
				t.Errorf("alliance %s: resource %+v", a.Key, r)
			}
		}
		if len(a.Pairs) == 0 {
			t.Errorf("alliance %s has no pair", a.Key)
		}
		for _, p := range a.Pairs {
			if !members[p[0]] || !members[p[1]] || p[0] == p[1] {
				t.Errorf("alliance %s: pair %v", a.Key, p)
			}
		}
	}
}

func TestNameTables(t *testing.T) {
	sur := map[string]bool{}
	for _, s := range surnames {
		if sur[s.han] {
			t.Errorf("surname %s twice", s.han)
		}
		sur[s.han] = true
		if s.weight < 1 || !asciiWord(s.py, true) {
			t.Errorf("surname %s: %q weight %d", s.han, s.py, s.weight)
		}
		if s.py == "He" {
			t.Errorf("surname %s: He is a real person's name in seed 003", s.han)
		}
	}
	if len(sur) < 60 {
		t.Errorf("%d surnames, want at least 60", len(sur))
	}
	for r, local := range localSurnames {
		for _, h := range local {
			if !sur[h] {
				t.Errorf("local surname %s of %s is not in the table", h, r)
			}
		}
	}
	given := map[string]bool{}
	for _, c := range givenChars {
		if given[c.han] {
			t.Errorf("given-name character %s twice", c.han)
		}
		given[c.han] = true
		if !asciiWord(c.py, false) || !strings.ContainsRune("mfn", rune(c.sex)) || !strings.ContainsRune("\x00oy", rune(c.era)) || !strings.ContainsRune("abz", rune(c.pos)) {
			t.Errorf("given-name character %+v", c)
		}
	}
	if len(given) < 120 {
		t.Errorf("%d given-name characters, want at least 120", len(given))
	}
}

func asciiWord(s string, capital bool) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		upper := r >= 'A' && r <= 'Z'
		if !(r >= 'a' && r <= 'z' || upper) || upper != (capital && i == 0) {
			return false
		}
	}
	return true
}

func age(birth, on time.Time) int {
	a := on.Year() - birth.Year()
	if on.Month() < birth.Month() || on.Month() == birth.Month() && on.Day() < birth.Day() {
		a--
	}
	return a
}

func TestGeneratorPeople(t *testing.T) {
	g := NewGenerator(20230227)
	dates := []time.Time{
		time.Date(2024, 2, 29, 10, 0, 0, 0, time.UTC), // a leap day
		time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	ranges := [][2]int{{18, 18}, {18, 35}, {22, 60}, {60, 90}, {0, 100}}
	ids, phones, names := map[string]bool{}, map[string]bool{}, map[string]int{}
	const n = 2000
	for i := range n {
		region := Regions()[i%len(Regions())]
		on := dates[i%len(dates)]
		ar := ranges[i%len(ranges)]
		p := g.Person(region, ar[0], ar[1], on)

		if ids[p.IDNumber] {
			t.Fatalf("ID number %s issued twice", p.IDNumber)
		}
		ids[p.IDNumber] = true
		if phones[p.Phone] {
			t.Fatalf("phone %s issued twice", p.Phone)
		}
		phones[p.Phone] = true
		names[p.Name]++

		birth, err := member.ValidateIDNumber(p.IDNumber)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if !birth.Equal(p.BirthDate) || p.BirthDate.Location() != time.UTC || p.BirthDate.Hour() != 0 {
			t.Errorf("%+v: ID birth date %s", p, birth.Format(time.DateOnly))
		}
		if got := member.GenderFromIDNumber(p.IDNumber); got != p.Gender {
			t.Errorf("%+v: ID gender %s", p, got)
		}
		if !slices.Contains(regionCodes[region], p.IDNumber[:6]) {
			t.Errorf("%+v: region code for %s", p, region)
		}
		if a := age(p.BirthDate, on); a < ar[0] || a > ar[1] {
			t.Errorf("%+v: age %d on %s, want %d-%d", p, a, on.Format(time.DateOnly), ar[0], ar[1])
		}
		if len(p.Phone) != 11 || !slices.Contains([]string{"13", "15", "18"}, p.Phone[:2]) || strings.Trim(p.Phone, "0123456789") != "" {
			t.Errorf("%+v: phone", p)
		}
		if c := utf8.RuneCountInString(p.Name); c < 2 || c > 3 {
			t.Errorf("%+v: name of %d characters", p, c)
		}
		parts := strings.Split(p.NameEn, " ")
		if len(parts) != 2 || !asciiWord(parts[0], true) || !asciiWord(strings.ReplaceAll(parts[1], "'", ""), true) {
			t.Errorf("%+v: pinyin", p)
		}
		if blockedNames[strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(p.NameEn))] {
			t.Errorf("%+v: a blocked name", p)
		}
	}
	dups := 0
	for _, c := range names {
		dups += c - 1
	}
	if dups > n/100 {
		t.Errorf("%d repeated names among %d people", dups, n)
	}
}

// TestBirthDateBounds checks the ends of the birth-date range on a leap day, where
// "18 years before" is 28 February, not 1 March.
func TestBirthDateBounds(t *testing.T) {
	leap := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		n    int
		want string
	}{{18, "2006-02-28"}, {4, "2020-02-29"}, {0, "2024-02-29"}} {
		if got := yearsBefore(leap, c.n).Format(time.DateOnly); got != c.want {
			t.Errorf("%d years before %s: %s, want %s", c.n, leap.Format(time.DateOnly), got, c.want)
		}
	}
	g := NewGenerator(3)
	var lo, hi time.Time
	for i := range 4000 {
		b := g.birthDate(18, 18, leap)
		if a := age(b, leap); a != 18 {
			t.Fatalf("born %s: %d on %s, want 18", b.Format(time.DateOnly), a, leap.Format(time.DateOnly))
		}
		if i == 0 || b.Before(lo) {
			lo = b
		}
		if i == 0 || b.After(hi) {
			hi = b
		}
	}
	if lo.Format(time.DateOnly) != "2005-03-01" || hi.Format(time.DateOnly) != "2006-02-28" {
		t.Errorf("birth dates for age 18 on a leap day span %s..%s", lo.Format(time.DateOnly), hi.Format(time.DateOnly))
	}
}

func TestGeneratorGenderAndEra(t *testing.T) {
	g := NewGenerator(7)
	on := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	males := 0
	for range 400 {
		if g.Person(RegionWujiang, 20, 70, on).Gender == "male" {
			males++
		}
	}
	if males < 150 || males > 250 {
		t.Errorf("%d men of 400, want about half", males)
	}
	for range 50 {
		if p := g.PersonOf(RegionHubei, "female", 25, 30, on); p.Gender != "female" || member.GenderFromIDNumber(p.IDNumber) != "female" {
			t.Errorf("%+v: asked for a woman", p)
		}
	}
	// A woman born in the 1990s is not named 秀英 or 桂兰.
	for range 200 {
		p := g.PersonOf(RegionJiaxing, "female", 25, 30, on)
		given := string([]rune(p.Name)[1:]) // every surname has one character
		for _, c := range givenChars {
			if c.era == 'o' && strings.Contains(given, c.han) {
				t.Errorf("%+v: an old-fashioned name for a young woman", p)
			}
		}
	}
}

func TestGeneratorDeterministic(t *testing.T) {
	on := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	run := func(seed uint64) []PersonSpec {
		g := NewGenerator(seed)
		var out []PersonSpec
		for i := range 300 {
			out = append(out, g.Person(Regions()[i%4], 18, 80, on))
		}
		return out
	}
	a, b := run(42), run(42)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed made different people")
	}
	if reflect.DeepEqual(a, run(43)) {
		t.Error("different seeds made the same people")
	}
}

func TestGeneratorPanicsOnBadInput(t *testing.T) {
	on := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	for name, f := range map[string]func(g *Generator){
		"region": func(g *Generator) { g.Person("beijing", 20, 30, on) },
		"ages":   func(g *Generator) { g.Person(RegionHubei, 30, 20, on) },
		"gender": func(g *Generator) { g.PersonOf(RegionHubei, "x", 20, 30, on) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("bad %s: no panic", name)
				}
			}()
			f(NewGenerator(1))
		}()
	}
}

// TestDemoPopulation makes the demo's people the way a loader would, one generator for
// all, and checks they stay unique.
func TestDemoPopulation(t *testing.T) {
	g := NewGenerator(1)
	on := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	ids := map[string]bool{}
	for _, o := range Flatten(Tree()) {
		for range o.People() {
			p := g.Person(o.Region, 18, 85, on)
			if ids[p.IDNumber] {
				t.Fatalf("ID %s twice", p.IDNumber)
			}
			ids[p.IDNumber] = true
		}
	}
	if len(ids) != TotalPeople(Tree()) {
		t.Errorf("%d people, want %d", len(ids), TotalPeople(Tree()))
	}
}
