package importer

import (
	"fmt"
	"strings"
)

// Error is a problem that makes the importer refuse a whole file. It names everything a person needs to
// find and fix the problem without opening a debugger: the file, the position (CSV line or JSON record),
// the column or field, the value found and what was expected there.
type Error struct {
	File     string
	Location string // "line 7" (CSV), "dataByAsin[3]" (JSON); empty when the problem is the whole file
	Field    string // CSV column header or JSON field path
	Value    string
	Expected string
	// Reason explains a refusal that is not about one malformed value (a monthly report, a failed
	// Amazon report); it is printed after the rest.
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Location != "" {
		b.WriteString(": " + e.Location)
	}
	if e.Field != "" {
		if e.Location != "" {
			b.WriteString(",")
		} else {
			b.WriteString(":")
		}
		fmt.Fprintf(&b, " %q", e.Field)
	}
	if e.Value != "" || e.Expected != "" {
		fmt.Fprintf(&b, ": value %q", e.Value)
	}
	if e.Expected != "" {
		b.WriteString(", expected " + e.Expected)
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

// Warning is something suspicious that is imported anyway (an ASIN count above its market total, a share
// over 100%, a blank core count): real Amazon reports contain such values, and refusing them would make
// the data unimportable, but someone should look.
type Warning struct {
	File     string
	Location string
	Message  string
}

func (w Warning) String() string {
	if w.Location == "" {
		return w.File + ": " + w.Message
	}
	return w.File + ": " + w.Location + ": " + w.Message
}
