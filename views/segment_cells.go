package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// segmentCells writes the figures of a segment row (segmentRow in dashboard.templ), one
// <td>value<span class="dir">change</span></td> per cell: the span's class gives the colour and, through
// CSS, the arrow; its text says the direction itself ("+", "−"), so screen readers need no copy of it.
//
// It is written in Go rather than in templ because templ formats every { expression } through fmt.Sprint,
// two allocations per text, and a year of weeks has about 1,150 of them: a tenth of the server's CPU per
// uncached expansion (docs/performance.md, "The cold expansion"). The texts are escaped as templ escapes
// them; the golden file of an expanded row pins the markup.
func segmentCells(cells []SegmentCell) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		cw := cellWriter{w: w}
		for _, c := range cells {
			cw.raw("<td>")
			cw.text(c.Text)
			cw.raw(`<span class="`)
			cw.text(c.Dir)
			cw.raw(`">`)
			cw.text(c.Change)
			cw.raw("</span></td>")
		}
		return cw.err
	})
}
