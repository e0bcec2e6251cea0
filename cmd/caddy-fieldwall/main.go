// Command caddy-fieldwall is Caddy v2 with its standard modules and the
// fieldwall handler (http.handlers.fieldwall, Caddyfile directive fieldwall).
// It takes the same commands and flags as the caddy binary, for example
//
//	caddy-fieldwall run --config Caddyfile --adapter caddyfile
//
// It is the binary that xcaddy would build with
// --with github.com/fieldwall/fieldwall/integrations/caddy, built from this
// repository with go build alone.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	// Caddy's standard modules, as in the official caddy binary.
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/fieldwall/fieldwall/integrations/caddy"
)

func main() {
	caddycmd.Main()
}
