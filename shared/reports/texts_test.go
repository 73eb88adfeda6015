package reports

import (
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/session"
)

func TestTextsAndDropsInTheTypesReport(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	at := day.Add(7*time.Hour + 59*time.Minute)
	c := Counts{}
	c.Merge(Text("retail", session.Entry{Notification: true, Kind: session.KindNotification, Segments: 2, AcceptedAt: at}))
	c.Merge(Text("retail", session.Entry{Notification: true, Kind: session.KindBulk, Segments: 1, AcceptedAt: at}))
	c.Merge(Text("retail", session.Entry{Notification: true, Kind: session.KindBulk, Segments: 3, AcceptedAt: at.Add(time.Minute)}))
	c.Merge(Text("retail", session.Entry{Notification: true, Kind: session.KindBulk, Segments: 3})) // never accepted
	c.Merge(Drop("retail", DropCall, at))
	c.Merge(Drop("retail", DropText, at))
	c.Merge(Drop("retail", DropText, at))
	c.Add(KindLine, "retail", at, "sms_"+SentMessages, 4)
	c.Add(KindLine, "retail", at, "sms_"+SentSegments, 5)
	p := Period{From: day, To: day.AddDate(0, 0, 1), Loc: time.UTC, Grain: Hour}
	buckets, total := Types(p, []string{"retail"}, c.Rollups())
	seven, eight := buckets[7], buckets[8]
	if seven.OneWay != (TextFigures{1, 2}) || seven.Bulk != (TextFigures{1, 1}) || eight.Bulk != (TextFigures{1, 3}) {
		t.Errorf("07:00 one-way %+v bulk %+v, 08:00 bulk %+v; want each text in the hour the carrier took it", seven.OneWay, seven.Bulk, eight.Bulk)
	}
	if total.AllSent != (TextFigures{4 + 3, 5 + 6}) || total.Blocked != (BlockedFigures{Calls: 1, Texts: 2}) {
		t.Errorf("total all sent %+v blocked %+v; want 7 texts of 11 segments, 1 call and 2 texts dropped", total.AllSent, total.Blocked)
	}
	if n := Text("", session.Entry{Notification: true, AcceptedAt: at}); len(n) != 0 {
		t.Errorf("a text of no line counts %v", n)
	}
}
