package httpconn

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/flowline/flowline/connectors"
)

// TestURLQueryTextIsEscaped: characters a request line may not carry,
// templated into the URL's query as they are (a space, quotes, braces,
// non-ASCII), are percent-encoded when the request is sent, as a browser
// does; what a query may carry (&, =, +, %XX) goes as written, and the
// request's record shows the URL that was sent.
func TestURLQueryTextIsEscaped(t *testing.T) {
	srv, ch := serve(t, nil)
	c := New(loopbackOptions())
	defer c.Close()
	res, err := c.Execute(context.Background(), connectors.Request{RunID: "run-1", StepID: "s1", Attempt: 1, IdempotencyKey: "k",
		Config: mustJSON(t, map[string]any{"url": srv.URL + `/p?ct=text/html; charset=utf-8&who="Ada" {x}|ä&sum=1+2&pct=%41`})})
	if err != nil {
		t.Fatalf("Execute: %v (the server answered %+v)", err, res)
	}
	const want = `ct=text/html;%20charset=utf-8&who=%22Ada%22%20%7Bx%7D%7C%C3%A4&sum=1+2&pct=%41`
	if got := next(t, ch).RawQuery; got != want {
		t.Errorf("the server received the query %q, want %q", got, want)
	}
	var rec struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(res.Request, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.URL != srv.URL+"/p?"+want {
		t.Errorf("the request record names %q, want the URL sent", rec.URL)
	}
	if got := escapeQueryText("a=1&b=%20"); got != "a=1&b=%20" {
		t.Errorf("a query without unsafe characters became %q", got)
	}
}
