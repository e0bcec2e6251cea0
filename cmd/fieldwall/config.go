package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/rules"
)

// fileConfig is the JSON shape of a --config file: the fields of
// engine.Config under their JSON names, plus rule_files.
type fileConfig struct {
	engine.Config

	// RuleFiles lists rule files whose rules are added to the built-in
	// rules. A relative path is resolved against the directory of the
	// config file, so that a config and its rules can move together.
	RuleFiles []string `json:"rule_files"`
}

// maxConfigBytes bounds a config file. Real configs are a few kilobytes, and
// the bound keeps a wrong path (a capture, a device) from being read whole.
const maxConfigBytes = 16 << 20

// loadConfig reads the config file at name and loads the rule files it lists
// as ExtraRules. Unknown keys are errors, because a misspelt setting would
// otherwise be ignored without notice. Every error names the file.
func loadConfig(name string) (engine.Config, error) {
	data, err := readConfigFile(name)
	if err != nil {
		return engine.Config{}, err
	}

	var fc fileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return engine.Config{}, fmt.Errorf("config %s: %s", jsonErrorPosition(name, data, err), jsonErrorText(err))
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return engine.Config{}, fmt.Errorf("config %s: data after the JSON object: a config file contains one object", name)
	}

	cfg := fc.Config
	for _, ruleFile := range fc.RuleFiles {
		if ruleFile == "" {
			return engine.Config{}, fmt.Errorf("config %s: rule_files contains an empty path", name)
		}
		if !filepath.IsAbs(ruleFile) {
			ruleFile = filepath.Join(filepath.Dir(name), ruleFile)
		}
		loaded, err := rules.LoadFile(ruleFile)
		if err != nil {
			return engine.Config{}, fmt.Errorf("config %s: rule_files: %w", name, err)
		}
		cfg.ExtraRules = append(cfg.ExtraRules, loaded...)
	}
	return cfg, nil
}

func readConfigFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("config %s: file is larger than %d MiB: is this the config file?", name, maxConfigBytes>>20)
	}
	return data, nil
}

// newEngine compiles an engine from the config file at configPath, or from
// the defaults when configPath is "".
func newEngine(configPath string) (*engine.Engine, error) {
	var cfg engine.Config
	if configPath != "" {
		var err error
		cfg, err = loadConfig(configPath)
		if err != nil {
			return nil, err
		}
	}
	e, err := engine.New(cfg)
	if err != nil {
		if configPath != "" {
			return nil, fmt.Errorf("config %s: %w", configPath, err)
		}
		return nil, fmt.Errorf("compile the built-in rules: %w", err)
	}
	return e, nil
}

// jsonErrorPosition returns "name:line:column" for JSON errors that carry a
// byte offset, and name otherwise.
func jsonErrorPosition(name string, data []byte, err error) string {
	var offset int64 = -1
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		offset = syntaxErr.Offset
	case errors.As(err, &typeErr):
		offset = typeErr.Offset
	}
	if offset < 0 || offset > int64(len(data)) {
		return name
	}
	line, column := lineColumn(data[:offset])
	return fmt.Sprintf("%s:%d:%d", name, line, column)
}

// lineColumn returns the 1-based line and column just after prefix.
func lineColumn(prefix []byte) (line, column int) {
	line = 1 + bytes.Count(prefix, []byte{'\n'})
	column = len(prefix) - bytes.LastIndexByte(prefix, '\n')
	return line, column
}

// jsonErrorText returns err's message in terms of the JSON input: without
// the "json: " prefix of encoding/json, and for a value of the wrong type,
// the member path and the expected JSON type instead of Go type names.
func jsonErrorText(err error) string {
	if errors.Is(err, io.EOF) {
		return "empty input: expected a JSON object"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input: the JSON object is not closed"
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Type != nil {
		value, _, _ := strings.Cut(typeErr.Value, " ")
		text := fmt.Sprintf("%s, expected %s", jsonTypeName(value), goTypeName(typeErr.Type))
		if path := memberPath(typeErr.Field); path != "" {
			text = fmt.Sprintf("%q is %s", path, text)
		} else {
			text = "the value is " + text
		}
		return text
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// embeddedNames are the Go types embedded in the structs this command
// decodes. encoding/json puts their names into UnmarshalTypeError.Field,
// but they are not JSON keys.
var embeddedNames = map[string]bool{"Config": true, "Record": true, "RequestRecord": true}

// memberPath returns the JSON member path of an UnmarshalTypeError.Field,
// such as "limits.max_depth".
func memberPath(field string) string {
	parts := strings.Split(field, ".")
	for len(parts) > 0 && embeddedNames[parts[0]] {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

func jsonTypeName(value string) string {
	switch value {
	case "array", "object":
		return "an " + value
	case "bool":
		return "a boolean"
	case "string", "number":
		return "a " + value
	}
	return value
}

// goTypeName returns the JSON type that decodes into t.
func goTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}
