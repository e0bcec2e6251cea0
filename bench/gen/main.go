// Command gen writes the benchmark request set of package bench into a
// directory. Run it through go generate in bench/.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fieldwall/fieldwall/bench"
)

func main() {
	dir := flag.String("dir", "testdata", "directory to write the request set into")
	flag.Parse()
	if err := bench.WriteTestdata(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen: write testdata:", err)
		os.Exit(1)
	}
}
