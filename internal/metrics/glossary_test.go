package metrics

import (
	"strings"
	"testing"
)

func TestGlossaryDefinesEveryMetric(t *testing.T) {
	for _, k := range append(All(), CartAddRate) {
		term, ok := TermOf(string(k))
		if !ok {
			t.Errorf("metric %s has no glossary term", k)
			continue
		}
		if term.Name != Label(k) {
			t.Errorf("term %s is named %q, the tables call it %q", k, term.Name, Label(k))
		}
	}
	for _, id := range []string{TermShare, TermSearchQuery, TermSearchQueryVolume, TermSearchQueryScore, TermMarket, TermBrandCount,
		TermMarketRates, TermMedianPrice, TermBrandMedianPrice, TermShippingSpeed, TermChange, TermPercentagePoints,
		TermLikeForLike, TermRange, TermWeek, TermMonth, TermQuarter, TermSegments, TermWeeksOfData, TermDiagnosis,
		TermOpportunity, TermUndefined} {
		if _, ok := TermOf(id); !ok {
			t.Errorf("no glossary term %q", id)
		}
	}
}

func TestGlossaryTermsAreUniqueAndDefined(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range Glossary() {
		if g.Title == "" || len(g.Terms) == 0 {
			t.Errorf("empty group %+v", g)
		}
		for _, term := range g.Terms {
			if seen[term.ID] {
				t.Errorf("term %q listed twice", term.ID)
			}
			seen[term.ID] = true
			if term.Name == "" || len(term.Definition) < 20 || !strings.HasSuffix(term.Definition, ".") {
				t.Errorf("term %q: name %q, definition %q", term.ID, term.Name, term.Definition)
			}
		}
	}
}

func TestTermTitleSpellsOutAbbreviations(t *testing.T) {
	ctr, _ := TermOf(string(CTR))
	if got := ctr.Title(); !strings.HasPrefix(got, "CTR (click-through rate): Clicks / impressions") {
		t.Errorf("CTR title %q", got)
	}
	// The diagnosis and opportunity entries are the definitions of their own code, not a second wording.
	d, _ := TermOf(TermDiagnosis)
	if !strings.Contains(DiagnosisDefinition, d.Definition) {
		t.Errorf("diagnosis term %q is not DiagnosisDefinition", d.Definition)
	}
}
