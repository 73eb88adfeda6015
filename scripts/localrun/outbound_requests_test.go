package localrun_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// outboundCall posts body as written to the outbound API and returns the answer as written.
func outboundCall(t *testing.T, token, path, idemKey, body string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", runner.BaseURL+"/outbound"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

// getBulk reads a bulk job through the API.
func getBulk(t *testing.T, key, id string) (job bulkJob, total int) {
	t.Helper()
	r, _ := http.NewRequest("GET", runner.BaseURL+"/outbound/bulk/"+id, nil)
	r.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		bulkJob
		Job struct{ Total int }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("bulk job %s: %v", id, err)
	}
	return out.bulkJob, out.Job.Total
}

// waitBulk polls a bulk job until cond holds.
func waitBulk(t *testing.T, key, id string, cond func(bulkJob) bool) bulkJob {
	t.Helper()
	ctx := testCtx(t)
	for {
		job, _ := getBulk(t, key, id)
		if cond(job) {
			return job
		}
		select {
		case <-ctx.Done():
			t.Fatalf("bulk job %s never reached the expected state: %+v", id, job)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestIdempotencyKeyComparesRequestsAsJSON: a bulk request under a key already used for
// another request is refused and changes nothing of the first job; the same request again,
// written with other spacing and key order, is a retry on every route.
func TestIdempotencyKeyComparesRequestsAsJSON(t *testing.T) {
	number, _, key := outboundFixture(t, 12, 50)
	ctx := testCtx(t)
	phones := []string{consumerPhone(), consumerPhone(), consumerPhone()}
	first := fmt.Sprintf(`{"from":%q,"body":"Spring sale starts today","consent":{"source":"signup"},"recipients":[{"to":%q},{"to":%q},{"to":%q}]}`,
		number, phones[0], phones[1], phones[2])
	code, raw, _ := outboundCall(t, key, "/bulk", "spring", first)
	var job struct{ JobID string }
	if err := json.Unmarshal(raw, &job); code != http.StatusAccepted || err != nil {
		t.Fatalf("bulk = %d %s", code, raw)
	}
	other := fmt.Sprintf(`{"from":%q,"body":"Something else entirely","consent":{"source":"signup"},"recipients":[{"to":%q},{"to":%q},{"to":%q},{"to":%q}]}`,
		number, phones[0], phones[1], phones[2], consumerPhone())
	if code, raw, _ := outboundCall(t, key, "/bulk", "spring", other); code != http.StatusUnprocessableEntity || !strings.Contains(string(raw), "idempotency_key_reused") {
		t.Errorf("the key reused for another bulk request = %d %s", code, raw)
	}
	respaced := fmt.Sprintf("{\n  \"recipients\": [ {\"to\": %q}, {\"to\": %q}, {\"to\": %q} ],\n  \"body\": \"Spring sale starts today\",\n  \"consent\": {\"source\": \"signup\"}, \"from\": %q\n}",
		phones[0], phones[1], phones[2], number)
	code, raw, h := outboundCall(t, key, "/bulk", "spring", respaced)
	if code != http.StatusAccepted || h.Get("Idempotent-Replayed") != "true" || !strings.Contains(string(raw), job.JobID) {
		t.Errorf("the same bulk request re-serialised = %d %s (replayed %q), want the first answer", code, raw, h.Get("Idempotent-Replayed"))
	}
	done := waitBulk(t, key, job.JobID, func(j bulkJob) bool { return j.Processed >= 3 })
	if _, total := getBulk(t, key, job.JobID); total != 3 || done.Processed != 3 {
		t.Errorf("job reads total %d, processed %d; want 3 and 3", total, done.Processed)
	}
	for _, p := range phones {
		expectSMS(t, ctx, p, 1, "Spring sale starts today")
	}

	phone := consumerPhone()
	msg := fmt.Sprintf(`{"from":%q,"to":%q,"body":"Your code is 5678","consent":{"source":"login"}}`, number, phone)
	if code, raw, _ := outboundCall(t, key, "/messages", "login-5678", msg); code != http.StatusAccepted {
		t.Fatalf("message = %d %s", code, raw)
	}
	msg2 := fmt.Sprintf(`{ "consent": { "source": "login" }, "body": "Your code is 5678", "to": %q, "from": %q }`, phone, number)
	if code, raw, h := outboundCall(t, key, "/messages", "login-5678", msg2); code != http.StatusAccepted || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the same message re-serialised = %d %s (replayed %q)", code, raw, h.Get("Idempotent-Replayed"))
	}
	if code, raw, _ := outboundCall(t, key, "/sessions", "login-5678", msg); code != http.StatusUnprocessableEntity {
		t.Errorf("the key of a message reused to open a chat = %d %s", code, raw)
	}
	expectSMS(t, ctx, phone, 1, "Your code is 5678")
	waitFor(t, 10*time.Second, "every bulk text delivered", func() bool {
		return sentCount(phones[0], "Spring sale starts today") == 1 && len(sentTo(phone)) == 1
	})
	for _, p := range phones {
		if got := bodies(sentTo(p)); len(got) != 1 {
			t.Errorf("%s got %q", p, got)
		}
	}
}

// TestBulkFillsEachRecipientsVariables: a bulk body's {placeholders} are filled from each
// recipient's variables; a recipient missing one, or with an empty one, is refused with the
// reason; each result follows its message to delivered or undelivered.
func TestBulkFillsEachRecipientsVariables(t *testing.T) {
	number, _, key := outboundFixture(t, 12, 50)
	phones := []string{consumerPhone(), consumerPhone(), consumerPhone(), consumerPhone()}
	sim.SetDeliveryOutcome(phones[3], "undelivered", 30003)
	t.Cleanup(func() { sim.SetDeliveryOutcome(phones[3], "", 0) })
	req := map[string]any{"from": number, "body": "Hi {name}, your order {order} is on its way.", "consent": consent(), "recipients": []map[string]any{
		{"to": phones[0], "variables": map[string]string{"name": "Ada", "order": "A-1"}},
		{"to": phones[1], "variables": map[string]string{"order": "A-2"}},
		{"to": phones[2], "variables": map[string]string{"name": "Bo", "order": ""}},
		{"to": phones[3], "variables": map[string]string{"name": "Cy", "order": "A-4"}},
	}}
	b, _ := json.Marshal(req)
	code, raw, _ := outboundCall(t, key, "/bulk", "", string(b))
	var accepted struct{ JobID string }
	if err := json.Unmarshal(raw, &accepted); code != http.StatusAccepted || err != nil {
		t.Fatalf("bulk = %d %s", code, raw)
	}
	job := waitBulk(t, key, accepted.JobID, func(j bulkJob) bool {
		return len(j.Results) == 4 && j.Results[0].Status == "delivered" && j.Results[3].Status == "undelivered"
	})
	ctx := testCtx(t)
	expectSMS(t, ctx, phones[0], 1, "Hi Ada, your order A-1 is on its way.")
	expectSMS(t, ctx, phones[3], 1, "Hi Cy, your order A-4 is on its way.")
	waitIdle(t)
	for i, want := range []string{"{name}", "{order}"} {
		r := job.Results[i+1]
		if r.Status != "refused" || r.Code != "missing_variable" || !strings.Contains(r.Message, want) {
			t.Errorf("recipient %d = %+v, want refused for %s", i+1, r, want)
		}
		if got := sentTo(phones[i+1]); len(got) != 0 {
			t.Errorf("refused recipient %d got %q", i+1, bodies(got))
		}
	}
	if job.Counts["delivered"] != 1 || job.Counts["undelivered"] != 1 || job.Counts["refused"] != 2 {
		t.Errorf("counts = %v", job.Counts)
	}
}

// TestEmptyVariablesAreRefusedLikeMissingOnes: a template or a predefined message whose
// variable is given empty is refused, not sent with a gap.
func TestEmptyVariablesAreRefusedLikeMissingOnes(t *testing.T) {
	number, p, key := outboundFixture(t, 12, 50)
	phone := consumerPhone()
	code, r, _ := outCall(t, key, "/messages", "", map[string]any{"from": number, "to": phone, "template": p + "-ready",
		"variables": map[string]string{"order": ""}, "consent": consent()})
	if code != http.StatusBadRequest || r.Error.Code != "missing_variable" || !strings.Contains(r.Error.Message, "{order}") {
		t.Errorf("template with an empty variable = %d %+v", code, r.Error)
	}

	f := newFixture(t)
	_, id := openChat(t, f)
	var out struct {
		Error struct{ Code, Message string }
	}
	code = api(t, f.Tokens["ana"], "POST", "/chats/"+id+"/messages", map[string]any{"predefined": "greet", "variables": map[string]string{"order": ""}}, &out)
	if code < 400 || code >= 500 || !strings.Contains(out.Error.Message, "{order}") {
		t.Errorf("predefined message with an empty variable = %d %+v", code, out.Error)
	}
	waitIdle(t)
	if got := sentTo(phone); len(got) != 0 {
		t.Errorf("sent %q", bodies(got))
	}
}

// TestOutboundAnswersOnlyWhatIsSet: an immediate send's answer has no sendAt; a scheduled
// one answers the time it is held for.
func TestOutboundAnswersOnlyWhatIsSet(t *testing.T) {
	number, _, key := outboundFixture(t, 12, 50)
	b, _ := json.Marshal(map[string]any{"from": number, "to": consumerPhone(), "body": "now", "consent": consent()})
	code, raw, _ := outboundCall(t, key, "/messages", "", string(b))
	var now map[string]any
	if err := json.Unmarshal(raw, &now); code != http.StatusAccepted || err != nil {
		t.Fatalf("send = %d %s", code, raw)
	}
	if v, ok := now["sendAt"]; ok {
		t.Errorf("an immediate send answers sendAt %v: %s", v, raw)
	}
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	b, _ = json.Marshal(map[string]any{"from": number, "to": consumerPhone(), "body": "later", "sendAt": at, "consent": consent()})
	code, raw, _ = outboundCall(t, key, "/messages", "", string(b))
	var later struct {
		Status string
		SendAt time.Time
	}
	if err := json.Unmarshal(raw, &later); code != http.StatusAccepted || err != nil || later.Status != "held" || !later.SendAt.Equal(at) {
		t.Errorf("scheduled send = %d %s, want held until %v", code, raw, at)
	}
}
