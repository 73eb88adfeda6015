package config

import (
	"sort"

	"github.com/smsdesk/smsdesk/shared/compliance"
	"strconv"
	"strings"
	"time"
)

// Line is one business number with the queue tree of its line of business: everything the
// conversation needs to answer a consumer on that number.
type Line struct {
	Number Number
	// ChatOff is set when the business turned SMS chat off: no new chats open.
	ChatOff bool
	// Defaults are the settings' timeouts.
	Defaults *Timeouts
	// Quiet holds notifications back outside these hours of the consumer's day.
	Quiet compliance.QuietHours
	// OfferTimeout is how long a manual-answer agent has to accept an offered chat; zero is
	// DefaultOfferTimeout.
	OfferTimeout time.Duration
	// CRM is the settings' CRM choice (nil: the default adapter).
	CRM      *CRMSettings
	queues   map[string]Queue
	children map[string][]Queue
}

// NewLine indexes the queues of a number's line of business.
func NewLine(n Number, queues []Queue) Line {
	l := Line{Number: n, queues: map[string]Queue{}, children: map[string][]Queue{}}
	for _, q := range queues {
		l.queues[q.ID] = q
		if q.Parent != "" && !q.Hidden {
			l.children[q.Parent] = append(l.children[q.Parent], q)
		}
	}
	for _, c := range l.children {
		sort.SliceStable(c, func(i, j int) bool { return c[i].Order < c[j].Order })
	}
	return l
}

// Queue returns the queue with the given id.
func (l Line) Queue(id string) (Queue, bool) {
	q, ok := l.queues[id]
	return q, ok
}

// Children returns a queue's menu options (its visible children) in menu order.
func (l Line) Children(id string) []Queue { return l.children[id] }

// ChatQueues lists the queues that hold chats (those without a menu), hidden ones included
// as they take transfers, by id.
func (l Line) ChatQueues() []Queue {
	var out []Queue
	for id, q := range l.queues {
		if !l.IsMenu(id) {
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// IsMenu reports whether the queue offers a menu rather than holding chats.
func (l Line) IsMenu(id string) bool { return len(l.children[id]) > 0 }

// Choose finds the menu option of queue id that answer selects, by digit or by a keyword of
// any language or of lang.
func (l Line) Choose(id, answer, lang string) (Queue, bool) {
	a := strings.ToUpper(strings.TrimSpace(answer))
	for i, c := range l.children[id] {
		if a == strconv.Itoa(i+1) {
			return c, true
		}
		for _, k := range append(append([]string{}, c.Keywords...), c.KeywordsByLanguage[lang]...) {
			if a == strings.ToUpper(k) {
				return c, true
			}
		}
	}
	return Queue{}, false
}

// MayQueue reports whether a text could put a chat in a queue that holds chats: the entry
// queue holds them (a first text), or the text picks a leaf queue from some menu.
func (l Line) MayQueue(body string) bool {
	if !l.IsMenu(l.Number.EntryQueue) {
		return true
	}
	for id := range l.children {
		langs := []string{""}
		for _, c := range l.children[id] {
			for lang := range c.KeywordsByLanguage {
				langs = append(langs, lang)
			}
		}
		for _, lang := range langs {
			if q, ok := l.Choose(id, body, lang); ok && !l.IsMenu(q.ID) {
				return true
			}
		}
	}
	return false
}

// Name is the queue's label in lang.
func (q Queue) NameIn(lang string) string {
	if n := q.Names[lang]; n != "" {
		return n
	}
	return q.Name
}

// MenuText lists the options of menu queue id: "Reply 1 or BILLING for Billing, 2 for Support."
func (l Line) MenuText(id, lang string) string {
	var opts []string
	for i, c := range l.children[id] {
		choice := strconv.Itoa(i + 1)
		if ks := append(append([]string{}, c.KeywordsByLanguage[lang]...), c.Keywords...); len(ks) > 0 {
			choice += " " + l.Message("or", lang, id, nil) + " " + strings.ToUpper(ks[0])
		}
		opts = append(opts, choice+" "+l.Message("for", lang, id, nil)+" "+c.NameIn(lang))
	}
	text := l.Message("menu", lang, id, nil) + " " + strings.Join(opts, ", ") + "."
	if q := l.queues[id]; q.Parent != "" {
		text += " " + l.Message("back", lang, id, nil)
	}
	return text
}

// BrandWideOptOut reports whether an opt-out on this number applies to the whole brand: the
// default, unless the number's scope is "number".
func (l Line) BrandWideOptOut() bool { return l.Number.OptOutScope != "number" }

// CarrierConfirmsOptOut reports whether the carrier answers opt-out and opt-in keywords on
// this number itself: the number's setting, else what its kind of number gets.
func (l Line) CarrierConfirmsOptOut() bool {
	if c := l.Number.CarrierConfirmsOptOut; c != nil {
		return *c
	}
	return compliance.KindOf(l.Number.Number).CarrierConfirmsOptOut()
}

// Location is the time zone of the number's consumers (America/New_York when unset).
func (l Line) Location() *time.Location {
	if loc, err := time.LoadLocation(l.Number.TimeZone); err == nil && l.Number.TimeZone != "" {
		return loc
	}
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return time.UTC
	}
	return loc
}

// Open reports whether queue id is within its business hours at t: the nearest hours up the
// tree apply; none means always open.
func (l Line) Open(id string, t time.Time) bool {
	for depth := 0; id != "" && depth < 32; depth++ {
		q, ok := l.queues[id]
		if !ok {
			break
		}
		if q.Hours != nil {
			return q.Hours.Open(t)
		}
		id = q.Parent
	}
	return true
}

// LanguageWord tells whether body is one of the number's language words, and which language.
func (l Line) LanguageWord(body string) (string, bool) {
	b := strings.ToUpper(strings.TrimSpace(body))
	for w, lang := range l.Number.LanguageWords {
		if strings.ToUpper(w) == b {
			return lang, true
		}
	}
	return "", false
}

// Predefined lists the canned messages for chats of queue id in lang: the queue's and its
// ancestors', nearest first.
func (l Line) Predefined(id, lang string) []Predefined {
	var out []Predefined
	seen := map[string]bool{}
	for depth := 0; id != "" && depth < 32; depth++ {
		q, ok := l.queues[id]
		if !ok {
			break
		}
		for _, p := range q.Predefined {
			if p.Language == lang && !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
		id = q.Parent
	}
	return out
}

// Message resolves a system message of the given kind in lang, looking at the queue and its
// ancestors, then the number, then the built-in texts, each first in lang and then in the
// number's default language. {brand} is the number's, other {name} placeholders are filled from vars (see Fill).
func (l Line) Message(kind, lang, queueID string, vars map[string]string) string {
	text := l.lookup(kind, lang, queueID)
	if text == "" && l.Number.DefaultLanguage != "" {
		text = l.lookup(kind, l.Number.DefaultLanguage, queueID)
	}
	if text == "" {
		text = l.lookup(kind, "en", queueID)
	}
	// A system message goes out whatever: a placeholder without a value stays as written,
	// where the business sees what its configuration lacks, rather than leaving a gap.
	text, _ = Fill(text, map[string]string{"brand": l.Number.Brand}, vars)
	return text
}

func (l Line) lookup(kind, lang, queueID string) string {
	for id, depth := queueID, 0; id != "" && depth < 32; depth++ {
		q, ok := l.queues[id]
		if !ok {
			break
		}
		if t := q.Messages[lang][kind]; t != "" {
			return t
		}
		id = q.Parent
	}
	if t := l.Number.Messages[lang][kind]; t != "" {
		return t
	}
	return builtin[lang][kind]
}

// builtin are the texts a business gets before it writes its own.
var builtin = map[string]map[string]string{
	"en": {
		"consent": "{brand}: Thanks for texting us! You'll get recurring messages about your request. Msg & data rates may apply. Reply STOP to opt out, HELP for help.",
		"menu":    "Reply",
		"or":      "or",
		"for":     "for",
		"back":    "Reply BACK to go back.",
		"invalid": "Sorry, we didn't understand that.",
		"wait":    "Thanks! You're in line for {queue}. An agent will be with you shortly.",
		// waitestimate replaces wait when the queue's wait can be estimated; stillwaiting
		// tells a consumer who has waited a while the new estimate.
		"waitestimate": "Thanks! You're in line for {queue}: you are number {position}, about {minutes} min.",
		"stillwaiting": "Thanks for waiting! You are number {position} in line for {queue}; about {minutes} min now.",
		"assigned":     "You're now chatting with {agent}.",
		"ended":        "This chat has ended. Text us anytime to start a new one.",
		"optout":       "{brand}: You are unsubscribed and will receive no further messages. Reply START to resubscribe.",
		"optouthint":   "{brand}: If you'd like us to stop texting you, reply STOP.",
		"optin":        "{brand}: You are resubscribed and will receive messages again. Reply STOP to opt out, HELP for help.",
		"help":         "{brand}: Reply to this number to chat with our support team. Msg & data rates may apply. Reply STOP to opt out.",
		"language":     "OK, we'll continue in English.",
		"afterhours":   "Thanks for your message! We're closed right now; please text us again during business hours.",
		"closed":       "{brand}: Text chat is not available right now. Please try again later.",
		"transfer":     "Please hold on: we're transferring you to {target}.",
		"inactive":     "Are you still there? Reply to keep chatting, or this chat will close soon.",
		"timeout":      "We haven't heard from you, so this chat is now closed. Text us anytime to start again.",
		"noagents":     "Sorry, no agents are available right now. Please text us again later.",
		"expired":      "This chat has reached its time limit and is now closed. Text us anytime to start again.",
		"autoreply":    "{brand}: Thanks for your reply! This number sends notifications; text us again to chat with our team.",
	},
	"es": {
		"consent":      "{brand}: ¡Gracias por escribirnos! Recibirá mensajes recurrentes sobre su solicitud. Pueden aplicarse tarifas de mensajes y datos. Responda STOP para cancelar, HELP para ayuda.",
		"menu":         "Responda",
		"or":           "o",
		"for":          "para",
		"back":         "Responda BACK para volver.",
		"invalid":      "Lo sentimos, no entendimos su respuesta.",
		"wait":         "¡Gracias! Está en la fila de {queue}. Un agente le atenderá en breve.",
		"waitestimate": "¡Gracias! Está en la fila de {queue}: es el número {position}, unos {minutes} min.",
		"stillwaiting": "¡Gracias por esperar! Es el número {position} en la fila de {queue}; unos {minutes} min ahora.",
		"assigned":     "Ahora está conversando con {agent}.",
		"ended":        "Esta conversación ha terminado. Escríbanos cuando quiera para iniciar otra.",
		"optout":       "{brand}: Se ha dado de baja y no recibirá más mensajes. Responda START para volver a suscribirse.",
		"optouthint":   "{brand}: Si no desea recibir más mensajes de nosotros, responda STOP.",
		"optin":        "{brand}: Se ha vuelto a suscribir. Responda STOP para cancelar, HELP para ayuda.",
		"help":         "{brand}: Responda a este número para hablar con nuestro equipo. Pueden aplicarse tarifas de mensajes y datos. Responda STOP para cancelar.",
		"language":     "De acuerdo, seguimos en español.",
		"afterhours":   "¡Gracias por su mensaje! Ahora estamos cerrados; escríbanos de nuevo en horario de atención.",
		"closed":       "{brand}: El chat por mensaje de texto no está disponible ahora. Inténtelo más tarde.",
		"transfer":     "Un momento: le estamos transfiriendo a {target}.",
		"inactive":     "¿Sigue ahí? Responda para continuar, o esta conversación se cerrará pronto.",
		"timeout":      "No hemos recibido respuesta, así que esta conversación se ha cerrado. Escríbanos cuando quiera.",
		"noagents":     "Lo sentimos, no hay agentes disponibles ahora. Escríbanos más tarde.",
		"expired":      "Esta conversación alcanzó su tiempo máximo y se ha cerrado. Escríbanos cuando quiera.",
		"autoreply":    "{brand}: ¡Gracias por su respuesta! Este número envía avisos; escríbanos de nuevo para hablar con nuestro equipo.",
	},
}
