package monitor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/smsdesk/smsdesk/shared/agent"
	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/session"
)

// Filter selects the past chats shown; an empty field selects every chat.
type Filter struct {
	Queue     string `json:"queue,omitempty"`
	Agent     string `json:"agent,omitempty"` // chats the agent held
	StartType string `json:"startType,omitempty"`
}

// StartTypes are the start types a filter may name besides those of the chats shown: a
// consumer's text, a chat the business opened, and the consumer chats agents answer
// automatically or by hand.
var StartTypes = []string{session.StartInbound, session.StartOutbound, session.StartDeflection, session.StartWaitSMS, session.StartInCall, "auto_answer", "manual_answer"}

// FilterError is a filter naming something the viewer has not got.
type FilterError struct {
	Param  string // the query parameter: queue, agent or startType
	Reason string
}

func (e *FilterError) Error() string { return e.Param + ": " + e.Reason }

func (f Filter) matches(s session.Session) bool {
	return (f.Queue == "" || s.QueueID == f.Queue) &&
		(f.Agent == "" || s.AgentID == f.Agent || slices.Contains(s.HeldBy, f.Agent)) &&
		(f.StartType == "" || s.StartType == f.StartType)
}

// Check refuses a filter naming a queue that is not on viewer's lines, an agent viewer does
// not see, or an unknown start type (one neither in StartTypes nor of a chat in in).
func (f Filter) Check(viewer agent.Agent, in Inputs) error {
	if f.Queue != "" {
		ok := ids.Valid(f.Queue) && slices.ContainsFunc(in.Queues, func(q config.Queue) bool { return q.ID == f.Queue && SeesLine(viewer, q.LineOfBusiness) })
		if !ok {
			return &FilterError{"queue", fmt.Sprintf("no queue %s on your lines of business", ids.Short(f.Queue))}
		}
	}
	if f.Agent != "" {
		ok := ids.Valid(f.Agent) && slices.ContainsFunc(in.Agents, func(a agent.Agent) bool { return a.ID == f.Agent && SeesAgent(viewer, a) })
		if !ok {
			return &FilterError{"agent", fmt.Sprintf("no agent %s on your lines of business", ids.Short(f.Agent))}
		}
	}
	if f.StartType != "" {
		known := slices.Clone(StartTypes)
		for _, s := range slices.Concat(in.Live, in.Ended) {
			if s.StartType != "" && !slices.Contains(known, s.StartType) {
				known = append(known, s.StartType)
			}
		}
		if !slices.Contains(known, f.StartType) {
			return &FilterError{"startType", fmt.Sprintf("unknown start type %s; use one of %s", ids.Short(f.StartType), strings.Join(known, ", "))}
		}
	}
	return nil
}
