package reports

import (
	"io"

	"github.com/ppldiff/ppldiff/reports/termsafe"
)

// renderTable writes a terminal table through termsafe.Table. Cells are
// cleaned of control characters and escapes and cut to maxCellRunes here,
// so no caller can forget it.
func renderTable(w io.Writer, header []string, rows [][]string) error {
	clean := func(cells []string) []string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = oneLine(c, maxCellRunes)
		}
		return out
	}
	cleaned := make([][]string, len(rows))
	for i, r := range rows {
		cleaned[i] = clean(r)
	}
	return termsafe.Table(w, clean(header), cleaned)
}

// maxCellRunes caps a terminal cell so a long completion cannot blow up the
// table width.
const maxCellRunes = 120
