package remote

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// encodeRequest must write exactly what encoding/json writes for the same
// map: servers and recorded fixtures see no difference.
func TestEncodeRequestMatchesEncodingJSON(t *testing.T) {
	bodies := []map[string]any{
		{},
		{"model": "org/name<&>", "prompt": [][]int{{1, 2, 3}, {}, nil, {-7, 151643}}, "n": 2, "temperature": 1.0,
			"top_p": 0.95, "seed": int64(-3), "echo": false, "stop": nil},
		{"model": "m", "tokens": []int{}, "ids": []int(nil)},
		{"input_ids": [][]int{{5}}, "sampling_params": map[string]any{"max_new_tokens": 0, "temperature": 0.0},
			"logprob_start_len": []int{0, 4}},
		{"messages": []map[string]string{{"role": "user", "content": "\"hi\"\n\u2028"}}, "continue_final_message": true},
		{"prompt": [][]int(nil), "a<b&\x01": 1, "ünï": []int{1}},
	}
	for _, body := range bodies {
		want, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeRequest(body)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(want), string(got)); d != "" {
			t.Errorf("encodeRequest differs from encoding/json (-want +got):\n%s", d)
		}
	}
	if _, err := encodeRequest(map[string]any{"bad": func() {}}); err == nil {
		t.Error("a value encoding/json rejects must be an error")
	}
}

// BenchmarkEncodeRequest writes one generation request of the simulated
// workload (32 prompts of 40 token ids) with encodeRequest and, for
// comparison, with encoding/json.
func BenchmarkEncodeRequest(b *testing.B) {
	prompts := make([][]int, 32)
	for i := range prompts {
		for k := range 40 {
			prompts[i] = append(prompts[i], (i*7919+k*104729)%151643)
		}
	}
	body := map[string]any{"model": "sim", "prompt": prompts, "n": 1, "max_tokens": 32, "temperature": 1.0,
		"top_p": 1.0, "seed": 1, "logprobs": 0, "echo": false}
	pinnedSampling(body)
	b.Run("encodeRequest", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeRequest(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
