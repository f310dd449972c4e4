package store

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A bundle reads back as written; one whose body changed in the file is
// dropped (Repairs says so), and putting it again replaces it.
func TestBundlesRoundTripAndDamageIsDropped(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	a := Bundle{Key: testKey("a"), Body: []byte("three rows of scores")}
	b := Bundle{Key: testKey("b"), Body: nil}
	if err := s.PutBundles(ctx, []Bundle{a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetBundles(ctx, []string{a.Key, b.Key, testKey("missing")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !bytes.Equal(got[a.Key], a.Body) || len(got[b.Key]) != 0 {
		t.Fatalf("got %q, want the two bundles put", got)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE bundles SET body = ? WHERE key = ?`, []byte("three rows of scorez"), a.Key); err != nil {
		t.Fatal(err)
	}
	if got, err = s.GetBundles(ctx, []string{a.Key}); err != nil || len(got) != 0 {
		t.Fatalf("a damaged bundle was returned: %q, %v", got, err)
	}
	if rep := strings.Join(s.Repairs(), "\n"); !strings.Contains(rep, "1 bundles row(s) failed their checksum") {
		t.Errorf("repairs do not name the bundle:\n%s", rep)
	}
	if err := s.PutBundles(ctx, []Bundle{a}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetBundles(ctx, []string{a.Key}); !bytes.Equal(got[a.Key], a.Body) {
		t.Errorf("after putting it again: %q", got[a.Key])
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bundles != 2 {
		t.Errorf("Stats: %d bundles, want 2", st.Bundles)
	}
	if had, err := s.ClearCache(ctx); err != nil || had.Bundles != 2 {
		t.Fatalf("ClearCache: %+v, %v", had, err)
	}
	if st, _ = s.Stats(ctx); st.Bundles != 0 {
		t.Errorf("ClearCache left %d bundles", st.Bundles)
	}
}
