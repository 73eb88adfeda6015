package main

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// smsGate sits in front of the carrier simulator and, while closed, holds every send until
// it opens, so that the work an assignment does can be metered apart from delivering its
// message. It is open unless hold is called.
type smsGate struct {
	next http.Handler
	mu   sync.Mutex
	shut chan struct{} // closed when the gate opens; nil when open
	held atomic.Int64  // sends that waited at the gate
}

func (g *smsGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages.json") {
		g.mu.Lock()
		shut := g.shut
		g.mu.Unlock()
		if shut != nil {
			g.held.Add(1)
			select {
			case <-shut:
			case <-r.Context().Done():
				return
			}
		}
	}
	g.next.ServeHTTP(w, r)
}

// hold closes the gate; it opens again by itself after limit.
func (g *smsGate) hold(limit time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	shut := make(chan struct{})
	g.shut = shut
	g.held.Store(0)
	time.AfterFunc(limit, func() { g.openIf(shut) })
}

// open opens the gate and reports whether it was still closed.
func (g *smsGate) open() bool {
	g.mu.Lock()
	shut := g.shut
	g.mu.Unlock()
	return g.openIf(shut)
}

func (g *smsGate) openIf(shut chan struct{}) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if shut == nil || g.shut != shut {
		return false
	}
	close(shut)
	g.shut = nil
	return true
}
