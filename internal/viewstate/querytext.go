package viewstate

import (
	"net/url"
	"strings"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// ParamQuery is the path parameter of the query page, /brands/{brandID}/queries/{query}: a search query's
// text as one path segment.
const ParamQuery = "query"

// MaxQueryTextLen is the longest search query text the query page accepts, in characters: the importer's
// own bound (sqp.CheckQueryText), so every imported query has its page.
const MaxQueryTextLen = sqp.MaxQueryTextLen

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
// search query's text: the reverse of QueryTextSegment. Every text the importer stores is accepted, by
// the importer's own rule (sqp.CheckQueryText); whether the brand has the query is for storage to say.
func ParseQueryText(segment string) (string, error) {
	q := segment
	if strings.HasPrefix(q, "~") && dotsAfterTildes(q[1:]) {
		q = q[1:]
	}
	return checkQueryText(q)
}

// checkQueryText is sqp.CheckQueryText as the user's error about ParamQuery.
func checkQueryText(q string) (string, error) {
	if err := sqp.CheckQueryText(q); err != nil {
		return "", apperr.Invalid(ParamQuery, "%s", err.Error())
	}
	return q, nil
}

// dotsAfterTildes reports whether q is any number of "~" followed by at least one "." and nothing else.
func dotsAfterTildes(q string) bool {
	rest := strings.TrimLeft(q, "~")
	return rest != "" && strings.Trim(rest, ".") == ""
}
