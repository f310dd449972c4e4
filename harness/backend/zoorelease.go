package backend

import (
	"slices"
	"sync"

	"github.com/ppldiff/ppldiff/harness/pipeline"
	"github.com/ppldiff/ppldiff/harness/zoo"
)

// zooUses counts, per model a run's units hold (zoo.ModelKey), the units
// left that use it; when none is left the builder forgets the model, and
// its n-gram tables are freed once the last unit using it is done. The
// default run's models weigh several times the memory of everything else.
type zooUses struct {
	mu    sync.Mutex
	left  map[zoo.ModelKey]int
	units map[*pipeline.Unit][]zoo.ModelKey
}

// unitKeys lists the models a unit holds: its organism variant's finetune
// and base, and each reference's base.
func unitKeys(b *zoo.Builder, u *pipeline.Unit) ([]zoo.ModelKey, error) {
	keys, err := b.OrganismKeys(u.Organism.ID, u.Variant.Name)
	if err != nil {
		return nil, inputErr(err)
	}
	for _, r := range u.References {
		rk, err := b.ReferenceKeys(r.ID, u.Organism.ID, u.Variant.Name)
		if err != nil {
			return nil, inputErr(err)
		}
		keys = append(keys, rk...)
	}
	return keys, nil
}

// Schedule counts the uses of every model and orders the units by the base
// their organism variant is finetuned from (in plan order otherwise): the
// variants of one base, and the true-base references they share, run
// together, so a base's tables are freed before the next base is loaded.
func (z Zoo) Schedule(units []pipeline.Unit) ([]int, error) {
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	u := z.uses
	if u == nil {
		return order, nil
	}
	group := map[zoo.ModelKey]int{}
	groupOf := make([]int, len(units))
	u.mu.Lock()
	defer u.mu.Unlock()
	u.left = map[zoo.ModelKey]int{}
	u.units = map[*pipeline.Unit][]zoo.ModelKey{}
	for i := range units {
		keys, err := unitKeys(z.B, &units[i])
		if err != nil {
			return nil, err
		}
		u.units[&units[i]] = keys
		for _, k := range keys {
			u.left[k]++
		}
		base := keys[1]
		if _, ok := group[base]; !ok {
			group[base] = len(group)
		}
		groupOf[i] = group[base]
	}
	slices.SortStableFunc(order, func(a, b int) int { return groupOf[a] - groupOf[b] })
	return order, nil
}

// Release counts a finished unit's uses and forgets the models no unit
// left needs.
func (z Zoo) Release(unit *pipeline.Unit) {
	u := z.uses
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	keys, ok := u.units[unit]
	if !ok {
		return
	}
	delete(u.units, unit)
	for _, k := range keys {
		if u.left[k]--; u.left[k] == 0 {
			delete(u.left, k)
			z.B.Forget(k)
		}
	}
}
