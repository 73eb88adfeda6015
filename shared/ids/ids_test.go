package ids

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckRefusesWhatCannotNameADocument(t *testing.T) {
	for _, id := range []string{"", ".", "..", "a/b", "../agents/luis", "__x__", "a\nb", "\xff", strings.Repeat("x", MaxLen+1)} {
		if err := Check("chat", id); !errors.Is(err, ErrInvalid) {
			t.Errorf("Check(%.20q) = %v, want ErrInvalid", id, err)
		}
	}
	for _, id := range []string{"CSM0123", "+18005550100", "retail-en.billing", "a..b", "__x", "niño", strings.Repeat("x", MaxLen)} {
		if err := Check("chat", id); err != nil {
			t.Errorf("Check(%.20q) = %v", id, err)
		}
	}
}

func TestShortCutsHugeIDs(t *testing.T) {
	huge := strings.Repeat("y", 100000)
	if s := Short(huge); len(s) > 100 || !strings.Contains(s, "100000 characters") {
		t.Errorf("Short(huge) = %q", s)
	}
	if err := Check("queue", huge); len(err.Error()) > 200 {
		t.Errorf("Check(huge) echoes %d bytes", len(err.Error()))
	}
	if s := Short("ana"); s != `"ana"` {
		t.Errorf("Short(ana) = %s", s)
	}
}
