package views

import "github.com/sqpdash/sqpdash/internal/metrics"

// GlossaryPath is the URL of the glossary page. The route table serves the page at this path, and the
// views link each header to its entry (GlossaryPath#id) without a round trip through the router: the
// page has no parameters, so the path is the whole URL.
const GlossaryPath = "/glossary"

// TermLink is a header's way to its definition: the glossary entry's URL, the definition as a tooltip,
// the spelled-out name of an abbreviated header, and words for screen readers.
type TermLink struct {
	URL       string // "/glossary#ctr"; "" when the header has no glossary entry
	Title     string // "CTR (click-through rate): Clicks / impressions, in %: ..."
	Expansion string // "click-through rate" for the header "CTR"; "" when not abbreviated
	Label     string // "Definition of CTR"
}

// columnTerms maps column keys that are not metric keys to their glossary entries.
var columnTerms = map[string]string{
	"query":    metrics.TermSearchQuery,
	"segments": metrics.TermSegments,
}

// termLink is the link to the glossary entry of id (a metric key, a column key or a metrics.Term*
// constant); the zero TermLink when the glossary has no such entry.
func termLink(id string) TermLink {
	if alias, ok := columnTerms[id]; ok {
		id = alias
	}
	t, ok := metrics.TermOf(id)
	if !ok {
		return TermLink{}
	}
	return TermLink{URL: GlossaryPath + "#" + t.ID, Title: t.Title(), Expansion: t.Expansion, Label: "Definition of " + t.Name}
}

// GlossaryPage is the glossary: every figure and word of the dashboard with its one definition.
type GlossaryPage struct {
	Shell  Shell
	Groups []GlossaryGroup
}

// GlossaryGroup is a section of the glossary.
type GlossaryGroup struct {
	ID    string
	Title string
	Terms []GlossaryEntry
}

// GlossaryEntry is one term; ID is its anchor.
type GlossaryEntry struct {
	ID         string
	Name       string
	Expansion  string
	Definition string
}

// NewGlossaryPage builds the glossary page from metrics.Glossary, the definitions the headers use.
func NewGlossaryPage(shell Shell) GlossaryPage {
	p := GlossaryPage{Shell: shell}
	for i, g := range metrics.Glossary() {
		group := GlossaryGroup{ID: "group-" + string(rune('a'+i)), Title: g.Title}
		for _, t := range g.Terms {
			group.Terms = append(group.Terms, GlossaryEntry{ID: t.ID, Name: t.Name, Expansion: t.Expansion, Definition: t.Definition})
		}
		p.Groups = append(p.Groups, group)
	}
	return p
}
