package views

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

func renderDoc(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(WithCSRFToken(context.Background(), "tok-123"), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestRefreshPanelView(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 30, 0, time.UTC)
	base := RefreshPanelInput{Now: now, ActionURL: "/admin/refresh", PollURL: "/admin/refresh", CSRFToken: "tok-123"}

	t.Run("idle: an enabled button posting the token, no polling", func(t *testing.T) {
		doc := renderDoc(t, RefreshPanelView(NewRefreshPanel(base)))
		panel := doc.Find(`#refresh-panel`)
		if panel.AttrOr("data-state", "") != "idle" || panel.AttrOr("hx-trigger", "") != "" {
			t.Fatalf("idle panel: state %q, trigger %q", panel.AttrOr("data-state", ""), panel.AttrOr("hx-trigger", ""))
		}
		if _, disabled := doc.Find(`[data-testid="refresh-now"]`).Attr("disabled"); disabled {
			t.Fatal("button disabled while idle")
		}
		form := doc.Find(`form`)
		if form.AttrOr("method", "") != "post" || form.AttrOr("hx-post", "") != "/admin/refresh" ||
			form.Find(`input[name="_csrf"]`).AttrOr("value", "") != "tok-123" {
			t.Fatalf("form: %s", goquery.NodeName(form))
		}
	})

	t.Run("running: disabled button, polling, elapsed time and an estimate from the last duration", func(t *testing.T) {
		in := base
		in.Running = true
		in.Run = refreshlog.Run{Start: now.Add(-30 * time.Second), Trigger: "manual", RequestedBy: "alice@example.com"}
		in.LastDuration = time.Minute
		p := NewRefreshPanel(in)
		if p.Percent != 50 || p.Elapsed != "30.0 s" {
			t.Fatalf("panel = %+v, want 50%% after 30 s of a 1 min refresh", p)
		}
		doc := renderDoc(t, RefreshPanelView(p))
		panel := doc.Find(`#refresh-panel`)
		if panel.AttrOr("data-state", "") != "running" || panel.AttrOr("hx-trigger", "") != "every 1s" || panel.AttrOr("hx-get", "") != "/admin/refresh" {
			t.Fatal("running panel does not poll")
		}
		if _, disabled := doc.Find(`[data-testid="refresh-now"]`).Attr("disabled"); !disabled {
			t.Fatal("button enabled while running")
		}
		if got := doc.Find(`[data-testid="refresh-running"]`).Text(); !strings.Contains(got, "alice@example.com") {
			t.Fatalf("running text %q does not say who started it", got)
		}
		if doc.Find(`progress`).AttrOr("value", "") != "50" {
			t.Fatal("no progress bar at 50")
		}
	})

	t.Run("an estimate never reaches 100 while still running", func(t *testing.T) {
		in := base
		in.Running = true
		in.Run = refreshlog.Run{Start: now.Add(-5 * time.Minute)}
		in.LastDuration = time.Minute
		if p := NewRefreshPanel(in); p.Percent != 99 || !strings.HasPrefix(p.Estimate, "Taking longer than the last refresh") {
			t.Fatalf("panel = %+v, want 99%% and a note that it takes longer", p)
		}
	})

	t.Run("the update after a refresh swaps status and history out of band", func(t *testing.T) {
		doc := renderDoc(t, RefreshPanelUpdate(NewRefreshPanel(base), AdminStatus{}, RefreshHistory{}))
		if doc.Find(`#admin-status[hx-swap-oob="true"]`).Length() != 1 || doc.Find(`#refresh-history[hx-swap-oob="true"]`).Length() != 1 {
			t.Fatal("status and history are not swapped out of band")
		}
		in := base
		in.Running = true
		doc = renderDoc(t, RefreshPanelUpdate(NewRefreshPanel(in), AdminStatus{}, RefreshHistory{}))
		if doc.Find(`[hx-swap-oob]`).Length() != 0 {
			t.Fatal("a running update swaps status or history")
		}
	})
}

func TestNewRefreshHistory(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	rows := int64(1234567)
	runs := []refreshlog.Run{
		{ID: 42, Trigger: "manual", RequestedBy: "alice", Status: refreshlog.StatusSuccess, Start: now.Add(-2 * time.Minute), End: now.Add(-2*time.Minute + 1500*time.Millisecond), RowCount: &rows},
		{ID: 41, Trigger: "schedule", Status: refreshlog.StatusFailed, Start: now.Add(-time.Hour), End: now.Add(-time.Hour + 20*time.Millisecond), Error: "canceling statement due to lock timeout"},
	}
	page := func(p int) string { return "/admin?page=" + strconv.Itoa(p) }
	part := func(p int) string { return "/admin/history?page=" + strconv.Itoa(p) }

	h := NewRefreshHistory(runs, 45, 2, 20, now, page, part)
	if h.Summary != "45 runs · page 2 of 3" || h.PrevURL != "/admin?page=1" || h.NextHXURL != "/admin/history?page=3" {
		t.Fatalf("history = %+v", h)
	}
	if r := h.Rows[0]; r.Rows != "1,234,567" || r.Duration != "1.5 s" || r.ID != "42" {
		t.Fatalf("first row = %+v", r)
	}
	if r := h.Rows[1]; r.Rows != "—" || r.Duration != "20 ms" || r.Error == "" {
		t.Fatalf("second row = %+v", r)
	}
	doc := renderDoc(t, RefreshHistoryView(h, false))
	if n := doc.Find(`[data-testid="history-row"]`).Length(); n != 2 {
		t.Fatalf("%d rows rendered, want 2", n)
	}
	if doc.Find(`tr[data-status="failed"] .error-text`).Text() != "canceling statement due to lock timeout" {
		t.Fatal("the failed run's error is not shown")
	}
	if first := NewRefreshHistory(nil, 0, 1, 20, now, page, part); first.PrevURL != "" || first.NextURL != "" || first.Summary != "0 runs · page 1 of 1" {
		t.Fatalf("empty history = %+v", first)
	}
}

func TestNewAdminStatus(t *testing.T) {
	end := time.Date(2026, 11, 27, 9, 0, 2, 0, time.UTC)
	st := refreshlog.SegmentsStatus{
		Populated: true, Rows: 5200, SizeBytes: 3 << 20, HasSuccess: true, ChangedSince: true,
		LastSuccess:          refreshlog.Run{Start: end.Add(-2 * time.Second), End: end},
		Validation:           `{"violations":[{"check":"x"}]}`,
		ValidationViolations: 1,
		Coverage:             refreshlog.Coverage{Brands: 3, ASINs: 40, Weeks: 52, NewestWeek: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)},
	}
	a := NewAdminStatus(st, refresh.ScheduleState{Every: time.Hour, Next: end.Add(time.Hour)})
	if a.Rows != "5,200" || a.Size != "3.0 MiB" || a.LastDuration != "2.0 s" || !a.Changed || a.ValidationPassed || a.Validation != "1 violation" {
		t.Fatalf("status = %+v", a)
	}
	if a.NewestWeek != "Sun 15 Nov 2026 – Sat 21 Nov 2026" || a.Schedule != "every 1h0m0s" || a.NextRun == "—" {
		t.Fatalf("coverage/schedule = %+v", a)
	}
	off := NewAdminStatus(refreshlog.SegmentsStatus{}, refresh.ScheduleState{})
	if off.Schedule != "off" || off.LastSuccess != "never" || off.NewestWeek != "no data" || off.Validation != "not run yet" {
		t.Fatalf("empty status = %+v", off)
	}
	doc := renderDoc(t, AdminStatusSection(a, false))
	if doc.Find(`[data-testid="segments-changed"]`).AttrOr("data-changed", "") != "true" {
		t.Fatal("changed-since flag not rendered")
	}

	t.Run("the last scheduled run names its instance and outcome, whichever instance renders the page", func(t *testing.T) {
		claimed := time.Date(2026, 11, 27, 10, 0, 3, 0, time.UTC)
		sched := refresh.ScheduleState{Every: time.Hour, Instance: "web-2 (pid 7)", HasLast: true, Last: refreshlog.ScheduleClaim{
			IntervalStart: claimed.Truncate(time.Hour), IntervalEnd: claimed.Truncate(time.Hour).Add(time.Hour),
			ClaimedAt: claimed, ClaimedBy: "web-1 (pid 4242)", FinishedAt: claimed.Add(time.Second), Outcome: "refresh success"}}
		doc := renderDoc(t, AdminStatusSection(NewAdminStatus(st, sched), false))
		want := adminTime(claimed) + " on web-1 (pid 4242) : refresh success"
		if got := strings.Join(strings.Fields(doc.Find(`[data-testid="schedule-last"]`).Text()), " "); got != want {
			t.Fatalf("last scheduled run %q, want %q", got, want)
		}
		if got := doc.Find(`[data-testid="schedule-instance"]`).Text(); got != "web-2 (pid 7)" {
			t.Fatalf("this instance %q", got)
		}
		sched.Last.FinishedAt = time.Time{}
		if got := NewAdminStatus(st, sched).LastRunSay; got != "running" {
			t.Fatalf("an unfinished claim says %q, want running", got)
		}
		if got := NewAdminStatus(st, refresh.ScheduleState{Every: time.Hour}).LastRun; got != "—" {
			t.Fatalf("no claim yet: %q, want —", got)
		}
	})
}
