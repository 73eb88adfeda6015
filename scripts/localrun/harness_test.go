package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/scripts/localrun"
	"github.com/smsdesk/smsdesk/shared/app"
	"github.com/smsdesk/smsdesk/shared/bus"
	"github.com/smsdesk/smsdesk/shared/chatevents"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/metering"
	"github.com/smsdesk/smsdesk/shared/session"
)

const (
	accountSID = "ACe2e00000000000000000000000000000"
	authToken  = "e2etoken0123456789"
)

// dropPrefix starts the MessageSid of texts whose chats lose their timers.
const dropPrefix = "SMdeadbeef" // hex, as every MessageSid is

var (
	sim        *carriersim.Sim
	runner     *localrun.Runner
	fixtureSeq atomic.Int64
	// meter counts the functions' Firestore operations (not the runner's own store's).
	meter = metering.New()
)

func TestMain(m *testing.M) {
	if os.Getenv("FIRESTORE_EMULATOR_HOST") == "" || os.Getenv("PUBSUB_EMULATOR_HOST") == "" {
		fmt.Fprintln(os.Stderr, "end-to-end tests need the Firestore and Pub/Sub emulators: run scripts/test.sh")
		os.Exit(1)
	}
	ctx := context.Background()
	port, err := localrun.FreePort("127.0.0.1")
	if err != nil {
		panic(err)
	}
	sim = carriersim.New(carriersim.Options{
		AccountSID: accountSID, AuthToken: authToken,
		WebhookURL:     fmt.Sprintf("http://127.0.0.1:%d/inbound", port),
		VoiceURL:       fmt.Sprintf("http://127.0.0.1:%d/voice", port),
		VoiceStatusURL: fmt.Sprintf("http://127.0.0.1:%d/voice?step=status", port),
	})
	simSrv := httptest.NewServer(sim)
	sim.SetBaseURL(simSrv.URL)
	example, err := config.LoadFile("../../config.example.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	settings = example.Settings
	hubspotSrv := httptest.NewServer(hubspot)
	defer hubspotSrv.Close()
	runner, err = localrun.Start(ctx, localrun.Options{
		ProjectID: fmt.Sprintf("e2e-%d", time.Now().UnixNano()), Port: port, Catalog: &example,
		TwilioAccountSID: accountSID, TwilioAuthToken: authToken, TwilioAPIURL: simSrv.URL,
		// Chats opened by a text whose MessageSid starts so lose their timers (sweeper tests).
		DropTimers: func(t session.Timer) bool { return strings.HasPrefix(t.SessionID, "C"+dropPrefix) },
		// and their chat events, but for the sweeper's resends.
		DropChatEvents: func(e chatevents.Event) bool {
			return strings.HasPrefix(e.SessionID, "C"+dropPrefix) && e.Type != chatevents.Resent
		},
		// Follow-ups of texts whose MessageSid starts so are left undone after their commit,
		// as a crash would leave them, and sends of stalled chats wait for Pub/Sub in vain
		// (fault tests).
		InterruptFollowups: interruptFollowups,
		FailSends:          stallSends,
		SweepGrace:         sweepGrace,
		CRMWebhookSecret:   webhookSecret,
		HubSpotToken:       hubspotToken, HubSpotAPIURL: hubspotSrv.URL,
		AppOptions: []app.Option{app.WithFirestoreOptions(meter.FirestoreOptions()...)},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		os.Exit(1)
	}
	code := m.Run()
	sim.Close()
	simSrv.Close()
	os.Exit(code)
}

// fixture is a line of business of its own for one test, so tests run in parallel without
// sharing agents or queues: a number whose entry menu offers English (Billing, Tech) and
// Spanish (General), and agents for them.
type fixture struct {
	Number, Prefix string
	Tokens         map[string]string // agent id → token
}

func newFixture(t *testing.T, opts ...settingsChange) fixture {
	t.Helper()
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("t%d", n)
	f := fixture{Number: fmt.Sprintf("+1800777%04d", n), Prefix: p, Tokens: map[string]string{}}
	c := config.Catalog{
		Numbers: []config.Number{{Number: f.Number, LineOfBusiness: p, EntryQueue: p + "-lang", DefaultLanguage: "en", Brand: "Shop " + p, ExitWord: "EXIT", MPS: 100}},
		Queues: []config.Queue{
			{ID: p + "-lang", Name: "Language", LineOfBusiness: p},
			{ID: p + "-en", Name: "English", Parent: p + "-lang", Order: 1, Keywords: []string{"ENGLISH"}, Language: "en", LineOfBusiness: p},
			{ID: p + "-es", Name: "Español", Parent: p + "-lang", Order: 2, Keywords: []string{"ESPANOL"}, Language: "es", LineOfBusiness: p},
			{ID: p + "-billing", Name: "Billing", Parent: p + "-en", Order: 1, Keywords: []string{"BILLING"}, LineOfBusiness: p,
				Predefined: []config.Predefined{{ID: "greet", Language: "en", Text: "Hi, I'm {agent} from {brand}. Is this about order {order}?"}}},
			{ID: p + "-vip", Name: "VIP desk", Parent: p + "-en", Order: 3, Hidden: true, LineOfBusiness: p},
			{ID: p + "-tech", Name: "Tech", Parent: p + "-en", Order: 2, Keywords: []string{"TECH"}, LineOfBusiness: p},
			{ID: p + "-general", Name: "General", Parent: p + "-es", Order: 1, LineOfBusiness: p},
		},
	}
	for _, a := range []struct {
		id     string
		queues []string
		cap    int
		langs  []string
		role   string
	}{
		{"ana", []string{"billing", "tech"}, 2, []string{"en"}, ""},
		{"bea", []string{"general"}, 2, []string{"es"}, ""},
		{"carl", []string{"tech", "vip"}, 1, []string{"en"}, ""},
		{"dora", []string{"billing"}, 2, []string{"en", "es"}, "supervisor"},
	} {
		id := p + "-" + a.id
		qs := make([]string, len(a.queues))
		for i, q := range a.queues {
			qs[i] = p + "-" + q
		}
		f.Tokens[a.id] = "token-" + id
		c.Agents = append(c.Agents, config.Agent{ID: id, Name: strings.ToUpper(a.id[:1]) + a.id[1:], Queues: qs, Capacity: a.cap, Languages: a.langs, Role: a.role, Token: f.Tokens[a.id]})
	}
	loadCatalog(t, c, opts...)
	return f
}

// settings are the deployment-wide settings every test's configuration shares: a catalog load
// writes them whole, so each load writes the latest, under settingsMu.
var (
	settingsMu sync.Mutex
	settings   config.Settings
)

// settingsChange adjusts the shared settings for a test's configuration of a number.
type settingsChange func(s *config.Settings, number string)

// withCRM makes the number's chats go to the CRM adapter (a config.CRM* name).
func withCRM(adapter, webhookURL string) settingsChange {
	return func(s *config.Settings, number string) {
		if s.CRM == nil {
			s.CRM = &config.CRMSettings{}
		}
		if s.CRM.ByNumber == nil {
			s.CRM.ByNumber = map[string]string{}
		}
		s.CRM.ByNumber[number] = adapter
		if webhookURL != "" {
			s.CRM.WebhookURL = webhookURL
		}
	}
}

// loadCatalog loads a test's configuration with the shared settings (changed as asked).
func loadCatalog(t *testing.T, c config.Catalog, changes ...settingsChange) {
	t.Helper()
	settingsMu.Lock()
	defer settingsMu.Unlock()
	for _, ch := range changes {
		ch(&settings, c.Numbers[0].Number)
	}
	c.Settings = settings
	if err := runner.Store.LoadCatalog(context.Background(), c); err != nil {
		t.Fatalf("load configuration: %v", err)
	}
}

// consumerPhone gives each test a phone number of its own.
func consumerPhone() string { return fmt.Sprintf("+1555%07d", 1000000+fixtureSeq.Add(1)) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// text sends a consumer's text through the carrier simulator and checks it was accepted.
func text(t *testing.T, from, to, body string, media ...carriersim.Media) string {
	t.Helper()
	res, err := sim.SendInbound(context.Background(), carriersim.Inbound{From: from, To: to, Body: body, Media: media})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("text %q: status %d, %v, %s", body, res.StatusCode, err, res.ResponseBody)
	}
	return res.MessageSID
}

// expectSMS waits until the carrier got the nth message (from 1) to phone and checks that it
// contains want.
func expectSMS(t *testing.T, ctx context.Context, phone string, nth int, want string) carriersim.Message {
	t.Helper()
	for {
		if got := sentTo(phone); len(got) >= nth {
			if m := got[nth-1]; !strings.Contains(m.Body, want) {
				t.Fatalf("message #%d to %s = %q, want it to contain %q; all: %q", nth, phone, m.Body, want, bodies(got))
			}
			return got[nth-1]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("message #%d to %s (%q) never sent; sent: %q", nth, phone, want, bodies(sentTo(phone)))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func sentTo(phone string) []carriersim.Message {
	var out []carriersim.Message
	for _, m := range sim.Sent() {
		if m.To == phone {
			out = append(out, m)
		}
	}
	return out
}

func bodies(ms []carriersim.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Body
	}
	return out
}

// api calls the agent API as the agent with token and decodes the JSON answer into out.
func api(t *testing.T, token, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, runner.BaseURL+"/agent"+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

type chatJSON struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Consumer  string `json:"consumer"`
	Queue     string `json:"queue"`
	Language  string `json:"language"`
	EndReason string `json:"endReason"`
	Contact   struct {
		Status, ID string
		Candidates []struct{ ID, Name string }
	} `json:"contact"`
	Transcript []struct {
		Seq    int    `json:"seq"`
		Author string `json:"author"`
		Kind   string `json:"kind"`
		Body   string `json:"body"`
		Status string `json:"status"`
		Media  []struct {
			URL         string `json:"url"`
			ContentType string `json:"contentType"`
		} `json:"media"`
	} `json:"transcript"`
}

// waitChats polls the agent's chats until cond holds.
func waitChats(t *testing.T, ctx context.Context, token string, cond func([]chatJSON) bool) []chatJSON {
	t.Helper()
	for {
		var res struct{ Chats []chatJSON }
		if code := api(t, token, "GET", "/chats", nil, &res); code != http.StatusOK {
			t.Fatalf("GET /chats = %d", code)
		}
		if cond(res.Chats) {
			return res.Chats
		}
		select {
		case <-ctx.Done():
			t.Fatalf("agent chats never reached the expected state; last: %+v", res.Chats)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// publisher publishes onto the test project's topics, as a redelivering Pub/Sub would.
func publisher(t *testing.T) *bus.Publisher {
	t.Helper()
	c, err := pubsub.NewClient(context.Background(), os.Getenv("GOOGLE_CLOUD_PROJECT"))
	if err != nil {
		t.Fatal(err)
	}
	p := bus.NewPublisher(c)
	t.Cleanup(func() { p.Stop(); c.Close() })
	return p
}

// transcriptOf returns the consumer's current (or given) chat transcript as "author:kind" for
// system entries and "author:body" for the others.
func transcriptOf(t *testing.T, ctx context.Context, sessionID string) []string {
	t.Helper()
	entries, err := runner.Store.Transcript(ctx, sessionID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		what := e.Body
		if e.Author == session.FromSystem {
			what = e.Kind
		}
		out[i] = string(e.Author) + ":" + what
		if e.Seq != i+1 {
			t.Errorf("entry %d has seq %d", i, e.Seq)
		}
	}
	return out
}

func activeSession(t *testing.T, ctx context.Context, business, phone string) string {
	t.Helper()
	c, err := runner.Store.Consumer(ctx, business, phone)
	if err != nil {
		t.Fatal(err)
	}
	return c.ActiveSession
}

func assertTranscript(t *testing.T, ctx context.Context, f fixture, phone string, want ...string) {
	t.Helper()
	sid := activeSession(t, ctx, f.Number, phone)
	if sid == "" {
		t.Fatalf("%s has no active chat", phone)
	}
	if got := transcriptOf(t, ctx, sid); strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("transcript:\n got  %q\n want %q", got, want)
	}
}

// waitApplied waits until the conversation applied the text and returns the messages it sent.
func waitApplied(t *testing.T, ctx context.Context, business, phone, sid string) []string {
	t.Helper()
	for {
		_, outbox, found, err := runner.Store.Receipt(ctx, business, phone, sid)
		if err != nil {
			t.Fatal(err)
		}
		if found {
			return outbox
		}
		select {
		case <-ctx.Done():
			t.Fatalf("text %s was never applied", sid)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
