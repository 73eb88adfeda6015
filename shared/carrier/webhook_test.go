package carrier_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/smsdesk/smsdesk/shared/carrier"
)

const (
	account = "AC0123456789abcdef0123456789abcdef"
	sid     = "SMfedcba9876543210fedcba9876543210"
)

// genuine is an inbound webhook as the carrier sends it.
func genuine() url.Values {
	return url.Values{
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {account},
		"From": {"+15551230001"}, "To": {"+18005550100"}, "Body": {"Hi"}, "NumMedia": {"0"},
		"NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
		"FromCity": {"SAN FRANCISCO"}, "SomethingNew": {"added without notice"},
	}
}

func TestParseInboundAcceptsTheCarriersShape(t *testing.T) {
	m, err := carrier.ParseInbound(genuine(), account)
	if err != nil || m.MessageSID != sid || m.From != "+15551230001" || m.To != "+18005550100" || m.Body != "Hi" || len(m.Media) != 0 {
		t.Fatalf("ParseInbound = %+v, %v", m, err)
	}
	short := genuine()
	short.Set("To", "55555")
	short.Set("OptOutType", "STOP")
	if _, err := carrier.ParseInbound(short, account); err != nil {
		t.Errorf("a text to a short code refused: %v", err)
	}
	mms := genuine()
	mms.Set("MessageSid", "MM"+sid[2:])
	for _, k := range []string{"SmsMessageSid", "SmsSid"} {
		mms.Set(k, "MM"+sid[2:])
	}
	mms.Set("NumMedia", "2")
	for i, ct := range []string{"image/jpeg", "video/mp4"} {
		mms.Set("MediaUrl"+string(rune('0'+i)), "https://api.twilio.com/2010-04-01/Accounts/"+account+"/Messages/MM/Media/ME"+string(rune('0'+i)))
		mms.Set("MediaContentType"+string(rune('0'+i)), ct)
	}
	m, err = carrier.ParseInbound(mms, account)
	if err != nil || len(m.Media) != 2 || m.Media[1].ContentType != "video/mp4" {
		t.Errorf("MMS = %+v, %v", m, err)
	}
}

func TestParseInboundRefusesWhatTheCarrierNeverSends(t *testing.T) {
	cases := map[string]struct {
		change func(url.Values)
		why    string
	}{
		"path as From":         {func(v url.Values) { v.Set("From", "../../agents/ana") }, "From"},
		"slash in From":        {func(v url.Values) { v.Set("From", "+1555/123") }, "From"},
		"word as From":         {func(v url.Values) { v.Set("From", "not-a-number") }, "From"},
		"short code as From":   {func(v url.Values) { v.Set("From", "55555") }, "From"},
		"path as To":           {func(v url.Values) { v.Set("To", "../numbers/x") }, "To"},
		"path as MessageSid":   {func(v url.Values) { v.Set("MessageSid", "SM/../../x") }, "MessageSid"},
		"short MessageSid":     {func(v url.Values) { v.Set("MessageSid", "SM123") }, "MessageSid"},
		"upper-case hex":       {func(v url.Values) { v.Set("MessageSid", strings.ToUpper(sid)) }, "MessageSid"},
		"SmsSid disagrees":     {func(v url.Values) { v.Set("SmsSid", "SM0123456789abcdef0123456789abcdef") }, "SmsSid"},
		"another account":      {func(v url.Values) { v.Set("AccountSid", "AC"+strings.Repeat("1", 32)) }, "not this deployment's account"},
		"malformed account":    {func(v url.Values) { v.Set("AccountSid", "AC1") }, "AccountSid"},
		"no NumMedia":          {func(v url.Values) { v.Del("NumMedia") }, "NumMedia is missing"},
		"no Body":              {func(v url.Values) { v.Del("Body") }, "Body is missing"},
		"no AccountSid":        {func(v url.Values) { v.Del("AccountSid") }, "AccountSid is missing"},
		"NumMedia not a count": {func(v url.Values) { v.Set("NumMedia", "01") }, "NumMedia"},
		"media without count":  {func(v url.Values) { v.Set("MediaUrl0", "https://x/0") }, "MediaUrl0"},
		"media missing":        {func(v url.Values) { v.Set("NumMedia", "1") }, "MediaUrl0"},
		"field given twice":    {func(v url.Values) { v.Add("Body", "again") }, "Body appears 2 times"},
		"unknown OptOutType":   {func(v url.Values) { v.Set("OptOutType", "MAYBE") }, "OptOutType"},
		"not received":         {func(v url.Values) { v.Set("SmsStatus", "sent") }, "SmsStatus"},
		"segments not a count": {func(v url.Values) { v.Set("NumSegments", "1NumMedia0") }, "NumSegments"},
		"service id":           {func(v url.Values) { v.Set("MessagingServiceSid", "MG/x") }, "MessagingServiceSid"},
	}
	for name, c := range cases {
		v := genuine()
		c.change(v)
		_, err := carrier.ParseInbound(v, account)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: %v, want an error naming %q", name, err, c.why)
		}
	}
}

// A field moved into the previous value keeps the concatenation the signature covers; the
// shape of the ids and the fields the carrier always sends tell it apart.
func TestParseInboundRefusesAResplitWebhook(t *testing.T) {
	v := genuine()
	v.Set("MessageSid", sid+"NumMedia0")
	v.Del("NumMedia")
	if _, err := carrier.ParseInbound(v, account); err == nil {
		t.Fatal("re-split webhook accepted")
	}
	v = genuine()
	v.Set("Body", "HiFrom+15551230001")
	v.Del("From")
	if _, err := carrier.ParseInbound(v, account); err == nil {
		t.Fatal("webhook with From moved into Body accepted")
	}
}

func TestParseStatus(t *testing.T) {
	ok := url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {account}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}}
	s, err := carrier.ParseStatus(ok, account)
	if err != nil || s.MessageSID != sid || s.Status != "undelivered" || s.ErrorCode != 30003 {
		t.Fatalf("ParseStatus = %+v, %v", s, err)
	}
	for name, change := range map[string]func(url.Values){
		"bad sid":        func(v url.Values) { v.Set("MessageSid", "SM/../x") },
		"unknown status": func(v url.Values) { v.Set("MessageStatus", "exploded") },
		"bad code":       func(v url.Values) { v.Set("ErrorCode", "x") },
		"other account":  func(v url.Values) { v.Set("AccountSid", "AC"+strings.Repeat("2", 32)) },
		"no account":     func(v url.Values) { v.Del("AccountSid") },
		"twice":          func(v url.Values) { v.Add("MessageStatus", "delivered") },
	} {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = append([]string(nil), vs...)
		}
		change(v)
		if _, err := carrier.ParseStatus(v, account); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
