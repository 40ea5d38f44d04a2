package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestAssignRequestID(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(WithRequestID(slog.NewJSONHandler(&logs, nil)))
	e := echo.New()
	e.Use(assignRequestID())
	e.GET("/", func(c echo.Context) error {
		log.InfoContext(c.Request().Context(), "inside")
		return c.String(http.StatusOK, RequestIDFrom(c.Request().Context()))
	})
	do := func(incoming string) (header, body string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if incoming != "" {
			req.Header.Set(echo.HeaderXRequestID, incoming)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Header().Get(echo.HeaderXRequestID), rec.Body.String()
	}

	t.Run("a new id is made, sent back and logged", func(t *testing.T) {
		logs.Reset()
		h, body := do("")
		if len(h) != 24 || h != body {
			t.Fatalf("header %q, handler saw %q", h, body)
		}
		if !strings.Contains(logs.String(), `"request_id":"`+h+`"`) {
			t.Fatalf("log line lacks the id: %s", logs.String())
		}
		if h2, _ := do(""); h2 == h {
			t.Fatal("two requests got the same id")
		}
	})
	t.Run("a proxy's plain id is kept", func(t *testing.T) {
		if h, _ := do("lb-4711.abc_DEF"); h != "lb-4711.abc_DEF" {
			t.Fatalf("header %q", h)
		}
	})
	for _, bad := range []string{"with space", "new\nline", `quote"`, strings.Repeat("a", 65)} {
		t.Run("an unsafe id is replaced: "+strings.ReplaceAll(bad, "\n", `\n`)[:min(len(bad), 12)], func(t *testing.T) {
			if h, _ := do(bad); h == bad || len(h) != 24 {
				t.Fatalf("header %q", h)
			}
		})
	}
}
