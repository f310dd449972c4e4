package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ppldiff/ppldiff/harness/store"
	"github.com/ppldiff/ppldiff/reports"
)

// storeFlag is the --store flag of the commands that read an existing store.
type storeFlag struct{ store string }

func (o *storeFlag) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.store, "store", "", "store directory (default <workspace>/.ppldiff)")
}

// openStore opens the workspace's existing store (never creating one) and
// returns it with its directory.
func (a *app) openStore(cmd *cobra.Command) (*store.Store, string, error) {
	l, err := a.loader()
	if err != nil {
		return nil, "", err
	}
	if err := l.bind(cmd.Flags(), map[string]string{"store": "store"}); err != nil {
		return nil, "", err
	}
	s, err := l.settings()
	if err != nil {
		return nil, "", err
	}
	dir := l.storeDir(s)
	path := filepath.Join(dir, store.FileName)
	if !fileExists(path) {
		return nil, "", inputErr(fmt.Errorf("no store at %s: run `ppldiff run` in this workspace first, or give --store DIR", path))
	}
	st, err := store.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("open store: %w", err)
	}
	return st, dir, nil
}

func newRunsCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs list|prune",
		Short: "List the runs kept in the store, or prune the store",
	}
	cmd.AddCommand(newRunsListCommand(a), newRunsPruneCommand(a))
	return cmd
}

func newRunsListCommand(a *app) *cobra.Command {
	o := &storeFlag{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the stored runs (id, status, when, size) and what the store and model cache hold",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, dir, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			return printStore(cmd.Context(), a, st, dir)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// printStore lists the runs and totals of a store.
func printStore(ctx context.Context, a *app, st *store.Store, dir string) error {
	runs, err := st.ListRuns(ctx)
	if err != nil {
		return err
	}
	var cells [][]string
	for _, r := range runs {
		cells = append(cells, []string{r.ID, r.Status, r.Created.UTC().Format(time.RFC3339), r.Updated.UTC().Format(time.RFC3339),
			humanBytes(r.ResultsBytes), humanBytes(r.SamplesBytes)})
	}
	if len(cells) > 0 {
		if err := reports.Table(a.env.Stdout, []string{"run", "status", "created", "updated", "results", "samples (compressed)"}, cells); err != nil {
			return err
		}
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	models, files := dirSize(filepath.Join(dir, "models"))
	fmt.Fprintf(a.env.Stdout, "%d runs; store %s: %s (cache: %d prefills, %d completions, %d scores, %d bundles); zoo model cache: %s in %d files\n",
		len(runs), st.Path(), humanBytes(st.Size()), stats.Prefills, stats.Completions, stats.Scores, stats.Bundles, humanBytes(models), files)
	return nil
}

type pruneOptions struct {
	storeFlag
	keep      int
	olderThan time.Duration
	cache     bool
	models    bool
}

func (o *pruneOptions) AddFlags(cmd *cobra.Command) {
	o.storeFlag.AddFlags(cmd)
	f := cmd.Flags()
	f.IntVar(&o.keep, "keep", -1, "keep the N most recently updated runs, delete the others")
	f.DurationVar(&o.olderThan, "older-than", 0, "delete runs not updated for this long (e.g. 720h)")
	f.BoolVar(&o.cache, "cache", false, "empty the cache of prefills, completions and scores and their bundles (the next run recomputes what it needs)")
	f.BoolVar(&o.models, "models", false, "delete the zoo model cache (models are rebuilt on demand)")
}

func newRunsPruneCommand(a *app) *cobra.Command {
	o := &pruneOptions{}
	cmd := &cobra.Command{
		Use:   "prune [--keep N] [--older-than DURATION] [--cache] [--models]",
		Short: "Delete stored runs, the completion cache or the model cache, and give the space back",
		Long: `Delete what the flags name, then compact the store file. Stored runs are
what ` + "`ppldiff export`" + ` reads; run directories under runs/ are not touched. The
cache (prefills, completions, scores) is most of the store: without it a
re-run recomputes everything. Run it when no other ppldiff uses the store.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.keep < 0 && o.olderThan <= 0 && !o.cache && !o.models {
				return usagef("say what to prune: --keep N, --older-than DURATION, --cache and/or --models (`ppldiff runs list` shows what the store holds)")
			}
			st, dir, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx := cmd.Context()
			before := st.Size()
			runs, err := st.ListRuns(ctx)
			if err != nil {
				return err
			}
			// Most recently updated first: --keep keeps the head.
			deleted := 0
			now := a.env.Now()
			for i := range runs {
				r := runs[len(runs)-1-i]
				old := o.olderThan > 0 && now.Sub(r.Updated) > o.olderThan
				if (o.keep >= 0 && i >= o.keep) || old {
					if err := st.DeleteRun(ctx, r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					deleted++
					fmt.Fprintf(a.env.Stdout, "deleted run %s (updated %s)\n", r.ID, r.Updated.UTC().Format(time.RFC3339))
				}
			}
			if o.cache {
				had, err := st.ClearCache(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, "emptied the cache: %d prefills, %d completions, %d scores, %d bundles\n", had.Prefills, had.Completions, had.Scores, had.Bundles)
			}
			if err := st.Compact(ctx); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%d runs deleted; store %s -> %s\n", deleted, humanBytes(before), humanBytes(st.Size()))
			if o.models {
				size, files := dirSize(filepath.Join(dir, "models"))
				if err := os.RemoveAll(filepath.Join(dir, "models")); err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, "deleted the zoo model cache: %s in %d files\n", humanBytes(size), files)
			}
			return nil
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// dirSize sums the sizes of the regular files under dir (0 when missing).
func dirSize(dir string) (size int64, files int) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
				files++
			}
		}
		return nil
	})
	return size, files
}

// humanBytes prints a size in B, kB, MB or GB (powers of 1000).
func humanBytes(n int64) string {
	v, unit := float64(n), "B"
	for _, u := range []string{"kB", "MB", "GB"} {
		if v < 1000 {
			break
		}
		v, unit = v/1000, u
	}
	if unit == "B" {
		return strconv.FormatInt(n, 10) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + unit
}
