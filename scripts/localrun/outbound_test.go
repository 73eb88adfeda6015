package localrun_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
)

// outboundFixture is a business number for outbound texts, in a time zone where it is now
// allowedHour (so quiet hours are decided by the test, not the clock), with an API key.
func outboundFixture(t *testing.T, localHour int, mps float64) (number, prefix, key string) {
	t.Helper()
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("o%d", n)
	number, key = fmt.Sprintf("+1800666%04d", n), "key-"+p
	tz := zoneAt(localHour)
	c := config.Catalog{
		Numbers: []config.Number{{Number: number, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Out " + p, TimeZone: tz, MPS: mps}},
		Queues:  []config.Queue{{ID: p + "-q", Name: "Desk", LineOfBusiness: p}},
		Agents:  []config.Agent{{ID: p + "-ola", Name: "Ola", Queues: []string{p + "-q"}, Languages: []string{"en"}, Token: "token-" + p + "-ola"}},
		Templates: []config.Template{
			{ID: p + "-ready", Language: "en", Text: "{brand}: your order {order} is ready for pickup."},
			{ID: p + "-ready", Language: "es", Text: "{brand}: su pedido {order} está listo."},
		},
		APIKeys: []config.APIKey{{ID: p + "-crm", Name: "CRM", Key: key}},
	}
	loadCatalog(t, c)
	return number, p, key
}

// zoneAt is a time zone where the local hour is now hour (Etc/GMT-X is UTC+X).
func zoneAt(hour int) string {
	offset := (hour - time.Now().UTC().Hour() + 24) % 24
	if offset > 12 {
		offset -= 24
	}
	if offset == 0 {
		return "Etc/GMT"
	}
	return fmt.Sprintf("Etc/GMT%+d", -offset)
}

type outResult struct {
	Status, ChatID, Body, Encoding string
	Segments                       int
	SendAt                         time.Time
	Error                          struct {
		Code, Message string
		NextAllowedAt time.Time
	}
}

func outCall(t *testing.T, token, path, idemKey string, body any) (int, outResult, http.Header) {
	t.Helper()
	b, _ := json.Marshal(body)
	code, raw, header := outboundCall(t, token, path, idemKey, string(b))
	var r outResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("answer %q: %v", raw, err)
	}
	return code, r, header
}

func consent() map[string]string { return map[string]string{"source": "checkout form"} }

func TestNotificationsTemplatesAndAutoReply(t *testing.T) {
	number, p, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	phone := consumerPhone()
	code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": phone, "template": p + "-ready", "language": "es",
		"variables": map[string]string{"order": "A-17"}, "consent": consent()})
	if code != http.StatusAccepted || r.Encoding != "UCS-2" || r.Segments != 1 {
		t.Fatalf("template notification = %d %+v", code, r)
	}
	expectSMS(t, ctx, phone, 1, "Out "+p+": su pedido A-17 está listo.")
	text(t, phone, number, "thanks!")
	expectSMS(t, ctx, phone, 2, "This number sends notifications")
	text(t, phone, number, "actually I have a question")
	expectSMS(t, ctx, phone, 3, "in line for Desk") // consent was recorded with the notification
	if code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": phone, "template": p + "-ready"}); code != 400 || !strings.Contains(r.Error.Message, "{order}") {
		t.Errorf("template without its variable = %d %+v", code, r.Error)
	}
}

func TestOutboundRequestsAreCheckedWithClearErrors(t *testing.T) {
	number, _, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	phone := consumerPhone()
	cases := []struct {
		name string
		body map[string]any
		code int
		want string
	}{
		{"malformed to", map[string]any{"from": number, "to": "555-1234", "body": "hi"}, 400, "E.164"},
		{"unknown sender", map[string]any{"from": "+18000000001", "to": phone, "body": "hi"}, 422, "not one of the business's numbers"},
		{"empty body", map[string]any{"from": number, "to": phone, "body": "  "}, 400, "empty"},
		{"too long", map[string]any{"from": number, "to": phone, "body": strings.Repeat("x", 1601)}, 400, "at most 1600"},
		{"no consent", map[string]any{"from": number, "to": phone, "body": "hi"}, 409, "pass consent.source"},
		{"unknown field", map[string]any{"from": number, "to": phone, "text": "hi"}, 400, `unknown field "text"`},
	}
	for _, c := range cases {
		if code, r, _ := outCall(t, key, "/messages", "", c.body); code != c.code || !strings.Contains(r.Error.Message, c.want) {
			t.Errorf("%s: %d %+v, want %d %q", c.name, code, r.Error, c.code, c.want)
		}
	}
	if code, _, _ := outCall(t, "wrong-key", "/messages", "", cases[0].body); code != http.StatusUnauthorized {
		t.Errorf("unknown key = %d", code)
	}
	// An opted-out consumer is refused with the reason.
	text(t, phone, number, "hello")
	expectSMS(t, ctx, phone, 1, "Msg & data rates")
	text(t, phone, number, "STOP")
	for {
		if c, _ := runner.Store.Consumer(ctx, number, phone); c.OptedOut {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": phone, "body": "sale!"})
	if code != http.StatusConflict || r.Error.Code != "opted_out" || !strings.Contains(r.Error.Message, "opted out") {
		t.Errorf("opted-out consumer = %d %+v", code, r.Error)
	}
}

func TestIdempotentRetrySendsOnce(t *testing.T) {
	number, _, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	phone := consumerPhone()
	body := map[string]any{"from": number, "to": phone, "body": "Your code is 1234", "consent": consent()}
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i], _, _ = outCall(t, key, "/messages", "order-77", body) }()
	}
	wg.Wait()
	code, _, h := outCall(t, key, "/messages", "order-77", body)
	if code != http.StatusAccepted || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry = %d replayed=%q (concurrent: %v)", code, h.Get("Idempotent-Replayed"), codes)
	}
	expectSMS(t, ctx, phone, 1, "Your code is 1234")
	body["body"] = "something else"
	if code, r, _ := outCall(t, key, "/messages", "order-77", body); code != 422 || r.Error.Code != "idempotency_key_reused" {
		t.Errorf("key reused for another request = %d %+v", code, r.Error)
	}
	waitIdle(t)
	if got := sentTo(phone); len(got) != 1 {
		t.Errorf("retries sent %d texts: %q", len(got), bodies(got))
	}
}

func TestQuietHoursRefuseAndScheduledSendIsHonoured(t *testing.T) {
	night, _, key := outboundFixture(t, 23, 50)
	phone := consumerPhone()
	code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": night, "to": phone, "body": "sale!", "consent": consent()})
	if code != 422 || r.Error.Code != "quiet_hours" || r.Error.NextAllowedAt.Before(time.Now().Add(8*time.Hour)) {
		t.Errorf("notification at 23:00 local = %d %+v", code, r.Error)
	}

	day, _, key2 := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	at := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Millisecond)
	code, r, _ = outCall(t, key2, "/messages", "", map[string]any{"from": day, "to": phone, "body": "reminder", "sendAt": at, "consent": consent()})
	if code != http.StatusAccepted || r.Status != "held" {
		t.Fatalf("scheduled send = %d %+v", code, r)
	}
	m := expectSMS(t, ctx, phone, 1, "reminder")
	if m.Created.Before(at) {
		t.Errorf("scheduled for %v, sent at %v", at, m.Created)
	}
}

func TestBusinessOpensChatsForAgentsAndQueues(t *testing.T) {
	number, p, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	ola := "token-" + p + "-ola"
	phone := consumerPhone()
	code, r, _ := outCall(t, ola, "/sessions", "", map[string]any{"from": number, "to": phone, "body": "Hi, Ola from support: about your claim", "agent": p + "-ola", "consent": consent()})
	if code != http.StatusAccepted || r.ChatID == "" {
		t.Fatalf("open chat = %d %+v", code, r)
	}
	expectSMS(t, ctx, phone, 1, "about your claim")
	text(t, phone, number, "yes, thanks")
	c := waitChats(t, ctx, ola, func(cs []chatJSON) bool {
		return len(cs) == 1 && cs[0].Transcript[len(cs[0].Transcript)-1].Body == "yes, thanks"
	})[0]
	if c.ID != r.ChatID {
		t.Errorf("reply went to chat %s, want %s", c.ID, r.ChatID)
	}
	if code, r, _ := outCall(t, key, "/sessions", "", map[string]any{"from": number, "to": phone, "body": "again", "queue": p + "-q"}); code != 409 || r.Error.Code != "in_chat" {
		t.Errorf("second chat with a busy consumer = %d %+v", code, r.Error)
	}
	other := consumerPhone()
	if code, _, _ := outCall(t, key, "/sessions", "", map[string]any{"from": number, "to": other, "body": "Your appointment", "queue": p + "-q", "consent": consent()}); code != http.StatusAccepted {
		t.Fatalf("chat for a queue = %d", code)
	}
	api(t, ola, "PUT", "/status", map[string]string{"status": "available"}, nil)
	waitChats(t, ctx, ola, func(cs []chatJSON) bool { return len(cs) == 2 })
}

// TestSendingRateIsHeld: many texts queued from one number leave no faster than its rate.
func TestSendingRateIsHeld(t *testing.T) {
	const mps, n = 4.0, 16
	number, _, key := outboundFixture(t, 12, mps)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	phones := make([]string, n)
	for i := range phones {
		phones[i] = consumerPhone()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": phones[i], "body": "news", "consent": consent()}); code != 202 {
				t.Errorf("send = %d %+v", code, r.Error)
			}
		}()
	}
	wg.Wait()
	var first, last time.Time
	for _, p := range phones {
		m := expectSMS(t, ctx, p, 1, "news")
		if first.IsZero() || m.Created.Before(first) {
			first = m.Created
		}
		if m.Created.After(last) {
			last = m.Created
		}
	}
	rate := float64(n-1) / last.Sub(first).Seconds()
	t.Logf("%d texts at %.2f per second (limit %.0f)", n, rate, mps)
	if rate > mps*1.1 {
		t.Errorf("sent at %.2f per second, over the number's %v", rate, mps)
	}
}

type bulkJob struct {
	Processed int
	Counts    map[string]int
	Results   []struct {
		Index                     int
		To, Status, Code, Message string
	}
}

// TestBulkSendReportsEachRecipient: a bulk request is accepted at once with a job id; each
// recipient is sent (or refused with the reason) once, even when the request is retried.
func TestBulkSendReportsEachRecipient(t *testing.T) {
	number, p, key := outboundFixture(t, 12, 200)
	ctx := testCtx(t)
	const n = 120
	var recipients []map[string]any
	phones := make([]string, n)
	for i := range phones {
		phones[i] = consumerPhone()
		recipients = append(recipients, map[string]any{"to": phones[i], "variables": map[string]string{"order": fmt.Sprint(i)}})
	}
	// One recipient opted out before: refused with the reason; the rest receive the template.
	text(t, phones[7], number, "STOP")
	for c, _ := runner.Store.Consumer(ctx, number, phones[7]); !c.OptedOut; c, _ = runner.Store.Consumer(ctx, number, phones[7]) {
		time.Sleep(20 * time.Millisecond)
	}
	recipients[9]["to"] = "not-a-number"
	req := map[string]any{"from": number, "template": p + "-ready", "recipients": recipients, "consent": consent()}
	post := func() (int, map[string]any) {
		b, _ := json.Marshal(req)
		r, _ := http.NewRequest("POST", runner.BaseURL+"/outbound/bulk", bytes.NewReader(b))
		r.Header.Set("Authorization", "Bearer "+key)
		r.Header.Set("Idempotency-Key", "campaign-1")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	code, first := post()
	if code != http.StatusAccepted || first["total"] != float64(n) {
		t.Fatalf("bulk = %d %v", code, first)
	}
	if code, again := post(); code != http.StatusAccepted || again["jobId"] != first["jobId"] {
		t.Errorf("retried bulk = %d %v, want the same job", code, again)
	}
	var job bulkJob
	for job.Processed < n {
		r, _ := http.NewRequest("GET", runner.BaseURL+"/outbound/bulk/"+first["jobId"].(string), nil)
		r.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&job)
		resp.Body.Close()
		if ctx.Err() != nil {
			t.Fatalf("bulk job stuck at %d of %d", job.Processed, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if job.Counts["refused"] != 2 || job.Results[7].Code != "opted_out" || job.Results[9].Code != "invalid_to" {
		t.Errorf("bulk results: counts %v, #7 %+v, #9 %+v", job.Counts, job.Results[7], job.Results[9])
	}
	for i, ph := range phones {
		if i == 7 || i == 9 {
			continue
		}
		expectSMS(t, ctx, ph, 1, fmt.Sprintf("your order %d is ready", i))
	}
	waitIdle(t)
	for i, ph := range phones {
		if got := len(sentTo(ph)); i != 7 && i != 9 && got != 1 {
			t.Errorf("recipient %d got %d texts", i, got)
		}
	}
}

// TestBrandWideOptOut: on numbers whose opt-out scope is the brand (the default), STOP on one
// number stops texts from the brand's other numbers; a number of its own scope is not affected.
func TestBrandWideOptOut(t *testing.T) {
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("b%d", n)
	a, b, solo := fmt.Sprintf("+1800555%04d", n), fmt.Sprintf("+1800556%04d", n), fmt.Sprintf("+1800557%04d", n)
	key := "key-" + p
	nums := []config.Number{
		{Number: a, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Brand " + p, OptOutScope: "brand", MPS: 50, TimeZone: "UTC"},
		{Number: b, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Brand " + p, MPS: 50, TimeZone: "UTC"},
		{Number: solo, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Brand " + p, OptOutScope: "number", MPS: 50, TimeZone: "UTC"},
	}
	loadCatalog(t, config.Catalog{
		Numbers: nums, Queues: []config.Queue{{ID: p + "-q", Name: "Q", LineOfBusiness: p}},
		APIKeys: []config.APIKey{{ID: p, Key: key}},
	})
	ctx := testCtx(t)
	phone := consumerPhone()
	sid := text(t, phone, a, "STOP")
	waitApplied(t, ctx, a, phone, sid)
	// Chats, not notifications, so that quiet hours play no part.
	send := func(from string) (int, outResult) {
		code, r, _ := outCall(t, key, "/sessions", "", map[string]any{"from": from, "to": phone, "body": "hello", "queue": p + "-q", "consent": consent()})
		return code, r
	}
	if code, r := send(b); code != http.StatusConflict || r.Error.Code != "opted_out" {
		t.Errorf("brand sibling after STOP = %d %+v", code, r.Error)
	}
	if code, r := send(solo); code != http.StatusAccepted {
		t.Errorf("number with its own opt-out scope = %d %+v", code, r.Error)
	}
}

// TestConversationsIgnoreQuietHours: at 23:00 for the consumer a notification is refused, but
// a chat's messages, the agent's replies among them, go out at once.
func TestConversationsIgnoreQuietHours(t *testing.T) {
	number, p, key := outboundFixture(t, 23, 50)
	ctx := testCtx(t)
	ola := "token-" + p + "-ola"
	phone := consumerPhone()
	if code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": phone, "body": "sale!", "consent": consent()}); code != 422 {
		t.Fatalf("notification at night = %d %+v", code, r.Error)
	}
	code, r, _ := outCall(t, ola, "/sessions", "", map[string]any{"from": number, "to": phone, "body": "About your claim", "agent": p + "-ola", "consent": consent()})
	if code != http.StatusAccepted {
		t.Fatalf("open chat = %d %+v", code, r.Error)
	}
	expectSMS(t, ctx, phone, 1, "About your claim")
	text(t, phone, number, "ok")
	api(t, ola, "POST", "/chats/"+r.ChatID+"/messages", map[string]string{"body": "Thanks, all set"}, nil)
	expectSMS(t, ctx, phone, 2, "Thanks, all set")
}

// TestConsumerTimeZoneDecidesQuietHours: the consumer's own time zone, given once, decides
// quiet hours over the number's.
func TestConsumerTimeZoneDecidesQuietHours(t *testing.T) {
	night, _, key := outboundFixture(t, 23, 50)
	ctx := testCtx(t)
	phone := consumerPhone()
	body := map[string]any{"from": night, "to": phone, "body": "your parcel is here", "consent": consent(), "timeZone": zoneAt(12)}
	if code, r, _ := outCall(t, key, "/messages", "", body); code != http.StatusAccepted {
		t.Fatalf("notification at the consumer's midday = %d %+v", code, r.Error)
	}
	delete(body, "timeZone")
	if code, r, _ := outCall(t, key, "/messages", "", body); code != http.StatusAccepted {
		t.Errorf("second notification (time zone remembered) = %d %+v", code, r.Error)
	}
	expectSMS(t, ctx, phone, 2, "your parcel is here")
	other := consumerPhone()
	if code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": night, "to": other, "body": "hi", "consent": consent(), "timeZone": "Mars/Olympus"}); code != 400 || r.Error.Code != "invalid_time_zone" {
		t.Errorf("unknown time zone = %d %+v", code, r.Error)
	}
}
