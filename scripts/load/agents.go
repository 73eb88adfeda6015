package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// entry is a transcript line as the agent API shows it.
type entry struct {
	Seq    int    `json:"seq"`
	Author string `json:"author"`
	Body   string `json:"body"`
	Status string `json:"status"`
}

// chatView is the part of GET /agent/chats/{id} the driver reads.
type chatView struct {
	ID         string  `json:"id"`
	State      string  `json:"state"`
	Transcript []entry `json:"transcript"`
}

// apiError is a non-2xx answer of the agent API.
type apiError struct {
	status int
	body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.body) }

// retryable reports whether a call may succeed if made again: the system is down, stalled or
// answered a server error.
func retryable(err error) bool {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status >= 500 || ae.status == http.StatusTooManyRequests
	}
	return err != nil
}

// call makes one agent API call as agentID, with extra headers, decoding a 2xx answer into out.
func (l *load) call(ctx context.Context, agentID, method, path string, body any, hdr map[string]string, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.stack.baseURL()+"/agent"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token(agentID))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s as %s: %w", method, path, agentID, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s as %s: read answer: %w", method, path, agentID, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s as %s: %w", method, path, agentID, &apiError{resp.StatusCode, string(bytes.TrimSpace(raw))})
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// retry calls f until it succeeds, fails for good, or ctx ends; each retry counts in retries.
func (l *load) retry(ctx context.Context, f func(ctx context.Context) error) error {
	for {
		err := f(ctx)
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		l.retries.Add(1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %w)", err, context.Cause(ctx))
		case <-time.After(time.Second):
		}
	}
}

// follow keeps agentID's live stream (/agent/stream, the console's push) open, reconnecting
// with Last-Event-ID, and hands every chat it names to route. On ready or reset the agent
// loads their view (GET /agent/chats), as the console does.
func (l *load) follow(ctx context.Context, agentID string, log *slog.Logger) {
	last := ""
	for ctx.Err() == nil {
		err := l.stream(ctx, agentID, &last)
		if ctx.Err() != nil {
			return
		}
		l.reconnects.Add(1)
		log.Debug("agent stream ended; reconnecting", "agent", agentID, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (l *load) stream(ctx context.Context, agentID string, last *string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.stack.baseURL()+"/agent/stream", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token(agentID))
	if *last != "" {
		req.Header.Set("Last-Event-ID", *last)
	}
	resp, err := l.streams.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stream answered %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	var id, event, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if id != "" {
				*last = id
			}
			l.onEvent(ctx, agentID, event, data)
			id, event, data = "", "", ""
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		case strings.HasPrefix(line, "data: "):
			data += line[6:]
		}
	}
	return sc.Err()
}

func (l *load) onEvent(ctx context.Context, agentID, event, data string) {
	switch event {
	case "ready", "reset":
		go l.resync(ctx, agentID)
	case "chat":
		var c struct {
			ID      string `json:"id"`
			AgentID string `json:"agentId"`
		}
		if json.Unmarshal([]byte(data), &c) == nil && c.ID != "" && c.AgentID == agentID {
			l.pushes.Add(1)
			go l.route(ctx, agentID, c.ID, nil)
		}
	}
}

// resync loads the agent's chats and routes each.
func (l *load) resync(ctx context.Context, agentID string) {
	var list struct{ Chats []chatView }
	if err := l.call(ctx, agentID, http.MethodGet, "/chats", nil, nil, &list); err != nil {
		return
	}
	for _, c := range list.Chats {
		l.route(ctx, agentID, c.ID, &c)
	}
}

// route wakes the conversation of chatID, learning which one it is from its first consumer
// text when the chat is new.
func (l *load) route(ctx context.Context, agentID, chatID string, view *chatView) {
	l.mu.Lock()
	c := l.byChat[chatID]
	l.mu.Unlock()
	if c == nil {
		if view == nil {
			view = &chatView{}
			if err := l.call(ctx, agentID, http.MethodGet, "/chats/"+chatID, nil, nil, view); err != nil {
				return
			}
		}
		c = l.conversationOf(view)
		if c == nil {
			return
		}
		l.mu.Lock()
		l.byChat[chatID] = c
		l.mu.Unlock()
		c.assign(chatID, agentID)
	}
	c.wake()
}

// conversationOf finds the conversation whose texts the chat holds.
func (l *load) conversationOf(v *chatView) *conversation {
	for _, e := range v.Transcript {
		if e.Author != "consumer" {
			continue
		}
		var i int
		if _, err := fmt.Sscanf(e.Body, "L%d ", &i); err == nil && i >= 0 && i < len(l.convs) {
			return l.convs[i]
		}
	}
	return nil
}
