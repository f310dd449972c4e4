package reports

import (
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// renderTable is the one place that talks to tablewriter, whose API changes
// between versions. Cells are cleaned of control characters and escapes
// here, so no caller can forget it.
func renderTable(w io.Writer, header []string, rows [][]string) error {
	clean := func(cells []string) []string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = oneLine(c, maxCellRunes)
		}
		return out
	}
	// Option order matters: WithHeader formats the header when applied, so
	// auto-formatting (upper-casing, "count@10" -> "COUNT @ 10") must be
	// switched off before it.
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeader(clean(header)),
	)
	for _, r := range rows {
		if err := t.Append(clean(r)); err != nil {
			return err
		}
	}
	return t.Render()
}

// maxCellRunes caps a terminal cell so a long completion cannot blow up the
// table width.
const maxCellRunes = 120
