package nethttp_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
)

// Example puts the middleware in front of an API handler and sends it one
// benign request and one MongoDB operator injection.
func Example() {
	e, err := engine.New(engine.Config{})
	if err != nil {
		log.Fatal(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // the body arrives as the client sent it
		fmt.Fprintf(w, "login with %s", body)
	})
	protected, err := nethttp.New(api, nethttp.Options{
		Engine: e,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	server := httptest.NewServer(protected)
	defer server.Close()

	for _, body := range []string{`{"user":"alice"}`, `{"user":{"$ne":null}}`} {
		resp, err := http.Post(server.URL+"/login", "application/json", strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		text, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), strings.Contains(string(text), "event_id"))
	}
	// Output:
	// 200 text/plain; charset=utf-8 false
	// 403 application/problem+json true
}
