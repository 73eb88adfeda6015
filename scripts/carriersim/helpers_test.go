package carriersim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "secrettoken0123456789"
	business  = "+18005550100"
	consumer  = "+15551230001"
)

// newTestSim starts a simulator on an httptest server.
func newTestSim(t *testing.T, opts Options) (*Sim, *httptest.Server) {
	t.Helper()
	if opts.AccountSID == "" {
		opts.AccountSID, opts.AuthToken = testSID, testToken
	}
	if opts.StatusDelay == 0 {
		opts.StatusDelay = 5 * time.Millisecond
	}
	s := New(opts)
	srv := httptest.NewServer(s)
	s.SetBaseURL(srv.URL)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv
}

// newRestClient returns the real twilio-go client pointed at the simulator.
func newRestClient(t *testing.T, srv *httptest.Server, sid, token string) *twilio.RestClient {
	t.Helper()
	tr, err := Transport(srv.URL, srv.Client().Transport)
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{
		Credentials: client.NewCredentials(sid, token),
		HTTPClient:  &http.Client{Transport: tr, Timeout: 10 * time.Second},
	}
	c.SetAccountSid(sid)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Username: sid, Password: token, Client: c})
}

func send(rc *twilio.RestClient, from, to, body, callback string, media ...string) (*openapi.ApiV2010Message, error) {
	p := &openapi.CreateMessageParams{}
	p.SetFrom(from)
	p.SetTo(to)
	if body != "" {
		p.SetBody(body)
	}
	if callback != "" {
		p.SetStatusCallback(callback)
	}
	if len(media) > 0 {
		p.SetMediaUrl(media)
	}
	return rc.Api.CreateMessage(p)
}

// hook is an httptest receiver that records form POSTs and checks their
// signature with twilio-go's RequestValidator.
type hook struct {
	t     *testing.T
	srv   *httptest.Server
	path  string // path+query the sim is told to call
	mu    sync.Mutex
	calls []url.Values
	sigOK []bool
	got   chan url.Values
	reply string
}

func newHook(t *testing.T, pathAndQuery string) *hook {
	h := &hook{t: t, path: pathAndQuery, got: make(chan url.Values, 1000)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("hook: parse form: %v", err)
		}
		params := map[string]string{}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
		rv := client.NewRequestValidator(testToken)
		ok := rv.Validate(h.URL(), params, r.Header.Get("X-Twilio-Signature"))
		h.mu.Lock()
		h.calls = append(h.calls, r.PostForm)
		h.sigOK = append(h.sigOK, ok)
		h.mu.Unlock()
		h.got <- r.PostForm
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(h.reply))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) URL() string { return h.srv.URL + h.path }

func (h *hook) next(t *testing.T) url.Values {
	t.Helper()
	select {
	case v := <-h.got:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook call within 5s")
		return nil
	}
}
