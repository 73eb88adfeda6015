// Package config holds the business's configuration: phone numbers, the queue tree of each line
// of business, agents and system messages, as loaded from a config file into Firestore.
package config

// Catalog is the whole configuration file.
type Catalog struct {
	Settings Settings `json:"settings"`
	Numbers  []Number `json:"numbers"`
	Queues   []Queue  `json:"queues"`
	Teams    []Team   `json:"teams,omitempty"`
	Agents   []Agent  `json:"agents"`
}

// Settings apply to the whole deployment.
type Settings struct {
	// SMSChatOff stops opening new chats (texts get the "closed" message); running chats go on.
	SMSChatOff bool `json:"smsChatOff,omitempty" firestore:"smsChatOff"`
	// DefaultCapacity is an agent's number of concurrent chats when theirs is not set.
	DefaultCapacity int `json:"defaultCapacity,omitempty" firestore:"defaultCapacity"`
	// Timeouts are the deployment's defaults; numbers and queues override them.
	Timeouts *Timeouts `json:"timeouts,omitempty" firestore:"timeouts,omitempty"`
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
}
