package views

import (
	"context"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// numCell is a number cell of a table with its change, and delta a change alone (a KPI's, a funnel
// step's). They are written here rather than in a template: a query page's ASIN table has up to ten of
// them per ASIN and 290 ASINs on a brand's own name at scale 10, and templ's element machinery (a
// pooled buffer, class processing and an interface conversion per element and text) made up half of
// that page's rendering (docs/performance.md). The markup is the one the templates wrote, to the byte,
// every text and attribute escaped with templ.EscapeString as templ escapes them.
func numCell(c Cell) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var b strings.Builder
		b.Grow(512)
		b.WriteString(`<td class="num" data-metric="`)
		b.WriteString(templ.EscapeString(c.Metric))
		b.WriteString(`" data-value="`)
		b.WriteString(templ.EscapeString(c.Raw))
		b.WriteString(`"><span class="value">`)
		b.WriteString(templ.EscapeString(c.Text))
		b.WriteString(`</span> `)
		if c.HasDelta {
			writeDelta(&b, c.Delta)
		}
		b.WriteString(`</td>`)
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// delta: see numCell.
func delta(d DeltaView) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		var b strings.Builder
		writeDelta(&b, d)
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// writeDelta writes a change: its direction as a class and data-dir (for CSS and tests), the arrow and
// the signed number for the eye, the words for screen readers.
func writeDelta(b *strings.Builder, d DeltaView) {
	b.WriteString(`<span class="delta delta-`)
	b.WriteString(templ.EscapeString(d.Dir))
	b.WriteString(`" data-testid="delta" data-dir="`)
	b.WriteString(templ.EscapeString(d.Dir))
	b.WriteString(`">`)
	if d.Arrow != "" {
		b.WriteString(`<span aria-hidden="true">`)
		b.WriteString(templ.EscapeString(d.Arrow))
		b.WriteString(`</span> `)
	}
	b.WriteString(`<span class="visually-hidden">`)
	b.WriteString(templ.EscapeString(d.Label))
	b.WriteString(`</span> <span aria-hidden="true">`)
	if d.PP != "" {
		b.WriteString(templ.EscapeString(d.PP + " "))
		b.WriteString(`<abbr title="`)
		b.WriteString(templ.EscapeString(ppTitle))
		b.WriteString(`">pp</abbr>`)
	} else {
		b.WriteString(templ.EscapeString(d.Text))
	}
	b.WriteString(`</span></span>`)
}
