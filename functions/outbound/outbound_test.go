package outbound

import (
	"net/http"
	"testing"

	"github.com/smsdesk/smsdesk/shared/outbound"
)

// TestRefusalStatuses: each kind of refusal keeps the HTTP status the API documents.
func TestRefusalStatuses(t *testing.T) {
	for kind, want := range map[outbound.Kind]int{
		outbound.Invalid:       http.StatusBadRequest,          // invalid_to, missing_variable, ...
		outbound.Unknown:       http.StatusUnprocessableEntity, // unknown_sender, unknown_template, ...
		outbound.NotAllowedNow: http.StatusUnprocessableEntity, // quiet_hours
		outbound.KeyReused:     http.StatusUnprocessableEntity, // idempotency_key_reused
		outbound.ConsumerState: http.StatusConflict,            // opted_out, no_consent, in_chat, possible_opt_out
		outbound.InProgress:    http.StatusConflict,            // in_progress
		outbound.NotFound:      http.StatusNotFound,            // a bulk job not the caller's
	} {
		if got := statusOf(kind); got != want {
			t.Errorf("statusOf(%d) = %d, want %d", kind, got, want)
		}
	}
	h := &Handler{}
	if a := h.failure("key:x", &outbound.Error{Kind: outbound.ConsumerState, Code: "opted_out", Message: "m"}); a.Status != http.StatusConflict || a.Retry {
		t.Errorf("a refusal = %+v, want a remembered 409", a)
	}
}
