package config

import (
	"strings"
	"testing"
)

func TestValidateNamesEveryProblem(t *testing.T) {
	c := Catalog{
		Numbers: []Number{{Number: "18005550100", LineOfBusiness: "r", EntryQueue: "nope", ExitWord: "optout"}},
		Queues: []Queue{
			{ID: "root", LineOfBusiness: "r"},
			{ID: "a", Parent: "root", Keywords: []string{"BILL"}, LineOfBusiness: "r"},
			{ID: "b", Parent: "root", Keywords: []string{"bill", "STOP", "Revoke"}, LineOfBusiness: "r"},
			{ID: "c", Parent: "ghost", LineOfBusiness: "r", Hours: &Hours{TimeZone: "Mars/Base", Weekly: map[string][]string{"mon": {"9-5"}}}},
		},
		Agents:   []Agent{{ID: "x", Token: "t", Queues: []string{"zzz"}, Role: "boss", Answer: "sometimes"}},
		Teams:    []Team{{ID: "t", Queues: []string{"root"}, Members: []string{"ghost"}}},
		Settings: Settings{OfferTimeoutSeconds: -5, CRM: &CRMSettings{Adapter: "salesforce", ByNumber: map[string]string{"+18005550100": "webhook"}}},
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid catalog accepted")
	}
	for _, want := range []string{
		`number "18005550100" is not E.164`, `unknown entry queue "nope"`, `keyword "bill" is already used by "a"`,
		`keyword "STOP" is a protected command`, `keyword "Revoke" is a protected command`,
		`exit word "optout" is a protected command`, `unknown parent "ghost"`, `time zone "Mars/Base"`,
		`agent "x": unknown queue "zzz"`, `role "boss"`, `agent "x": answer "sometimes" must be auto or manual`,
		`settings: offerTimeoutSeconds must not be negative`, `team "t": unknown agent "ghost"`,
		`crm: adapter: unknown adapter "salesforce"`, `crm: number +18005550100 uses the webhook adapter but webhookUrl is not set`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestServedQueuesIncludeTeams(t *testing.T) {
	c := Catalog{Teams: []Team{{ID: "t", Queues: []string{"q2", "q1"}, Members: []string{"ana"}}}}
	if got := strings.Join(c.ServedQueues("ana", []string{"q1"}), ","); got != "q1,q2" {
		t.Errorf("served = %s", got)
	}
}

func TestCRMAdapterByNumberThenLineOfBusiness(t *testing.T) {
	c := &CRMSettings{Adapter: CRMWebhook, ByNumber: map[string]string{"+1": CRMHubSpot}, ByLineOfBusiness: map[string]string{"retail": CRMNone}}
	for _, tc := range []struct{ number, lob, want string }{
		{"+1", "retail", CRMHubSpot}, {"+2", "retail", CRMNone}, {"+2", "other", CRMWebhook},
	} {
		if got := c.AdapterFor(tc.number, tc.lob); got != tc.want {
			t.Errorf("AdapterFor(%s, %s) = %s, want %s", tc.number, tc.lob, got, tc.want)
		}
	}
	var none *CRMSettings
	if got := none.AdapterFor("+1", "retail"); got != CRMFirestore {
		t.Errorf("without settings = %s, want the built-in CRM", got)
	}
}

func TestBusinessNumbersAreE164OrShortCodes(t *testing.T) {
	catalog := func(n string) Catalog {
		return Catalog{
			Numbers: []Number{{Number: n, LineOfBusiness: "r", EntryQueue: "root"}},
			Queues:  []Queue{{ID: "root", LineOfBusiness: "r"}},
		}
	}
	for _, n := range []string{"+18005550100", "12345", "123456"} {
		if err := catalog(n).Validate(); err != nil {
			t.Errorf("number %q refused: %v", n, err)
		}
	}
	for n, why := range map[string]string{
		"+1555/123":   "not E.164",
		"../numbers":  "not E.164",
		"+1800555010": "too short",
		"1234":        "not E.164",
	} {
		err := catalog(n).Validate()
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("number %q: %v, want an error saying %q", n, err, why)
		}
	}
}

func TestOptOutDefaults(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		n                     Number
		brandWide, carrierAns bool
	}{
		{Number{Number: "+14155550100"}, true, true},
		{Number{Number: "+18005550100"}, true, true},
		{Number{Number: "12345"}, true, false},
		{Number{Number: "+14155550100", OptOutScope: "number", CarrierConfirmsOptOut: &no}, false, false},
		{Number{Number: "12345", OptOutScope: "brand", CarrierConfirmsOptOut: &yes}, true, true},
	} {
		l := Line{Number: tc.n}
		if l.BrandWideOptOut() != tc.brandWide || l.CarrierConfirmsOptOut() != tc.carrierAns {
			t.Errorf("%+v: brand-wide %v, carrier confirms %v; want %v, %v", tc.n, l.BrandWideOptOut(), l.CarrierConfirmsOptOut(), tc.brandWide, tc.carrierAns)
		}
	}
}

func TestValidateRefusesIDsThatCannotNameADocument(t *testing.T) {
	huge := strings.Repeat("q", 100000)
	c := Catalog{
		Queues:    []Queue{{ID: "root", LineOfBusiness: "r"}, {ID: "a/b", LineOfBusiness: "r"}, {ID: huge, LineOfBusiness: "r"}},
		Agents:    []Agent{{ID: "..", Token: "t"}, {ID: "__x__", Token: "u"}},
		Teams:     []Team{{ID: "t/1"}},
		Templates: []Template{{ID: "", Language: "en", Text: "x"}},
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("ids accepted")
	}
	for _, want := range []string{`queue "a/b": not a valid id`, `agent "..": not a valid id`, `agent "__x__"`, `team "t/1"`, `template "": not a valid id`, `(100000 characters)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%.500v", want, err)
		}
	}
	if len(err.Error()) > 2000 {
		t.Errorf("the error echoes the huge id: %d bytes", len(err.Error()))
	}
}

func TestVoiceSettingsAreValidated(t *testing.T) {
	c := Catalog{
		Numbers: []Number{{Number: "+18005550100", LineOfBusiness: "l", EntryQueue: "menu", Voice: &Voice{
			Entry: "nope",
			Queues: []VoiceQueue{{ID: "calls", SMSQueue: "menu"}, {ID: "calls", SMSQueue: "elsewhere"}, {ID: "x/y", SMSQueue: "tech"},
				{ID: "neg", SMSQueue: "tech", EWTThresholdSeconds: -1}},
			Messages: map[string]map[string]string{"en": {"welcom": "Hi"}},
		}, AppLinks: map[string]string{"ios": "not a link"}}},
		Queues: []Queue{{ID: "menu", Name: "Menu", LineOfBusiness: "l"}, {ID: "tech", Name: "Tech", Parent: "menu", LineOfBusiness: "l"}},
	}
	err := c.Validate()
	for _, want := range []string{`smsQueue "menu" is a menu`, `voice queue "calls" is defined twice`, `unknown smsQueue "elsewhere"`,
		"voice queue", "ewtThresholdSeconds must not be negative", `unknown entry voice queue "nope"`, `unknown kind "welcom"`, "appLinks"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v; want it to name %q", err, want)
		}
	}
	c.Numbers[0].Voice = &Voice{Queues: []VoiceQueue{{ID: "calls", SMSQueue: "tech", EWTThresholdSeconds: 120}}}
	c.Numbers[0].AppLinks = map[string]string{"ios": "https://apps.apple.com/app/id1", "android": "shop://open"}
	if err := c.Validate(); err != nil {
		t.Errorf("valid voice settings refused: %v", err)
	}
}
