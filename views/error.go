package views

import (
	"net/http"
	"strings"
)

// ErrorView is an error as the user sees it: the status, a title and a message safe to show.
type ErrorView struct {
	Status  int
	Title   string
	Message string
	Param   string // the query or path parameter at fault, if any
}

// NewErrorView builds the error shown for status with the given user-safe message. A message that only
// repeats the title (Echo's own "Not Found" for an unknown URL) is replaced by one that says what
// happened, so the page does not show the same words twice.
func NewErrorView(status int, param, message string) ErrorView {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	if strings.EqualFold(strings.TrimSpace(message), title) || strings.TrimSpace(message) == "" {
		message = statusExplanation(status)
	}
	return ErrorView{Status: status, Title: title, Message: message, Param: param}
}

// statusExplanation says in words what an error status means for the person who sees it.
func statusExplanation(status int) string {
	switch status {
	case http.StatusNotFound:
		return "There is no page at this address. Check the link, or start again from the dashboard."
	case http.StatusMethodNotAllowed:
		return "This address does not accept this kind of request."
	case http.StatusUnauthorized:
		return "Sign in to see this page."
	case http.StatusForbidden:
		return "Your account may not see this page."
	case http.StatusRequestEntityTooLarge:
		return "The request is too large."
	}
	if status >= 500 {
		return "Something went wrong on our side. It has been logged."
	}
	return "The request could not be handled."
}
