package main

import (
	"fmt"
	"io"
	"reflect"

	"github.com/fieldwall/fieldwall/rules"
)

const rulesUsage = `Usage:
  fieldwall rules [--config FILE]
  fieldwall rules check FILE...

The first form lists the rules that run, one line each: id, class, severity,
paranoia level and message. The config's paranoia level and disabled_rules
apply, and its rule_files are included.

The second form validates rule files. For each file it prints
"FILE: N rules OK", or the error with the file and line. Rule ids must not
be taken by a different built-in rule, because a rule file given in a config
is added to the built-in rules.

Flags:
  --config FILE  engine settings and extra rule files (see 'fieldwall help')

Exit status: 0 when every file is valid; 2 for invalid usage, an invalid
config or an invalid rule file.
`

func runRules(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "check" {
		return runRulesCheck(args[1:], stdout, stderr)
	}
	flags := newFlagSet("rules")
	configPath := flags.String("config", "", "")
	operands, err := parseFlags(flags, args)
	if err != nil {
		return flagError("rules", err, stdout, stderr)
	}
	if len(operands) > 0 {
		return usageError(stderr, "rules", fmt.Sprintf("unexpected argument %q: to validate rule files, run 'fieldwall rules check FILE...'", operands[0]))
	}
	e, err := newEngine(*configPath)
	if err != nil {
		return fail(stderr, "rules", err)
	}
	for _, r := range e.Rules() {
		if _, err := fmt.Fprintln(stdout, r.String()); err != nil {
			return fail(stderr, "rules", err)
		}
	}
	return exitOK
}

func runRulesCheck(args []string, stdout, stderr io.Writer) int {
	flags := newFlagSet("rules")
	files, err := parseFlags(flags, args)
	if err != nil {
		return flagError("rules", err, stdout, stderr)
	}
	if len(files) == 0 {
		return usageError(stderr, "rules", "rules check needs one or more rule files")
	}
	builtin, err := rules.Builtin()
	if err != nil {
		return fail(stderr, "rules", fmt.Errorf("load the built-in rules: %w", err))
	}

	status := exitOK
	for _, name := range files {
		n, err := checkRuleFile(name, builtin)
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			status = exitUsage
			continue
		}
		noun := "rules"
		if n == 1 {
			noun = "rule"
		}
		fmt.Fprintf(stdout, "%s: %d %s OK\n", name, n, noun)
	}
	return status
}

// checkRuleFile parses and compiles the rule file at name and returns the
// number of its rules. Compiling reports invalid patterns and ids used twice
// in the file. An id of a different built-in rule is an error too, because a
// config adds its rule files to the built-in rules. A rule identical to the
// built-in rule with its id passes, so the built-in rule files check OK.
func checkRuleFile(name string, builtin []*rules.Rule) (int, error) {
	loaded, err := rules.LoadFile(name)
	if err != nil {
		return 0, err
	}
	if _, err := rules.Compile(loaded); err != nil {
		return 0, err
	}
	builtinByID := make(map[string]*rules.Rule, len(builtin))
	for _, r := range builtin {
		builtinByID[r.ID] = r
	}
	for _, r := range loaded {
		if b, ok := builtinByID[r.ID]; ok && !sameRule(r, b) {
			return 0, fmt.Errorf("%s: rule id %q is already used by the built-in rule at %s: choose another id", r.Source, r.ID, b.Source)
		}
	}
	return len(loaded), nil
}

// sameRule reports whether a and b are equal in everything but Source.
func sameRule(a, b *rules.Rule) bool {
	x, y := *a, *b
	x.Source, y.Source = "", ""
	return reflect.DeepEqual(x, y)
}
