package viewstate

import (
	"net/url"
	"strings"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// ParseQuery parses a raw query string (the part of a URL after "?") strictly. url.ParseQuery, and so
// Echo, drops what it cannot read and keeps the first of repeated parameters, so `?q=%ZZ`, `?;q=1` or
// `page=1&page=abc` would be answered as if the parameter were absent: a link that says one thing and
// shows another. Here each is an apperr.Invalid naming the parameter (or the query string, when no
// parameter name can be read):
//   - a pair with ";" (a separator Go no longer accepts: the pair is not split there);
//   - bad percent-encoding in a name or a value;
//   - a parameter given more than once: every parameter of the dashboard holds one value.
//
// Empty pairs ("a=1&&b=2") are skipped and "+" is a space, as in url.ParseQuery; whatever this accepts,
// url.ParseQuery reads the same.
func ParseQuery(raw string) (url.Values, error) {
	v := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		if strings.Contains(rawKey, ";") {
			return nil, apperr.Invalid("", "the query string is malformed: %q uses \";\" between parameters; separate them with \"&\"", truncate(pair))
		}
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, apperr.Invalid("", "the query string is malformed: %q is not valid percent-encoding (\"%%\" must be followed by two hex digits)", truncate(rawKey))
		}
		if strings.Contains(rawValue, ";") {
			return nil, apperr.Invalid(key, "%q contains \";\", which does not separate parameters: use \"&\" between parameters, or %%3B for a semicolon in a value", truncate(rawValue))
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, apperr.Invalid(key, "%q is not valid percent-encoding (\"%%\" must be followed by two hex digits)", truncate(rawValue))
		}
		if first, dup := v[key]; dup {
			return nil, apperr.Invalid(key, "is given more than once (%q and %q): give it once", truncate(first[0]), truncate(value))
		}
		v[key] = []string{value}
	}
	return v, nil
}
