package reports

import (
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

// Counters of a line of business outside its chats: the stand-alone texts the carrier took
// (and bills), and the calls and texts of blocked numbers that were dropped.
const (
	OneWayTexts    = "oneWayTexts"
	OneWaySegments = "oneWaySegments"
	BulkTexts      = "bulkTexts"
	BulkSegments   = "bulkSegments"
	BlockedCalls   = "blockedCalls"
	BlockedTexts   = "blockedTexts"
)

// Channels of a blocked number's drop.
const (
	DropCall = "call"
	DropText = "sms"
)

// Text is what stand-alone text e (a one-way or bulk text the carrier accepted) adds to the
// rollup of its line of business: one text and its segments in the hour the carrier took
// it. A text the carrier never took adds nothing.
func Text(lineOfBusiness string, e session.Entry) Counts {
	c := Counts{}
	if lineOfBusiness == "" || e.AcceptedAt.IsZero() || !e.Notification {
		return c
	}
	texts, segments := OneWayTexts, OneWaySegments
	if e.Kind == session.KindBulk {
		texts, segments = BulkTexts, BulkSegments
	}
	c.Add(KindLine, lineOfBusiness, e.AcceptedAt, texts, 1)
	c.Add(KindLine, lineOfBusiness, e.AcceptedAt, segments, int64(max(e.Segments, 1)))
	return c
}

// Drop is what one dropped call or text (channel DropCall or DropText) of a blocked number
// to a number of lineOfBusiness adds to that line's rollup at at.
func Drop(lineOfBusiness, channel string, at time.Time) Counts {
	c := Counts{}
	if lineOfBusiness == "" {
		return c
	}
	name := BlockedTexts
	if channel == DropCall {
		name = BlockedCalls
	}
	c.Add(KindLine, lineOfBusiness, at, name, 1)
	return c
}
