package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// openAsWebRole returns the owner connection and a connection as WebRole to a fresh database.
func openAsWebRole(t *testing.T) (owner, web *DB) {
	t.Helper()
	if os.Getenv(pgtest.DatabaseURLEnv) != "" {
		t.Skip("the web role logs in without a password only on the private test cluster")
	}
	ctx := context.Background()
	ownerURL := pgtest.NewDatabase(t)
	owner = openTestDB(t, ownerURL)
	if err := owner.EnableLogin(ctx, WebRole); err != nil {
		t.Fatal(err)
	}
	webURL, err := URLAsRole(ownerURL, WebRole)
	if err != nil {
		t.Fatal(err)
	}
	web = openTestDB(t, webURL)
	var user string
	if err := web.pool.QueryRow(ctx, `SELECT current_user`).Scan(&user); err != nil || user != WebRole {
		t.Fatalf("connected as %q (%v), want %s", user, err, WebRole)
	}
	return owner, web
}

func TestWebRoleCannotChangeTheSchema(t *testing.T) {
	_, web := openAsWebRole(t)
	ctx := context.Background()
	for _, stmt := range []string{
		`DROP TABLE public.brands`,
		`DROP TABLE sqp.search_query_performance`,
		`DROP TABLE public.app_users`,
		`ALTER TABLE public.brands ADD COLUMN evil int`,
		`ALTER TABLE public.app_sessions DROP CONSTRAINT app_sessions_user_id_fkey`,
		`TRUNCATE public.brands`,
		`TRUNCATE public.app_users`,
		`DROP MATERIALIZED VIEW public.brand_product_segments`,
		`ALTER MATERIALIZED VIEW public.brand_product_segments RENAME TO evil`,
		`REFRESH MATERIALIZED VIEW public.brand_product_segments`,
		`DROP VIEW public.brand_performance_enhanced`,
		`DROP PROCEDURE public.refresh_brand_product_segments`,
		`CREATE TABLE public.evil (id int)`,
		`CREATE TABLE sqp.evil (id int)`,
		`CREATE SCHEMA evil`,
		`CREATE FUNCTION public.evil() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
		`ALTER ROLE sqpdash_web SUPERUSER`,
		`CREATE ROLE evil LOGIN SUPERUSER`,
		// Data it has no business changing: users and grants are the CLI's, the log is an audit trail.
		`INSERT INTO public.app_users (email, role, password_hash) VALUES ('evil@example.com', 'admin', 'x')`,
		`DELETE FROM public.app_users`,
		`DELETE FROM public.materialized_view_refresh_log`,
		`DELETE FROM public.brands`,
		`UPDATE public.segment_source_counter SET change_seq = 0`,
		`INSERT INTO public.app_user_brands (user_id, brand_id) SELECT gen_random_uuid(), gen_random_uuid()`,
		// The security review's findings (issue "Hardening II", item 6) and their neighbours.
		`UPDATE public.app_users SET role = 'admin'`,
		`UPDATE public.app_users SET password_hash = 'x'`,
		`UPDATE public.app_users SET is_active = true`,
		`UPDATE public.materialized_view_refresh_log SET status = 'success'`,
		`INSERT INTO public.materialized_view_refresh_log (view_name, refresh_start, status) VALUES ('brand_product_segments', now(), 'success')`,
		`DELETE FROM sqp.search_query_performance`,
		`DELETE FROM sqp.asin_performance_data`,
		`UPDATE public.app_server_secrets SET secret = '\x00'`,
		`DELETE FROM public.app_server_secrets`,
	} {
		t.Run(stmt+" is refused", func(t *testing.T) {
			_, err := web.pool.Exec(ctx, stmt)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
				t.Errorf("err = %v, want insufficient_privilege (42501)", err)
			}
		})
	}
}

// TestWebRoleCanServe runs, as the web role, every kind of storage call the web server makes: the grants
// must be enough for the pages, sign-in, the refresh and the admin upload.
func TestWebRoleCanServe(t *testing.T) {
	owner, web := openAsWebRole(t)
	ctx := context.Background()
	hash := "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"
	u, err := owner.CreateUser(ctx, NewUser{Email: "ann@example.com", Role: account.RoleAdmin, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	week := time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)
	now := time.Now()
	_, tokenHash, _ := auth.NewToken()
	steps := []struct {
		name string
		run  func() error
	}{
		{"import a brand mapping", func() error {
			_, err := web.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: "B0ACME0001", Brand: "acme", ProductTitle: "Anvil", Active: true}})
			return err
		}},
		{"import a weekly report", func() error {
			_, err := web.ImportWeeklyReports(ctx, []sqp.WeeklyReport{{ASIN: "B0ACME0001", Marketplace: "US", WeekStart: week, WeekEnd: week.AddDate(0, 0, 6),
				Queries: []sqp.QueryRow{{SearchQuery: "anvil", TotalQueryImpressionCount: 100, ASINImpressionCount: 10}}}})
			return err
		}},
		{"refresh the segments", func() error {
			out, err := web.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerManual, RequestedBy: "test", Force: true})
			if err == nil && out.Status != refreshlog.StatusSuccess {
				return errors.New("refresh status " + string(out.Status) + ": " + out.Error)
			}
			return err
		}},
		{"read the refresh history and status", func() error {
			if _, _, err := web.RefreshHistory(ctx, 10, 0); err != nil {
				return err
			}
			_, err := web.SegmentsStatus(ctx)
			return err
		}},
		{"list brands", func() error { _, err := web.ActiveBrands(ctx); return err }},
		{"read credentials", func() error { _, _, err := web.UserCredentials(ctx, u.Email); return err }},
		{"count and record login attempts", func() error {
			if _, err := web.FailedLogins(ctx, u.Email, "192.0.2.1", now.Add(-time.Minute)); err != nil {
				return err
			}
			return web.RecordLoginAttempt(ctx, account.LoginAttempt{Email: u.Email, IP: "192.0.2.1", Succeeded: true, At: now})
		}},
		{"open, read, touch and delete a session", func() error {
			if err := web.CreateSession(ctx, account.Session{TokenHash: tokenHash, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				return err
			}
			if _, _, err := web.SessionUser(ctx, tokenHash); err != nil {
				return err
			}
			if err := web.TouchSession(ctx, tokenHash, now.Add(time.Minute)); err != nil {
				return err
			}
			return web.DeleteSession(ctx, tokenHash)
		}},
		{"mark a login", func() error { return web.MarkLogin(ctx, u.ID, now) }},
		{"re-import the week with another query (the import's delete)", func() error {
			counts, err := web.ImportWeeklyReports(ctx, []sqp.WeeklyReport{{ASIN: "B0ACME0001", Marketplace: "US", WeekStart: week, WeekEnd: week.AddDate(0, 0, 6),
				Queries: []sqp.QueryRow{{SearchQuery: "anvil stand", TotalQueryImpressionCount: 100, ASINImpressionCount: 10}}}})
			if err == nil && counts.QueryRowsDeleted != 1 {
				return fmt.Errorf("deleted %d query rows, want 1", counts.QueryRowsDeleted)
			}
			return err
		}},
		{"share the CSRF key", func() error { _, err := web.ServerSecret(ctx, "csrf"); return err }},
		{"queue and settle a follow-up refresh", func() error {
			if err := web.QueueRefresh(ctx, refreshlog.Request{Trigger: refreshlog.TriggerImport, RequestedBy: "test"}); err != nil {
				return err
			}
			_, _, err := web.SettleQueuedRefresh(ctx, time.Now().Add(time.Hour))
			return err
		}},
		{"record refreshes that ended", func() error {
			if _, err := web.FailOrphanedRefreshes(ctx, "test"); err != nil {
				return err
			}
			return web.CancelRefresh(ctx, 1, "test")
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.run(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("the import's delete cannot empty a week", func(t *testing.T) {
		_, err := web.pool.Exec(ctx, `SELECT sqp.import_delete_unreported(ARRAY(SELECT id FROM sqp.asin_performance_data), '{}', '{}')`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "22023" {
			t.Errorf("err = %v, want invalid_parameter_value (22023)", err)
		}
		var n int
		if err := owner.pool.QueryRow(ctx, `SELECT count(*) FROM sqp.search_query_performance`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d query rows left (%v), want 1", n, err)
		}
	})
	t.Run("a refresh log row cannot be rewritten through the log functions", func(t *testing.T) {
		var before, after string
		q := `SELECT string_agg(id || status || coalesce(row_count::text, ''), ',' ORDER BY id) FROM public.materialized_view_refresh_log`
		if err := owner.pool.QueryRow(ctx, q).Scan(&before); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			`SELECT public.refresh_log_finish(id, 'failed', now(), 0, 0, 'forged', NULL, NULL) FROM public.materialized_view_refresh_log`,
			`SELECT public.refresh_log_close_ended('failed', 'forged', NULL)`,
		} {
			if _, err := web.pool.Exec(ctx, stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
		if _, err := web.pool.Exec(ctx, `SELECT public.refresh_log_begin('sql', 'evil', false)`); err == nil {
			t.Error("refresh_log_begin logged a run for a session without the refresh lock")
		}
		if err := owner.pool.QueryRow(ctx, q).Scan(&after); err != nil || after != before {
			t.Errorf("log before %q, after %q (%v)", before, after, err)
		}
	})
	t.Run("a password hash cannot be upgraded", func(t *testing.T) {
		err := web.UpgradePasswordHash(ctx, u.ID, hash, hash+"x")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("err = %v, want insufficient_privilege (42501)", err)
		}
	})
}
