package carrier

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/shared/phone"
)

const fuzzAccount = "ACdededededededededededededededede"

// FuzzParseInbound: whatever form a webhook carries, the decoder answers without panicking,
// and what it accepts has the shape the rest of smsdesk relies on (ids that can name a
// document, an E.164 sender).
func FuzzParseInbound(f *testing.F) {
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=" + fuzzAccount + "&From=%2B15551230001&To=%2B18005550100&Body=hello&NumMedia=0")
	f.Add("MessageSid=MM0123456789abcdef0123456789abcdef&AccountSid=" + fuzzAccount + "&From=%2B15551230001&To=%2B18005550100&Body=&NumMedia=1&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fx&MediaContentType0=image%2Fjpeg")
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&MessageSid=SM0&Body=%00")
	f.Add("OptOutType=STOP&MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=" + fuzzAccount + "&From=%2B15551230001&To=%2B18005550100&Body=STOP&NumSegments=1")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		m, err := ParseInbound(form, fuzzAccount)
		if err != nil {
			return
		}
		if !ValidMessageSID(m.MessageSID) || !phone.ValidE164(m.From) {
			t.Fatalf("accepted a malformed webhook: sid %q from %q", m.MessageSID, m.From)
		}
	})
}

// FuzzParseStatus: the same for delivery status callbacks.
func FuzzParseStatus(f *testing.F) {
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=" + fuzzAccount + "&MessageStatus=delivered")
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=" + fuzzAccount + "&MessageStatus=undelivered&ErrorCode=30003")
	f.Add("SmsStatus=failed&ErrorCode=-1")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		st, err := ParseStatus(form, fuzzAccount)
		if err == nil && !ValidMessageSID(st.MessageSID) {
			t.Fatalf("accepted a malformed status callback: sid %q", st.MessageSID)
		}
	})
}

// FuzzSignature: a signature is valid for exactly the form it was made for; another
// signature or another body is refused, and no input panics the check.
func FuzzSignature(f *testing.F) {
	f.Add("inbound", "Body=hi&From=%2B15551230001", "x")
	f.Add("inbound", "Body=%E2%9C%93&To=%2B18005550100", "")
	v := NewValidator("fuzz-auth-token")
	f.Fuzz(func(t *testing.T, path, raw, forged string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		publicURL := "https://example.test/" + url.PathEscape(path)
		sig := sign("fuzz-auth-token", publicURL, form)
		if !v.Valid(publicURL, form, sig) {
			t.Fatalf("its own signature refused for %q %q", publicURL, raw)
		}
		if forged != sig && v.Valid(publicURL, form, forged) {
			t.Fatalf("forged signature %q accepted", forged)
		}
		form.Set("Body", form.Get("Body")+"!")
		if v.Valid(publicURL, form, sig) {
			t.Fatalf("a signature accepted for a changed body")
		}
	})
}

// sign is the carrier's signature of a webhook (CARRIER.md): HMAC-SHA1 of the URL followed by
// each parameter's name and first value, sorted by name, in base64.
func sign(token, publicURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(publicURL)
	for _, k := range keys {
		b.WriteString(k + form.Get(k))
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
