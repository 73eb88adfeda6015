package compliance

import "testing"

func TestClassify(t *testing.T) {
	cases := map[string]Keyword{
		"STOP": OptOut, "stop": OptOut, " Stop. ": OptOut, "stopall": OptOut, "Unsubscribe": OptOut,
		"cancel": OptOut, "END": OptOut, "quit": OptOut, "revoke": OptOut, "OptOut": OptOut, "Revoke!": OptOut,
		"start": OptIn, "YES": OptIn, "unstop": OptIn,
		"help": Help, "Info": Help,
		"please stop": None, "stop it": None, "": None, "billing": None, "STOPP": None,
	}
	for body, want := range cases {
		if got := Classify(body); got != want {
			t.Errorf("Classify(%q) = %v, want %v", body, got, want)
		}
	}
}
