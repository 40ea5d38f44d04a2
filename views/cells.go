package views

import (
	"context"
	"io"

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
		cw := cellWriter{w: w}
		cw.raw(`<td class="num" data-metric="`)
		cw.text(c.Metric)
		cw.raw(`" data-value="`)
		cw.text(c.Raw)
		cw.raw(`"><span class="value">`)
		cw.text(c.Text)
		cw.raw(`</span> `)
		if c.HasDelta {
			writeDelta(&cw, c.Delta)
		}
		cw.raw(`</td>`)
		return cw.err
	})
}

// delta: see numCell.
func delta(d DeltaView) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		cw := cellWriter{w: w}
		writeDelta(&cw, d)
		return cw.err
	})
}

// cellWriter writes the parts of hand-written cells straight into the render's buffer, keeping the
// first error: markup as it is, texts escaped as templ escapes them.
type cellWriter struct {
	w   io.Writer
	err error
}

// raw writes markup.
func (cw *cellWriter) raw(s string) {
	if cw.err == nil {
		_, cw.err = io.WriteString(cw.w, s)
	}
}

// text writes s escaped.
func (cw *cellWriter) text(s string) {
	cw.raw(templ.EscapeString(s))
}

// writeDelta writes a change: its direction as a class and data-dir (for CSS and tests), the arrow and
// the signed number for the eye, the words for screen readers.
func writeDelta(cw *cellWriter, d DeltaView) {
	cw.raw(`<span class="delta delta-`)
	cw.text(d.Dir)
	cw.raw(`" data-testid="delta" data-dir="`)
	cw.text(d.Dir)
	cw.raw(`">`)
	if d.Arrow != "" {
		cw.raw(`<span aria-hidden="true">`)
		cw.text(d.Arrow)
		cw.raw(`</span> `)
	}
	cw.raw(`<span class="visually-hidden">`)
	cw.text(d.Label)
	cw.raw(`</span> <span aria-hidden="true">`)
	if d.PP != "" {
		cw.text(d.PP + " ")
		cw.raw(`<abbr title="`)
		cw.text(ppTitle)
		cw.raw(`">pp</abbr>`)
	} else {
		cw.text(d.Text)
	}
	cw.raw(`</span></span>`)
}
