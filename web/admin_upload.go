package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/importer"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/views"
)

// DefaultUploadLimit is the largest upload of SQP report files (the whole request) when Options.UploadLimit
// is 0: a year of weekly Seller Central CSVs of a large catalogue fits; bigger imports belong on the
// command line.
const DefaultUploadLimit int64 = 64 << 20

// uploadField is the form field of the uploaded files.
const uploadField = "files"

// ReportImporter imports one SQP report or brand-mapping file in one transaction; *importer.Service
// implements it, so the admin upload runs the same code as `sqpdash import`.
type ReportImporter interface {
	ImportFile(ctx context.Context, name string, r io.Reader) (importer.FileSummary, error)
}

// importPanel is the upload form of the admin page, with the result of an upload when there is one; nil
// when the server has no importer. The form's action carries the CSRF token in its query (htmx also
// sends the header), so that the token is checked before the body is read (csrfOutsideBody).
func (s *Server) importPanel(c echo.Context, result *views.ImportResult) templ.Component {
	if s.importer == nil {
		return nil
	}
	action := s.echo.Reverse(routeAdminImports) + "?" + url.Values{csrfFormField: {CSRFToken(c)}}.Encode()
	return views.ImportPanelView(views.NewImportPanel(action, CSRFToken(c), s.uploadLimit, result))
}

// importUploads imports the uploaded files in order, each in its own transaction, going on after a refused
// file so that the result tells about every file. Files are not logged beyond their names: their contents
// (and the importer's messages, which quote values) stay out of the log.
func (s *Server) importUploads(ctx context.Context, headers []*multipart.FileHeader) (files []views.UploadedFile, changed bool) {
	var sum importer.Summary
	for _, fh := range headers {
		f := views.UploadedFile{Name: fh.Filename}
		f.Summary, f.Err = s.importHeader(ctx, fh)
		var ie *importer.Error
		switch {
		case f.Err == nil:
			sum.Files = append(sum.Files, f.Summary)
		case errors.As(f.Err, &ie):
			s.log.InfoContext(ctx, "uploaded file refused", "file", fh.Filename, "size", fh.Size)
		default:
			s.log.ErrorContext(ctx, "import uploaded file", "file", fh.Filename, "size", fh.Size, "err", f.Err)
		}
		files = append(files, f)
	}
	return files, sum.Changed()
}

// importHeader imports one uploaded file.
func (s *Server) importHeader(ctx context.Context, fh *multipart.FileHeader) (importer.FileSummary, error) {
	file, err := fh.Open()
	if err != nil {
		return importer.FileSummary{File: fh.Filename}, fmt.Errorf("open uploaded file %s: %w", fh.Filename, err)
	}
	defer func() { _ = file.Close() }() // read only: closing cannot lose data
	return s.importer.ImportFile(ctx, fh.Filename, file)
}

// refreshAfterUpload refreshes the segments when the upload changed data, through the same background
// refresher as the Refresh now button, so that "a refresh is already running" is said the same way. Like
// `sqpdash import`, it does not refresh when nothing changed.
func (s *Server) refreshAfterUpload(c echo.Context, changed bool) views.ImportRefresh {
	if !changed {
		return views.ImportRefresh{State: "skipped", Message: "Nothing changed, so the segments were not refreshed."}
	}
	poll := s.echo.Reverse(routeAdminRefreshPoll)
	if s.ops.Refresher == nil {
		return views.ImportRefresh{State: "failed", Message: "The data is imported, but this server cannot refresh the segments: run sqpdash refresh."}
	}
	ctx := c.Request().Context()
	queued, err := s.ops.Refresher.StartOrQueue(ctx, refreshlog.Request{Trigger: refreshlog.TriggerImport, RequestedBy: s.requester(c)})
	if e, ok := apperr.As(err); ok && e.Code == apperr.ECONFLICT {
		return views.ImportRefresh{State: "busy", PollURL: poll, Message: "The data is imported, but " + e.Message +
			", so the segments were not refreshed for it: press Refresh now once it is over (or wait for the schedule)."}
	}
	if err == nil && queued {
		return views.ImportRefresh{State: "queued", PollURL: poll, Message: "The data is imported. Another refresh is running: " +
			"a follow-up refresh is queued and runs as soon as it ends (the Refresh panel shows it)."}
	}
	if err != nil {
		s.log.ErrorContext(ctx, "start the refresh after an upload", "err", err)
		return views.ImportRefresh{State: "failed", Message: "The data is imported, but the refresh could not be started (it has been logged): press Refresh now."}
	}
	return views.ImportRefresh{State: "started", PollURL: poll, Message: "The segments are being refreshed in the background: the Refresh panel shows its progress."}
}

// uploadMemory is how much of an upload's files is held in memory while it is read; the rest is spooled
// to temporary files, which the caller of uploadedFiles removes. Small, so that parallel uploads do not
// add up to hundreds of megabytes of memory.
const uploadMemory = 1 << 20

// uploadedFiles reads the upload form and returns its files; a form without any is a 400. The caller
// must call the returned cleanup (also after an error) to delete the spooled files.
func uploadedFiles(c echo.Context) (headers []*multipart.FileHeader, cleanup func(), err error) {
	req := c.Request()
	err = req.ParseMultipartForm(uploadMemory)
	cleanup = func() {
		if req.MultipartForm != nil {
			_ = req.MultipartForm.RemoveAll()
		}
	}
	if err != nil {
		return nil, cleanup, apperr.Invalid(uploadField, "the upload could not be read: send the files as multipart/form-data")
	}
	headers = req.MultipartForm.File[uploadField]
	if len(headers) == 0 {
		return nil, cleanup, apperr.Invalid(uploadField, "choose at least one file to import")
	}
	return headers, cleanup, nil
}
