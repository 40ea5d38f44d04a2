package web

import (
	"fmt"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// checkPageInRange answers a page past the last one of a paged table with a 404 naming the page parameter,
// so that a stale or edited link says why it shows nothing instead of "no products match" beside products
// that do. Page 1 is always in range: an empty table is an empty first page.
func checkPageInRange(param string, page, size, total int) error {
	if page <= 1 || size <= 0 || (page-1)*size < total {
		return nil
	}
	last := max(1, (total+size-1)/size)
	return &apperr.Error{
		Code:    apperr.ENOTFOUND,
		Param:   param,
		Message: fmt.Sprintf("page %d is past the last page (%d)", page, last),
	}
}
