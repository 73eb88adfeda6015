package compliance

import (
	"strings"
	"unicode"
)

// Revocation of consent in any reasonable manner (FCC order 24-18, in force since 2025-04-11):
// the words stop, quit, end, revoke, opt out, cancel and unsubscribe in a reply revoke consent,
// not only as the whole message. FindOptOutRequest finds such wording inside a message; what
// it then does (an opt-out, or a question to the agent) depends on who started the exchange,
// which is the session's decision.

// revocationWords are the FCC's words, in any language's messages, and each language's own.
var revocationWords = map[string][]string{
	"":   {"stop", "stopall", "quit", "end", "revoke", "opt out", "optout", "opt-out", "cancel", "unsubscribe"},
	"es": {"cancelar", "desuscribir", "desuscribirme", "desuscribanme"},
}

// revocationPhrases say "no more texts" without any of the words.
var revocationPhrases = map[string][]string{
	"en": {
		"stop texting", "stop messaging", "stop sending", "stop contacting", "no more texts", "no more messages", "no more text messages", "opt me out", "remove me from your list",
		"remove me from the list", "remove me from this list", "take me off your list", "take me off the list",
		"remove my number", "don't text me", "do not text me", "dont text me", "don't message me", "do not message me",
		"don't contact me", "do not contact me", "leave me alone",
	},
	"es": {
		"no mas mensajes", "no quiero mas mensajes", "no quiero recibir", "ya no quiero recibir", "no me escriban",
		"no me envien", "no me manden", "dejen de escribirme", "dejen de enviarme", "dejen de mandarme",
		"darme de baja", "dame de baja", "denme de baja", "darse de baja", "me doy de baja", "sacarme de la lista",
		"saquenme de la lista", "borrenme de la lista", "eliminen mi numero",
	},
}

// ordinaryUses are common phrases where a word is not a request to stop texting.
var ordinaryUses = map[string][]string{
	"en": {
		"the end", "end of", "end date", "stop by", "bus stop", "next stop", "last stop", "first stop", "one stop",
		"don't stop", "do not stop", "dont stop", "never stop", "don't cancel", "do not cancel", "dont cancel",
		"don't end", "do not end", "dont end", "don't unsubscribe", "do not unsubscribe",
	},
}

// FindOptOutRequest looks for opt-out wording in body, in lang's words and phrases and in
// English's (which every carrier's keywords are), and returns what it found, normalized.
func FindOptOutRequest(body, lang string) (string, bool) {
	text := " " + strings.Join(strings.Fields(strings.Map(plainRune, strings.ToLower(body))), " ") + " "
	langs := []string{"en"}
	if lang != "" && lang != "en" {
		langs = append(langs, lang)
	}
	for _, l := range langs {
		for _, o := range ordinaryUses[l] {
			text = strings.ReplaceAll(text, " "+o+" ", " ")
		}
	}
	for _, l := range langs {
		for _, p := range revocationPhrases[l] {
			if strings.Contains(text, " "+p+" ") {
				return p, true
			}
		}
	}
	for _, l := range append([]string{""}, langs...) {
		for _, w := range revocationWords[l] {
			if strings.Contains(text, " "+w+" ") {
				return w, true
			}
		}
	}
	return "", false
}

// plainRune folds accents and apostrophes and turns punctuation into spaces, so words compare
// as words ("¡No me envíen más!" → "no me envien mas"); hyphens stay inside words ("non-stop").
func plainRune(r rune) rune {
	switch r {
	case 'á', 'à', 'ä', 'â':
		return 'a'
	case 'é', 'è', 'ë', 'ê':
		return 'e'
	case 'í', 'ì', 'ï', 'î':
		return 'i'
	case 'ó', 'ò', 'ö', 'ô':
		return 'o'
	case 'ú', 'ù', 'ü', 'û':
		return 'u'
	case 'ñ':
		return 'n'
	case '’', '‘', '\'':
		return '\''
	case '-':
		return '-'
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return r
	}
	return ' '
}
