package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ewt"
	"github.com/smsdesk/smsdesk/shared/outbound"
	"github.com/smsdesk/smsdesk/shared/reports"
	"github.com/smsdesk/smsdesk/shared/routing"
	"github.com/smsdesk/smsdesk/shared/session"
	"github.com/smsdesk/smsdesk/shared/store"
)

// Store is what calls read and record.
type Store interface {
	Line(ctx context.Context, number string) (config.Line, error)
	Consumer(ctx context.Context, business, phone string) (session.Consumer, error)
	Blocked(ctx context.Context, phone string) (bool, error)
	// RecordBlocked records once (per id) a call or text of a blocked number that was dropped.
	RecordBlocked(ctx context.Context, d store.BlockedDrop) error
	// RecordCall keeps the call's latest status (ended calls stay ended).
	RecordCall(ctx context.Context, c store.Call) error
	// AnswerCall records the agent who answered a call (store.ErrCallTaken: another did).
	AnswerCall(ctx context.Context, sid, agentID string, at time.Time) error
	Agent(ctx context.Context, id string) (routing.Agent, error)
}

// Estimator estimates the wait of a new chat in an SMS queue.
type Estimator interface {
	Estimate(ctx context.Context, lob, queueID string, priority int, now time.Time) (ewt.Estimate, error)
}

// CallChats ends the chat tied to a call when the call ends (desk.Desk.EndWithCall).
type CallChats interface {
	EndWithCall(ctx context.Context, sessionID string) error
}

// Chats opens the chat a call moves to (outbound.Service.Open).
type Chats interface {
	Open(ctx context.Context, r outbound.Request) (outbound.Sent, error)
}

// Answerers give a call's chat to the agent who answered the call (routing.Router).
type Answerers interface {
	GiveCallChat(ctx context.Context, business, sessionID, agentID string) (bool, error)
}

// Service answers voice webhooks.
type Service struct {
	Store     Store
	Estimator Estimator
	Chats     Chats
	CallChats CallChats
	Answerers Answerers
	// URL is the public URL of the voice function, which TwiML's actions and wait URLs call.
	URL string
	Log *slog.Logger
	Now func() time.Time
}

// Steps of a call named in the query of our TwiML's URLs (the URL the carrier signs).
const (
	StepIncoming = ""        // the number's voice URL
	StepDeflect  = "deflect" // the Gather of the offer to continue by text
	StepWait     = "wait"    // the Enqueue's wait URL
	StepQueued   = "queued"  // the Enqueue's action: the call left the queue
	StepWaitSMS  = "waitsms" // the Gather of the wait URL's offer of a text while waiting
	StepStatus   = "status"  // the call's status callback: a call that ended ends its chat
	// StepBridge is the url of the <Queue> an agent dials to take the call (with agent=ID),
	// requested just before the two are bridged.
	StepBridge = "bridge"
)

// ErrUnknownStep is a step the voice function does not have.
var ErrUnknownStep = errors.New("unknown voice step")

// Answer answers the voice webhook of step for call c.
func (s *Service) Answer(ctx context.Context, step string, c carrier.Call) (Response, error) {
	log := s.Log.With("callSid", c.CallSID, "business", c.To, "step", step)
	line, err := s.Store.Line(ctx, c.To)
	if errors.Is(err, store.ErrNotFound) {
		log.Warn("call to a number that is not configured: rejected")
		return reject(), nil
	}
	if err != nil {
		return Response{}, err
	}
	switch step {
	case StepIncoming:
		return s.incoming(ctx, log, line, c)
	case StepDeflect:
		q, _ := line.Number.Voice.EntryQueue()
		if c.Digits == "1" {
			return s.deflect(ctx, log, line, q, c)
		}
		return s.enqueue(line, q), nil
	case StepWait:
		return s.wait(ctx, line, c)
	case StepWaitSMS:
		if c.Digits == "1" {
			s.waitSMS(ctx, log, line, c)
		}
		return s.hold(line), nil
	case StepQueued:
		log.Info("call left the queue", "result", c.QueueResult)
		return Response{}, nil
	case StepBridge:
		return Response{}, fmt.Errorf("%w: the bridge step needs its agent (Service.Bridge)", ErrUnknownStep)
	case StepStatus:
		return Response{}, s.status(ctx, log, c)
	}
	return Response{}, fmt.Errorf("%w %q", ErrUnknownStep, step)
}

func (s *Service) incoming(ctx context.Context, log *slog.Logger, line config.Line, c carrier.Call) (Response, error) {
	var caller Caller
	blocked, err := s.Store.Blocked(ctx, c.From)
	if err != nil {
		return Response{}, err
	}
	caller.Blocked = blocked
	if blocked {
		if err := s.Store.RecordBlocked(ctx, store.BlockedDrop{ID: c.CallSID, Channel: reports.DropCall, Number: c.From, Business: c.To,
			LineOfBusiness: line.Number.LineOfBusiness, At: s.Now()}); err != nil {
			log.Error("blocked call not recorded", "err", err)
		}
		log.Info("call from a blocked number: rejected")
		return reject(), nil
	}
	q, ok := line.Number.Voice.EntryQueue()
	if !ok {
		log.Warn("call to a number without voice queues: rejected")
		return reject(), nil
	}
	if err := s.Store.RecordCall(ctx, store.Call{CallSID: c.CallSID, From: c.From, To: c.To, Status: c.Status, UpdatedAt: s.Now()}); err != nil {
		return Response{}, err
	}
	cons, err := s.Store.Consumer(ctx, c.To, c.From)
	if err != nil {
		return Response{}, err
	}
	caller.OptedOut = cons.OptedOut
	est := ewt.Estimate{}
	if !caller.OptedOut && (q.ForceDeflection || q.EWTThresholdSeconds > 0) {
		sq, _ := line.Queue(q.SMSQueue)
		if est, err = s.Estimator.Estimate(ctx, line.Number.LineOfBusiness, q.SMSQueue, sq.Priority, s.Now()); err != nil {
			return Response{}, err
		}
	}
	step := Plan(line, caller, q, est)
	log.Info("call answered", "voiceQueue", q.ID, "plan", step, "ewtSeconds", int(min(est.Wait, time.Hour*24).Seconds()), "optedOut", caller.OptedOut)
	switch step {
	case Refuse:
		return reject(), nil
	case Deflect:
		return s.deflect(ctx, log, line, q, c)
	case Offer:
		lang := line.VoiceLanguage()
		offer := line.VoiceMessage("deflectoffer", lang, map[string]string{"minutes": strconv.Itoa(est.Minutes())})
		if est.Unstaffed {
			offer = line.VoiceMessage("deflectbusy", lang, nil)
		}
		return Response{Verbs: []any{
			Gather{Input: "dtmf", NumDigits: 1, Timeout: 5, Action: s.url(StepDeflect), Say: &Say{Language: lang, Text: offer}},
			// No key pressed: the caller stays on the line.
			Redirect{URL: s.url(StepDeflect)},
		}}, nil
	}
	return s.enqueue(line, q), nil
}

// status records the call's status; once the call ended, its chat (wait-time or in-call)
// ends too, and later texts of the caller open a chat of their own.
func (s *Service) status(ctx context.Context, log *slog.Logger, c carrier.Call) error {
	if err := s.Store.RecordCall(ctx, store.Call{CallSID: c.CallSID, From: c.From, To: c.To, Status: c.Status, Ended: c.Ended(), UpdatedAt: s.Now()}); err != nil {
		return err
	}
	if !c.Ended() || s.CallChats == nil {
		return nil
	}
	log.Info("call ended", "status", c.Status, "duration", c.Duration)
	return s.CallChats.EndWithCall(ctx, ChatID(c.CallSID))
}

// deflect opens the caller's SMS chat in the voice queue's SMS queue, its first text the
// deflection message, and ends the call. A retried webhook finds the chat already open.
func (s *Service) deflect(ctx context.Context, log *slog.Logger, line config.Line, q config.VoiceQueue, c carrier.Call) (Response, error) {
	lang := line.VoiceLanguage()
	body := line.VoiceMessage("deflectsms", lang, nil)
	now := s.Now()
	sent, err := s.Chats.Open(ctx, outbound.Request{ID: c.CallSID, From: c.To, To: c.From, Body: body, Queue: q.SMSQueue,
		StartType: session.StartDeflection, Consent: &session.Consent{Source: "voice call " + c.CallSID + " chose text", At: now}})
	var refused *outbound.Error
	switch {
	case errors.As(err, &refused) && refused.Code == "in_chat":
		// A retry of this call's own deflection, or a caller already in a chat: either way a
		// chat is open that their texts reach.
		log.Info("caller already in a chat", "why", refused.Message)
	case errors.As(err, &refused):
		// Opted out (or no longer reachable) since the plan: keep the caller on the line.
		log.Warn("deflection refused: the caller stays on the line", "code", refused.Code)
		return s.enqueue(line, q), nil
	case err != nil:
		return Response{}, fmt.Errorf("deflect call %s: %w", c.CallSID, err)
	default:
		log.Info("call deflected to SMS", "session", sent.ChatID, "queue", q.SMSQueue)
	}
	return Response{Verbs: []any{Say{Language: lang, Text: line.VoiceMessage("deflected", lang, nil)}, Hangup{}}}, nil
}

func (s *Service) enqueue(line config.Line, q config.VoiceQueue) Response {
	lang := line.VoiceLanguage()
	return Response{Verbs: []any{
		Say{Language: lang, Text: line.VoiceMessage("welcome", lang, nil)},
		Enqueue{WaitURL: s.url(StepWait), Action: s.url(StepQueued), Name: q.ID},
	}}
}

// wait answers the wait URL: on its first request (QueueTime 0) a number with waitSms offers a
// caller who has not opted out a text to send details while they wait.
func (s *Service) wait(ctx context.Context, line config.Line, c carrier.Call) (Response, error) {
	if v := line.Number.Voice; v == nil || !v.WaitSMS || c.QueueTime != 0 {
		return s.hold(line), nil
	}
	cons, err := s.Store.Consumer(ctx, c.To, c.From)
	if err != nil {
		return Response{}, err
	}
	if cons.OptedOut {
		return s.hold(line), nil
	}
	lang := line.VoiceLanguage()
	return Response{Verbs: append([]any{
		Gather{Input: "dtmf", NumDigits: 1, Timeout: 5, Action: s.url(StepWaitSMS), Say: &Say{Language: lang, Text: line.VoiceMessage("waitsmsoffer", lang, nil)}},
	}, s.hold(line).Verbs...)}, nil
}

// waitSMS opens the waiting caller's text chat (start type wait_sms) in the voice queue's SMS
// queue, its first text asking for details; their replies and media land in it, and it waits
// for the agent who answers the call (Bridge), not for the queue's agents. The call goes on
// waiting whatever happens.
func (s *Service) waitSMS(ctx context.Context, log *slog.Logger, line config.Line, c carrier.Call) {
	q, _ := line.Number.Voice.EntryQueue()
	lang := line.VoiceLanguage()
	sent, err := s.Chats.Open(ctx, outbound.Request{ID: c.CallSID, From: c.To, To: c.From, Body: line.VoiceMessage("waitsms", lang, nil),
		Queue: q.SMSQueue, ForCall: true, StartType: session.StartWaitSMS, Consent: &session.Consent{Source: "voice call " + c.CallSID + " asked for a text while waiting", At: s.Now()}})
	if err != nil {
		log.Warn("wait-time text not opened", "err", err)
		return
	}
	log.Info("wait-time text opened", "session", sent.ChatID, "queue", q.SMSQueue)
}

// hold is what a waiting caller hears between the wait URL's requests.
func (s *Service) hold(line config.Line) Response {
	lang := line.VoiceLanguage()
	return Response{Verbs: []any{Say{Language: lang, Text: line.VoiceMessage("hold", lang, nil)}, Pause{Length: 20}}}
}

func (s *Service) url(step string) string {
	return s.URL + "?" + url.Values{"step": {step}}.Encode()
}

func reject() Response { return Response{Verbs: []any{Reject{Reason: "rejected"}}} }
