package session

import (
	"testing"
	"time"
)

// TestAChatRemembersEveryQueueAndAgent: a chat answered in billing, transferred to luis, then
// to the tech queue and accepted there by an agent who missed it first keeps its first
// connection, each visit with how it left, each agent's part and its transfers.
func TestAChatRemembersEveryQueueAndAgent(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	s := Session{ID: "C1", StartType: StartInbound}
	s.EnterQueue("billing", 0, at(0))
	s.AssignTo("ana", at(20))
	s.Count(Entry{Author: FromAgent, Body: "hi", Status: StatusPending, At: at(25)})
	s.TransferToAgent("ana", "luis", at(60))
	s.TransferToQueue("luis", "tech", 0, at(90))
	s.OfferTo("max", at(95), 30*time.Second)
	if _, err := s.DeclineOffer("max", at(100)); err != nil {
		t.Fatal(err)
	}
	s.OfferTo("eve", at(101), 30*time.Second)
	if err := s.AcceptOffer("eve", at(110)); err != nil {
		t.Fatal(err)
	}
	s.Count(Entry{Author: FromConsumer, Body: "thanks", At: at(120)})
	s.Count(Entry{Author: FromSystem, Kind: "event", Body: "internal", At: at(121)})
	s.finish(at(200))

	if !s.ConnectedAt.Equal(at(20)) || !s.FirstResponseAt.Equal(at(25)) || s.Transfers != 2 {
		t.Errorf("connected %v, first response %v, transfers %d; want 20 s, 25 s, 2", s.ConnectedAt, s.FirstResponseAt, s.Transfers)
	}
	wantVisits := []QueueVisit{{"billing", at(0), at(20), LeftAnswered, "ana"}, {"tech", at(90), at(110), LeftAnswered, "eve"}}
	if len(s.Visits) != 2 || s.Visits[0] != wantVisits[0] || s.Visits[1] != wantVisits[1] {
		t.Errorf("visits %+v, want %+v", s.Visits, wantVisits)
	}
	wantLegs := []AgentLeg{{"ana", at(20), at(60), LegAnswered, LegTransferred}, {"luis", at(60), at(90), LegTransfer, LegTransferred},
		{"eve", at(110), at(200), LegAnswered, LegEnded}}
	if len(s.Legs) != 3 || s.Legs[0] != wantLegs[0] || s.Legs[1] != wantLegs[1] || s.Legs[2] != wantLegs[2] {
		t.Errorf("legs %+v, want %+v", s.Legs, wantLegs)
	}
	if s.Counts.Agent.Messages != 1 || s.Counts.Consumer.Messages != 1 || s.Counts.System.Messages != 0 {
		t.Errorf("counts %+v: want one agent and one consumer message, internal lines left out", s.Counts)
	}
	if s.StartType != StartAutoAnswer {
		t.Errorf("start type %q, want the first connection's (auto answer)", s.StartType)
	}
}

// TestQueueRankSortsAsAgentsTakeChats: a higher priority first, negative ones last, then the
// earlier queued to the microsecond, so one range on the rank is a chat's place in line.
func TestQueueRankSortsAsAgentsTakeChats(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	inOrder := []string{
		QueueRank(10, at.Add(time.Hour)),
		QueueRank(1, at.Add(-time.Hour)),
		QueueRank(1, at),
		QueueRank(1, at.Add(time.Microsecond)),
		QueueRank(0, at.Add(-24*time.Hour)),
		QueueRank(0, at.Add(999*time.Nanosecond).In(time.FixedZone("x", 3600))), // the same microsecond, another zone
		QueueRank(-1, at.Add(-24*time.Hour)),
	}
	for i := 1; i < len(inOrder); i++ {
		if inOrder[i-1] >= inOrder[i] {
			t.Errorf("rank %d %q does not sort before rank %d %q", i-1, inOrder[i-1], i, inOrder[i])
		}
	}
	if QueueRank(0, at.Add(999*time.Nanosecond)) != QueueRank(0, at) {
		t.Errorf("ranks within one microsecond differ: Firestore keeps microseconds")
	}
}
