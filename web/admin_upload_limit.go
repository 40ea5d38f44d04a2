package web

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/views"
)

// uploadWriteTimeout replaces the server's write timeout (one minute from the end of the request headers)
// on upload requests: the time to send the files and to import them both count against it.
const uploadWriteTimeout = 5 * time.Minute

// overLimitReadFactor bounds how much of an upload over the limit is still read, as a multiple of the
// limit; past that the connection is closed (and the browser shows its own error).
const overLimitReadFactor = 4

// limitUpload applies the upload limit to the upload routes (takesLargeBody: multipart posts to /admin/),
// which the general body limit leaves to it. It runs before the CSRF check, which may parse the form, so
// no byte past the limit is parsed or spooled to disk.
//
// Echo's BodyLimit middleware answers 413 without reading the body; net/http then closes the connection
// while the browser is still sending, and the person sees "connection reset" instead of the message. So
// an upload over the limit is read to its end (up to overLimitReadFactor times the limit), its files are
// counted by name on the way, and the 413 names them, their sizes and the limit. A body of unknown length
// (chunked) is refused: browsers and curl -F always state the length. An upload within the limit that is
// refused later (CSRF, session, role) is read to its end as well, for the same reason.
func limitUpload(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !takesLargeBody(c) {
				return next(c)
			}
			req := c.Request()
			// A test recorder cannot set deadlines: the server's timeout then stays, which is harmless.
			_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(uploadWriteTimeout))
			switch {
			case req.ContentLength < 0:
				return apperr.Invalid(uploadField, "an upload must state its length (Content-Length), as browsers and curl -F do")
			case req.ContentLength > limit:
				files := readOverLimit(req, overLimitReadFactor*limit)
				return &apperr.Error{Code: apperr.ETOOLARGE, Message: views.UploadTooLargeMessage(req.ContentLength, limit, files)}
			}
			// An upload refused after this point (CSRF, session, role) was not read either: read it, at most
			// the limit, so that the browser sees the refusal. After an import this reads nothing. A read
			// error means the client went away: there is no one left to tell.
			defer func() { _, _ = io.Copy(io.Discard, req.Body) }()
			// Whatever parsed the form (the handler, or anything else), its spooled files go with the request.
			defer removeSpooledFiles(c)
			if err := csrfOutsideBody(c); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// readOverLimit reads and discards up to max bytes of a multipart body, and returns the names of its
// files with the bytes received of each.
func readOverLimit(req *http.Request, max int64) []views.UploadedPart {
	body := io.LimitReader(req.Body, max)
	// Whatever the multipart reader did not consume; a read error means the client went away.
	defer func() { _, _ = io.Copy(io.Discard, body) }()
	_, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || params["boundary"] == "" {
		return nil
	}
	mr := multipart.NewReader(body, params["boundary"])
	var files []views.UploadedPart
	for {
		part, err := mr.NextPart()
		if err != nil {
			return files
		}
		n, _ := io.Copy(io.Discard, part)
		if name := part.FileName(); name != "" {
			files = append(files, views.UploadedPart{Name: name, Size: n})
		}
	}
}

// csrfOutsideBody makes the CSRF check of an upload read its token from the X-CSRF-Token header (which
// htmx sends) or the query parameter _csrf (which the upload form's action carries), never from the
// body: a form field would make the check parse the multipart body, spooling its files to disk before
// the session and role are known. An upload with neither is refused here, unread.
func csrfOutsideBody(c echo.Context) error {
	req := c.Request()
	if req.Header.Get(csrfHeader) != "" {
		return nil
	}
	query, err := queryValues(c)
	if err != nil {
		return err
	}
	token := query.Get(csrfFormField)
	if token == "" {
		return apperr.Forbidden("the upload carries no CSRF token in its address or the " + csrfHeader + " header: reload the page and try again")
	}
	req.Header.Set(csrfHeader, token)
	return nil
}

// removeSpooledFiles deletes the temporary files of a parsed multipart form, on every request object the
// context has seen (middleware hand on copies made by WithContext, and the form lives on the copy that
// parsed it). net/http removes only those of the request it created.
func removeSpooledFiles(c echo.Context) {
	if f := c.Request().MultipartForm; f != nil {
		_ = f.RemoveAll()
	}
}
