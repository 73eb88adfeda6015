package voice

import (
	"strings"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ewt"
)

func voiceLine(q config.VoiceQueue) config.Line {
	return config.NewLine(config.Number{Number: "+18005550100", EntryQueue: "tech", DefaultLanguage: "en", Brand: "Shop",
		Voice: &config.Voice{Queues: []config.VoiceQueue{q}}}, []config.Queue{{ID: "tech", Name: "Tech"}})
}

func TestPlan(t *testing.T) {
	q := config.VoiceQueue{ID: "calls", SMSQueue: "tech", EWTThresholdSeconds: 120}
	long := ewt.Estimate{Wait: 3 * time.Minute}
	short := ewt.Estimate{Wait: 2 * time.Minute} // at the threshold: not over it
	forced := q
	forced.ForceDeflection = true
	noVoice := config.NewLine(config.Number{Number: "+18005550100"}, nil)
	for _, c := range []struct {
		name   string
		line   config.Line
		caller Caller
		q      config.VoiceQueue
		est    ewt.Estimate
		want   Step
	}{
		{"over the threshold: offered", voiceLine(q), Caller{}, q, long, Offer},
		{"at the threshold: waits", voiceLine(q), Caller{}, q, short, Wait},
		{"nobody online: offered", voiceLine(q), Caller{}, q, ewt.Estimate{Wait: ewt.Unbounded, Unstaffed: true}, Offer},
		{"opted out: never offered", voiceLine(q), Caller{OptedOut: true}, q, long, Wait},
		{"forced: moved without asking", voiceLine(forced), Caller{}, forced, short, Deflect},
		{"forced but opted out: waits", voiceLine(forced), Caller{OptedOut: true}, forced, short, Wait},
		{"no threshold: waits", voiceLine(config.VoiceQueue{ID: "calls", SMSQueue: "tech"}), Caller{}, config.VoiceQueue{ID: "calls", SMSQueue: "tech"}, long, Wait},
		{"blocked: rejected", voiceLine(q), Caller{Blocked: true}, q, long, Refuse},
		{"number without voice: rejected", noVoice, Caller{}, q, long, Refuse},
	} {
		if got := Plan(c.line, c.caller, c.q, c.est); got != c.want {
			t.Errorf("%s: Plan = %d, want %d", c.name, got, c.want)
		}
	}
}

// TestTwiMLEscapesText: texts are escaped by encoding/xml, so a business message with markup
// in it stays text and cannot add verbs.
func TestTwiMLEscapesText(t *testing.T) {
	r := Response{Verbs: []any{Say{Language: "en", Text: `Press 1 <Hangup/> & "go"`}, Gather{Input: "dtmf", NumDigits: 1, Action: "https://x/voice?step=deflect&a=b", Timeout: 5}, Reject{Reason: "rejected"}}}
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<Say language="en">Press 1 &lt;Hangup/&gt; &amp; &#34;go&#34;</Say>`,
		`<Gather input="dtmf" numDigits="1" action="https://x/voice?step=deflect&amp;a=b" timeout="5"></Gather>`, `<Reject reason="rejected"></Reject>`} {
		if !strings.Contains(got, want) {
			t.Errorf("TwiML %s\nwant it to contain %s", got, want)
		}
	}
	if strings.Count(got, "<Hangup") != 0 {
		t.Errorf("markup in a text became a verb: %s", got)
	}
}
