package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/views"
)

// adminUploadCreate serves POST /admin/imports, the upload of SQP report files. By the time it runs,
// limitUpload has checked the size, the CSRF middleware the token (from the header or the query, never
// the body) and authorize the admin: the body is parsed only now, and its spooled files are removed
// when the handler returns. Each file is imported in its own transaction, then the segments are
// refreshed when anything changed. htmx gets the import panel with the result; a plain form post gets
// the admin page with the result in the panel.
func (s *Server) adminUploadCreate(c echo.Context) error {
	if s.importer == nil {
		return apperr.NotFound("this server takes no uploads: use sqpdash import FILE...")
	}
	headers, cleanup, err := uploadedFiles(c)
	defer cleanup()
	if err != nil {
		return err
	}
	began := time.Now()
	// The files have arrived: import them even if the browser goes away meanwhile, so that what was
	// imported does not depend on when a tab was closed.
	ctx := context.WithoutCancel(c.Request().Context())
	files, changed := s.importUploads(ctx, headers)
	result := views.NewImportResult(files, time.Since(began), s.refreshAfterUpload(c, changed))
	s.log.InfoContext(ctx, "upload handled", "by", s.requester(c), "files", len(files), "changed", changed)
	varyOnHTMX(c)
	if htmxOf(c.Request()).Partial() {
		return render(c, http.StatusOK, s.importPanel(c, &result))
	}
	return s.renderAdminWith(c, http.StatusOK, "", &result)
}
