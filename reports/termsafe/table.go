package termsafe

import (
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Table writes a terminal table, every cell escaped by String. It is the
// one place that talks to tablewriter (the project's table library, whose
// API changes between versions): every terminal table of ppldiff goes
// through it.
func Table(w io.Writer, header []string, rows [][]string) error {
	esc := func(cells []string) []string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = String(c)
		}
		return out
	}
	// Option order matters: WithHeader formats the header when applied, so
	// auto-formatting (upper-casing, "count@10" -> "COUNT @ 10") must be
	// switched off before it.
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeader(esc(header)),
	)
	for _, r := range rows {
		if err := t.Append(esc(r)); err != nil {
			return err
		}
	}
	return t.Render()
}
