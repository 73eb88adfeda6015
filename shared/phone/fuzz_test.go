package phone

import "testing"

// FuzzNormalize: whatever a person types, Normalize answers without panicking; what it
// accepts is E.164 and normalizes to itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"(555) 123-4567", "+44 20 7946 0958", "020 7946 0958", "+1 800 FLOWERS", "", "+", "+0000", "١٢٣", "+15551230001;ext=2"} {
		f.Add(s, "US")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, err := Normalize(raw, region)
		if err != nil {
			return
		}
		if !ValidE164(n) {
			t.Fatalf("Normalize(%q, %q) = %q, not E.164", raw, region, n)
		}
		if again, err := Normalize(n, ""); err != nil || again != n {
			t.Fatalf("Normalize(%q) = %q, %v; want it unchanged", n, again, err)
		}
	})
}
