package demo

import (
	"bytes"
	"fmt"
)

// The demo's lessons, written for it on the themes of seed 004.

const introArticle = `<h2>冬训为什么上“云端”</h2>
<p>每到冬春之际，盛泽镇的党员都要参加冬训。过去，冬训多是集中开会、听报告；如今，“学在绸都”党员冬训云微课堂把课程送到了每位党员的手机上。</p>
<p>在云微课堂里，一节课几分钟就能学完：在车间歇班时、在村头的长椅上、在接孩子放学前，都可以学一点。学完一课，进度自动记下，换一部手机也能接着学。</p>
<h3>这里不比什么</h3>
<ul><li>不打卡，不比在线时长；</li><li>不设每日任务，也没有“连续学习”的奖励；</li><li>只记完成的课程和测验。</li></ul>
<p>读完这一页，做一个三道题的小测验，导学课就完成了。</p>`

const firesideArticle = `<h2>一杯茶，一张桌，一个议题</h2>
<p>一方小院，一张小桌，一杯热茶。仁复村的村民、老党员、辖区民警和区政协委员围炉而坐，把冬训的“好声音”和村里的实事放在一起商量。</p>
<p>这次的议题是：仁复新村要不要建设数字乡村5G监控入户项目——“有线管家”。</p>
<blockquote><p>“家家户户装上监控，一旦有盗窃、乱停车，能第一时间追查到，小偷小摸会少很多，村民住着也更安心。”——村民代表</p></blockquote>
<p>也有人担心画面谁能看、保存多久，费用怎么分担，老人不会用手机怎么办。每一种意见都被记下来，摆上桌面。</p>`

const decisionArticle = `<h2>把决定权交给群众</h2>
<p>议事不是走过场。意见收集齐了，支部书记把大家的顾虑逐条回应：监控画面只对本户开放，村里补贴一部分费用，为老人提供上门指导。</p>
<p>最后的决定以<strong>村民自愿</strong>为前提：愿意装的先装，党员带头，不愿意装的不勉强。后续进展定期公开，接受大家监督。</p>
<p>“有事好商量，众人的事情由众人商量”，这就是围炉议事的意义。</p>`

const workshopArticle = `<h2>车间里的课堂</h2>
<p>在恒力化纤工业丝智能车间，冬训课堂就设在生产线旁。“世界500强”车间课堂把党的理论和企业的转型升级连在一起讲：新产品怎么研发，智能车间怎么管理，党员怎样在攻坚任务中当先锋。</p>
<p>盛泽是世界级纺织产业集群所在地，丝绸、化纤、纺织企业星罗棋布。冬训以“织”和“敢”为题：织就产业新篇，发扬敢为、敢闯、敢干、敢首创的“四敢”精神。</p>
<p>课后，请阅读附带的产业集群简介文档。</p>`

const stationArticle = `<h2>暖心驿站</h2>
<p>新时代文明实践站为快递员、外卖骑手、网约车司机等新就业群体开设冬训专场：有热水、有充电宝、有歇脚的地方，也有几分钟就能听完的微党课。</p>
<p>实践站还请新就业群体中的党员分享自己的故事，让更多人了解党组织、走近党组织。</p>`

// textilePDF is a one-page PDF about the textile cluster, built by hand so that the demo
// needs no file: the text is in English because the PDF's standard fonts carry no
// Chinese glyphs.
func textilePDF() []byte {
	lines := []string{
		"The Shengze textile cluster",
		"Shengze, in Wujiang, Suzhou, has been known for silk for centuries.",
		"Today it is home to a world-class cluster of textile, silk and chemical fiber firms.",
		"Winter training takes party members into the workshops, where the lessons",
		"meet the work: new products, smart workshops, and members leading hard tasks.",
	}
	var content bytes.Buffer
	content.WriteString("BT /F1 12 Tf 56 780 Td 16 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", l)
	}
	content.WriteString("ET\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
