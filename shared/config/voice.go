package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/smsdesk/smsdesk/shared/ids"
)

// Voice is what a business number does with calls: the carrier's voice queues callers wait
// in, each mapped to the SMS queue a deflected caller's chat opens in, and the spoken texts.
type Voice struct {
	// Queues are the number's voice queues; callers enter the first (Entry names another).
	Queues []VoiceQueue `json:"queues" firestore:"queues"`
	Entry  string       `json:"entry,omitempty" firestore:"entry,omitempty"`
	// Language of the spoken texts; the number's default language when empty.
	Language string `json:"language,omitempty" firestore:"language,omitempty"`
	// Messages overrides the spoken and texted voice messages: language → kind → text.
	Messages map[string]map[string]string `json:"messages,omitempty" firestore:"messages,omitempty"`
	// WaitSMS texts a waiting caller who agrees (press 1) asking for details; their replies
	// are shown to the agent who answers the call.
	WaitSMS bool `json:"waitSms,omitempty" firestore:"waitSms"`
}

// VoiceQueue is one of the carrier's call queues.
type VoiceQueue struct {
	// ID is the queue's name at the carrier (the text of <Enqueue>).
	ID string `json:"id" firestore:"id"`
	// SMSQueue is the leaf queue of the number's line of business that deflected callers'
	// chats open in; its wait estimate decides deflection.
	SMSQueue string `json:"smsQueue" firestore:"smsQueue"`
	// EWTThresholdSeconds: callers whose estimated wait is over it are offered to continue by
	// text; 0 never offers.
	EWTThresholdSeconds int `json:"ewtThresholdSeconds,omitempty" firestore:"ewtThresholdSeconds"`
	// ForceDeflection moves every caller to text without asking.
	ForceDeflection bool `json:"forceDeflection,omitempty" firestore:"forceDeflection"`
}

// EntryQueue is the voice queue callers enter.
func (v *Voice) EntryQueue() (VoiceQueue, bool) {
	if v == nil || len(v.Queues) == 0 {
		return VoiceQueue{}, false
	}
	for _, q := range v.Queues {
		if q.ID == v.Entry {
			return q, true
		}
	}
	return v.Queues[0], v.Entry == ""
}

// VoiceMessage is the voice message kind in lang: the number's override, else built in.
func (l Line) VoiceMessage(kind, lang string, vars map[string]string) string {
	t := ""
	if v := l.Number.Voice; v != nil {
		t = v.Messages[lang][kind]
	}
	if t == "" {
		t = builtinVoice[lang][kind]
	}
	if t == "" {
		t = builtinVoice["en"][kind]
	}
	return fillKnown(t, vars, l.Number.Brand)
}

// VoiceLanguage is the language calls on the number are spoken in.
func (l Line) VoiceLanguage() string {
	if v := l.Number.Voice; v != nil && v.Language != "" {
		return v.Language
	}
	return l.Number.DefaultLanguage
}

// fillKnown replaces {brand} and the given placeholders; values are ours, never the caller's.
func fillKnown(t string, vars map[string]string, brand string) string {
	r := []string{"{brand}", brand}
	for k, v := range vars {
		r = append(r, "{"+k+"}", v)
	}
	return strings.NewReplacer(r...).Replace(t)
}

// builtinVoice are the voice texts before the business writes its own. Kinds: welcome and
// hold are spoken to callers; deflectoffer offers text ("press 1"), deflectbusy too when
// nobody serving the queue is online (no estimate to tell), deflected confirms the
// move and deflectsms is the chat's first text; waitsmsoffer asks consent for the text while
// waiting, waitsms is that text.
var builtinVoice = map[string]map[string]string{
	"en": {
		"welcome":      "Thanks for calling {brand}.",
		"hold":         "All our agents are busy. Please stay on the line.",
		"deflectoffer": "Our wait is about {minutes} minutes. To continue by text message instead, press 1. To stay on the line, press any other key.",
		"deflectbusy":  "All our agents are busy. To continue by text message instead, press 1. To stay on the line, press any other key.",
		"deflected":    "We've sent you a text message. Reply to it to continue with our team. Goodbye.",
		"deflectsms":   "{brand}: Thanks for calling! Reply here to continue by text with our team; we'll answer as soon as an agent is free. Reply STOP to opt out.",
		"waitsmsoffer": "While you wait, we can text you to collect your details. Press 1 to get the text.",
		"waitsms":      "{brand}: While you wait on the phone, reply with details or photos of your request; the agent who answers will see them. Reply STOP to opt out.",
	},
	"es": {
		"welcome":      "Gracias por llamar a {brand}.",
		"hold":         "Todos nuestros agentes están ocupados. Por favor, no cuelgue.",
		"deflectoffer": "La espera es de unos {minutes} minutos. Para continuar por mensaje de texto, pulse 1. Para seguir en la línea, pulse otra tecla.",
		"deflectbusy":  "Todos nuestros agentes están ocupados. Para continuar por mensaje de texto, pulse 1. Para seguir en la línea, pulse otra tecla.",
		"deflected":    "Le hemos enviado un mensaje de texto. Respóndalo para continuar con nuestro equipo. Adiós.",
		"deflectsms":   "{brand}: ¡Gracias por llamar! Responda aquí para continuar por texto con nuestro equipo; le atenderemos en cuanto haya un agente libre. Responda STOP para cancelar.",
		"waitsmsoffer": "Mientras espera, podemos enviarle un mensaje para recoger sus datos. Pulse 1 para recibirlo.",
		"waitsms":      "{brand}: Mientras espera al teléfono, responda con detalles o fotos de su consulta; el agente que le atienda los verá. Responda STOP para cancelar.",
	},
}

// VoiceKinds are the message kinds a number's voice messages may override.
func VoiceKinds() []string {
	var out []string
	for k := range builtinVoice["en"] {
		out = append(out, k)
	}
	return out
}

// validateVoice names every problem of a number's voice settings.
func validateVoice(n Number, queues map[string]Queue, isMenu func(string) bool) []error {
	v := n.Voice
	if v == nil {
		return nil
	}
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("number %s: voice: "+format, append([]any{n.Number}, a...)...))
	}
	if len(v.Queues) == 0 {
		add("at least one voice queue is needed")
	}
	seen := map[string]bool{}
	for _, q := range v.Queues {
		// The id is the <Enqueue> text and names the call's wait: it must be a document id.
		if err := ids.Check("voice queue", q.ID); err != nil {
			errs = append(errs, fmt.Errorf("number %s: %w", n.Number, err))
			continue
		}
		if len(q.ID) > 64 {
			add("voice queue %.32q: at most 64 characters (the carrier's limit)", q.ID)
		}
		if seen[q.ID] {
			add("voice queue %q is defined twice", q.ID)
		}
		seen[q.ID] = true
		sq, ok := queues[q.SMSQueue]
		switch {
		case !ok:
			add("voice queue %q: unknown smsQueue %q", q.ID, q.SMSQueue)
		case sq.LineOfBusiness != n.LineOfBusiness:
			add("voice queue %q: smsQueue %q is not in line of business %q", q.ID, q.SMSQueue, n.LineOfBusiness)
		case isMenu(q.SMSQueue):
			add("voice queue %q: smsQueue %q is a menu, not a queue that holds chats", q.ID, q.SMSQueue)
		}
		if q.EWTThresholdSeconds < 0 {
			add("voice queue %q: ewtThresholdSeconds must not be negative", q.ID)
		}
	}
	if v.Entry != "" && !seen[v.Entry] {
		add("unknown entry voice queue %q", v.Entry)
	}
	known := map[string]bool{}
	for _, k := range VoiceKinds() {
		known[k] = true
	}
	for lang, kinds := range v.Messages {
		for k, t := range kinds {
			if !known[k] {
				add("messages[%q]: unknown kind %q", lang, k)
			}
			if strings.TrimSpace(t) == "" {
				add("messages[%q][%q] is empty", lang, k)
			}
		}
	}
	return errs
}

// validateAppLinks checks the number's app links: an http(s) URL or an app scheme per platform.
func validateAppLinks(n Number) []error {
	var errs []error
	for p, link := range n.AppLinks {
		u, err := url.Parse(link)
		if ids.Check("app platform", p) != nil || err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
			errs = append(errs, fmt.Errorf("number %s: appLinks[%.32q]: %.64q is not a link", n.Number, p, link))
		}
	}
	return errs
}
