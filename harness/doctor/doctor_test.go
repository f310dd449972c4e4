package doctor

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ppldiff/ppldiff/harness/lm"
	"github.com/ppldiff/ppldiff/harness/serve"
	"github.com/ppldiff/ppldiff/harness/serve/servetest"
)

func statuses(r *Report) map[string]Status {
	out := map[string]Status{}
	for _, row := range r.Rows {
		out[row.Check] = row.Status
	}
	return out
}

func TestDoctorPassesConformingServer(t *testing.T) {
	srv := httptest.NewServer(serve.New(map[string]lm.Model{"m": servetest.NewToy("m", 1)}, serve.Options{}))
	defer srv.Close()
	rep, err := Run(context.Background(), Options{Endpoint: srv.URL, Model: "m", BatchN: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Rows) != 6 {
		t.Fatalf("want 6 rows, none failing:\n%+v", rep.Rows)
	}
}

func TestDoctorFlagsWrongRawClaim(t *testing.T) {
	// SGLang's default: generation logprobs after temperature. The client
	// says raw=false for sglang, so the tempered toy passes and the raw one fails.
	for _, tc := range []struct {
		m    lm.Model
		want Status
	}{{servetest.NewToyTempered("m", 1), Pass}, {servetest.NewToy("m", 1), Fail}} {
		srv := httptest.NewServer(serve.New(map[string]lm.Model{"m": tc.m}, serve.Options{Dialect: serve.SGLang}))
		rep, err := Run(context.Background(), Options{Endpoint: srv.URL, Model: "m", Dialect: "sglang", BatchN: 3})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(rep)["raw generation logprobs"]; got != tc.want {
			t.Fatalf("raw check %s, want %s: %+v", got, tc.want, rep.Rows)
		}
	}
}

func TestDoctorReportsIncapableServer(t *testing.T) {
	srv := httptest.NewServer(serve.New(map[string]lm.Model{"m": servetest.NewToy("m", 1)}, serve.Options{Dialect: serve.OpenAI}))
	defer srv.Close()
	rep, err := Run(context.Background(), Options{Endpoint: srv.URL, Model: "m", Dialect: "openai"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || statuses(rep)["capability"] != Fail || !strings.Contains(rep.Rows[0].Detail, "cannot score") {
		t.Fatalf("want a failed capability row: %+v", rep.Rows)
	}
}
