package carrier

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// findLimit bounds how many of the carrier's messages from one number to one consumer Find
// reads: a consumer gets few texts in the seconds around one attempt.
const findLimit = 50

// Find asks the carrier whether it took m in an attempt started at since: the way to learn
// the outcome of a send that got no answer, before sending again. It lists the messages from
// m.From to m.To sent since then, and those still queued (a queued message has no date sent
// yet), and looks for one with m's body and media created since the attempt. The carrier
// keeps times to the second, so one second of leeway is given for its clock.
func (c *Client) Find(ctx context.Context, m Message, since time.Time) (Sent, bool, error) {
	floor := since.UTC().Truncate(time.Second).Add(-time.Second)
	listed := &openapi.ListMessageParams{}
	listed.SetFrom(m.From).SetTo(m.To).SetDateSentAfter(floor).SetLimit(findLimit)
	sentSince, err := c.call(ctx).api.ListMessage(listed)
	if err != nil {
		return Sent{}, false, fmt.Errorf("list messages to %s since %s: %w", m.To, floor.Format(time.RFC3339), err)
	}
	if s, ok := match(sentSince, m, floor); ok {
		return s, true, nil
	}
	recent := &openapi.ListMessageParams{}
	recent.SetFrom(m.From).SetTo(m.To).SetPageSize(findLimit)
	page, err := c.call(ctx).api.PageMessage(recent, "", "")
	if err != nil {
		return Sent{}, false, fmt.Errorf("list recent messages to %s: %w", m.To, err)
	}
	var queued []openapi.ApiV2010Message
	for _, r := range page.Messages {
		if r.DateSent == nil || *r.DateSent == "" {
			queued = append(queued, r)
		}
	}
	s, ok := match(queued, m, floor)
	return s, ok, nil
}

// match is the newest of records (newest first, as the carrier lists them) that is m,
// created at floor or later.
func match(records []openapi.ApiV2010Message, m Message, floor time.Time) (Sent, bool) {
	for _, r := range records {
		if r.Body == nil || *r.Body != m.Body || r.DateCreated == nil {
			continue
		}
		if r.NumMedia != nil && *r.NumMedia != strconv.Itoa(len(m.MediaURLs)) {
			continue
		}
		created, err := time.Parse(time.RFC1123Z, *r.DateCreated)
		if err != nil || created.Before(floor) {
			continue
		}
		return sent(&r), true
	}
	return Sent{}, false
}

// Status is what the carrier says of a message now: its status and, for a failure, its
// error code.
type Status struct {
	Status    string
	ErrorCode int
}

// ErrUnknownMessage reports that the carrier has no message of that sid.
var ErrUnknownMessage = errors.New("the carrier has no such message")

// Status asks the carrier for the status of the message sid: how a status whose callback
// was lost is learnt.
func (c *Client) Status(ctx context.Context, sid string) (Status, error) {
	call := c.call(ctx)
	res, err := call.api.FetchMessage(sid, &openapi.FetchMessageParams{})
	if err != nil {
		var te *client.TwilioRestError
		if errors.As(err, &te) && te.Status == http.StatusNotFound {
			return Status{}, fmt.Errorf("fetch message %s: %w", sid, ErrUnknownMessage)
		}
		return Status{}, fmt.Errorf("fetch message %s: %w", sid, err)
	}
	out := Status{}
	if res.Status != nil {
		out.Status = *res.Status
	}
	if res.ErrorCode != nil {
		out.ErrorCode = *res.ErrorCode
	}
	return out, nil
}
