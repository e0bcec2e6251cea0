package corpus

import (
	"errors"
	"os"
	"path/filepath"
)

// EnvSharedDir names the environment variable that overrides where the
// public corpora are read from.
const EnvSharedDir = "FIELDWALL_CORPUS"

// SharedDir returns the directory of the public corpora: $FIELDWALL_CORPUS
// when set, else ../shared/corpus beside the module root (the folder that
// holds go.mod), found by walking up from the working directory. The
// corpora are not part of the repository.
func SharedDir() (string, error) {
	if dir := os.Getenv(EnvSharedDir); dir != "" {
		return dir, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		return "", errors.New("public corpus not found at " + dir + ": set " + EnvSharedDir + " to its directory")
	}
	return dir, nil
}

// ModuleRoot returns the nearest directory at or above the working directory
// that contains go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
