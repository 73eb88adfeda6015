package bus

import (
	"fmt"
	"testing"
)

// TestFoldKeysKeepsEachChatOnOneOfFewKeys: folded, every message of a chat carries the same
// key (so its order holds) and a thousand chats use no more than the keys asked for; unfolded,
// as in the cloud, each chat keeps its own key and an unordered message stays unordered.
func TestFoldKeysKeepsEachChatOnOneOfFewKeys(t *testing.T) {
	folded := (&Publisher{}).FoldKeys(64)
	used := map[string]bool{}
	for i := range 1000 {
		chat := fmt.Sprintf("sessions/CS%04d", i)
		k := folded.key(chat)
		if again := folded.key(chat); again != k {
			t.Fatalf("%s folded to %q, then %q", chat, k, again)
		}
		used[k] = true
	}
	if len(used) > 64 || len(used) < 32 {
		t.Errorf("1,000 chats folded into %d keys, want at most 64 and spread over most of them", len(used))
	}
	if k := folded.key(""); k != "" {
		t.Errorf("an unordered message got key %q", k)
	}
	if k := (&Publisher{}).FoldKeys(0).key("sessions/CS1"); k != "sessions/CS1" {
		t.Errorf("unfolded key = %q, want the chat's own", k)
	}
}
