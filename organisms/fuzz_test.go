package organisms

import "testing"

// FuzzParse feeds arbitrary bytes to the manifest parser and validator:
// they may reject, never panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("name: x\norganisms:\n  - id: a\n    params: 1e99\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("organisms: {id: 3}\nreferences: [[[]]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		_ = m.Validate()
		for _, o := range m.Organisms {
			if mt, err := o.Detectors.Compile(); err == nil {
				mt.Match("some completion text")
			}
		}
		_ = m.Unpinned()
	})
}
