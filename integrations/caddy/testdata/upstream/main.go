// Command upstream is the test upstream of integrations/caddy/e2e.sh. It
// listens on a loopback address, responds to every request with 200 and the
// request body it received, and reports the method, path and body length in
// the X-Echo-Method, X-Echo-Path and X-Echo-Bytes headers. It writes the
// address it listens on to the file given by -addr-file once it accepts
// connections, and stops on SIGINT or SIGTERM.
//
// With -free-port it prints a loopback port that was free a moment ago and
// exits, for scripts that must choose ports for other programs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback host:port to listen on")
	addrFile := flag.String("addr-file", "", "file that receives the address once listening")
	freePort := flag.Bool("free-port", false, "print a free loopback port and exit")
	flag.Parse()

	if *freePort {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatalf("upstream: find a free port: %v", err)
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		return
	}

	host, _, err := net.SplitHostPort(*listen)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("upstream: invalid -listen %q: use a loopback address such as 127.0.0.1:0", *listen)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("upstream: listen on %s: %v", *listen, err)
	}
	if *addrFile != "" {
		// Write to a temporary name and rename, so that a script polling
		// for the file never reads half an address.
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatalf("upstream: write -addr-file: %v", err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatalf("upstream: write -addr-file: %v", err)
		}
	}

	server := &http.Server{Handler: http.HandlerFunc(echo), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdownCtx)
	}()
	log.Printf("upstream: listening on %s", ln.Addr())
	if err := server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("upstream: serve: %v", err)
	}
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "upstream: read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Echo-Method", r.Method)
	w.Header().Set("X-Echo-Path", r.URL.Path)
	w.Header().Set("X-Echo-Bytes", strconv.Itoa(len(body)))
	w.Write(body)
}
