package main

import (
	"context"
	"log/slog"

	"github.com/ppldiff/ppldiff/harness/backend"
	"github.com/ppldiff/ppldiff/organisms"
)

// setup hands a run's settings to backend.Setup, which resolves the
// manifest, models and corpora. A dry run only plans: it starts and asks no
// server.
func (a *app) setup(ctx context.Context, l *loader, s Settings, dryRun bool, log *slog.Logger) (*backend.Env, error) {
	corpora := make(map[string]backend.CorpusSpec, len(s.Corpora))
	for name, c := range s.Corpora {
		corpora[name] = backend.CorpusSpec{Path: c.Path, TextField: c.TextField, SkipBad: c.SkipBad, LinePerDoc: c.LinePerDoc}
	}
	sv := s.Serving
	return backend.Setup(ctx, backend.Options{
		Config:   settingsToConfig(s),
		Manifest: s.Manifest,
		LoadManifest: func(name string) (*organisms.Manifest, error) {
			return loadManifest(a.env, name)
		},
		StudyMatrix: s.Matrix == matrixStudy, StoreDir: l.storeDir(s), Dir: a.env.Dir, Corpora: corpora,
		RequirePinned: s.RequirePinned, DryRun: dryRun, Logger: log,
		Serving: backend.Serving{
			Endpoints: s.Endpoints, Dialect: sv.Dialect, APIKeyEnv: sv.APIKeyEnv, Getenv: a.env.Getenv,
			BatchSize: sv.BatchSize, Concurrency: sv.Concurrency, Retries: sv.Retries, RateLimit: sv.RateLimit,
			Timeout: sv.Timeout, Backoff: sv.Backoff, BackoffMax: sv.BackoffMax, LaunchTimeout: sv.LaunchTimeout,
			RawGenerationLogprobs: sv.RawGenerationLogprobs, Launch: sv.Launch,
		},
		Judge: s.Judge,
	})
}
