// Package voice answers the carrier's voice webhooks with TwiML: calls from blocked numbers are
// rejected, callers facing a long wait are offered to continue by text (or moved there), and
// the others wait in the carrier's queue. The decisions are plain Go (Plan); Service loads
// what they need and opens the chats they ask for.
package voice

import (
	"encoding/xml"
	"fmt"
)

// Response is a TwiML document. Verbs are typed and encoded by encoding/xml, which escapes
// every text and attribute: no caller input is ever spliced into the markup.
type Response struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []any
}

// Say speaks Text.
type Say struct {
	XMLName  xml.Name `xml:"Say"`
	Language string   `xml:"language,attr,omitempty"`
	Text     string   `xml:",chardata"`
}

// Gather collects one key press and posts it (Digits) to Action.
type Gather struct {
	XMLName   xml.Name `xml:"Gather"`
	Input     string   `xml:"input,attr"`
	NumDigits int      `xml:"numDigits,attr"`
	Action    string   `xml:"action,attr"`
	Timeout   int      `xml:"timeout,attr"`
	Say       *Say
}

// Redirect continues the call with the TwiML at URL.
type Redirect struct {
	XMLName xml.Name `xml:"Redirect"`
	URL     string   `xml:",chardata"`
}

// Enqueue puts the call in the carrier's queue Name; WaitURL is requested while it waits,
// Action when it leaves.
type Enqueue struct {
	XMLName xml.Name `xml:"Enqueue"`
	WaitURL string   `xml:"waitUrl,attr"`
	Action  string   `xml:"action,attr"`
	Name    string   `xml:",chardata"`
}

// Pause waits Length seconds.
type Pause struct {
	XMLName xml.Name `xml:"Pause"`
	Length  int      `xml:"length,attr"`
}

// Hangup ends the call.
type Hangup struct {
	XMLName xml.Name `xml:"Hangup"`
}

// Reject refuses the call before it is answered.
type Reject struct {
	XMLName xml.Name `xml:"Reject"`
	Reason  string   `xml:"reason,attr"`
}

// Marshal encodes the response with the XML declaration the carrier expects.
func (r Response) Marshal() ([]byte, error) {
	out, err := xml.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode TwiML: %w", err)
	}
	return append([]byte(xml.Header), out...), nil
}
