package voice

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/smsdesk/smsdesk/shared/carrier"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/store"
)

// ErrBadAgent is a bridge URL whose agent parameter cannot name an agent.
var ErrBadAgent = errors.New("the bridge URL's agent is not an agent id")

// BridgeURL is the url an agent's <Dial><Queue url="..."> names for agent agentID: the
// carrier requests it on the caller's call just before bridging the two, signed, so the
// agent named in it is the one whose TwiML dialled the queue.
func BridgeURL(voiceURL, agentID string) string {
	return voiceURL + "?" + url.Values{"step": {StepBridge}, "agent": {agentID}}.Encode()
}

// Bridge answers the Queue noun's url for call c, which agentID is about to take: the call
// records its agent, and the call's wait-time chat, with everything the caller texted while
// waiting, becomes theirs. The answer is empty TwiML: the carrier then bridges the two. A
// retried request, or a call with no chat, changes nothing more; the caller is connected
// whatever happens here.
func (s *Service) Bridge(ctx context.Context, agentID string, c carrier.Call) (Response, error) {
	if err := ids.Check("agent", agentID); err != nil {
		return Response{}, fmt.Errorf("%w: %v", ErrBadAgent, err)
	}
	log := s.Log.With("callSid", c.CallSID, "business", c.To, "step", StepBridge, "agent", agentID)
	if _, err := s.Store.Agent(ctx, agentID); errors.Is(err, store.ErrNotFound) {
		log.Error("the bridge URL names no agent: check the agent's <Queue url>; the call is connected, its chat waits")
		return Response{}, nil
	} else if err != nil {
		return Response{}, err
	}
	err := s.Store.AnswerCall(ctx, c.CallSID, agentID, s.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		log.Warn("bridge of a call never reported: nothing to tie")
		return Response{}, nil
	case errors.Is(err, store.ErrCallTaken):
		log.Warn("the call was answered by another agent first: its chat stays theirs", "err", err)
		return Response{}, nil
	case err != nil:
		return Response{}, err
	}
	given, err := s.Answerers.GiveCallChat(ctx, c.To, ChatID(c.CallSID), agentID)
	if err != nil {
		return Response{}, err
	}
	log.Info("call answered", "queueTime", c.QueueTime, "dequeuingCallSid", c.DequeuingCallSID, "chatGiven", given)
	return Response{}, nil
}
