package views

import (
	"bytes"
	"context"
	"testing"
)

// TestNumCellMarkup pins the markup numCell and delta write by hand (cells.go) to what the templates
// wrote before, escaping included: the browser and accessibility tests read it.
func TestNumCellMarkup(t *testing.T) {
	render := func(c Cell) string {
		var b bytes.Buffer
		if err := numCell(c).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	cases := []struct {
		cell Cell
		want string
	}{
		{Cell{Metric: "impressions", Text: "1,234", Raw: "1234"},
			`<td class="num" data-metric="impressions" data-value="1234"><span class="value">1,234</span> </td>`},
		{Cell{Metric: "clicks", Text: "12", Raw: "12", HasDelta: true, Delta: DeltaView{Text: "−4.1%", Dir: "down", Arrow: "▼", Label: "down 4.1%"}},
			`<td class="num" data-metric="clicks" data-value="12"><span class="value">12</span> <span class="delta delta-down" data-testid="delta" data-dir="down"><span aria-hidden="true">▼</span> <span class="visually-hidden">down 4.1%</span> <span aria-hidden="true">−4.1%</span></span></td>`},
		{Cell{Metric: "ctr", Text: "2.42%", Raw: "2.42", HasDelta: true, Delta: DeltaView{Text: "+1.2 pp", Dir: "unfair", Label: "not like-for-like", PP: "+1.2"}},
			`<td class="num" data-metric="ctr" data-value="2.42"><span class="value">2.42%</span> <span class="delta delta-unfair" data-testid="delta" data-dir="unfair"><span class="visually-hidden">not like-for-like</span> <span aria-hidden="true">+1.2 <abbr title="percentage points: the difference of two percentages">pp</abbr></span></span></td>`},
		{Cell{Metric: `m"<&`, Text: `t<&>"'`, HasDelta: true, Delta: DeltaView{Text: `<b>`, Dir: "none", Label: `x'y`}},
			`<td class="num" data-metric="m&#34;&lt;&amp;" data-value=""><span class="value">t&lt;&amp;&gt;&#34;&#39;</span> <span class="delta delta-none" data-testid="delta" data-dir="none"><span class="visually-hidden">x&#39;y</span> <span aria-hidden="true">&lt;b&gt;</span></span></td>`},
	}
	for _, c := range cases {
		if got := render(c.cell); got != c.want {
			t.Errorf("numCell(%+v):\n got %s\nwant %s", c.cell, got, c.want)
		}
	}
}
