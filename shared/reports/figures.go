package reports

import (
	"slices"
	"time"
)

// QueueFigures are a queue's figures over a bucket.
type QueueFigures struct {
	Start          *time.Time `json:"start,omitempty"` // absent on the total
	Offered        int64      `json:"offered"`
	Handled        int64      `json:"handled"`
	Abandoned      int64      `json:"abandoned"`
	ShortAbandoned int64      `json:"shortAbandoned"`
	AbandonRate    *float64   `json:"abandonRate"` // abandoned ÷ (handled + abandoned)
	AvgWait        *float64   `json:"avgWaitSeconds"`
	MaxWait        int64      `json:"maxWaitSeconds"`
	ServiceLevel   *float64   `json:"serviceLevel"` // in threshold ÷ (offered − short abandons)
	Overflowed     int64      `json:"overflowed"`
	AfterHours     int64      `json:"afterHours"`
}

func queueFigures(m map[string]int64) QueueFigures {
	return QueueFigures{
		Offered: m[Offered], Handled: m[Handled], Abandoned: m[Abandoned], ShortAbandoned: m[ShortAbandoned],
		AbandonRate: ratio(m[Abandoned], m[Handled]+m[Abandoned]),
		AvgWait:     avg(m[WaitSum], m[WaitCount]), MaxWait: m[WaitMax],
		ServiceLevel: ratio(m[InServiceLevel], m[Offered]-m[ShortAbandoned]),
		Overflowed:   m[Overflowed], AfterHours: m[AfterHours],
	}
}

// AgentFigures are an agent's (or a team's) figures over a bucket.
type AgentFigures struct {
	Start            *time.Time       `json:"start,omitempty"`
	Answered         int64            `json:"answered"`
	AvgHandle        *float64         `json:"avgHandleSeconds"`
	AvgFirstResponse *float64         `json:"avgFirstResponseSeconds"`
	TransfersOut     int64            `json:"transfersOut"`
	TransfersIn      int64            `json:"transfersIn"`
	MissedOffers     int64            `json:"missedOffers"`
	StatusSeconds    map[string]int64 `json:"statusSeconds"`
}

func agentFigures(m map[string]int64) AgentFigures {
	f := AgentFigures{
		Answered: m[Answered], AvgHandle: avg(m[HandleSum], m[HandleCount]),
		AvgFirstResponse: avg(m[FirstResponseSum], m[FirstResponseCnt]),
		TransfersOut:     m[TransfersOut], TransfersIn: m[TransfersIn], MissedOffers: m[MissedOffers],
		StatusSeconds: map[string]int64{},
	}
	for name, v := range m {
		if len(name) > len(StatusSecondsPref) && name[:len(StatusSecondsPref)] == StatusSecondsPref {
			f.StatusSeconds[name[len(StatusSecondsPref):]] = v
		}
	}
	return f
}

// TypeFigures are the chats and texts of one chat type over a bucket.
type TypeFigures struct {
	Start            *time.Time `json:"start,omitempty"`
	Chats            int64      `json:"chats"`
	ConsumerMessages int64      `json:"consumerMessages"`
	ConsumerSegments int64      `json:"consumerSegments"`
	SentMessages     int64      `json:"sentMessages"`
	SentSegments     int64      `json:"sentSegments"`
}

func typeFigures(m map[string]int64, prefix string) TypeFigures {
	return TypeFigures{Chats: m[prefix+Chats], ConsumerMessages: m[prefix+ConsumerMessages],
		ConsumerSegments: m[prefix+ConsumerSegments], SentMessages: m[prefix+SentMessages], SentSegments: m[prefix+SentSegments]}
}

// Row is one owner's figures: per bucket, and the period's total.
type Row[F any] struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Buckets []F    `json:"buckets"`
	Total   F      `json:"total"`
}

func rows[F any](p Period, s Series, ids []string, fig func(map[string]int64) F, start func(*F, *time.Time)) []Row[F] {
	buckets := p.Buckets()
	var out []Row[F]
	for _, id := range ids {
		sums := s[id]
		if sums == nil {
			sums = make([]map[string]int64, len(buckets)+1)
		}
		r := Row[F]{ID: id}
		for i, b := range buckets {
			f := fig(sums[i])
			st := b.Start.In(p.Loc)
			start(&f, &st)
			r.Buckets = append(r.Buckets, f)
		}
		r.Total = fig(sums[len(buckets)])
		out = append(out, r)
	}
	return out
}

// Queues is the queues report over p for the queues ids, from their rollups.
func Queues(p Period, ids []string, rollups []Rollup) []Row[QueueFigures] {
	return rows(p, Sum(p, KindQueue, rollups), ids, queueFigures, func(f *QueueFigures, t *time.Time) { f.Start = t })
}

// Agents is the agents report over p for the agents ids, from their rollups.
func Agents(p Period, ids []string, rollups []Rollup) []Row[AgentFigures] {
	return rows(p, Sum(p, KindAgent, rollups), ids, agentFigures, func(f *AgentFigures, t *time.Time) { f.Start = t })
}

// Team is a team and its members, for the teams report.
type Team struct {
	ID      string
	Members []string
}

// TeamRow is a team's totals and its averages per member over a bucket.
type TeamRow struct {
	ID      string       `json:"id"`
	Members []string     `json:"members"`
	Buckets []TeamTotals `json:"buckets"`
	Total   TeamTotals   `json:"total"`
}

// TeamTotals are a team's figures: the sum of its members' counters (averages over all
// their chats), and chats answered per member.
type TeamTotals struct {
	AgentFigures
	AnsweredPerMember *float64 `json:"answeredPerMember"`
}

// Teams is the teams report over p.
func Teams(p Period, teams []Team, rollups []Rollup) []TeamRow {
	s := Sum(p, KindAgent, rollups)
	n := len(p.Buckets()) + 1
	var out []TeamRow
	for _, t := range teams {
		sums := make([]map[string]int64, n)
		for i := range sums {
			sums[i] = map[string]int64{}
			for _, m := range t.Members {
				if s[m] != nil {
					for k, v := range s[m][i] {
						add(sums[i], k, v)
					}
				}
			}
		}
		team := Series{t.ID: sums}
		r := rows(p, team, []string{t.ID}, agentFigures, func(f *AgentFigures, t *time.Time) { f.Start = t })[0]
		tr := TeamRow{ID: t.ID, Members: slices.Clone(t.Members)}
		per := func(f AgentFigures) TeamTotals {
			return TeamTotals{AgentFigures: f, AnsweredPerMember: ratio(f.Answered, int64(len(t.Members)))}
		}
		for _, b := range r.Buckets {
			tr.Buckets = append(tr.Buckets, per(b))
		}
		tr.Total = per(r.Total)
		out = append(out, tr)
	}
	return out
}

// TextFigures are texts the carrier took outside chats, and their segments (its bill).
type TextFigures struct {
	Texts    int64 `json:"texts"`
	Segments int64 `json:"segments"`
}

// BlockedFigures are the calls and texts of blocked numbers that were dropped.
type BlockedFigures struct {
	Calls int64 `json:"calls"`
	Texts int64 `json:"texts"`
}

// TypesRow is the performance by type over a bucket: all SMS chats, inbound (consumers'
// chats) and outbound (chats the business opened); the one-way and bulk texts sent outside
// chats; every text the carrier took (texts sent in chats, one-way and bulk: its bill); and
// the dropped calls and texts of blocked numbers.
type TypesRow struct {
	Start    *time.Time     `json:"start,omitempty"`
	Total    TypeFigures    `json:"total"`
	Inbound  TypeFigures    `json:"inbound"`
	Outbound TypeFigures    `json:"outbound"`
	OneWay   TextFigures    `json:"oneWay"`
	Bulk     TextFigures    `json:"bulk"`
	AllSent  TextFigures    `json:"allSent"`
	Blocked  BlockedFigures `json:"blocked"`
}

// Types is the performance by type over p of the lines of business given, from their
// rollups.
func Types(p Period, lines []string, rollups []Rollup) (buckets []TypesRow, total TypesRow) {
	s := Sum(p, KindLine, rollups)
	n := len(p.Buckets())
	sums := make([]map[string]int64, n+1)
	for i := range sums {
		sums[i] = map[string]int64{}
		for _, l := range lines {
			if s[l] != nil {
				for k, v := range s[l][i] {
					add(sums[i], k, v)
				}
			}
		}
	}
	row := func(m map[string]int64) TypesRow {
		in, out := typeFigures(m, "sms_"), typeFigures(m, "outbound_sms_")
		r := TypesRow{Inbound: in, Outbound: out, Total: TypeFigures{Chats: in.Chats + out.Chats,
			ConsumerMessages: in.ConsumerMessages + out.ConsumerMessages, ConsumerSegments: in.ConsumerSegments + out.ConsumerSegments,
			SentMessages: in.SentMessages + out.SentMessages, SentSegments: in.SentSegments + out.SentSegments},
			OneWay:  TextFigures{Texts: m[OneWayTexts], Segments: m[OneWaySegments]},
			Bulk:    TextFigures{Texts: m[BulkTexts], Segments: m[BulkSegments]},
			Blocked: BlockedFigures{Calls: m[BlockedCalls], Texts: m[BlockedTexts]},
		}
		r.AllSent = TextFigures{Texts: r.Total.SentMessages + r.OneWay.Texts + r.Bulk.Texts,
			Segments: r.Total.SentSegments + r.OneWay.Segments + r.Bulk.Segments}
		return r
	}
	for i, b := range p.Buckets() {
		r := row(sums[i])
		st := b.Start.In(p.Loc)
		r.Start = &st
		buckets = append(buckets, r)
	}
	return buckets, row(sums[n])
}
