package reports

import "io"

// Table writes a terminal table through the package's one tablewriter
// adapter, for commands outside this package (cells are cleaned there).
func Table(w io.Writer, header []string, rows [][]string) error {
	return renderTable(w, header, rows)
}
