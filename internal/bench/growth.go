package bench

import (
	"fmt"
	"io"
	"math"
)

// growthFigure is one figure followed from scale to scale in the growth table.
type growthFigure struct {
	name string
	unit string
	// value returns the figure at one scale; ok is false when it was not measured there.
	value func(s ScaleResult) (v float64, ok bool)
	// why says what the figure is proportional to, so that a deviation from it stands out.
	why string
}

// growthFigures are the figures of the growth table: refreshes, imports, pages cold and cached, memory.
var growthFigures = []growthFigure{
	{"SQP rows", "rows", func(s ScaleResult) (float64, bool) { return float64(s.Dataset.SQPRows), s.Dataset.SQPRows > 0 },
		"the data"},
	{"concurrent refresh of brand_product_segments after a change", "ms", func(s ScaleResult) (float64, bool) {
		r, ok := s.refresh(OurView, true, true, "")
		return r.MedianMs, ok && len(r.Runs) > 0
	}, "the view's rows: the query, the duplicate check and the diff read all of them"},
	{"procedure after the newest week changed", "ms", func(s ScaleResult) (float64, bool) { return summaryValue(s.ChangedRefresh) },
		"the product view's rows plus the changed weeks of the brand level"},
	{"procedure, forced", "ms", func(s ScaleResult) (float64, bool) { return summaryValue(s.ForcedRefresh) },
		"the data: everything is rebuilt"},
	{"import of one new week", "ms", func(s ScaleResult) (float64, bool) { return summaryValue(s.ImportWeek) },
		"one week's rows, plus index maintenance that grows with the tables' depth"},
	{"procedure after that import", "ms", func(s ScaleResult) (float64, bool) { return summaryValue(s.RefreshAfterImport) },
		"as the procedure after a change"},
	{"expansion partial, first request, p50", "ms", firstP50(expansionPage),
		"one product's rows: constant"},
	{"expansion partial, cached, p50 at 1 client", "ms", loadP50(expansionPage, 1), "constant"},
	{"expansion partial, cached, req/s at 64 clients", "req/s", loadRate(expansionPage, 64), "constant"},
	{"brand page, first request, p50", "ms", firstP50("brand page"), "one brand's products (grows with brand size)"},
	{"brand page, cached, p50 at 1 client", "ms", loadP50("brand page", 1), "constant"},
	{"query view (13 weeks), first request, p50", "ms", firstP50(QueryViewPage), "one brand's search queries"},
	{"query view (13 weeks), cached, p50 at 1 client", "ms", loadP50(QueryViewPage, 1), "constant"},
	{"query page (13 weeks), first request, p50", "ms", firstP50(QueryPage), "the ASINs that report the query"},
	{"server peak RSS", "MB", func(s ScaleResult) (float64, bool) {
		return float64(s.PeakRSSBytes) / (1 << 20), s.PeakRSSBytes > 0
	}, "bounded by the response cache and GOMEMLIMIT: constant"},
	{"database size", "MB", func(s ScaleResult) (float64, bool) {
		return float64(s.DatabaseBytes) / (1 << 20), s.DatabaseBytes > 0
	}, "the data"},
}

func summaryValue(s Summary) (float64, bool) { return s.MedianMs, len(s.Runs) > 0 }

func firstP50(page string) func(ScaleResult) (float64, bool) {
	return func(s ScaleResult) (float64, bool) {
		r, ok := s.httpFirst(page)
		return r.P50ms, ok
	}
}

func loadP50(page string, clients int) func(ScaleResult) (float64, bool) {
	return func(s ScaleResult) (float64, bool) {
		r, ok := s.http(page, clients)
		return r.P50ms, ok
	}
}

func loadRate(page string, clients int) func(ScaleResult) (float64, bool) {
	return func(s ScaleResult) (float64, bool) {
		r, ok := s.http(page, clients)
		return r.PerSec, ok
	}
}

// growthExponent is how a figure grows against the data between two scales: 1 is linear (10x the data,
// 10x the time), 0 constant, above 1 faster than the data. It is log(figure ratio) / log(data ratio).
func growthExponent(from, to, dataFrom, dataTo float64) (float64, bool) {
	if from <= 0 || to <= 0 || dataFrom <= 0 || dataTo <= dataFrom {
		return 0, false
	}
	return math.Log(to/from) / math.Log(dataTo/dataFrom), true
}

// growthVerdict names an exponent in words.
func growthVerdict(e float64) string {
	switch {
	case e < 0.25:
		return "flat"
	case e < 0.8:
		return "sublinear"
	case e <= 1.2:
		return "linear"
	default:
		return "**faster than the data**"
	}
}

// writeGrowth writes, for each figure, its value at every scale and how it grew between neighbouring
// scales against the growth of the data (SQP rows).
func writeGrowth(w io.Writer, scales []ScaleResult) error {
	var err error
	p := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	p("\n## How each figure grows with the data\n\n")
	p("Growth exponent between neighbouring scales: log(figure ratio) / log(SQP rows ratio); 1 = linear, 0 = flat, above 1.2 = faster than the data. For req/s a falling figure is the cost growing.\n\n")
	p("| figure | proportional to |")
	for _, s := range scales {
		p(" scale %g |", s.Dataset.Scale)
	}
	for i := 1; i < len(scales); i++ {
		p(" %g → %g |", scales[i-1].Dataset.Scale, scales[i].Dataset.Scale)
	}
	p("\n|---|---|")
	for range 2*len(scales) - 1 {
		p("---|")
	}
	p("\n")
	for _, f := range growthFigures {
		p("| %s (%s) | %s |", f.name, f.unit, f.why)
		for _, s := range scales {
			if v, ok := f.value(s); ok {
				p(" %s |", growthNumber(v))
			} else {
				p(" – |")
			}
		}
		for i := 1; i < len(scales); i++ {
			a, okA := f.value(scales[i-1])
			b, okB := f.value(scales[i])
			e, ok := growthExponent(a, b, float64(scales[i-1].Dataset.SQPRows), float64(scales[i].Dataset.SQPRows))
			if !okA || !okB || !ok {
				p(" – |")
				continue
			}
			if f.unit == "req/s" {
				e = -e
			}
			p(" ×%.2f: %.2f, %s |", b/a, e, growthVerdict(e))
		}
		p("\n")
	}
	return err
}

// growthNumber prints a figure with as many digits as it needs.
func growthNumber(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
