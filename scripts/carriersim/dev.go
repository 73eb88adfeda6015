package carriersim

import (
	"encoding/json"
	"io"
	"net/http"
)

// DevInbound is the JSON body of POST /sim/inbound.
type DevInbound struct {
	From       string     `json:"from"`
	To         string     `json:"to"`
	Body       string     `json:"body"`
	Media      []DevMedia `json:"media,omitempty"`
	MessageSID string     `json:"messageSid,omitempty"`
}

// DevMedia is one media item of a DevInbound. The URL is not fetched: the
// simulator stores Data when given, else a tiny placeholder of ContentType.
type DevMedia struct {
	ContentType string `json:"contentType"`
	URL         string `json:"url,omitempty"`
	Data        []byte `json:"data,omitempty"`
}

// DevInboundResult is the JSON answer of POST /sim/inbound.
type DevInboundResult struct {
	MessageSID string `json:"messageSid"`
	Status     int    `json:"status"`
	Response   string `json:"response"`
	Error      string `json:"error,omitempty"`
	// FallbackStatus is the fallback URL's answer when the webhook failed and it was called.
	FallbackStatus int `json:"fallbackStatus,omitempty"`
}

// DevFail is the JSON body of POST /sim/fail.
type DevFail struct {
	Count  int `json:"count"`
	Status int `json:"status"`
	Code   int `json:"code"`
	// Stall, instead, leaves the sends unanswered (see StallNext); Taken says whether the
	// carrier keeps the messages all the same.
	Stall bool `json:"stall,omitempty"`
	Taken bool `json:"taken,omitempty"`
}

// DevOutcome is the JSON body of POST /sim/outcome.
type DevOutcome struct {
	To     string `json:"to"`
	Status string `json:"status"`
	Code   int    `json:"code"`
}

// DevOptOut is the JSON body of POST /sim/optout.
type DevOptOut struct {
	Business string `json:"business"`
	Consumer string `json:"consumer"`
	OptedOut bool   `json:"optedOut"`
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 10<<20)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return false
	}
	return true
}

func (s *Sim) handleDevInbound(w http.ResponseWriter, r *http.Request) {
	var in DevInbound
	if !decodeJSON(w, r, &in) {
		return
	}
	msg := Inbound{From: in.From, To: in.To, Body: in.Body, MessageSID: in.MessageSID}
	for _, m := range in.Media {
		data := m.Data
		if len(data) == 0 {
			data = Placeholder(m.ContentType)
		}
		msg.Media = append(msg.Media, Media{ContentType: m.ContentType, Data: data})
	}
	res, err := s.SendInbound(r.Context(), msg)
	out := DevInboundResult{MessageSID: res.MessageSID, Status: res.StatusCode, Response: res.ResponseBody, FallbackStatus: res.FallbackStatusCode}
	code := http.StatusOK
	if err != nil {
		out.Error = err.Error()
		code = http.StatusBadGateway
		if res.MessageSID == "" {
			code = http.StatusBadRequest
		}
	}
	writeJSON(w, code, out)
}

func (s *Sim) handleDevMessages(w http.ResponseWriter, r *http.Request) {
	to, from := r.URL.Query().Get("to"), r.URL.Query().Get("from")
	out := []Message{}
	all := s.Sent()
	if to != "" {
		all = s.Inbox(to) // what the phone received, the carrier's keyword replies too
	}
	for _, m := range all {
		if from == "" || m.From == from {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) handleDevFail(w http.ResponseWriter, r *http.Request) {
	var f DevFail
	if !decodeJSON(w, r, &f) {
		return
	}
	if f.Count <= 0 {
		f.Count = 1
	}
	if f.Stall {
		s.StallNext(f.Count, f.Taken)
		writeJSON(w, http.StatusOK, f)
		return
	}
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.FailNext(f.Count, f.Status, f.Code)
	writeJSON(w, http.StatusOK, f)
}

func (s *Sim) handleDevOutcome(w http.ResponseWriter, r *http.Request) {
	var o DevOutcome
	if !decodeJSON(w, r, &o) {
		return
	}
	s.SetDeliveryOutcome(o.To, o.Status, o.Code)
	writeJSON(w, http.StatusOK, o)
}

func (s *Sim) handleDevOptOut(w http.ResponseWriter, r *http.Request) {
	var o DevOptOut
	if !decodeJSON(w, r, &o) {
		return
	}
	s.SetOptedOut(o.Business, o.Consumer, o.OptedOut)
	writeJSON(w, http.StatusOK, o)
}

// handleDevCall places a call (POST /sim/call, a Call as JSON) and answers its CallResult.
func (s *Sim) handleDevCall(w http.ResponseWriter, r *http.Request) {
	var c Call
	if !decodeJSON(w, r, &c) {
		return
	}
	res, err := s.PlaceCall(r.Context(), c)
	if err != nil && res.CallSID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleDevBridge has an agent take a waiting call (POST /sim/bridge, a Bridge as JSON) and
// answers its BridgeResult.
func (s *Sim) handleDevBridge(w http.ResponseWriter, r *http.Request) {
	var b Bridge
	if !decodeJSON(w, r, &b) {
		return
	}
	res, err := s.BridgeCall(r.Context(), b)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, res)
}
