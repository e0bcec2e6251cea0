package coraza_test

import (
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	corazawaf "github.com/corazawaf/coraza/v3"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
	fieldwall "github.com/fieldwall/fieldwall/integrations/coraza"
)

// The three WAFs these tests compare, all the CRS v4 at paranoia level 1 with
// its default inbound threshold of 5:
//
//   - plain: Coraza's own JSON body processor;
//   - bodyProcessor: the fieldwall body processor for JSON and GraphQL, with
//     the @fieldwall rule removed;
//   - full: fieldwall.conf as shipped, body processor and @fieldwall rule.
var (
	wafsOnce                            sync.Once
	plainWAF, bodyProcessorWAF, fullWAF corazawaf.WAF
)

func crsWAFs(t *testing.T) (plain, bodyProcessor, full corazawaf.WAF) {
	t.Helper()
	wafsOnce.Do(func() {
		plainWAF = newWAF(t, crsDirectives(""))
		bodyProcessorWAF = newWAF(t, crsDirectives(fieldwall.Directives+"\nSecRuleRemoveById 9590110\n"))
		fullWAF = newWAF(t, crsDirectives(fieldwall.Directives))
	})
	if plainWAF == nil || bodyProcessorWAF == nil || fullWAF == nil {
		t.Fatal("the CRS WAFs failed to build in an earlier test")
	}
	return plainWAF, bodyProcessorWAF, fullWAF
}

// sharedCorpusFile returns the path of a file of the public corpus. A missing
// corpus fails the test: these counts are part of what the test reports.
func sharedCorpusFile(t *testing.T, name string) string {
	t.Helper()
	dir, err := corpus.SharedDir()
	if err != nil {
		t.Fatalf("public corpus: %v", err)
	}
	return filepath.Join(dir, name)
}

func readCases(t *testing.T, name string) []corpus.Case {
	t.Helper()
	var cases []corpus.Case
	err := corpus.ReadFile(sharedCorpusFile(t, name), func(c corpus.Case) error {
		cases = append(cases, c)
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return cases
}

// sample returns up to n cases spread evenly over cases, always the same ones.
func sample(cases []corpus.Case, n int) []corpus.Case {
	if len(cases) <= n {
		return cases
	}
	out := make([]corpus.Case, 0, n)
	for i := range n {
		out = append(out, cases[i*len(cases)/n])
	}
	return out
}

func blocked(t *testing.T, waf corazawaf.WAF, req engine.Request) bool {
	t.Helper()
	return run(t, waf, req).status != 0
}

// mongoOperatorBodies are JSON bodies whose only attack is a MongoDB operator
// key that CRS v4.25.0 rule 942290 does not list, so plain CRS lets them
// through. 942290's pattern has no end anchor, so operators that start like a
// listed one ($nearSphere starts with $ne) are caught and are left out.
var mongoOperatorBodies = []string{
	`{"user":"admin","password":{"$comment":"anything"}}`,
	`{"pipeline":[{"$lookup":{"from":"users","localField":"owner","foreignField":"_id","as":"u"}}]}`,
	`{"pipeline":[{"$unionWith":"users"}]}`,
	`{"pipeline":[{"$graphLookup":{"from":"users","startWith":"$manager","connectFromField":"manager","connectToField":"_id","as":"chain"}}]}`,
	`{"pipeline":[{"$out":"exported"}]}`,
	`{"pipeline":[{"$merge":{"into":"users"}}]}`,
	`{"location":{"$geoWithin":{"$centerSphere":[[0,0],1]}}}`,
	`{"name":{"$options":"i"}}`,
}

func TestCRSMissesMongoOperatorKeysThatFieldwallBlocks(t *testing.T) {
	plain, bodyProcessor, full := crsWAFs(t)
	e, err := engine.New(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}

	var cases []engine.Request
	for _, body := range mongoOperatorBodies {
		cases = append(cases, jsonRequest("/api/search", body))
	}
	for _, c := range readCases(t, "attacks/nosqli.jsonl") {
		cases = append(cases, c.Request)
	}

	missedByPlain, blockedByBodyProcessor, blockedByFull := 0, 0, 0
	var totalPlain, totalBodyProcessor, totalFull int
	for i, req := range cases {
		plainBlocked := blocked(t, plain, req)
		bpBlocked := blocked(t, bodyProcessor, req)
		fullBlocked := blocked(t, full, req)
		v := e.Inspect(&req)
		fieldwallBlocked := v.Action == engine.ActionBlock
		for _, count := range []struct {
			hit bool
			n   *int
		}{{plainBlocked, &totalPlain}, {bpBlocked, &totalBodyProcessor}, {fullBlocked, &totalFull}} {
			if count.hit {
				*count.n++
			}
		}

		if i < len(mongoOperatorBodies) {
			if plainBlocked {
				t.Errorf("plain CRS blocks %s; this case no longer shows a CRS gap", req.Body)
			}
			if !fieldwallBlocked {
				t.Errorf("the fieldwall engine does not block %s", req.Body)
			}
		}
		if plainBlocked && !fullBlocked {
			t.Errorf("CRS blocks %s %s alone but not with fieldwall.conf", req.Target, req.Body)
		}
		if fieldwallBlocked && !fullBlocked {
			t.Errorf("fieldwall blocks %s %s but CRS with fieldwall.conf does not", req.Target, req.Body)
		}
		if !plainBlocked {
			missedByPlain++
			if bpBlocked {
				blockedByBodyProcessor++
			}
			if fullBlocked {
				blockedByFull++
			}
		}
	}
	t.Logf("MongoDB operator cases: %d (%d written for CRS gaps, %d from attacks/nosqli.jsonl)",
		len(cases), len(mongoOperatorBodies), len(cases)-len(mongoOperatorBodies))
	t.Logf("blocked: plain CRS %d, CRS with the fieldwall body processor %d, CRS with fieldwall.conf %d",
		totalPlain, totalBodyProcessor, totalFull)
	t.Logf("plain CRS misses %d; of those, CRS with the fieldwall body processor alone blocks %d, with fieldwall.conf %d",
		missedByPlain, blockedByBodyProcessor, blockedByFull)
	if blockedByFull < len(mongoOperatorBodies) {
		t.Errorf("CRS with fieldwall.conf blocks %d of the cases plain CRS misses, want at least the %d written ones",
			blockedByFull, len(mongoOperatorBodies))
	}
}

func TestCRSBenignGraphQLOperations(t *testing.T) {
	plain, bodyProcessor, full := crsWAFs(t)
	cases := readCases(t, "benign/graphql-operations.jsonl")

	var plainIDs, bpIDs, fullIDs []string
	for _, c := range cases {
		if blocked(t, plain, c.Request) {
			plainIDs = append(plainIDs, c.Record.ID)
		}
		if blocked(t, bodyProcessor, c.Request) {
			bpIDs = append(bpIDs, c.Record.ID)
		}
		if blocked(t, full, c.Request) {
			fullIDs = append(fullIDs, c.Record.ID)
		}
	}
	t.Logf("benign GraphQL operations blocked, of %d: plain CRS %d, CRS with the fieldwall body processor %d, CRS with fieldwall.conf %d",
		len(cases), len(plainIDs), len(bpIDs), len(fullIDs))
	t.Logf("blocked by plain CRS: %s", strings.Join(plainIDs, " "))
	t.Logf("blocked with the fieldwall body processor: %s", strings.Join(bpIDs, " "))
	t.Logf("blocked with fieldwall.conf: %s", strings.Join(fullIDs, " "))
}

// attackSamplePerFile bounds the cases taken from each attack file. Each case
// runs through three CRS WAFs, a few milliseconds each on a 2-core machine,
// so 40 per file (288 cases from the 8 files) keeps the test to seconds.
const attackSamplePerFile = 40

func TestCRSPlusFieldwallDetectsWhatEachDetects(t *testing.T) {
	plain, bodyProcessor, full := crsWAFs(t)
	e, err := engine.New(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{
		"attacks/sqli.jsonl", "attacks/xss.jsonl", "attacks/nosqli.jsonl", "attacks/cmdi.jsonl",
		"attacks/path.jsonl", "attacks/ssti.jsonl", "attacks/ssrf.jsonl", "attacks/graphql.jsonl",
	}

	type tally struct{ cases, crs, crsBodyProcessor, fieldwall, both int }
	tallies := map[string]*tally{}
	total := 0
	for _, name := range files {
		for _, c := range sample(readCases(t, name), attackSamplePerFile) {
			total++
			crsHit := blocked(t, plain, c.Request)
			v := e.Inspect(&c.Request)
			fieldwallHit := v.Action == engine.ActionBlock
			bothHit := blocked(t, full, c.Request)
			bodyProcessorHit := blocked(t, bodyProcessor, c.Request)

			tl := tallies[c.Record.Class]
			if tl == nil {
				tl = &tally{}
				tallies[c.Record.Class] = tl
			}
			tl.cases++
			if crsHit {
				tl.crs++
			}
			if bodyProcessorHit {
				tl.crsBodyProcessor++
			}
			if fieldwallHit {
				tl.fieldwall++
			}
			if bothHit {
				tl.both++
			}
			if crsHit && !bothHit {
				t.Errorf("%s: CRS alone blocks it, CRS with fieldwall.conf does not", c.Record.ID)
			}
			if fieldwallHit && !bothHit {
				t.Errorf("%s: fieldwall alone blocks it (%v), CRS with fieldwall.conf does not", c.Record.ID, v.RuleIDs())
			}
		}
	}
	if total < 200 {
		t.Fatalf("sampled %d attack cases, want at least 200", total)
	}

	classes := make([]string, 0, len(tallies))
	for class := range tallies {
		classes = append(classes, class)
	}
	sort.Strings(classes)
	var sum tally
	for _, class := range classes {
		tl := tallies[class]
		t.Logf("%-8s cases %3d  CRS %3d  CRS+body processor %3d  fieldwall %3d  CRS+fieldwall.conf %3d",
			class, tl.cases, tl.crs, tl.crsBodyProcessor, tl.fieldwall, tl.both)
		sum.cases += tl.cases
		sum.crs += tl.crs
		sum.crsBodyProcessor += tl.crsBodyProcessor
		sum.fieldwall += tl.fieldwall
		sum.both += tl.both
	}
	t.Logf("%-8s cases %3d  CRS %3d  CRS+body processor %3d  fieldwall %3d  CRS+fieldwall.conf %3d",
		"total", sum.cases, sum.crs, sum.crsBodyProcessor, sum.fieldwall, sum.both)
}
