package main

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ppldiff/ppldiff/harness/pipeline"
)

// progress draws mpb bars on a terminal and logs a line per tenth of a
// stage otherwise (CI logs stay short).
type progress interface {
	pipeline.Progress
	Wait()
}

func (a *app) progress(log *slog.Logger) progress {
	var p progress = &logProgress{log: log}
	if a.env.IsTerminal {
		// WithAutoRefresh: mpb would not redraw a writer it cannot tell is a
		// terminal (IsTerminal already said it is).
		p = &barProgress{p: mpb.New(mpb.WithOutput(a.env.Stderr), mpb.WithWidth(40), mpb.WithAutoRefresh())}
	}
	if a.env.Observe != nil {
		p = &observed{progress: p, observe: a.env.Observe}
	}
	return p
}

// observed reports every step to Env.Observe as well.
type observed struct {
	progress
	observe func(stage string, done int64)
}

func (o *observed) Stage(name string, total int64) pipeline.Bar {
	return &observedBar{Bar: o.progress.Stage(name, total), name: name, observe: o.observe}
}

type observedBar struct {
	pipeline.Bar
	name    string
	done    atomic.Int64
	observe func(string, int64)
}

func (b *observedBar) Add(n int64) {
	b.Bar.Add(n)
	b.observe(b.name, b.done.Add(n))
}

type barProgress struct{ p *mpb.Progress }

func (b *barProgress) Stage(name string, total int64) pipeline.Bar {
	bar := b.p.AddBar(total,
		mpb.PrependDecorators(decor.Name(name, decor.WC{W: 10, C: decor.DindentRight}), decor.CountersNoUnit("%d / %d")),
		mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.AverageETA(decor.ET_STYLE_GO)),
	)
	return &mpbBar{bar}
}

func (b *barProgress) Wait() { b.p.Wait() }

type mpbBar struct{ b *mpb.Bar }

func (m *mpbBar) Add(n int64) { m.b.IncrInt64(n) }
func (m *mpbBar) Done()       { m.b.SetTotal(-1, true) }

type logProgress struct{ log *slog.Logger }

func (l *logProgress) Stage(name string, total int64) pipeline.Bar {
	return &logBar{log: l.log, name: name, total: total}
}
func (l *logProgress) Wait() {}

type logBar struct {
	log        *slog.Logger
	name       string
	total      int64
	done       atomic.Int64
	mu         sync.Mutex
	lastTenths int64
	finished   bool
}

func (b *logBar) Add(n int64) {
	d := b.done.Add(n)
	if b.total <= 0 {
		return
	}
	tenths := d * 10 / b.total
	b.mu.Lock()
	defer b.mu.Unlock()
	if tenths > b.lastTenths && tenths < 10 {
		b.lastTenths = tenths
		b.log.Info("progress", "stage", b.name, "done", d, "total", b.total)
	}
}

func (b *logBar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	if d := b.done.Load(); d >= b.total {
		b.log.Info("stage finished", "stage", b.name, "done", d)
	} else {
		b.log.Info("stage stopped", "stage", b.name, "done", d, "total", b.total)
	}
}
