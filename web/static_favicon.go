package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// faviconAsset is the site icon below static/; pages link it by its fingerprinted URL.
const faviconAsset = "favicon.svg"

// faviconServe answers /favicon.ico, which browsers, feed readers and bookmarks fetch without reading
// the page's <link rel="icon">: the same SVG icon (browsers go by the content type, not the name), cached
// for a day since the URL carries no fingerprint.
func (s *Server) faviconServe(c echo.Context) error {
	a, ok := s.assets.Get(faviconAsset)
	if !ok {
		return apperr.NotFound("no site icon")
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}
