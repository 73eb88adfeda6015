package session

import "time"

// BrandOptOut is a consumer's opt-out from every number of a brand, kept for numbers whose
// opt-out scope is the brand: a STOP to one of them reaches all.
type BrandOptOut struct {
	OptedOut bool      `firestore:"optedOut"`
	At       time.Time `firestore:"at"`
	Source   string    `firestore:"source"`
}

// WithBrandOptOut is consumer c as the brand sees them: opted out when they opted out of any
// number of the brand, with the time and source of that opt-out. An opt-out on this number
// stands as it is; an opt-in on another number does not opt them back in here.
func (c Consumer) WithBrandOptOut(b BrandOptOut) Consumer {
	if b.OptedOut && !c.OptedOut {
		c.OptedOut, c.OptedOutAt, c.OptOutSource = true, b.At, b.Source
	}
	return c
}

// BrandOptOut is what consumer c's opt-out (or opt-in) on their number writes to the brand's
// ledger: the last word on any number of the brand is the brand's.
func (c Consumer) BrandOptOut() BrandOptOut {
	return BrandOptOut{OptedOut: c.OptedOut, At: c.OptedOutAt, Source: c.OptOutSource + " on " + c.Business}
}
