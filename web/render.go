package web

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// render writes a templ component as an HTML response. The component is rendered into a buffer first, so
// a failure mid-page becomes a proper error response instead of half a page.
func render(c echo.Context, status int, component templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	buf.Reset()
	if err := component.Render(c.Request().Context(), buf); err != nil {
		return fmt.Errorf("render %s: %w", c.Path(), err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// renderBuffers are the buffers pages are rendered into, reused: a page or an expansion is tens of KB,
// and growing a new buffer to that size on every uncached request was a measurable part of its CPU
// (docs/performance.md, "The cold expansion"). The response writer copies what it is given.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRenderBuffer is the largest buffer kept for reuse, so that one huge page does not stay in
// memory for good.
const maxPooledRenderBuffer = 256 << 10

func putRenderBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledRenderBuffer {
		renderBuffers.Put(buf)
	}
}

// shell returns what every full page needs: its title and the asset URLs.
func (s *Server) shell(title string) views.Shell {
	return views.Shell{
		Title:         title,
		CSSURL:        s.assetURL("css/app.css"),
		HTMXURL:       s.assetURL("vendor/htmx-2.0.11.min.js"),
		ScriptURL:     s.assetURL("js/app.js"),
		CSRFScriptURL: s.assetURL("js/csrf.js"),
		FaviconURL:    s.assetURL(faviconAsset),
	}
}

// assetURL is the fingerprinted URL of a static file.
func (s *Server) assetURL(name string) string {
	return s.echo.Reverse(routeStatic, name) + "?v=" + s.assets.Version(name)
}
