package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// maxEventID is the longest Last-Event-ID taken; a longer one is unknown (a reset).
const maxEventID = 64

// ServeSSE streams the changes filter takes to the browser as server-sent events: the event
// named by encode with its data (an empty name skips the change), each with its id, then
// "ready" or "reset" first (data {"id": ...}). A browser's EventSource reconnects by itself
// and sends the last id it got (Last-Event-ID; the lastEventId query parameter does the same
// for a first connection): it gets every change after it exactly once, or a reset. The stream
// ends when the client goes, or after h.MaxStream, below the function's request timeout; a
// comment every h.Heartbeat keeps proxies from closing it.
func (h *Hub) ServeSSE(w http.ResponseWriter, r *http.Request, filter func(Change) bool, encode func(Change) (event string, data []byte)) {
	after := r.Header.Get("Last-Event-ID")
	if after == "" {
		after = r.URL.Query().Get("lastEventId")
	}
	if len(after) > maxEventID {
		after = "unknown"
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.MaxStream)
	defer cancel()
	wait, waited := context.WithTimeout(ctx, h.ReadyWait)
	ch, err := h.subscribe(ctx, wait, after, filter)
	waited()
	if err != nil {
		if r.Context().Err() == nil {
			h.log.Warn("live updates: listeners not ready", "err", err)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"code":"unavailable","message":"live updates are not available right now; try again in a few seconds"}}`)
		}
		return
	}
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // no proxy buffering of the stream
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", h.Retry.Milliseconds())
	beat := time.NewTicker(h.Heartbeat)
	defer beat.Stop()
	for {
		var buf bytes.Buffer
		select {
		case c, ok := <-ch:
			if !ok {
				return
			}
			writeEvent(&buf, c, encode)
		case <-beat.C:
			buf.WriteString(": heartbeat\n\n")
		case <-ctx.Done():
			return
		}
		if buf.Len() == 0 {
			continue
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// writeEvent writes c as one event; data spans lines as the format requires.
func writeEvent(buf *bytes.Buffer, c Change, encode func(Change) (string, []byte)) {
	var event string
	var data []byte
	switch c.Kind {
	case KindReady, KindReset:
		event = c.Kind
		data, _ = json.Marshal(map[string]string{"id": c.ID})
	default:
		if event, data = encode(c); event == "" {
			return
		}
	}
	fmt.Fprintf(buf, "id: %s\nevent: %s\n", c.ID, event)
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		buf.WriteString("data: ")
		buf.Write(line)
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
}
