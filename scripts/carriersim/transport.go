package carriersim

import (
	"net/http"
	"net/url"
	"strings"
)

// Transport returns an http.RoundTripper that sends requests for
// *.twilio.com (e.g. api.twilio.com) to target, a base URL such as the
// simulator's httptest server URL, keeping path and query. Other hosts go
// through base unchanged. A nil base uses http.DefaultTransport.
//
// Use it as the HTTPClient transport of a twilio-go client.Client.
func Transport(target string, base http.RoundTripper) (http.RoundTripper, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &rewriteTransport{target: u, base: base}, nil
}

type rewriteTransport struct {
	target *url.URL
	base   http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "twilio.com" && !strings.HasSuffix(r.URL.Hostname(), ".twilio.com") {
		return t.base.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = t.target.Scheme
	r2.URL.Host = t.target.Host
	r2.Host = t.target.Host
	return t.base.RoundTrip(r2)
}
