package session

import (
	"testing"
	"time"
)

func TestBrandOptOut(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	here := Consumer{Business: "+18005550100", Phone: "+15551230001"}
	stoppedHere := here
	stoppedHere.OptOut(t0, "STOP")
	elsewhere := BrandOptOut{OptedOut: true, At: t0.Add(time.Hour), Source: "STOP on +18005550199"}

	if c := here.WithBrandOptOut(elsewhere); !c.OptedOut || !c.OptedOutAt.Equal(elsewhere.At) || c.OptOutSource != elsewhere.Source {
		t.Errorf("a STOP to another number of the brand: %+v; want opted out here, from there", c)
	}
	if c := stoppedHere.WithBrandOptOut(elsewhere); !c.OptedOutAt.Equal(t0) || c.OptOutSource != "STOP" {
		t.Errorf("an opt-out on this number was replaced by the brand's: %+v", c)
	}
	if c := stoppedHere.WithBrandOptOut(BrandOptOut{}); !c.OptedOut {
		t.Error("no brand-wide entry opted the consumer back in")
	}
	if b := stoppedHere.BrandOptOut(); !b.OptedOut || b.Source != "STOP on +18005550100" || !b.At.Equal(t0) {
		t.Errorf("ledger entry %+v; want the STOP on this number", b)
	}
}
