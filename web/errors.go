package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/views"
)

// statusOf maps an apperr code to its HTTP status; unlisted codes are internal errors.
func statusOf(code string) int {
	switch code {
	case apperr.EINVALID:
		return http.StatusBadRequest
	case apperr.ENOTFOUND:
		return http.StatusNotFound
	case apperr.ECONFLICT:
		return http.StatusConflict
	case apperr.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case apperr.EFORBIDDEN:
		return http.StatusForbidden
	case apperr.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// codeOfStatus is the reverse mapping, for errors Echo raises itself (unknown route, wrong method).
func codeOfStatus(status int) string {
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return apperr.ENOTFOUND
	case http.StatusUnauthorized:
		return apperr.EUNAUTHORIZED
	case http.StatusForbidden:
		return apperr.EFORBIDDEN
	case http.StatusConflict:
		return apperr.ECONFLICT
	case http.StatusRequestEntityTooLarge:
		return apperr.ETOOLARGE
	}
	if status >= 500 {
		return apperr.EINTERNAL
	}
	return apperr.EINVALID
}

// publicError is an error reduced to what may be shown: status, code, parameter and message.
type publicError struct {
	Status  int
	Code    string
	Param   string
	Message string
}

// publicErrorOf classifies err. Only apperr messages and Echo's own HTTP errors are shown; anything else
// is an internal error whose text stays in the log.
func publicErrorOf(err error) publicError {
	if e, ok := apperr.As(err); ok {
		status := statusOf(e.Code)
		if status == http.StatusInternalServerError {
			return publicError{Status: status, Code: apperr.EINTERNAL, Message: "Something went wrong on our side. It has been logged."}
		}
		msg := e.Message
		if e.Param != "" {
			msg = fmt.Sprintf("Parameter %q: %s", e.Param, e.Message)
		}
		return publicError{Status: status, Code: e.Code, Param: e.Param, Message: msg}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code >= 400 && he.Code < 600 && he.Code != http.StatusInternalServerError {
		return publicError{Status: he.Code, Code: codeOfStatus(he.Code), Message: fmt.Sprint(he.Message)}
	}
	return publicError{Status: http.StatusInternalServerError, Code: apperr.EINTERNAL, Message: "Something went wrong on our side. It has been logged."}
}

// handleError is Echo's one error handler: every handler returns its error here. It logs server errors
// once, then answers as the request asked: JSON for the API, a fragment for htmx, a page otherwise.
func (s *Server) handleError(err error, c echo.Context) {
	pe := publicErrorOf(err)
	req := c.Request()
	unavailable := pe.Status == http.StatusInternalServerError && storeUnavailable(req.Context(), err)
	if unavailable {
		pe = publicError{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Message: msgUnavailable}
		s.log.WarnContext(req.Context(), unavailableLogNote,
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.Any("err", err))
	} else if pe.Status >= 500 {
		s.log.ErrorContext(req.Context(), "request failed",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", c.Path()),
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.Any("err", err))
	}
	if c.Response().Committed {
		return
	}
	if unavailable {
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfterSeconds)
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	}
	var werr error
	switch {
	case wantsJSON(req):
		werr = c.JSON(pe.Status, map[string]any{"error": jsonError{Code: pe.Code, Param: pe.Param, Message: pe.Message}})
	case htmxOf(req).Partial():
		werr = render(c, pe.Status, views.ErrorMessage(views.NewErrorView(pe.Status, pe.Param, pe.Message)))
	default:
		ev := views.NewErrorView(pe.Status, pe.Param, pe.Message)
		werr = render(c, pe.Status, views.ErrorPage(s.shell(ev.Title), ev))
	}
	if werr != nil {
		s.log.ErrorContext(req.Context(), "write error response", slog.String("path", req.URL.Path), slog.Any("err", werr))
	}
}

// jsonError is the body of an API error: {"error":{"code":..,"message":..}}.
type jsonError struct {
	Code    string `json:"code"`
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

// wantsJSON reports whether the client reads JSON: the API, or an explicit Accept header.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}
