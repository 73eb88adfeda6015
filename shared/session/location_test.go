package session

import (
	"testing"
	"time"
)

func TestConsumerLocation(t *testing.T) {
	fallback := time.FixedZone("business", 3600)
	for _, c := range []struct {
		consumer Consumer
		want     string
	}{
		{Consumer{Phone: "+14155550100", TimeZone: "Europe/Paris"}, "Europe/Paris"},        // the business said
		{Consumer{Phone: "+14155550100"}, "America/Los_Angeles"},                           // the number's zone
		{Consumer{Phone: "+14155550100", TimeZone: "Mars/Olympus"}, "America/Los_Angeles"}, // unusable zone ignored
		{Consumer{Phone: "+15551230001"}, "business"},                                      // no single zone
		{Consumer{}, "business"},
	} {
		if got := c.consumer.Location(fallback).String(); got != c.want {
			t.Errorf("Location of %+v = %s, want %s", c.consumer, got, c.want)
		}
	}
}
