package schema

import (
	"fmt"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	plan := &Plan{Statements: []Statement{
		{Action: ActionCreate, Kind: KindRole, Object: "reader"},
		{Action: ActionCreate, Kind: KindTable, Object: "shop.orders"},
		{Action: ActionComment, Comment: "comment on table shop.orders"},
		{Action: ActionCreate, Kind: KindIndex, Object: "shop.orders_by_day"},
		// Dropped and created again (a view whose definition changed): changed, not lost.
		{Action: ActionDrop, Kind: KindView, Object: "public.totals"},
		{Action: ActionCreate, Kind: KindView, Object: "public.totals"},
		// Replaced in place.
		{Action: ActionChange, Kind: KindFunction, Object: "public.total(bigint)"},
		{Action: ActionDrop, Kind: KindTrigger, Object: "old_trigger ON shop.orders", Destructive: true},
		{Action: ActionDrop, Kind: KindIndex, Object: "shop.orders_old", Destructive: true},
		{Action: ActionGrant, Object: "TABLE shop.orders"},
		{Action: ActionGrant, Object: "VIEW public.totals"},
		{Action: ActionRevoke, Object: "FUNCTION public.total(bigint)"},
		{SQL: "SELECT 1", Comment: "something unforeseen"},
	}}
	s := Summarize(plan)
	if s.Statements != 13 || s.Destructive != 2 || s.Comments != 1 || s.Grants != 2 || s.Revokes != 1 {
		t.Errorf("counts: %+v", s)
	}
	want := `  created    1 role: reader
             1 table: shop.orders
             1 index: shop.orders_by_day
             1 other statement: something unforeseen
  changed    1 view: public.totals
             1 function: public.total(bigint)
  dropped    1 index: shop.orders_old
             1 trigger: old_trigger ON shop.orders
  and      1 comment, 2 grants, 1 revoke
`
	if got := s.String(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}

func TestSummaryFitsTheScreen(t *testing.T) {
	plan := &Plan{}
	var names []string
	for i := range 40 {
		name := "public.a_rather_long_index_name_number_" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
		names = append(names, name)
		plan.Statements = append(plan.Statements, Statement{Action: ActionCreate, Kind: KindIndex, Object: name})
	}
	plan.Statements = append(plan.Statements, Statement{Action: ActionCreate, Kind: KindProcedure,
		Object: "public.refresh(boolean,text,text,text,bigint,bigint,timestamp with time zone)"})
	out := Summarize(plan).String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per kind, got:\n%s", out)
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > 120 {
			t.Errorf("line of %d characters: %q", n, l)
		}
	}
	procedures, indexes := lines[0], lines[1] // in the summary's order of kinds
	if !strings.HasSuffix(procedures, "1 procedure: public.refresh(…)") {
		t.Errorf("procedure line = %q, want the long signature abbreviated", procedures)
	}
	if !strings.Contains(indexes, "40 indexes: ") || !strings.HasSuffix(indexes, " more") {
		t.Errorf("indexes line = %q, want the count and how many names it left out", indexes)
	}
	// The names shown plus the number left out account for every index.
	shown := strings.Count(indexes, "public.a_rather")
	var more int
	if i := strings.LastIndex(indexes, "and "); i >= 0 {
		_, _ = fmt.Sscan(indexes[i+4:], &more)
	}
	if shown == 0 || shown+more != len(names) {
		t.Errorf("%d names shown + %d more != %d indexes: %q", shown, more, len(names), indexes)
	}
}
