package carrier

import (
	"net/url"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

func TestValidatorAcceptsOnlyTheAccountsSignature(t *testing.T) {
	const u = "https://example.test/inbound"
	form := url.Values{"MessageSid": {"SM1"}, "Body": {"hi"}}
	v := NewValidator("token123")
	if !v.Valid(u, form, carriersim.Signature("token123", u, form)) {
		t.Error("genuine signature refused")
	}
	if v.Valid(u, form, carriersim.Signature("other", u, form)) || v.Valid(u, form, "") {
		t.Error("forged or missing signature accepted")
	}
	// A function deployed without the auth token must not accept a signature made with an
	// empty key.
	if NewValidator("").Valid(u, form, carriersim.Signature("", u, form)) {
		t.Error("empty auth token accepted a signature")
	}
}
