package backend

import (
	"testing"

	"github.com/ppldiff/ppldiff/organisms"
)

// Every built-in zoo organism names a representative variant that exists.
func TestZooRepresentativesExist(t *testing.T) {
	m, err := organisms.Load("zoo")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range StudyVariants(m) {
		if v == "" {
			t.Errorf("empty representative in %v", StudyVariants(m))
		}
	}
	if got := len(StudyVariants(m)); got != len(m.Organisms) {
		t.Errorf("%d representatives for %d organisms", got, len(m.Organisms))
	}
}
