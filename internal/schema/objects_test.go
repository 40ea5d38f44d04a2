package schema

import (
	"slices"
	"testing"
)

func TestOrderNodes(t *testing.T) {
	names := func(nodes []*objectNode) (out []string) {
		for _, n := range nodes {
			out = append(out, n.ref)
		}
		return out
	}
	t.Run("an object follows what its SQL names and what it depends on", func(t *testing.T) {
		nodes := []*objectNode{
			{ref: "view.report", name: "report", text: "SELECT * FROM public.totals WHERE public.score(x) > 0"},
			{ref: "function.score", name: "score", text: "SELECT $1 * 2"},
			{ref: "materialized.totals", name: "totals", text: "SELECT 1 AS x", deps: []string{"function.helper"}},
			{ref: "function.helper", name: "helper", text: "SELECT 1"},
		}
		got, err := orderNodes(nodes, true)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"function.score", "function.helper", "materialized.totals", "view.report"}
		if !slices.Equal(names(got), want) {
			t.Errorf("order %v, want %v", names(got), want)
		}
	})
	t.Run("a longer name that contains another is not a mention", func(t *testing.T) {
		nodes := []*objectNode{
			{ref: "function.totals_last", name: "totals_last", text: "SELECT 1"},
			{ref: "materialized.totals", name: "totals", text: "SELECT public.totals_last()"},
		}
		got, err := orderNodes(nodes, true)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"function.totals_last", "materialized.totals"}; !slices.Equal(names(got), want) {
			t.Errorf("order %v, want %v", names(got), want)
		}
	})
	t.Run("a cycle is an error", func(t *testing.T) {
		nodes := []*objectNode{
			{ref: "view.a", name: "a", what: "view a", deps: []string{"view.b"}},
			{ref: "view.b", name: "b", what: "view b", deps: []string{"view.a"}},
		}
		if _, err := orderNodes(nodes, true); err == nil {
			t.Error("want a cycle error")
		}
	})
}

func TestIdent(t *testing.T) {
	// Always quoted: "window" and "between" are keywords PostgreSQL reads only quoted, which a partial list
	// of reserved words missed; a quote in a name is doubled.
	for in, want := range map[string]string{"brands": `"brands"`, "Brands": `"Brands"`, "user": `"user"`, "window": `"window"`,
		"between": `"between"`, `a"b`: `"a""b"`, `it's "x"`: `"it's ""x"""`, "1x": `"1x"`} {
		if got := ident(in); got != want {
			t.Errorf("ident(%q) = %s, want %s", in, got, want)
		}
	}
	if got, want := qident("shop", `or"der`), `"shop"."or""der"`; got != want {
		t.Errorf("qident = %s, want %s", got, want)
	}
}
