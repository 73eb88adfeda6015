package localrun_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// TestFullChatLoop walks the example configuration as a consumer and an agent would: text in,
// consent, menu, choice, queue, agent available and assigned, replies both ways, end.
func TestFullChatLoop(t *testing.T) {
	ctx := testCtx(t)
	const retail, ana = "+18005550100", "ana-dev-token"
	phone := consumerPhone()

	text(t, phone, retail, "Hi, my order is late")
	expectSMS(t, ctx, phone, 1, "Msg & data rates may apply")
	expectSMS(t, ctx, phone, 2, "1 or ENGLISH for English, 2 or ESPANOL for Español")
	text(t, phone, retail, "1")
	expectSMS(t, ctx, phone, 3, "1 or BILLING for Billing")
	text(t, phone, retail, "billing")
	expectSMS(t, ctx, phone, 4, "in line for Billing")

	var me struct{ Status string }
	if code := api(t, ana, "PUT", "/status", map[string]string{"status": "available"}, &me); code != http.StatusOK || me.Status != "available" {
		t.Fatalf("going available: %d %+v", code, me)
	}
	t.Cleanup(func() { api(t, ana, "PUT", "/status", map[string]string{"status": "offline"}, nil) })
	expectSMS(t, ctx, phone, 5, "You're now chatting with Ana")

	chats := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 })
	c := chats[0]
	if c.Queue != "retail-en-billing" || c.Consumer != "+1 ***-***-"+phone[len(phone)-4:] {
		t.Errorf("chat = %+v", c)
	}
	var kinds []string
	for _, e := range c.Transcript {
		kinds = append(kinds, e.Author+":"+e.Kind)
	}
	want := "consumer:,system:consent,system:menu,consumer:,system:menu,consumer:,system:wait,system:assigned"
	if got := strings.Join(kinds, ","); got != want {
		t.Errorf("transcript = %s\nwant         %s", got, want)
	}
	if strings.Contains(c.Transcript[0].Body, phone) || c.Transcript[0].Body != "Hi, my order is late" {
		t.Errorf("first entry = %+v", c.Transcript[0])
	}

	if code := api(t, ana, "POST", "/chats/"+c.ID+"/messages", map[string]string{"body": "Sorry about that! Let me check."}, nil); code != http.StatusCreated {
		t.Fatalf("reply = %d", code)
	}
	expectSMS(t, ctx, phone, 6, "Sorry about that! Let me check.")
	sid := text(t, phone, retail, "Order 12345", carriersim.Media{ContentType: "image/jpeg", Data: []byte("jpeg bytes")},
		carriersim.Media{ContentType: "image/png", Data: []byte("png bytes")}, carriersim.Media{ContentType: "application/pdf", Data: []byte("%PDF")})
	chats = waitChats(t, ctx, ana, func(cs []chatJSON) bool {
		last := cs[0].Transcript[len(cs[0].Transcript)-1]
		return strings.HasPrefix(last.Body, "media not kept")
	})
	tr := chats[0].Transcript
	mms, note := tr[len(tr)-2], tr[len(tr)-1]
	if mms.Body != "Order 12345" || len(mms.Media) != 2 || mms.Media[0].ContentType != "image/jpeg" || !strings.Contains(mms.Media[1].URL, "X-Goog-Signature") {
		t.Errorf("MMS media not in the transcript as signed URLs: %+v", mms.Media)
	}
	if !strings.Contains(note.Body, "application/pdf") {
		t.Errorf("refused media note = %q", note.Body)
	}
	// The copies are in the media bucket, byte for byte.
	for i, want := range []string{"jpeg bytes", "png bytes"} {
		obj, err := runner.Media.GetObject("smsdesk-local-media", fmt.Sprintf("media/%s/%d%s", sid, i, []string{".jpg", ".png"}[i]))
		if err != nil || string(obj.Content) != want {
			t.Errorf("media copy %d: %v %q", i, err, obj.Content)
		}
	}

	// The kept items are deleted at the carrier; the refused PDF was never fetched and stays.
	if n := sim.MediaOf(sid); n != 1 {
		t.Errorf("carrier still holds %d media of the MMS, want 1 (the refused PDF)", n)
	}

	if code := api(t, ana, "POST", "/chats/"+c.ID+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	expectSMS(t, ctx, phone, 7, "This chat has ended")
	waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 0 })

	// Delivery statuses come back from the carrier onto the transcript.
	var ended chatJSON
	for {
		if code := api(t, ana, "GET", "/chats/"+c.ID, nil, &ended); code != http.StatusOK {
			t.Fatalf("GET ended chat = %d", code)
		}
		if ended.Transcript[len(ended.Transcript)-1].Status == "delivered" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("statuses never reached delivered: %+v", ended.Transcript)
		default:
		}
	}
	if ended.State != "ended" || ended.EndReason == "" {
		t.Errorf("ended chat = %s (%s)", ended.State, ended.EndReason)
	}
}
