package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func TestJudgeAnswersRoundTripAndChecksum(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := []JudgeAnswers{
		{Key: "k1", Model: "judge", Answers: []string{"yes\nReason: says so", "no\nReason: does not"}, PromptTokens: 120, CompletionTokens: 9},
		{Key: "k2", Model: "judge", Answers: []string{""}, PromptTokens: 80, CompletionTokens: 0},
	}
	if err := s.PutJudgeAnswers(ctx, in); err != nil {
		t.Fatal(err)
	}
	// A second put of the same key keeps the first answers.
	if err := s.PutJudgeAnswers(ctx, []JudgeAnswers{{Key: "k1", Model: "judge", Answers: []string{"other"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetJudgeAnswers(ctx, []string{"k1", "k2", "k3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Equal(got["k1"].Answers, in[0].Answers) || got["k1"].PromptTokens != 120 || got["k2"].Answers[0] != "" {
		t.Fatalf("read back %+v", got)
	}
	// A damaged row is dropped (and so asked again), not believed.
	if _, err := s.db.Exec(`UPDATE judge_verdicts SET answers = ? WHERE key = 'k1'`, []byte(`["no\nReason: tampered","no"]`)); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetJudgeAnswers(ctx, []string{"k1", "k2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["k1"]; ok || len(got) != 1 {
		t.Fatalf("a row failing its checksum was returned: %+v", got)
	}
	if len(s.Repairs()) == 0 {
		t.Fatal("the dropped row is not reported in the repairs")
	}
}
