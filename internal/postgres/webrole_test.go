package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
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
		`DELETE FROM public.brand_query_weeks`,
		`INSERT INTO public.brand_marketplace_segments SELECT * FROM public.brand_marketplace_segments`,
		`SELECT public.brand_level_refresh(true)`,
		`DELETE FROM public.brand_slice_changes`,
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
		// Issue 11 item 6: no rewriting report values outside an import, no reading or clearing its staging.
		`UPDATE sqp.search_query_performance SET asin_click_count = 0, asin_purchase_count = 0`,
		`UPDATE sqp.search_query_performance SET search_query = 'x'`,
		`UPDATE sqp.asin_performance_data SET start_date = start_date + 7`,
		`SELECT * FROM sqp.import_staging`,
		`DELETE FROM sqp.import_staging`,
		`TRUNCATE sqp.import_staging`,
		// Issue 14: the report totals are the triggers' to write, never the web role's.
		`INSERT INTO sqp.report_totals (asin_performance_id) VALUES (1)`,
		`UPDATE sqp.report_totals SET asin_purchases = 0`,
		`DELETE FROM sqp.report_totals`,
		`TRUNCATE sqp.report_totals`,
		`SELECT sqp.report_totals_recompute(NULL)`,
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
		{"read the brand's query view and a query's ASINs", func() error {
			brands, err := web.ActiveBrands(ctx)
			if err != nil || len(brands) == 0 {
				return fmt.Errorf("brands %v: %w", brands, err)
			}
			r := period.Range{From: week, To: week.AddDate(0, 0, 6)}
			page, err := web.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: brands[0].ID, Marketplace: "US", Range: r, Sort: sqp.BrandQuerySortVolume})
			if err == nil && page.Total != 1 {
				return fmt.Errorf("%d queries, want 1", page.Total)
			}
			if err != nil {
				return err
			}
			_, err = web.BrandQueryASINs(ctx, sqp.QueryASINFilter{BrandID: brands[0].ID, Marketplace: "US", Query: "anvil", Range: r, Base: &r,
				Sort: sqp.QueryASINSortKey(metrics.Purchases), Desc: true, Limit: 25})
			return err
		}},
		{"set and read a brand's terms", func() error {
			brands, err := web.ActiveBrands(ctx)
			if err != nil || len(brands) == 0 {
				return fmt.Errorf("brands %v: %w", brands, err)
			}
			if err := web.SetBrandTerms(ctx, brands[0].ID, []string{"acme", "acme pro"}); err != nil {
				return err
			}
			b, err := web.Brand(ctx, brands[0].ID)
			if err == nil && len(b.Terms) != 2 {
				return fmt.Errorf("terms %q after setting two", b.Terms)
			}
			return err
		}},
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
		{"claim, finish and read an interval of the schedule", func() error {
			claim, ok, err := web.ClaimScheduleInterval(ctx, time.Time{}, time.Hour, "test")
			if err != nil || !ok {
				return fmt.Errorf("claimed %t: %w", ok, err)
			}
			if err := web.FinishScheduleInterval(ctx, claim, "nothing changed"); err != nil {
				return err
			}
			_, _, err = web.LastScheduleClaim(ctx)
			return err
		}},
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

// TestWebRoleChangesReportRowsOnlyByImport: the web role can change or delete stored report rows only by
// replacing an ASIN-week's query set with rows it staged in the same transaction, as an import does.
func TestWebRoleChangesReportRowsOnlyByImport(t *testing.T) {
	owner, web := openAsWebRole(t)
	ctx := context.Background()
	week := time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)
	report := func(asin string, queries ...string) sqp.WeeklyReport {
		r := sqp.WeeklyReport{ASIN: asin, Marketplace: "US", WeekStart: week, WeekEnd: week.AddDate(0, 0, 6)}
		for i, q := range queries {
			r.Queries = append(r.Queries, sqp.QueryRow{SearchQuery: q, TotalQueryImpressionCount: 100, ASINImpressionCount: int64(10 + i), ASINClickCount: 3})
		}
		return r
	}
	if _, err := web.ImportWeeklyReports(ctx, []sqp.WeeklyReport{
		report("B0ACME0001", "anvil", "anvil stand", "hammer"),
		report("B0ACME0002", "rope", "rocket"),
	}); err != nil {
		t.Fatal(err)
	}
	// Every stored value an attacker could zero or delete, as one string.
	stored := func(t *testing.T) string {
		t.Helper()
		var s string
		q := `SELECT string_agg(concat_ws(':', a.asin, q.search_query, q.asin_impression_count, q.asin_click_count), ',' ORDER BY a.asin, q.search_query)
		      FROM sqp.search_query_performance q JOIN sqp.asin_performance_data a ON a.id = q.asin_performance_id`
		if err := owner.pool.QueryRow(ctx, q).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := stored(t)
	if n := strings.Count(before, ","); n != 4 {
		t.Fatalf("stored rows %q, want 5", before)
	}
	const stageFake = `INSERT INTO sqp.import_staging (asin_performance_id, search_query, asin_click_count)
	                   SELECT id, 'x', 0 FROM sqp.asin_performance_data`
	t.Run("the old delete with a fake kept query per week is gone", func(t *testing.T) {
		_, err := web.pool.Exec(ctx, `SELECT sqp.import_delete_unreported(ARRAY(SELECT id FROM sqp.asin_performance_data),
			ARRAY(SELECT id FROM sqp.asin_performance_data), ARRAY(SELECT 'x' FROM sqp.asin_performance_data))`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42883" {
			t.Errorf("err = %v, want undefined_function (42883)", err)
		}
		if after := stored(t); after != before {
			t.Errorf("stored rows %q, want %q", after, before)
		}
	})
	t.Run("a merge with nothing staged changes nothing", func(t *testing.T) {
		var deleted, updated, inserted int64
		err := web.pool.QueryRow(ctx, `SELECT deleted, updated, inserted FROM sqp.import_merge_staged()`).Scan(&deleted, &updated, &inserted)
		if err != nil || deleted+updated+inserted != 0 {
			t.Errorf("deleted %d, updated %d, inserted %d (%v), want nothing", deleted, updated, inserted, err)
		}
		if after := stored(t); after != before {
			t.Errorf("stored rows %q, want %q", after, before)
		}
	})
	t.Run("rows staged by an earlier transaction are never merged", func(t *testing.T) {
		if _, err := web.pool.Exec(ctx, stageFake); err != nil {
			t.Fatal(err)
		}
		var deleted, updated, inserted int64
		err := web.pool.QueryRow(ctx, `SELECT deleted, updated, inserted FROM sqp.import_merge_staged()`).Scan(&deleted, &updated, &inserted)
		if err != nil || deleted+updated+inserted != 0 {
			t.Errorf("deleted %d, updated %d, inserted %d (%v), want nothing", deleted, updated, inserted, err)
		}
		if after := stored(t); after != before {
			t.Errorf("stored rows %q, want %q", after, before)
		}
		var left int
		if err := owner.pool.QueryRow(ctx, `SELECT count(*) FROM sqp.import_staging`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d staged rows left (%v), want the merge to clear them", left, err)
		}
	})
	t.Run("a query staged twice is refused", func(t *testing.T) {
		tx, err := web.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, stageFake+` UNION ALL SELECT id, 'x', 0 FROM sqp.asin_performance_data`); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, `SELECT sqp.import_merge_staged()`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
			t.Errorf("err = %v, want unique_violation (23505)", err)
		}
	})
	t.Run("a re-import that changes, drops and adds queries", func(t *testing.T) {
		r := report("B0ACME0001", "anvil", "hammer", "tongs")
		r.Queries[1].ASINClickCount = 7 // hammer: changed; anvil: unchanged; anvil stand: dropped; tongs: new
		r.Queries[1].ASINImpressionCount = 12
		counts, err := web.ImportWeeklyReports(ctx, []sqp.WeeklyReport{r})
		if err != nil {
			t.Fatal(err)
		}
		want := sqp.ImportCounts{ASINWeeksChanged: 1, QueryRowsDeleted: 1, QueryRowsUpdated: 1, QueryRowsInserted: 1}
		if counts != want {
			t.Errorf("counts %+v, want %+v", counts, want)
		}
		wantRows := "B0ACME0001:anvil:10:3,B0ACME0001:hammer:12:7,B0ACME0001:tongs:12:3,B0ACME0002:rocket:11:3,B0ACME0002:rope:10:3"
		if after := stored(t); after != wantRows {
			t.Errorf("stored rows %q, want %q (the other ASIN untouched)", after, wantRows)
		}
		// The web role has no right on sqp.report_totals: its import reaches it through the definer triggers.
		var totals string
		if err := owner.pool.QueryRow(ctx, `
			SELECT string_agg(format('%s %s %s %s %s', a.asin, t.query_rows, t.asin_impressions, t.asin_clicks, t.top_queries), ', ' ORDER BY a.asin)
			  FROM sqp.report_totals t JOIN sqp.asin_performance_data a ON a.id = t.asin_performance_id`).Scan(&totals); err != nil {
			t.Fatal(err)
		}
		// Clicks tie (3) except hammer's 7; the query text ranks the rest.
		if want := "B0ACME0001 3 34 13 {hammer,anvil,tongs}, B0ACME0002 2 21 6 {rocket,rope}"; totals != want {
			t.Errorf("report totals after the web role's re-import: %q, want %q", totals, want)
		}
		again, err := web.ImportWeeklyReports(ctx, []sqp.WeeklyReport{r})
		if err != nil || again != (sqp.ImportCounts{ASINWeeksUnchanged: 1}) {
			t.Errorf("re-importing the same report: counts %+v (%v), want one unchanged ASIN-week", again, err)
		}
	})
}
