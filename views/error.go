package views

import "net/http"

// ErrorView is an error as the user sees it: the status, a title and a message safe to show.
type ErrorView struct {
	Status  int
	Title   string
	Message string
	Param   string // the query or path parameter at fault, if any
}

// NewErrorView builds the error shown for status with the given user-safe message.
func NewErrorView(status int, param, message string) ErrorView {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	return ErrorView{Status: status, Title: title, Message: message, Param: param}
}
