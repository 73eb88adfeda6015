package localrun_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
	"github.com/smsdesk/smsdesk/shared/session"
)

// TestInCallSMS: the agent on a live call texts the caller, who answers with a photo in the
// same chat; the call's end (its status callback) ends the chat, the agent can text no more,
// and the caller's next text opens a chat of its own.
func TestInCallSMS(t *testing.T) {
	f, ctx, ana, caller, res := onACall(t)
	var e apiError
	if code := api(t, ana, "POST", "/calls/CA"+strings.Repeat("0", 32)+"/messages", map[string]string{"body": "hi"}, &e); code != http.StatusConflict || e.Error.Code != "call_not_active" {
		t.Errorf("text on an unknown call: %d %+v", code, e)
	}
	var opened struct{ ChatID string }
	if code := api(t, ana, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "Please send a photo of the label."}, &opened); code != http.StatusCreated || opened.ChatID != "O"+res.CallSID {
		t.Fatalf("in-call text: %d %+v", code, opened)
	}
	expectSMS(t, ctx, caller, 1, "Please send a photo of the label.")
	if code := api(t, ana, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "Thanks, got it?"}, nil); code != http.StatusCreated {
		t.Errorf("second in-call text: %d", code)
	}
	expectSMS(t, ctx, caller, 2, "Thanks, got it?")
	text(t, caller, f.Number, "here it is", carriersim.Media{ContentType: "image/png", Data: []byte("label")})
	chats := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 && len(cs[0].Transcript) >= 3 })
	if got := chats[0].Transcript[2]; got.Author != "consumer" || got.Body != "here it is" || len(got.Media) != 1 {
		t.Errorf("the caller's photo: %+v", chats[0].Transcript)
	}

	if code, err := sim.EndCall(context.Background(), res.CallSID, caller, f.Number, 95); err != nil || code != http.StatusOK {
		t.Fatalf("call status callback: %d %v", code, err)
	}
	expectSMS(t, ctx, caller, 3, "This chat has ended")
	chat, err := runner.Store.Session(ctx, "O"+res.CallSID)
	if err != nil || chat.State != session.Ended || chat.EndReason != session.EndCallEnded || chat.StartType != session.StartInCall {
		t.Errorf("the call's chat after the call: %+v, %v", chat, err)
	}
	if code := api(t, ana, "POST", "/calls/"+res.CallSID+"/messages", map[string]string{"body": "one more"}, &e); code != http.StatusConflict || e.Error.Code != "call_not_active" {
		t.Errorf("text after the call: %d %+v", code, e)
	}
	// A retried status callback changes nothing.
	if code, _ := sim.EndCall(context.Background(), res.CallSID, caller, f.Number, 95); code != http.StatusOK {
		t.Errorf("retried status callback: %d", code)
	}
	sid := text(t, caller, f.Number, "one more thing")
	expectSMS(t, ctx, caller, 4, "Reply 1 or ENGLISH") // a new chat: its menu (consent is on record)
	if _, err := runner.Store.Session(ctx, "C"+sid); err != nil {
		t.Errorf("the text after the call opened no chat of its own: %v", err)
	}
	tr, _ := runner.Store.Transcript(ctx, "O"+res.CallSID)
	for _, e := range tr {
		if e.Body == "one more thing" {
			t.Errorf("a text after the call was attached to the call's chat")
		}
	}
}

// pngBytes is a small file that is a PNG by its signature.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), []byte("the return label")...)

// TestInCallMMS: the agent on a live call sends the caller an image (kept in the media bucket,
// the carrier given a signed URL of the copy that serves the same bytes), the caller answers
// with a photo in the same chat, and the agent's next attachment goes through the chat's own
// reply. Attachments the carrier would not send are refused with what to fix.
func TestInCallMMS(t *testing.T) {
	f, ctx, ana, caller, res := onACall(t)
	path := "/calls/" + res.CallSID + "/messages"
	for name, c := range map[string]struct {
		media []map[string]any
		want  string
	}{
		"type":      {[]map[string]any{{"contentType": "text/html", "data": []byte("<p>hi</p>")}}, "text/html"},
		"disguised": {[]map[string]any{{"contentType": "image/png", "data": []byte("<html>not a png</html>")}}, "not a image/png file"},
		"too many": {func() (m []map[string]any) {
			for range 11 {
				m = append(m, map[string]any{"contentType": "image/png", "data": pngBytes})
			}
			return m
		}(), "at most 10"},
	} {
		var e apiError
		if code := api(t, ana, "POST", path, map[string]any{"body": "label", "media": c.media}, &e); code != http.StatusBadRequest || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s attachment: %d %+v, want 400 saying %q", name, code, e, c.want)
		}
	}
	if got := sentTo(caller); len(got) != 0 {
		t.Fatalf("refused attachments reached the caller: %q", bodies(got))
	}

	var opened struct{ ChatID string }
	if code := api(t, ana, "POST", path, map[string]any{"body": "Here is your return label.", "media": []map[string]any{{"contentType": "image/png", "data": pngBytes}}}, &opened); code != http.StatusCreated || opened.ChatID != "O"+res.CallSID {
		t.Fatalf("in-call MMS: %d %+v", code, opened)
	}
	m := expectSMS(t, ctx, caller, 1, "Here is your return label.")
	if len(m.MediaURLs) != 1 {
		t.Fatalf("the caller's MMS has %d media URLs, want 1: %+v", len(m.MediaURLs), m)
	}
	expectMedia(t, m.MediaURLs[0], "image/png", pngBytes)

	text(t, caller, f.Number, "printed, here is the box", carriersim.Media{ContentType: "image/jpeg", Data: []byte("box photo")})
	chats := waitChats(t, ctx, ana, func(cs []chatJSON) bool { return len(cs) == 1 && len(cs[0].Transcript) >= 2 })
	tr := chats[0].Transcript
	if tr[0].Author != "agent" || len(tr[0].Media) != 1 || tr[0].Media[0].ContentType != "image/png" || tr[0].Media[0].URL == "" {
		t.Errorf("the agent's MMS in the transcript: %+v", tr[0])
	} else {
		expectMedia(t, tr[0].Media[0].URL, "image/png", pngBytes) // the agent's own link to the copy
	}
	if tr[1].Author != "consumer" || len(tr[1].Media) != 1 || tr[1].Media[0].ContentType != "image/jpeg" {
		t.Errorf("the caller's photo in the transcript: %+v", tr[1])
	}

	gif := append([]byte("GIF89a"), []byte("arrow")...)
	if code := api(t, ana, "POST", "/chats/O"+res.CallSID+"/messages", map[string]any{"media": []map[string]any{{"contentType": "image/gif", "data": gif}}}, nil); code != http.StatusCreated {
		t.Fatalf("MMS without text in the chat: %d", code)
	}
	m2 := expectSMS(t, ctx, caller, 2, "")
	if len(m2.MediaURLs) != 1 || m2.Body != "" {
		t.Fatalf("the caller's second MMS: %+v", m2)
	}
	expectMedia(t, m2.MediaURLs[0], "image/gif", gif)
}

// expectMedia GETs a media URL as the carrier (or the agent's browser) would, without
// credentials, and checks what it serves.
func expectMedia(t *testing.T, u, contentType string, want []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET media %s: %v", u, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != contentType || !bytes.Equal(got, want) {
		t.Errorf("media %s: %s %q, %d bytes; want %s with the bytes sent", u, resp.Status, resp.Header.Get("Content-Type"), len(got), contentType)
	}
}

// onACall is a fixture with voice and a caller waiting on the line: the fixture, the test's
// context, Ana's token, the caller's number and the call.
func onACall(t *testing.T) (fixture, context.Context, string, string, carriersim.CallResult) {
	t.Helper()
	f := newFixture(t)
	withVoice(t, f, map[string]any{})
	caller := consumerPhone()
	res := call(t, carriersim.Call{From: caller, To: f.Number, Waits: 1})
	if res.Outcome != "enqueued" {
		t.Fatalf("call: %+v", res)
	}
	return f, testCtx(t), f.Tokens["ana"], caller, res
}
