// Package config holds the business's configuration: phone numbers, the queue tree of each line
// of business, agents and system messages, as loaded from a config file into Firestore.
package config

import (
	"fmt"
	"net/url"
)

// Catalog is the whole configuration file.
type Catalog struct {
	Settings Settings `json:"settings"`
	Numbers  []Number `json:"numbers"`
	Queues   []Queue  `json:"queues"`
	Teams    []Team   `json:"teams,omitempty"`
	Agents   []Agent  `json:"agents"`
	// Templates are texts the outbound API sends by id, per language.
	Templates []Template `json:"templates,omitempty"`
	// APIKeys let the business's systems call the outbound API.
	APIKeys []APIKey `json:"apiKeys,omitempty"`
}

// Template is a business-initiated text with {name} placeholders.
type Template struct {
	ID       string `json:"id" firestore:"id"`
	Language string `json:"language" firestore:"language"`
	Text     string `json:"text" firestore:"text"`
}

// APIKey is a credential of a system calling the outbound API; only its hash is stored.
type APIKey struct {
	ID   string `json:"id" firestore:"id"`
	Name string `json:"name" firestore:"name"`
	Key  string `json:"key,omitempty" firestore:"-"`
}

// QuietHours is when non-conversational messages may be sent, in the consumer's local time.
type QuietHours struct {
	Start string `json:"start" firestore:"start"` // "08:00": sending allowed from
	End   string `json:"end" firestore:"end"`     // "21:00": sending allowed until
}

// Settings apply to the whole deployment.
type Settings struct {
	// SMSChatOff stops opening new chats (texts get the "closed" message); running chats go on.
	SMSChatOff bool `json:"smsChatOff,omitempty" firestore:"smsChatOff"`
	// DefaultCapacity is an agent's number of concurrent chats when theirs is not set.
	DefaultCapacity int `json:"defaultCapacity,omitempty" firestore:"defaultCapacity"`
	// Timeouts are the deployment's defaults; numbers and queues override them.
	Timeouts *Timeouts `json:"timeouts,omitempty" firestore:"timeouts,omitempty"`
	// QuietHours bound notifications and bulk texts (default 08:00 to 21:00).
	QuietHours *QuietHours `json:"quietHours,omitempty" firestore:"quietHours,omitempty"`
	// CRM says where chats are recorded.
	CRM *CRMSettings `json:"crm,omitempty" firestore:"crm,omitempty"`
	// OfferTimeoutSeconds is how long a manual-answer agent has to accept a chat offered to
	// them before it goes to the next agent (default DefaultOfferTimeout).
	OfferTimeoutSeconds int `json:"offerTimeoutSeconds,omitempty" firestore:"offerTimeoutSeconds,omitempty"`
}

// CRM adapters, the values of CRMSettings.Adapter and its maps.
const (
	CRMFirestore = "firestore" // the built-in CRM (the default)
	CRMWebhook   = "webhook"   // signed JSON posts to WebhookURL
	CRMHubSpot   = "hubspot"   // HubSpot CRM v3, with the token from the environment
	CRMNone      = "none"      // chats are not recorded
)

// CRMSettings choose the CRM adapter: a number's own, else its line of business's, else
// Adapter, else the built-in CRM.
type CRMSettings struct {
	Adapter          string            `json:"adapter,omitempty" firestore:"adapter,omitempty"`
	ByNumber         map[string]string `json:"byNumber,omitempty" firestore:"byNumber,omitempty"`
	ByLineOfBusiness map[string]string `json:"byLineOfBusiness,omitempty" firestore:"byLineOfBusiness,omitempty"`
	// WebhookURL receives the webhook adapter's events (contacts under WebhookURL/contacts).
	WebhookURL string `json:"webhookUrl,omitempty" firestore:"webhookUrl,omitempty"`
	// AppendToOpenRecord makes a chat write to the latest open record of the same contact and
	// leaf queue in the built-in CRM instead of opening its own.
	AppendToOpenRecord bool `json:"appendToOpenRecord,omitempty" firestore:"appendToOpenRecord"`
	// MinConsumerMessages delays the built-in CRM's record until the consumer has sent that
	// many messages, so chats nobody spoke in leave no empty records.
	MinConsumerMessages int `json:"minConsumerMessages,omitempty" firestore:"minConsumerMessages"`
}

// AdapterFor is the adapter name that serves a number of a line of business.
func (c *CRMSettings) AdapterFor(number, lineOfBusiness string) string {
	if c == nil {
		return CRMFirestore
	}
	if a := c.ByNumber[number]; a != "" {
		return a
	}
	if a := c.ByLineOfBusiness[lineOfBusiness]; a != "" {
		return a
	}
	if c.Adapter != "" {
		return c.Adapter
	}
	return CRMFirestore
}

// Validate names every problem of the CRM settings.
func (c *CRMSettings) Validate() []error {
	if c == nil {
		return nil
	}
	var errs []error
	check := func(where, a string) {
		switch a {
		case "", CRMFirestore, CRMHubSpot, CRMNone:
		case CRMWebhook:
			if c.WebhookURL == "" {
				errs = append(errs, fmt.Errorf("crm: %s uses the webhook adapter but webhookUrl is not set", where))
			}
		default:
			errs = append(errs, fmt.Errorf("crm: %s: unknown adapter %q (use firestore, webhook, hubspot or none)", where, a))
		}
	}
	check("adapter", c.Adapter)
	for n, a := range c.ByNumber {
		check("number "+n, a)
	}
	for l, a := range c.ByLineOfBusiness {
		check("line of business "+l, a)
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("crm: webhookUrl %q is not an http(s) URL", c.WebhookURL))
		}
	}
	if c.MinConsumerMessages < 0 {
		errs = append(errs, fmt.Errorf("crm: minConsumerMessages is negative"))
	}
	return errs
}

// Number is a business phone number consumers text; it points at one entry queue.
type Number struct {
	Number          string `json:"number" firestore:"number"` // E.164
	LineOfBusiness  string `json:"lineOfBusiness" firestore:"lineOfBusiness"`
	EntryQueue      string `json:"entryQueue" firestore:"entryQueue"`
	DefaultLanguage string `json:"defaultLanguage" firestore:"defaultLanguage"`
	Brand           string `json:"brand" firestore:"brand"`
	// Messages overrides system messages for this number: language → kind → text.
	Messages map[string]map[string]string `json:"messages,omitempty" firestore:"messages,omitempty"`
	// ExitWord ends a chat when texted as a whole message ("" disables it).
	ExitWord string `json:"exitWord,omitempty" firestore:"exitWord,omitempty"`
	// LanguageWords switch the chat's language when texted as a whole message, e.g.
	// {"ESPANOL": "es", "ENGLISH": "en"}.
	LanguageWords map[string]string `json:"languageWords,omitempty" firestore:"languageWords,omitempty"`
	Timeouts      *Timeouts         `json:"timeouts,omitempty" firestore:"timeouts,omitempty"`
	// TimeZone is where the number's consumers are assumed to be, for quiet hours.
	TimeZone string `json:"timeZone,omitempty" firestore:"timeZone,omitempty"`
	// MPS is the sending rate the carrier allows this number (messages per second): 10DLC by
	// trust score, about 3 for toll-free, 100 for short codes. Default 1.
	MPS float64 `json:"mps,omitempty" firestore:"mps,omitempty"`
	// OptOutScope is "brand" (default: an opt-out stops texts from every number of the same
	// brand, as revoking consent applies to the business) or "number" (only from this number).
	OptOutScope string `json:"optOutScope,omitempty" firestore:"optOutScope,omitempty"`
	// CarrierConfirmsOptOut says the carrier answers STOP and START on this number itself, so
	// our confirmation is recorded as sent by the carrier rather than sent (it could only be
	// refused). Unset: true on long codes and toll-free numbers, false on short codes.
	CarrierConfirmsOptOut *bool `json:"carrierConfirmsOptOut,omitempty" firestore:"carrierConfirmsOptOut,omitempty"`
	// RepliesOpenChat makes a reply to a notification open a normal chat; otherwise it gets
	// the "autoreply" message.
	RepliesOpenChat bool `json:"repliesOpenChat,omitempty" firestore:"repliesOpenChat"`
	// Voice is what the number does with calls; nil: calls are not answered by smsdesk.
	Voice *Voice `json:"voice,omitempty" firestore:"voice,omitempty"`
	// AppLinks are the business's app links per platform ("ios", "android", "web"), which
	// agents text with the app-launch message.
	AppLinks map[string]string `json:"appLinks,omitempty" firestore:"appLinks,omitempty"`
}

// Queue is a node of a line of business's queue tree: with children it is a menu, without it
// holds chats until an agent takes them.
type Queue struct {
	ID             string `json:"id" firestore:"id"`
	Name           string `json:"name" firestore:"name"`
	LineOfBusiness string `json:"lineOfBusiness" firestore:"lineOfBusiness"`
	Parent         string `json:"parent,omitempty" firestore:"parent,omitempty"`
	// Order places the queue among its siblings; its menu digit is its position, from 1.
	Order int `json:"order" firestore:"order"`
	// Keywords pick this queue from its parent's menu in any language, besides its digit;
	// KeywordsByLanguage adds keywords for one language (shown first in that language's menu).
	Keywords           []string            `json:"keywords,omitempty" firestore:"keywords,omitempty"`
	KeywordsByLanguage map[string][]string `json:"keywordsByLanguage,omitempty" firestore:"keywordsByLanguage,omitempty"`
	// Names translates the queue's menu label: language → name.
	Names map[string]string `json:"names,omitempty" firestore:"names,omitempty"`
	// Hidden queues are not offered in menus but take transfers and overflow.
	Hidden bool `json:"hidden,omitempty" firestore:"hidden"`
	// Priority orders waiting chats across queues: higher first, then first in, first out.
	Priority int `json:"priority,omitempty" firestore:"priority"`
	// Language, when set, switches the chat to this language once the queue is chosen.
	Language string `json:"language,omitempty" firestore:"language,omitempty"`
	// Messages overrides system messages: language → kind → text.
	Messages map[string]map[string]string `json:"messages,omitempty" firestore:"messages,omitempty"`
	// Hours are the queue's business hours; nil inherits the parent's (always open at the root).
	Hours *Hours `json:"hours,omitempty" firestore:"hours,omitempty"`
	// Predefined are canned messages agents send in this queue's chats.
	Predefined []Predefined `json:"predefined,omitempty" firestore:"predefined,omitempty"`
	Timeouts   *Timeouts    `json:"timeouts,omitempty" firestore:"timeouts,omitempty"`
	// Overflow is the queue a chat moves to when its wait times out; without one the chat
	// gets the "noagents" message and ends, or stays if WaitTimeoutStays.
	Overflow         string `json:"overflow,omitempty" firestore:"overflow,omitempty"`
	WaitTimeoutStays bool   `json:"waitTimeoutStays,omitempty" firestore:"waitTimeoutStays"`
	// ShortAbandonSeconds and ServiceLevelSeconds are the queue's reporting thresholds: a chat
	// ended while waiting less than the first is a short abandon, one answered within the
	// second meets the service level (0: 10 s and 60 s).
	ShortAbandonSeconds int `json:"shortAbandonSeconds,omitempty" firestore:"shortAbandonSeconds,omitempty"`
	ServiceLevelSeconds int `json:"serviceLevelSeconds,omitempty" firestore:"serviceLevelSeconds,omitempty"`
}

// Predefined is a canned message; {name} placeholders are filled when sent.
type Predefined struct {
	ID       string `json:"id" firestore:"id"`
	Language string `json:"language" firestore:"language"`
	Text     string `json:"text" firestore:"text"`
}

// Team is a group of agents serving queues together.
type Team struct {
	ID      string   `json:"id" firestore:"id"`
	Name    string   `json:"name" firestore:"name"`
	Queues  []string `json:"queues" firestore:"queues"`
	Members []string `json:"members" firestore:"members"`
}

// Agent is a person who answers chats.
type Agent struct {
	ID     string   `json:"id" firestore:"id"`
	Name   string   `json:"name" firestore:"name"`
	Queues []string `json:"queues" firestore:"queues"`
	// Capacity is the number of concurrent chats; 0 takes the settings' default.
	Capacity  int      `json:"capacity" firestore:"capacity"`
	Languages []string `json:"languages,omitempty" firestore:"languages"`
	// Role is agent, supervisor or admin.
	Role string `json:"role,omitempty" firestore:"role"`
	// Token is the agent's API bearer token in the config file; only its hash is stored.
	Token string `json:"token,omitempty" firestore:"-"`
	// Password signs the agent in to the console; only its argon2id hash is stored.
	Password string `json:"password,omitempty" firestore:"-"`
	// Disabled agents cannot sign in or use their token, and get no chats.
	Disabled bool `json:"disabled,omitempty" firestore:"disabled,omitempty"`
	// Email maps a Google account signed in through Identity-Aware Proxy to the agent.
	Email string `json:"email,omitempty" firestore:"email,omitempty"`
	// Answer is how a chat reaches the agent: AnswerAuto (the default: it is theirs when
	// assigned) or AnswerManual (it is offered, and theirs once they accept in time).
	Answer string `json:"answer,omitempty" firestore:"answer,omitempty"`
}

// How agents answer chats (Agent.Answer).
const (
	AnswerAuto   = "auto"
	AnswerManual = "manual"
)
