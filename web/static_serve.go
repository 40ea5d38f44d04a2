package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// staticServe serves an embedded file. A URL carrying the file's current hash is immutable and cached for
// a year; any other URL is revalidated through the ETag.
func (s *Server) staticServe(c echo.Context) error {
	name := c.Param("*")
	a, ok := s.assets.Get(name)
	if !ok {
		return apperr.NotFound("no static file %q", name)
	}
	q, err := queryValues(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	etag := `"` + a.Hash + `"`
	h.Set("ETag", etag)
	if q.Get("v") == a.Hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}
