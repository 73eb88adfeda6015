package session

import (
	"strconv"
	"time"

	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/config"
)

// Inbound is a text from a consumer as the carrier delivered it.
type Inbound struct {
	MessageSID string
	Business   string // the number texted
	Phone      string // the consumer's number
	Body       string
	Media      []Media
	At         time.Time
	// RefusedMedia says why items of the text's media were not kept (type, size).
	RefusedMedia []string
	// CarrierKeyword is the carrier's OptOutType (STOP, START, HELP): the carrier already
	// answered the keyword, so our confirmation is recorded but not sent again.
	CarrierKeyword string
	// Estimate, when set, estimates the wait of a chat joining a queue now: the wait message
	// then tells the consumer their place in line and about how long (ok false: no estimate).
	Estimate func(queueID string, priority int) (w WaitEstimate, ok bool)
}

// WaitEstimate is a chat's place in line (1 is next) and its expected wait in whole minutes.
type WaitEstimate struct{ Position, Minutes int }

// Outcome is what one inbound text changes. The caller stores it atomically.
type Outcome struct {
	Consumer Consumer
	// Session is the chat the text belongs to, nil when the text touched no chat (an opted-out
	// consumer, or HELP with no chat in progress).
	Session *Session
	// Entries are new transcript entries of Session, in order; with no Session they are
	// stand-alone replies to the consumer (opt-in confirmation, help).
	Entries []Entry
	// Queued is set when the chat has just entered a leaf queue and waits for an agent.
	Queued bool
	// FreedAgent is the agent whose chat just ended, so their capacity can take another.
	FreedAgent string
	// Timers are the chat's new timers, when its deadlines changed.
	Timers []Timer
	// Flagged is set when the text raised a possible opt-out request in the chat, for the
	// agent's notice.
	Flagged bool
	// Missed is an offer of the chat its agent let lapse: recorded, and the agent's offer
	// slot freed.
	Missed *MissedOffer
	// Withdrawn is the agent whose offer of the chat was taken back (the chat ended or moved
	// on), whose offer slot is freed.
	Withdrawn string
}

// Applied is a stored outcome with the paths of the messages it asks to send.
type Applied struct {
	Outcome
	Outbox []string
	// Duplicate is set when this text had already been applied; Outbox is then the original's,
	// so the caller can make sure those messages go out.
	Duplicate bool
}

// NotificationReplyWindow is how long after a one-way text a reply counts as a reply to it.
const NotificationReplyWindow = 24 * time.Hour

// End reasons shown to agents and reports.
const (
	EndOptOut        = "consumer opted out (STOP)"
	EndOptOutWording = "consumer opted out (asked to stop texts)"
	EndOptOutAgent   = "agent opted the consumer out at their request"
	EndConsumerExit  = "consumer ended the chat"
	EndAgent         = "agent ended the chat"
	EndAfterHours    = "queue closed (after hours)"
)

// Handle applies one inbound text to the consumer and their active chat (s, nil if none).
// It is pure: the same inputs give the same outcome, so a retried transaction is harmless.
func Handle(line config.Line, c Consumer, s *Session, in Inbound) Outcome {
	m := machine{line: line, in: in, out: Outcome{Consumer: c}}
	if s != nil && s.State != Ended {
		cp := *s
		m.out.Session = &cp
	}
	m.handle()
	if s := m.out.Session; s != nil {
		m.out.Timers = Plan(line, s)
	}
	return m.out
}

type machine struct {
	line config.Line
	in   Inbound
	out  Outcome
}

func (m *machine) handle() {
	c := &m.out.Consumer
	switch compliance.Classify(m.in.Body) {
	case compliance.OptOut:
		m.record()
		m.optOut(EndOptOut)
		return
	case compliance.OptIn:
		if c.OptedOut {
			c.OptedOut, c.OptedOutAt, c.OptOutSource, c.OptOutFlag = false, time.Time{}, "", nil
			m.reply("optin", m.lang(), nil)
			return
		}
	case compliance.Help:
		m.record()
		m.reply("help", m.lang(), nil)
		return
	}
	if c.OptedOut {
		// Nothing may be sent to an opted-out number, so no chat opens either.
		return
	}
	s := m.out.Session
	if s != nil && m.line.Number.ExitWord != "" && compliance.Normalize(m.in.Body) == compliance.Normalize(m.line.Number.ExitWord) {
		m.record()
		m.end(EndConsumerExit, "ended")
		return
	}
	lang, isLanguageWord := m.line.LanguageWord(m.in.Body)
	wording, revokes := compliance.FindOptOutRequest(m.in.Body, m.lang())
	if s == nil {
		if m.line.ChatOff {
			m.reply("closed", m.lang(), nil)
			return
		}
		if !c.LastNotificationAt.IsZero() && m.in.At.Sub(c.LastNotificationAt) < NotificationReplyWindow {
			if revokes {
				// Opt-out wording in reply to a text the business started revokes consent.
				c.LastNotificationAt = time.Time{}
				m.optOut(EndOptOutWording)
				return
			}
			if !m.line.Number.RepliesOpenChat {
				// A reply to a one-way text: answered, not routed; the next text opens a chat.
				c.LastNotificationAt = time.Time{}
				m.reply("autoreply", m.lang(), nil)
				return
			}
		}
		if isLanguageWord {
			c.Language = lang
		}
		m.open()
		if revokes {
			m.flag(wording)
		}
		return
	}
	m.record()
	if revokes {
		if s.Outbound() {
			m.optOut(EndOptOutWording) // the business started this chat
		} else {
			m.flag(wording) // "cancel my order" is ordinary in a support chat: the agent decides
		}
		return
	}
	if s.State == InMenu {
		if compliance.Normalize(m.in.Body) == "BACK" {
			if q, _ := m.line.Queue(s.QueueID); q.Parent != "" {
				m.enter(q.Parent)
				return
			}
		}
		if q, ok := m.line.Choose(s.QueueID, m.in.Body, s.Language); ok {
			m.enter(q.ID)
			return
		}
	}
	if isLanguageWord {
		s.Language, c.Language = lang, lang
		m.reply("language", lang, nil)
		if s.State == InMenu {
			m.reply("menu", lang, nil)
		}
		return
	}
	if s.State == InMenu {
		m.reply("invalid", m.lang(), nil)
		m.reply("menu", m.lang(), nil)
	}
	// Queued or assigned: the text waits for, or reaches, the agent.
}

// open starts a chat at the number's entry queue, asking for consent on first contact.
func (m *machine) open() {
	c := &m.out.Consumer
	lang := c.Language
	if lang == "" {
		lang = m.line.Number.DefaultLanguage
	}
	m.out.Session = &Session{
		ID:             "C" + m.in.MessageSID,
		Business:       m.in.Business,
		Phone:          m.in.Phone,
		LineOfBusiness: m.line.Number.LineOfBusiness,
		Language:       lang,
		StartType:      StartInbound,
		CreatedAt:      m.in.At,
	}
	c.ActiveSession = m.out.Session.ID
	m.record()
	if c.ConsentAt.IsZero() {
		c.ConsentAt, c.ConsentSource = m.in.At, "inbound sms "+m.in.MessageSID
		m.reply("consent", lang, nil)
	}
	m.enter(m.line.Number.EntryQueue)
}

// enter moves the chat to queue id: a menu is shown, a leaf queue holds the chat.
func (m *machine) enter(id string) {
	s := m.out.Session
	q, _ := m.line.Queue(id)
	s.QueueID = id
	if q.Language != "" {
		s.Language = q.Language
		m.out.Consumer.Language = q.Language
	}
	if m.line.IsMenu(id) {
		s.State = InMenu
		m.reply("menu", s.Language, nil)
		return
	}
	if !m.line.Open(id, m.in.At) {
		m.reply("afterhours", s.Language, nil)
		s.closedQueue(id, m.in.At)
		m.end(EndAfterHours, "")
		return
	}
	s.EnterQueue(id, q.Priority, m.in.At)
	m.out.Queued = true
	vars := map[string]string{"queue": q.NameIn(s.Language)}
	if m.in.Estimate != nil {
		if w, ok := m.in.Estimate(q.ID, q.Priority); ok {
			vars["position"], vars["minutes"] = strconv.Itoa(w.Position), strconv.Itoa(w.Minutes)
			m.reply("waitestimate", s.Language, vars)
			return
		}
	}
	m.reply("wait", s.Language, vars)
}

// end closes the chat; kind, if set, is the system message telling the consumer.
func (m *machine) end(reason, kind string) {
	s := m.out.Session
	if kind != "" {
		m.reply(kind, s.Language, nil)
	}
	if s.AgentID != "" {
		m.out.FreedAgent = s.AgentID
	}
	m.withdraw()
	s.finish(m.in.At)
	s.State, s.EndedAt, s.EndReason = Ended, m.in.At, reason
	m.out.Queued = false
	m.out.Consumer.ActiveSession = ""
}

// withdraw takes back the chat's offer, if any, freeing its agent's offer slot.
func (m *machine) withdraw() {
	if a := m.out.Session.withdrawOffer(); a != "" {
		m.out.Withdrawn = a
	}
}

func (m *machine) lang() string {
	if s := m.out.Session; s != nil && s.Language != "" {
		return s.Language
	}
	if m.out.Consumer.Language != "" {
		return m.out.Consumer.Language
	}
	return m.line.Number.DefaultLanguage
}

// record adds the consumer's text to the chat's transcript, if there is a chat.
func (m *machine) record() {
	if s := m.out.Session; s != nil {
		s.LastConsumerAt, s.WarnedAt = m.in.At, time.Time{}
	}
	m.add(Entry{Author: FromConsumer, Body: m.in.Body, Media: m.in.Media, MessageSID: m.in.MessageSID,
		Encoding: compliance.Encoding(m.in.Body), Segments: compliance.Segments(m.in.Body)})
	for _, why := range m.in.RefusedMedia {
		m.add(Entry{Author: FromSystem, Kind: "event", Body: "media not kept: " + why})
	}
}

// reply adds a system message to the consumer.
func (m *machine) reply(kind, lang string, vars map[string]string) {
	queue := ""
	if s := m.out.Session; s != nil {
		queue = s.QueueID
	}
	var body string
	if kind == "menu" {
		body = m.line.MenuText(queue, lang)
	} else {
		body = m.line.Message(kind, lang, queue, vars)
	}
	status := StatusPending
	if m.carrierAnswers(kind) {
		status = StatusByCarrier
	}
	m.add(Entry{Author: FromSystem, Kind: kind, Body: body, Status: status})
}

func (m *machine) add(e Entry) {
	e.At, e.Business, e.Phone = m.in.At, m.in.Business, m.in.Phone
	if s := m.out.Session; s != nil {
		s.Seq++
		e.Seq = s.Seq
		s.Count(e)
	} else if e.Author == FromConsumer {
		return // a stand-alone text outside any chat is not kept as a transcript line
	}
	m.out.Entries = append(m.out.Entries, e)
}
