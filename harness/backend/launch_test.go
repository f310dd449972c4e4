package backend

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLaunchSpecs(t *testing.T) {
	launch := map[string]string{
		"*":        "srv --port {port}",
		"org/full": "vllm serve {model} --revision {revision} --port {port}", // as viper hands it: lowercased
		"lora_a":   "vllm serve base --enable-lora --port {port}",            // no {model}: shared
		"lora_b":   "vllm serve base --enable-lora --port {port}",
		"unused":   "never {port}",
	}
	specs, err := launchSpecs(launch, []string{"lora_a", "lora_b", "Org/Full"}, map[string]string{"Org/Full": "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range specs {
		got = append(got, fmt.Sprintf("%s|%s|%v", s.name, s.template, s.vars))
	}
	want := []string{
		"*|srv --port {port}|map[]",
		"lora_a|vllm serve base --enable-lora --port {port}|map[model:lora_a revision:main]",
		"Org/Full|vllm serve {model} --revision {revision} --port {port}|map[model:Org/Full revision:abc123]",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("specs (-want +got):\n%s", d)
	}
	if _, err := launchSpecs(map[string]string{"*": "vllm serve {model}"}, nil, nil); err == nil || !strings.Contains(err.Error(), "model") {
		t.Errorf(`"*" with {model} must be refused: %v`, err)
	}
}
