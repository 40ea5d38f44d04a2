package sqp

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxQueryTextLen is the longest search query text, in characters, that the importer stores and that the
// query page and the query view's rows accept in a URL. Amazon's search box takes far less; the bound keeps
// a hostile file or URL from reaching the database with megabytes of text.
const MaxQueryTextLen = 500

// QueryTextError says why a text cannot be a search query's. One rule for every layer: what the importer
// stores, the dashboard can link to and show (its message is safe to show and completes "the search
// query ...").
type QueryTextError struct {
	Reason string
}

func (e *QueryTextError) Error() string { return "the search query " + e.Reason }

// CheckQueryText returns a *QueryTextError unless q is a search query text the dashboard stores and
// shows: not empty, valid UTF-8 (PostgreSQL refuses anything else), without control characters (NUL,
// tab, line breaks, C1 controls: a page cannot show them and a copied link or CSV cell would change
// them), at most MaxQueryTextLen characters. The importer trims white space around a query before it
// checks; the URL readers do not (they name a stored text exactly).
func CheckQueryText(q string) error {
	switch {
	case q == "":
		return &QueryTextError{Reason: "is empty"}
	case !utf8.ValidString(q):
		return &QueryTextError{Reason: "is not valid UTF-8 text"}
	}
	n := 0
	for _, r := range q {
		n++
		if unicode.IsControl(r) {
			return &QueryTextError{Reason: fmt.Sprintf("contains the control character %U at character %d", r, n)}
		}
	}
	if n > MaxQueryTextLen {
		return &QueryTextError{Reason: fmt.Sprintf("is longer than %d characters (%d)", MaxQueryTextLen, n)}
	}
	return nil
}
