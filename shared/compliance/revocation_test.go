package compliance

import "testing"

func TestFindOptOutRequest(t *testing.T) {
	cases := []struct {
		lang, body, want string // want "" means no opt-out wording
	}{
		// English: the FCC's words inside a message, and phrases without them.
		{"en", "stop texting me", "stop texting"},
		{"en", "Please unsubscribe me.", "unsubscribe"},
		{"en", "STOP!!!", "stop"},
		{"en", "ok stop", "stop"},
		{"en", "I want to opt out", "opt out"},
		{"en", "opt-out please", "opt-out"},
		{"en", "No more texts, thanks", "no more texts"},
		{"en", "Opt me out", "opt me out"},
		{"en", "remove me from your list", "remove me from your list"},
		{"en", "Take me off the list!", "take me off the list"},
		{"en", "Don’t text me again", "don't text me"},
		{"en", "I revoke my consent", "revoke"},
		{"en", "please quit messaging", "quit"},
		{"en", "cancel my order", "cancel"},
		{"en", "end", "end"},
		// Spanish, with the English words too (carriers' keywords are English).
		{"es", "No me envíen más mensajes", "no me envien"},
		{"es", "quiero darme de baja", "darme de baja"},
		{"es", "¡Dejen de escribirme!", "dejen de escribirme"},
		{"es", "no quiero recibir nada", "no quiero recibir"},
		{"es", "por favor stop", "stop"},
		{"es", "Sáquenme de la lista", "saquenme de la lista"},
		{"es", "quiero cancelar", "cancelar"},
		// Near misses that must not trigger.
		{"en", "my package stopped at the depot", ""},
		{"en", "Can I pay at the end of the month?", ""},
		{"en", "I'll stop by the store tomorrow", ""},
		{"en", "I'm at the bus stop", ""},
		{"en", "see you this weekend", ""},
		{"en", "is my refund pending?", ""},
		{"en", "quite good, thanks", ""},
		{"en", "what is the cancellation fee", ""},
		{"en", "the backend is down", ""},
		{"en", "non-stop flights only", ""},
		{"en", "please don't stop texting me updates", ""},
		{"en", "do not cancel my order", ""},
		{"en", "unstoppable", ""},
		{"en", "START", ""},
		{"en", "more texts please", ""},
		{"es", "la batería está baja", ""},
		{"es", "el precio es muy alto", ""},
		{"es", "¿cuál es la fecha de baja?", ""},
		{"es", "quiero más mensajes", ""},
		{"es", "mi pedido se detuvo", ""},
		// Spanish phrases are not looked for in English chats.
		{"en", "no me envien", ""},
	}
	for _, c := range cases {
		got, ok := FindOptOutRequest(c.body, c.lang)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("FindOptOutRequest(%q, %s) = %q, %v; want %q", c.body, c.lang, got, ok, c.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	cases := map[string]SenderKind{
		"+18005550100": TollFree, "+18335550100": TollFree, "+18885550100": TollFree, "+18775550100": TollFree,
		"+14155550100": LongCode, "+18015550100": LongCode, "+447700900123": LongCode,
		"12345": ShortCode, "123456": ShortCode, "1234": LongCode, "1234567": LongCode,
	}
	for n, want := range cases {
		if got := KindOf(n); got != want {
			t.Errorf("KindOf(%s) = %v, want %v", n, got, want)
		}
	}
	if ShortCode.CarrierConfirmsOptOut() || !LongCode.CarrierConfirmsOptOut() || !TollFree.CarrierConfirmsOptOut() {
		t.Error("the carrier confirms opt-outs on long codes and toll-free numbers, not on short codes")
	}
}

func TestCarrierKeyword(t *testing.T) {
	cases := map[string]Keyword{
		"STOP": OptOut, " stop ": OptOut, "Revoke": OptOut, "OPTOUT": OptOut, "Stop.": None, "stop please": None,
		"start": OptIn, "HELP": Help, "help!": None,
	}
	for body, want := range cases {
		if got := CarrierKeyword(body); got != want {
			t.Errorf("CarrierKeyword(%q) = %v, want %v", body, got, want)
		}
	}
}
