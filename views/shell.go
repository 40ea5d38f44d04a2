// Package views holds the templ components of the dashboard and the view models they take. View models
// are shaped like the screen and built by functions from domain values: every number is formatted and
// every URL is built before a template sees it, so templates hold no logic beyond loops and conditions.
package views

// Shell is what every full page needs around its content: the title and the fingerprinted asset URLs.
type Shell struct {
	Title     string
	CSSURL    string
	HTMXURL   string
	ScriptURL string
	// CSRFScriptURL is static/js/csrf.js, which sends the CSRF token with htmx requests.
	CSRFScriptURL string
	// FaviconURL is the fingerprinted static/favicon.svg.
	FaviconURL string
}

// htmxConfig keeps htmx working under a strict Content-Security-Policy: no eval, no inline styles, no
// inline scripts in swapped content. Error responses are not swapped: the script shows them in place.
const htmxConfig = `{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"selfRequestsOnly":true,"historyCacheSize":10,"refreshOnHistoryMiss":true}`
