package schema_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestTry(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	for i := 0; i < 2; i++ {
		var out bytes.Buffer
		res, err := schema.Apply(context.Background(), schema.Options{ConfigFile: "testdata/atlas.hcl", Env: "test", URL: url, Out: &out, AutoApprove: true})
		t.Logf("run %d:\n%s", i, out.String())
		if err != nil {
			t.Fatal(err)
		}
		_ = res
	}
}
