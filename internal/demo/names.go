package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// PersonSpec is a generated, fictional person.
type PersonSpec struct {
	Name      string    // Chinese name, e.g. 王丽华
	NameEn    string    // pinyin, surname first, e.g. "Wang Lihua"
	Gender    string    // male, female
	BirthDate time.Time // midnight UTC, as the member package keeps calendar dates
	IDNumber  string    // 18-digit resident ID number (GB 11643-1999)
	Phone     string    // 11-digit mobile number
}

// Generator makes fictional people, deterministically for its seed. It remembers what
// it issued, so ID numbers and phones are unique across everything one generator
// makes (use one generator for the whole demo), and it avoids repeating a name.
// A Generator is not safe for concurrent use.
type Generator struct {
	rng    *rand.Rand
	ids    map[string]bool
	phones map[string]bool
	names  map[string]bool
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	return &Generator{
		rng:    rand.New(rand.NewPCG(seed, 0x5eed_da7a_1921_0701)),
		ids:    map[string]bool{},
		phones: map[string]bool{},
		names:  map[string]bool{},
	}
}

// Person makes a person of the region (jiaxing, wujiang, xinruifeng, hubei) whose age
// on the date on is between minAge and maxAge, both included; the gender is drawn
// evenly. It panics on an unknown region or a bad age range, which are mistakes in the
// demo data.
func (g *Generator) Person(region string, minAge, maxAge int, on time.Time) PersonSpec {
	return g.PersonOf(region, "", minAge, maxAge, on)
}

// PersonOf is Person with a given gender, "male" or "female"; "" draws one evenly.
func (g *Generator) PersonOf(region, gender string, minAge, maxAge int, on time.Time) PersonSpec {
	codes, ok := regionCodes[region]
	if !ok {
		panic(fmt.Sprintf("demo: unknown region %q", region))
	}
	if minAge < 0 || maxAge < minAge || maxAge > 110 {
		panic(fmt.Sprintf("demo: bad age range %d..%d", minAge, maxAge))
	}
	switch gender {
	case "":
		gender = "female"
		if g.rng.IntN(2) == 0 {
			gender = "male"
		}
	case "male", "female":
	default:
		panic(fmt.Sprintf("demo: unknown gender %q", gender))
	}
	p := PersonSpec{Gender: gender}
	p.BirthDate = g.birthDate(minAge, maxAge, on)
	p.Name, p.NameEn = g.name(region, gender, p.BirthDate.Year())
	p.IDNumber = g.idNumber(codes, p.BirthDate, gender)
	p.Phone = g.phone()
	return p
}

// Regions lists the region keys Person accepts.
func Regions() []string {
	return []string{RegionJiaxing, RegionWujiang, RegionXinruifeng, RegionHubei}
}

// regionCodes are real county-level administrative division codes (GB/T 2260) of each
// region, the first six digits of an ID number; a code listed twice is drawn twice as
// often. Wujiang keeps its present code 320509 (the district since 2012). The Hubei
// enterprises of seed 003 are in the Shiyan economic development zone, so Hubei uses
// Shiyan's codes; Xinruifeng's brigade is in Jiangxi, placed around Nanchang.
var regionCodes = map[string][]string{
	RegionJiaxing: {
		"330402", "330402", "330402", // 南湖区
		"330411", "330411", // 秀洲区
		"330483", "330483", // 桐乡市
		"330421", // 嘉善县
		"330424", // 海盐县
		"330481", // 海宁市
		"330482", // 平湖市
	},
	RegionWujiang: {"320509"}, // 苏州市吴江区
	RegionXinruifeng: {
		"360102", "360102", // 南昌市东湖区
		"360103",           // 西湖区
		"360104",           // 青云谱区
		"360111", "360111", // 青山湖区
		"360121", // 南昌县
		"360123", // 安义县
		"360124", // 进贤县
	},
	RegionHubei: {
		"420302", "420302", // 十堰市茅箭区
		"420303", "420303", // 张湾区
		"420322", // 郧西县
		"420323", // 竹山县
		"420324", // 竹溪县
		"420325", // 房县
		"420381", // 丹江口市
	},
}

// birthDate draws a birth date so that the age on the date on is within
// [minAge, maxAge].
func (g *Generator) birthDate(minAge, maxAge int, on time.Time) time.Time {
	y, m, d := on.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	latest := yearsBefore(day, minAge)                      // the last birthday making minAge
	earliest := yearsBefore(day, maxAge+1).AddDate(0, 0, 1) // the day after one too old
	span := int(latest.Sub(earliest).Hours()/24) + 1
	return earliest.AddDate(0, 0, g.rng.IntN(span))
}

// yearsBefore is the same calendar day n years earlier; 29 February becomes 28
// February in a common year, never 1 March.
func yearsBefore(day time.Time, n int) time.Time {
	t := time.Date(day.Year()-n, day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if t.Day() != day.Day() {
		t = time.Date(day.Year()-n, day.Month(), day.Day()-1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// idNumber builds a unique ID number: region code, birth date, a sequence code from
// the generator (odd for men, even for women) and the ISO 7064 MOD 11-2 check
// character.
func (g *Generator) idNumber(codes []string, birth time.Time, gender string) string {
	for range 100000 {
		code := codes[g.rng.IntN(len(codes))]
		seq := 2 + 2*g.rng.IntN(499) // 002..998, even
		if gender == "male" {
			seq-- // 001..997, odd
		}
		first17 := fmt.Sprintf("%s%s%03d", code, birth.Format("20060102"), seq)
		id := first17 + string(idCheck(first17))
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
	panic("demo: ran out of ID numbers for " + birth.Format(time.DateOnly))
}

func idCheck(first17 string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// mobilePrefixes are mainland mobile prefixes of the 13x, 15x and 18x blocks.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
}

func (g *Generator) phone() string {
	for {
		p := fmt.Sprintf("%s%08d", mobilePrefixes[g.rng.IntN(len(mobilePrefixes))], g.rng.IntN(100000000))
		if !g.phones[p] {
			g.phones[p] = true
			return p
		}
	}
}

// A syllable is a character with its pinyin (toneless).
type syllable struct{ han, py string }

// surname is a family name with a weight after its frequency.
type surname struct {
	syllable
	weight int
}

// surnames are common family names, weighted roughly after their frequency. He (何,
// 贺) is left out: a real person of seed 003 bears it.
var surnames = []surname{
	{syllable{"王", "Wang"}, 8}, {syllable{"李", "Li"}, 8}, {syllable{"张", "Zhang"}, 8}, {syllable{"刘", "Liu"}, 7},
	{syllable{"陈", "Chen"}, 6}, {syllable{"杨", "Yang"}, 5}, {syllable{"黄", "Huang"}, 4}, {syllable{"赵", "Zhao"}, 4},
	{syllable{"吴", "Wu"}, 4}, {syllable{"周", "Zhou"}, 4}, {syllable{"徐", "Xu"}, 3}, {syllable{"孙", "Sun"}, 3},
	{syllable{"马", "Ma"}, 3}, {syllable{"朱", "Zhu"}, 3}, {syllable{"胡", "Hu"}, 3}, {syllable{"郭", "Guo"}, 3},
	{syllable{"林", "Lin"}, 3}, {syllable{"罗", "Luo"}, 2}, {syllable{"高", "Gao"}, 2}, {syllable{"梁", "Liang"}, 2},
	{syllable{"郑", "Zheng"}, 2}, {syllable{"谢", "Xie"}, 2}, {syllable{"宋", "Song"}, 2}, {syllable{"唐", "Tang"}, 2},
	{syllable{"许", "Xu"}, 2}, {syllable{"韩", "Han"}, 2}, {syllable{"冯", "Feng"}, 2}, {syllable{"邓", "Deng"}, 2},
	{syllable{"曹", "Cao"}, 2}, {syllable{"彭", "Peng"}, 2}, {syllable{"曾", "Zeng"}, 2}, {syllable{"肖", "Xiao"}, 2},
	{syllable{"田", "Tian"}, 1}, {syllable{"董", "Dong"}, 1}, {syllable{"袁", "Yuan"}, 1}, {syllable{"潘", "Pan"}, 1},
	{syllable{"于", "Yu"}, 1}, {syllable{"蒋", "Jiang"}, 1}, {syllable{"蔡", "Cai"}, 1}, {syllable{"余", "Yu"}, 1},
	{syllable{"杜", "Du"}, 1}, {syllable{"叶", "Ye"}, 1}, {syllable{"程", "Cheng"}, 1}, {syllable{"苏", "Su"}, 1},
	{syllable{"魏", "Wei"}, 1}, {syllable{"吕", "Lyu"}, 1}, {syllable{"丁", "Ding"}, 1}, {syllable{"任", "Ren"}, 1},
	{syllable{"沈", "Shen"}, 1}, {syllable{"姚", "Yao"}, 1}, {syllable{"卢", "Lu"}, 1}, {syllable{"姜", "Jiang"}, 1},
	{syllable{"崔", "Cui"}, 1}, {syllable{"钟", "Zhong"}, 1}, {syllable{"谭", "Tan"}, 1}, {syllable{"陆", "Lu"}, 1},
	{syllable{"汪", "Wang"}, 1}, {syllable{"范", "Fan"}, 1}, {syllable{"金", "Jin"}, 1}, {syllable{"石", "Shi"}, 1},
	{syllable{"廖", "Liao"}, 1}, {syllable{"贾", "Jia"}, 1}, {syllable{"夏", "Xia"}, 1}, {syllable{"方", "Fang"}, 1},
	{syllable{"邹", "Zou"}, 1}, {syllable{"熊", "Xiong"}, 1}, {syllable{"孟", "Meng"}, 1}, {syllable{"秦", "Qin"}, 1},
	{syllable{"邱", "Qiu"}, 1}, {syllable{"江", "Jiang"}, 1}, {syllable{"顾", "Gu"}, 1}, {syllable{"毛", "Mao"}, 1},
	{syllable{"钱", "Qian"}, 1}, {syllable{"严", "Yan"}, 1}, {syllable{"万", "Wan"}, 1}, {syllable{"施", "Shi"}, 1},
	{syllable{"俞", "Yu"}, 1}, {syllable{"费", "Fei"}, 1}, {syllable{"戴", "Dai"}, 1}, {syllable{"龚", "Gong"}, 1},
	{syllable{"邵", "Shao"}, 1}, {syllable{"倪", "Ni"}, 1},
}

// localSurnames are drawn more often in their region: Jiangnan names around Jiaxing
// and Wujiang, the common names of Jiangxi and of Shiyan.
var localSurnames = map[string][]string{
	RegionJiaxing:    {"沈", "陆", "顾", "钱", "姚", "施", "俞", "费", "朱", "吴", "徐", "周", "金", "倪"},
	RegionWujiang:    {"沈", "陆", "顾", "钱", "姚", "施", "俞", "费", "朱", "吴", "徐", "周", "金", "倪"},
	RegionXinruifeng: {"刘", "胡", "罗", "邹", "熊", "曾", "万", "黄", "吴", "李", "龚", "彭"},
	RegionHubei:      {"王", "李", "张", "刘", "陈", "胡", "万", "熊", "余", "杨", "田", "龚"},
}

// givenChar is a character used in given names. Sex is 'm', 'f' or 'n' (either); era
// is 'o' for characters typical of people born before 1980, 'y' for those born from
// 1985, or 0; pos is 'a' for a character that leads a two-character name (晓, 建, 秀),
// 'z' for one that ends a name or stands alone (强, 芳), 'b' for either.
type givenChar struct {
	syllable
	sex, era, pos byte
}

var givenChars = []givenChar{
	// Mostly men's.
	{syllable{"伟", "wei"}, 'm', 0, 'z'}, {syllable{"强", "qiang"}, 'm', 0, 'z'}, {syllable{"磊", "lei"}, 'm', 0, 'z'},
	{syllable{"军", "jun"}, 'm', 'o', 'b'}, {syllable{"勇", "yong"}, 'm', 0, 'z'}, {syllable{"杰", "jie"}, 'm', 0, 'z'},
	{syllable{"涛", "tao"}, 'm', 0, 'z'}, {syllable{"斌", "bin"}, 'm', 0, 'z'}, {syllable{"超", "chao"}, 'm', 0, 'z'},
	{syllable{"刚", "gang"}, 'm', 'o', 'z'}, {syllable{"辉", "hui"}, 'm', 0, 'z'}, {syllable{"鹏", "peng"}, 'm', 0, 'z'},
	{syllable{"飞", "fei"}, 'm', 0, 'z'}, {syllable{"鑫", "xin"}, 'm', 'y', 'z'}, {syllable{"波", "bo"}, 'm', 0, 'z'},
	{syllable{"宇", "yu"}, 'm', 'y', 'b'}, {syllable{"浩", "hao"}, 'm', 'y', 'b'}, {syllable{"凯", "kai"}, 'm', 0, 'z'},
	{syllable{"健", "jian"}, 'm', 0, 'b'}, {syllable{"俊", "jun"}, 'm', 0, 'b'}, {syllable{"帆", "fan"}, 'm', 'y', 'z'},
	{syllable{"旭", "xu"}, 'm', 0, 'b'}, {syllable{"龙", "long"}, 'm', 0, 'z'}, {syllable{"阳", "yang"}, 'm', 0, 'z'},
	{syllable{"峰", "feng"}, 'm', 0, 'z'}, {syllable{"建", "jian"}, 'm', 'o', 'a'}, {syllable{"国", "guo"}, 'm', 'o', 'b'},
	{syllable{"志", "zhi"}, 'm', 0, 'a'}, {syllable{"博", "bo"}, 'm', 'y', 'b'}, {syllable{"东", "dong"}, 'm', 0, 'b'},
	{syllable{"亮", "liang"}, 'm', 0, 'z'}, {syllable{"轩", "xuan"}, 'm', 'y', 'z'}, {syllable{"睿", "rui"}, 'm', 'y', 'b'},
	{syllable{"哲", "zhe"}, 'm', 'y', 'z'}, {syllable{"铭", "ming"}, 'm', 'y', 'z'}, {syllable{"昊", "hao"}, 'm', 'y', 'z'},
	{syllable{"天", "tian"}, 'm', 0, 'a'}, {syllable{"锋", "feng"}, 'm', 0, 'z'}, {syllable{"振", "zhen"}, 'm', 0, 'a'},
	{syllable{"毅", "yi"}, 'm', 0, 'z'}, {syllable{"成", "cheng"}, 'm', 0, 'z'}, {syllable{"彬", "bin"}, 'm', 0, 'z'},
	{syllable{"良", "liang"}, 'm', 'o', 'z'}, {syllable{"松", "song"}, 'm', 0, 'z'}, {syllable{"坤", "kun"}, 'm', 0, 'z'},
	{syllable{"立", "li"}, 'm', 0, 'a'}, {syllable{"德", "de"}, 'm', 'o', 'a'}, {syllable{"永", "yong"}, 'm', 'o', 'a'},
	{syllable{"庆", "qing"}, 'm', 'o', 'b'}, {syllable{"荣", "rong"}, 'm', 'o', 'z'}, {syllable{"光", "guang"}, 'm', 0, 'z'},
	{syllable{"兴", "xing"}, 'm', 'o', 'z'}, {syllable{"卫", "wei"}, 'm', 'o', 'a'}, {syllable{"胜", "sheng"}, 'm', 'o', 'z'},
	{syllable{"宏", "hong"}, 'm', 0, 'b'}, {syllable{"福", "fu"}, 'm', 'o', 'z'}, {syllable{"根", "gen"}, 'm', 'o', 'z'},
	{syllable{"泽", "ze"}, 'm', 'y', 'b'}, {syllable{"骏", "jun"}, 'm', 'y', 'z'}, {syllable{"翔", "xiang"}, 'm', 0, 'z'},
	{syllable{"远", "yuan"}, 'm', 0, 'z'}, {syllable{"达", "da"}, 'm', 0, 'z'}, {syllable{"威", "wei"}, 'm', 0, 'z'},
	{syllable{"奕", "yi"}, 'm', 'y', 'a'}, {syllable{"晖", "hui"}, 'm', 0, 'z'}, {syllable{"鸿", "hong"}, 'm', 0, 'a'},
	{syllable{"正", "zheng"}, 'm', 0, 'a'},
	// Mostly women's.
	{syllable{"芳", "fang"}, 'f', 0, 'z'}, {syllable{"娜", "na"}, 'f', 0, 'z'}, {syllable{"敏", "min"}, 'f', 0, 'z'},
	{syllable{"静", "jing"}, 'f', 0, 'z'}, {syllable{"丽", "li"}, 'f', 0, 'b'}, {syllable{"艳", "yan"}, 'f', 0, 'z'},
	{syllable{"娟", "juan"}, 'f', 0, 'z'}, {syllable{"霞", "xia"}, 'f', 0, 'z'}, {syllable{"燕", "yan"}, 'f', 0, 'z'},
	{syllable{"玲", "ling"}, 'f', 0, 'z'}, {syllable{"婷", "ting"}, 'f', 'y', 'z'}, {syllable{"雪", "xue"}, 'f', 0, 'b'},
	{syllable{"慧", "hui"}, 'f', 0, 'b'}, {syllable{"莹", "ying"}, 'f', 0, 'z'}, {syllable{"琳", "lin"}, 'f', 0, 'z'},
	{syllable{"倩", "qian"}, 'f', 'y', 'z'}, {syllable{"晶", "jing"}, 'f', 0, 'z'}, {syllable{"萍", "ping"}, 'f', 0, 'z'},
	{syllable{"红", "hong"}, 'f', 'o', 'z'}, {syllable{"梅", "mei"}, 'f', 0, 'z'}, {syllable{"兰", "lan"}, 'f', 'o', 'z'},
	{syllable{"颖", "ying"}, 'f', 0, 'z'}, {syllable{"洁", "jie"}, 'f', 0, 'z'}, {syllable{"琴", "qin"}, 'f', 0, 'z'},
	{syllable{"云", "yun"}, 'f', 0, 'z'}, {syllable{"莉", "li"}, 'f', 0, 'z'}, {syllable{"雯", "wen"}, 'f', 'y', 'z'},
	{syllable{"秀", "xiu"}, 'f', 'o', 'a'}, {syllable{"英", "ying"}, 'f', 'o', 'z'}, {syllable{"佳", "jia"}, 'f', 'y', 'a'},
	{syllable{"欣", "xin"}, 'f', 'y', 'b'}, {syllable{"怡", "yi"}, 'f', 'y', 'z'}, {syllable{"悦", "yue"}, 'f', 'y', 'z'},
	{syllable{"璐", "lu"}, 'f', 'y', 'z'}, {syllable{"瑶", "yao"}, 'f', 'y', 'z'}, {syllable{"薇", "wei"}, 'f', 0, 'z'},
	{syllable{"露", "lu"}, 'f', 0, 'z'}, {syllable{"蕾", "lei"}, 'f', 0, 'z'}, {syllable{"菲", "fei"}, 'f', 'y', 'z'},
	{syllable{"琪", "qi"}, 'f', 'y', 'z'}, {syllable{"雅", "ya"}, 'f', 0, 'a'}, {syllable{"梦", "meng"}, 'f', 'y', 'a'},
	{syllable{"蓉", "rong"}, 'f', 0, 'z'}, {syllable{"凤", "feng"}, 'f', 'o', 'z'}, {syllable{"月", "yue"}, 'f', 0, 'z'},
	{syllable{"丹", "dan"}, 'f', 0, 'z'}, {syllable{"婉", "wan"}, 'f', 0, 'a'}, {syllable{"萱", "xuan"}, 'f', 'y', 'z'},
	{syllable{"珊", "shan"}, 'f', 0, 'z'}, {syllable{"瑾", "jin"}, 'f', 'y', 'z'}, {syllable{"妍", "yan"}, 'f', 'y', 'z'},
	{syllable{"馨", "xin"}, 'f', 'y', 'z'}, {syllable{"彤", "tong"}, 'f', 'y', 'z'}, {syllable{"诗", "shi"}, 'f', 'y', 'a'},
	{syllable{"桂", "gui"}, 'f', 'o', 'a'}, {syllable{"玉", "yu"}, 'f', 'o', 'a'}, {syllable{"珍", "zhen"}, 'f', 'o', 'z'},
	{syllable{"淑", "shu"}, 'f', 'o', 'a'}, {syllable{"惠", "hui"}, 'f', 0, 'b'}, {syllable{"媛", "yuan"}, 'f', 0, 'z'},
	{syllable{"美", "mei"}, 'f', 0, 'a'}, {syllable{"爱", "ai"}, 'f', 'o', 'a'}, {syllable{"岚", "lan"}, 'f', 0, 'z'},
	{syllable{"涵", "han"}, 'f', 'y', 'z'}, {syllable{"茜", "qian"}, 'f', 'y', 'z'}, {syllable{"琦", "qi"}, 'f', 0, 'z'},
	{syllable{"娅", "ya"}, 'f', 'y', 'z'}, {syllable{"苗", "miao"}, 'f', 0, 'z'}, {syllable{"素", "su"}, 'f', 'o', 'a'},
	// Either.
	{syllable{"平", "ping"}, 'n', 0, 'z'}, {syllable{"林", "lin"}, 'n', 0, 'z'}, {syllable{"文", "wen"}, 'n', 0, 'b'},
	{syllable{"瑞", "rui"}, 'n', 0, 'b'}, {syllable{"晨", "chen"}, 'n', 'y', 'b'}, {syllable{"子", "zi"}, 'n', 'y', 'a'},
	{syllable{"嘉", "jia"}, 'n', 'y', 'a'}, {syllable{"一", "yi"}, 'n', 'y', 'a'}, {syllable{"安", "an"}, 'n', 0, 'b'},
	{syllable{"新", "xin"}, 'n', 0, 'b'}, {syllable{"华", "hua"}, 'n', 0, 'b'}, {syllable{"春", "chun"}, 'n', 'o', 'b'},
	{syllable{"宁", "ning"}, 'n', 0, 'z'}, {syllable{"雨", "yu"}, 'n', 'y', 'a'}, {syllable{"晓", "xiao"}, 'n', 0, 'a'},
	{syllable{"青", "qing"}, 'n', 0, 'z'}, {syllable{"清", "qing"}, 'n', 0, 'b'}, {syllable{"思", "si"}, 'n', 'y', 'a'},
	{syllable{"海", "hai"}, 'n', 0, 'b'}, {syllable{"金", "jin"}, 'n', 'o', 'a'}, {syllable{"明", "ming"}, 'n', 0, 'b'},
	{syllable{"欢", "huan"}, 'n', 0, 'z'}, {syllable{"秋", "qiu"}, 'n', 0, 'a'}, {syllable{"亚", "ya"}, 'n', 0, 'a'},
}

// blockedNames are the pinyin names, lower case without spaces or apostrophes, a
// generated person may not bear: the real persons of the seed reports and the
// country's leaders past and present, whatever the characters.
var blockedNames = map[string]bool{
	// Seeds 000-004.
	"wangyaoxing": true, "songyuding": true, "jifeifei": true, "guofengen": true, "zhujianhua": true,
	"xuyong": true, "zhangbing": true, "zhoujinlong": true, "xinying": true, "xijinping": true,
	// Leaders.
	"maozedong": true, "zhouenlai": true, "liushaoqi": true, "zhude": true, "dengxiaoping": true,
	"huyaobang": true, "zhaoziyang": true, "jiangzemin": true, "lipeng": true, "zhurongji": true,
	"hujintao": true, "wenjiabao": true, "wubangguo": true, "jiaqinglin": true, "likeqiang": true,
	"zhangdejiang": true, "yuzhengsheng": true, "liuyunshan": true, "wangqishan": true, "zhanggaoli": true,
	"lizhanshu": true, "wangyang": true, "wanghuning": true, "zhaoleji": true, "hanzheng": true,
	"liqiang": true, "caiqi": true, "dingxuexiang": true, "lixi": true, "wangyi": true,
}

// name draws a name for a person of the region, gender and birth year, neither a
// blocked name nor, as far as possible, one already issued.
func (g *Generator) name(region, gender string, birthYear int) (string, string) {
	sex := byte('f')
	if gender == "male" {
		sex = 'm'
	}
	era := byte('o')
	switch {
	case birthYear >= 1985:
		era = 'y'
	case birthYear >= 1980:
		era = 0 // between the two: either kind
	}
	var lead, end []givenChar // characters that may lead a name, and end one
	for _, c := range givenChars {
		if (c.sex == sex || c.sex == 'n') && (c.era == 0 || era == 0 || c.era == era) {
			if c.pos != 'z' {
				lead = append(lead, c)
			}
			if c.pos != 'a' {
				end = append(end, c)
			}
		}
	}
	var han, en string
	for try := 0; ; try++ {
		sur := g.surname(region)
		given := []givenChar{end[g.rng.IntN(len(end))]}
		if g.rng.IntN(5) != 0 { // four in five given names have two characters
			given = []givenChar{lead[g.rng.IntN(len(lead))], given[0]}
		}
		if given[0].han == sur.han || (len(given) == 2 && (given[1].han == given[0].han || given[1].han == sur.han)) {
			continue
		}
		han, en = sur.han, sur.py+" "+givenPinyin(given)
		for _, c := range given {
			han += c.han
		}
		key := strings.ToLower(strings.NewReplacer(" ", "", "'", "").Replace(en))
		if blockedNames[key] {
			continue
		}
		if !g.names[han] || try > 50 {
			break
		}
	}
	g.names[han] = true
	return han, en
}

func (g *Generator) surname(region string) syllable {
	if local := localSurnames[region]; len(local) > 0 && g.rng.IntN(10) < 3 {
		han := local[g.rng.IntN(len(local))]
		for _, s := range surnames {
			if s.han == han {
				return s.syllable
			}
		}
	}
	total := 0
	for _, s := range surnames {
		total += s.weight
	}
	n := g.rng.IntN(total)
	for _, s := range surnames {
		if n < s.weight {
			return s.syllable
		}
		n -= s.weight
	}
	panic("unreachable")
}

// givenPinyin writes a given name in pinyin as one capitalized word, with an
// apostrophe before a syllable that starts with a, o or e (Xi'an, not Xian).
func givenPinyin(given []givenChar) string {
	var b strings.Builder
	for i, c := range given {
		py := c.py
		if i == 0 {
			py = strings.ToUpper(py[:1]) + py[1:]
		} else if strings.ContainsRune("aoe", rune(py[0])) {
			b.WriteByte('\'')
		}
		b.WriteString(py)
	}
	return b.String()
}
