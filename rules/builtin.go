package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
)

//go:embed builtin/*.rules
var builtinFiles embed.FS

// Builtin returns the built-in rules, parsed from the rule files embedded
// from rules/builtin. Each call returns new values the caller may modify.
func Builtin() ([]*Rule, error) {
	names, err := fs.Glob(builtinFiles, "builtin/*.rules")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var all []*Rule
	for _, name := range names {
		data, err := builtinFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		rules, err := ParseBytes(path.Join("rules", name), data)
		if err != nil {
			return nil, err
		}
		all = append(all, rules...)
	}
	return all, nil
}

// LoadFile parses the rule file at name.
func LoadFile(name string) ([]*Rule, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open rule file: %w", err)
	}
	defer f.Close()
	return Parse(name, f)
}
