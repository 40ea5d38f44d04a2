package postgres

import (
	"bytes"
	"context"
	"testing"

	"github.com/sqpdash/sqpdash/internal/pgtest"
)

func TestServerSecretIsSharedAndStable(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	one, two := openTestDB(t, url), openTestDB(t, url)
	first, err := one.ServerSecret(ctx, "csrf")
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 32 {
		t.Fatalf("secret of %d bytes, want at least 32", len(first))
	}
	t.Run("another process gets the same secret", func(t *testing.T) {
		again, err := two.ServerSecret(ctx, "csrf")
		if err != nil || !bytes.Equal(again, first) {
			t.Errorf("second process got %x (%v), want the first one's", again, err)
		}
	})
	t.Run("another name gets another secret", func(t *testing.T) {
		other, err := one.ServerSecret(ctx, "other")
		if err != nil || bytes.Equal(other, first) {
			t.Errorf("secret %q = %x (%v), want one of its own", "other", other, err)
		}
	})
}
