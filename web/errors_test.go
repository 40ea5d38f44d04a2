package web

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

func TestPublicErrorOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		shown  string
	}{
		{"invalid input names the parameter", fmt.Errorf("parse: %w", apperr.Invalid("size", "too big")), 400, apperr.EINVALID, `Parameter "size": too big`},
		{"not found", apperr.NotFound("no brand x"), 404, apperr.ENOTFOUND, "no brand x"},
		{"an unlisted code is internal", &apperr.Error{Code: "weird", Message: "secret detail"}, 500, apperr.EINTERNAL, "Something went wrong"},
		{"a plain error is internal and hidden", errors.New("pq: password for db"), 500, apperr.EINTERNAL, "Something went wrong"},
		{"echo's 404", echo.ErrNotFound, 404, apperr.ENOTFOUND, "Not Found"},
		{"echo's 405", echo.ErrMethodNotAllowed, 405, apperr.ENOTFOUND, "Method Not Allowed"},
		{"an unlisted status keeps its status", echo.NewHTTPError(http.StatusTeapot, "short and stout"), 418, apperr.EINVALID, "short and stout"},
		{"an HTTP 500 is hidden", echo.NewHTTPError(500, "stack trace"), 500, apperr.EINTERNAL, "Something went wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pe := publicErrorOf(tc.err)
			if pe.Status != tc.status || pe.Code != tc.code || !strings.HasPrefix(pe.Message, tc.shown) {
				t.Fatalf("publicErrorOf = %+v", pe)
			}
		})
	}
}

func TestHandleErrorLogsServerErrorsOnce(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{echo: echo.New(), log: slog.New(slog.NewTextHandler(&logs, nil))}
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.GET("/boom", func(c echo.Context) error { return errors.New("disk on fire") })
	s.echo.GET("/bad", func(c echo.Context) error { return apperr.Invalid("q", "nope") })
	for path, want := range map[string]int{"/boom": 500, "/bad": 400} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept", "application/json")
		s.echo.ServeHTTP(rec, req)
		if rec.Code != want || !strings.Contains(rec.Body.String(), `"error":{"code"`) {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "disk on fire") {
			t.Error("internal error text reached the client")
		}
	}
	if n := strings.Count(logs.String(), "request failed"); n != 1 || !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("%d log lines for one server error:\n%s", n, logs.String())
	}
}
