package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/smsdesk/smsdesk/shared/agent"
)

// colConsoleSessions holds signed-in console sessions, each under the SHA-256 of its cookie
// value so that the database never holds a cookie anyone could use. Firestore's TTL policy on
// expiresAt (terraform/firestore.tf) deletes the expired ones.
const colConsoleSessions = "consoleSessions"

// ConsoleSession is a console session as stored.
type ConsoleSession struct {
	AgentID   string    `firestore:"agentId"`
	CSRF      string    `firestore:"csrf"`
	CreatedAt time.Time `firestore:"createdAt"`
	ExpiresAt time.Time `firestore:"expiresAt"`
}

// CreateConsoleSession stores a new session under the hash of its cookie value id.
func (s *Store) CreateConsoleSession(ctx context.Context, id string, cs ConsoleSession) error {
	if _, err := s.fs.Collection(colConsoleSessions).Doc(HashToken(id)).Create(ctx, cs); err != nil {
		return fmt.Errorf("create console session of agent %s: %w", cs.AgentID, err)
	}
	return nil
}

// ConsoleSession reads the session whose cookie value is id; ErrNotFound when there is none
// (never created, signed out, or deleted after it expired).
func (s *Store) ConsoleSession(ctx context.Context, id string) (ConsoleSession, error) {
	var cs ConsoleSession
	snap, err := s.fs.Collection(colConsoleSessions).Doc(HashToken(id)).Get(ctx)
	if isNotFound(err) {
		return cs, fmt.Errorf("console session: %w", ErrNotFound)
	}
	if err != nil {
		return cs, fmt.Errorf("read console session: %w", err)
	}
	if err := snap.DataTo(&cs); err != nil {
		return cs, fmt.Errorf("decode console session: %w", err)
	}
	return cs, nil
}

// DeleteConsoleSession removes the session whose cookie value is id; removing one that is
// gone already is no error.
func (s *Store) DeleteConsoleSession(ctx context.Context, id string) error {
	if _, err := s.fs.Collection(colConsoleSessions).Doc(HashToken(id)).Delete(ctx); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// AgentByEmail finds the agent whose email is email, compared lower-cased (the catalog stores
// emails lower-cased); ErrNotFound when none has it. A disabled agent is returned as it is:
// the caller refuses them.
func (s *Store) AgentByEmail(ctx context.Context, email string) (agent.Agent, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return agent.Agent{}, fmt.Errorf("agent by email: %w", ErrNotFound)
	}
	docs, err := s.fs.Collection(colAgents).Where("email", "==", email).Limit(1).Documents(ctx).GetAll()
	if err != nil {
		return agent.Agent{}, fmt.Errorf("look up agent by email: %w", err)
	}
	if len(docs) == 0 {
		return agent.Agent{}, fmt.Errorf("agent by email: %w", ErrNotFound)
	}
	var a agent.Agent
	if err := docs[0].DataTo(&a); err != nil {
		return a, fmt.Errorf("decode agent %s: %w", docs[0].Ref.ID, err)
	}
	a.ID = docs[0].Ref.ID
	return a, nil
}
