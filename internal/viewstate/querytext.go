package viewstate

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// ParamQuery is the path parameter of the query page, /brands/{brandID}/queries/{query}: a search query's
// text as one path segment.
const ParamQuery = "query"

// MaxQueryTextLen is the longest search query text the query page accepts, in characters. Amazon's search
// box takes far less; the bound keeps a hostile URL from reaching the database.
const MaxQueryTextLen = 500

// QueryTextSegment is the path segment of a search query's text: percent-encoded (url.PathEscape, so "/",
// "?", "#", "%", spaces and every non-ASCII character are escaped and the text stays one segment), and a
// text made only of dots behind one extra "~": browsers and proxies resolve "." and ".." segments (also
// when written %2E) as directory steps, so "/queries/.." could never reach the page. A text of "~"s
// followed only by dots gets one "~" more, so ParseQueryText reverses every segment this returns.
func QueryTextSegment(q string) string {
	if dotsAfterTildes(q) {
		q = "~" + q
	}
	return url.PathEscape(q)
}

// ParseQueryText validates the query page's path parameter, already percent-decoded, and returns the
// search query's text: the reverse of QueryTextSegment. Any text PostgreSQL can store is accepted (valid
// UTF-8 without NUL, not empty, at most MaxQueryTextLen characters); whether the brand has the query is
// for storage to say.
func ParseQueryText(segment string) (string, error) {
	q := segment
	if strings.HasPrefix(q, "~") && dotsAfterTildes(q[1:]) {
		q = q[1:]
	}
	switch {
	case q == "":
		return "", apperr.Invalid(ParamQuery, "the search query is empty")
	case !utf8.ValidString(q):
		return "", apperr.Invalid(ParamQuery, "the search query is not valid UTF-8 text")
	case strings.ContainsRune(q, 0):
		return "", apperr.Invalid(ParamQuery, "the search query contains a NUL character")
	case utf8.RuneCountInString(q) > MaxQueryTextLen:
		return "", apperr.Invalid(ParamQuery, "the search query is longer than %d characters", MaxQueryTextLen)
	}
	return q, nil
}

// dotsAfterTildes reports whether q is any number of "~" followed by at least one "." and nothing else.
func dotsAfterTildes(q string) bool {
	rest := strings.TrimLeft(q, "~")
	return rest != "" && strings.Trim(rest, ".") == ""
}
