package profile_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
)

// The benchmark's synthetic input: n rows, one row per record, records
// 2k and 2k+1 of every three belonging to one person (about 1.5 rows per
// person), three sources, five columns, an email per person and a phone
// for two persons in three.

func benchPerson(rec int) int { return rec * 2 / 3 }

func benchPID(p int) string { return fmt.Sprintf("p%016x", uint64(p)*0x9e3779b97f4a7c15) }

var benchSources = [...]string{"crm", "web", "pos"}

func benchSpec() profile.Spec {
	return profile.Spec{
		Columns: []profile.Column{{Name: "first_name", Type: profile.String}, {Name: "city", Type: profile.String},
			{Name: "amount", Type: profile.Float}, {Name: "orders", Type: profile.Int}, {Name: "vip", Type: profile.Bool}},
		Fields: []profile.Field{
			{Name: "first_name", Policy: profile.MostRecent},
			{Name: "city", Policy: profile.SourcePriority, Sources: []string{"crm", "pos"}},
			{Name: "lifetime_value", Column: "amount", Policy: profile.Sum},
			{Name: "max_orders", Column: "orders", Policy: profile.Max},
			{Name: "vip", Policy: profile.MostFrequent},
		},
		Traits: []profile.Trait{
			{Name: "purchases", Agg: profile.AggCount, Column: "amount"},
			{Name: "spend_90d", Agg: profile.AggSum, Column: "amount", Window: 90 * 24 * time.Hour},
			{Name: "avg_amount", Agg: profile.AggAvg, Column: "amount"},
			{Name: "web_visits", Agg: profile.AggCount, Sources: []string{"web"}},
			{Name: "cities", Agg: profile.AggCountDistinct, Column: "city"},
		},
		Segments: []profile.Segment{
			{Name: "high_value", Text: `lifetime_value >= 400 and exists id.EMAIL`},
			{Name: "active", Text: `last_seen within 30d and records >= 2`},
			{Name: "lapsed_vip", Text: `vip = true and not last_seen within 180d`},
		},
	}
}

type benchData struct {
	emails, phones []hashing.Cell
	cities, names  []string
}

func newBenchData() *benchData {
	d := &benchData{}
	for i := range 1 << 16 {
		e, _ := hashing.CellFromDigest(hashing.Email, fmt.Sprintf("%064x", uint64(i)*0x9e3779b97f4a7c15))
		p, _ := hashing.CellFromDigest(hashing.Phone, fmt.Sprintf("%064x", uint64(i)*0xc2b2ae3d27d4eb4f))
		d.emails = append(d.emails, e)
		d.phones = append(d.phones, p)
	}
	for i := range 200 {
		d.cities = append(d.cities, "city"+strconv.Itoa(i))
		d.names = append(d.names, "name"+strconv.Itoa(i))
	}
	return d
}

func benchAssignments(from, to int, person func(rec int) string) func(func(identity.Assignment) bool) {
	return func(yield func(identity.Assignment) bool) {
		for i := from; i < to; i++ {
			if !yield(identity.Assignment{Record: identity.RecordRef{Source: benchSources[i%3], Key: "r" + strconv.Itoa(i)}, Person: person(i)}) {
				return
			}
		}
	}
}

func (d *benchData) rows(from, to int) func(func(profile.Row, error) bool) {
	return func(yield func(profile.Row, error) bool) {
		vals := make([]profile.Value, 5)
		ids := make([]hashing.Cell, 0, 2)
		for i := from; i < to; i++ {
			p := benchPerson(i)
			h := uint64(i) * 0x9e3779b97f4a7c15
			vals[0] = profile.StringValue(d.names[h%200])
			vals[1] = profile.StringValue(d.cities[(h>>8)%200])
			vals[2] = profile.FloatValue(float64((h >> 16) % 500))
			vals[3] = profile.IntValue(int64((h >> 24) % 20))
			vals[4] = profile.BoolValue((h>>32)%5 == 0)
			ids = append(ids[:0], d.emails[p&0xffff])
			if p%3 != 0 {
				ids = append(ids, d.phones[p&0xffff])
			}
			r := profile.Row{Source: benchSources[i%3], Key: "r" + strconv.Itoa(i), Time: runAt.Add(-time.Duration(h>>40%(400*24)) * time.Hour),
				Values: vals, Identifiers: ids}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkBuild builds profiles with five fields, five traits and three
// segments. Run one size per process, so that peak-MiB is its own:
//
//	go test -run '^$' -bench 'Build/1M$' -benchtime 1x ./profile/
func BenchmarkBuild(b *testing.B) {
	for _, size := range []struct {
		n      int
		budget int64
	}{{100_000, 0}, {1_000_000, 0}, {1_000_000, 32 << 20}, {10_000_000, 0}} {
		n := size.n
		name := strconv.Itoa(n/1000) + "k"
		if n >= 1_000_000 {
			name = strconv.Itoa(n/1_000_000) + "M"
		}
		if size.budget > 0 {
			name += "-budget" + strconv.FormatInt(size.budget>>20, 10) + "M"
		}
		b.Run(name, func(b *testing.B) {
			d := newBenchData()
			ctx := context.Background()
			for b.Loop() {
				bl, err := profile.NewBuilder(benchSpec(), func(o *profile.Options) {
					o.RunAt, o.ExpectedRecords, o.TempDir, o.MemoryBudget = runAt, n, b.TempDir(), size.budget
				})
				if err != nil {
					b.Fatal(err)
				}
				start, cpu0 := time.Now(), cpuSeconds()
				res, err := bl.Build(ctx, benchAssignments(0, n, func(i int) string { return benchPID(benchPerson(i)) }), d.rows(0, n))
				if err != nil {
					b.Fatal(err)
				}
				build, buildCPU := time.Since(start), cpuSeconds()-cpu0
				st := res.Stats()
				persons := 0
				for _, err := range res.Profiles(ctx) {
					if err != nil {
						b.Fatal(err)
					}
					persons++
				}
				read, readCPU := time.Since(start)-build, cpuSeconds()-cpu0-buildCPU
				if persons != st.Persons {
					b.Fatalf("%d profiles read, %d built", persons, st.Persons)
				}
				b.ReportMetric(build.Seconds(), "build-s")
				b.ReportMetric(buildCPU, "build-cpu-s")
				b.ReportMetric(read.Seconds(), "read-profiles-s")
				b.ReportMetric(readCPU, "read-cpu-s")
				b.ReportMetric(float64(n)/build.Seconds(), "rows/s")
				b.ReportMetric(float64(st.Persons), "persons")
				b.ReportMetric(float64(st.SpilledBytes)/(1<<20), "spilled-MiB")

				// 1% new rows: growth of existing persons, new persons,
				// and 0.1% of persons merged into others.
				add := n / 100
				merged := map[int]int{}
				var events []identity.Event
				for k := range n / 1000 {
					from, into := 3*k*997%(n*2/3), (3*k*997+1)%(n*2/3)
					if _, ok := merged[into]; ok || from == into {
						continue
					}
					if _, ok := merged[from]; ok {
						continue
					}
					merged[from] = into
					events = append(events, identity.Event{Kind: identity.EventMerged, Person: benchPID(into), From: benchPID(from)})
				}
				personOf := func(i int) string {
					p := benchPerson(i)
					if i >= n {
						p = benchPerson((i - n) * 97 % (n + add)) // old and new persons
					}
					if q, ok := merged[p]; ok {
						p = q
					}
					return benchPID(p)
				}
				lookup := func(ref identity.RecordRef) (string, bool) {
					i, err := strconv.Atoi(ref.Key[1:])
					if err != nil {
						return "", false
					}
					return personOf(i), true
				}
				newRows := d.rows(n, n+add)
				start, cpu0 = time.Now(), cpuSeconds()
				up, err := bl.Update(ctx, res, lookup, events, func(yield func(profile.Row, error) bool) {
					for r, err := range newRows {
						if !yield(r, err) {
							return
						}
					}
				})
				if err != nil {
					b.Fatal(err)
				}
				upd := time.Since(start)
				b.ReportMetric(upd.Seconds(), "update-1pct-s")
				b.ReportMetric(cpuSeconds()-cpu0, "update-cpu-s")
				b.ReportMetric(float64(up.Stats().Updated), "update-persons")
				b.ReportMetric(peakRSS(), "peak-MiB")
				bl.Close()
			}
		})
	}
}
