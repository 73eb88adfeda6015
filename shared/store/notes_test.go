package store_test

import (
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/store"
)

func TestNotesAreKeptInOrderOnTheChat(t *testing.T) {
	st, fs, ctx := newStore(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, body := range []string{"wants a refund", "refund sent"} {
		if _, err := st.AddNote(ctx, "C-notes", store.Note{AgentID: "ana", Body: body, At: at.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Notes(ctx, "C-notes")
	if err != nil || len(got) != 2 || got[0].Body != "wants a refund" || got[1].Body != "refund sent" || got[0].ID == "" || got[0].AgentID != "ana" {
		t.Fatalf("Notes = %+v, %v", got, err)
	}
	// Under the chat, apart from its transcript: nothing the sender or the CRM reads.
	if n, _ := fs.Collection("sessions").Doc("C-notes").Collection("transcript").Documents(ctx).GetAll(); len(n) != 0 {
		t.Errorf("notes went into the transcript: %d entries", len(n))
	}
	if _, err := st.Notes(ctx, "../x"); err == nil {
		t.Errorf("an id that names no document reads notes")
	}
}

func TestSeenMarksOnlyMoveForward(t *testing.T) {
	st, _, ctx := newStore(t)
	now := time.Now()
	if err := st.MarkSeen(ctx, "ana", "C1", 5, now); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkSeen(ctx, "ana", "C1", 3, now); err != nil { // an older page's view
		t.Fatal(err)
	}
	got, err := st.Seen(ctx, "ana", []string{"C1", "C2", "a/b"})
	if err != nil || got["C1"] != 5 || got["C2"] != 0 || len(got) != 1 {
		t.Errorf("Seen = %v, %v; want C1 at 5 and nothing else", got, err)
	}
	if other, _ := st.Seen(ctx, "luis", []string{"C1"}); other["C1"] != 0 {
		t.Errorf("another agent's mark = %v", other)
	}
}
