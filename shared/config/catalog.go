// Package config holds the business's configuration: phone numbers, the queue tree of each line
// of business, agents and system messages, as loaded from a config file into Firestore.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/smsdesk/smsdesk/shared/compliance"
)

// Catalog is the whole configuration file.
type Catalog struct {
	Numbers []Number `json:"numbers"`
	Queues  []Queue  `json:"queues"`
	Agents  []Agent  `json:"agents"`
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
	// Keywords pick this queue from its parent's menu, besides its digit.
	Keywords []string `json:"keywords,omitempty" firestore:"keywords,omitempty"`
	// Language, when set, switches the chat to this language once the queue is chosen.
	Language string                       `json:"language,omitempty" firestore:"language,omitempty"`
	Messages map[string]map[string]string `json:"messages,omitempty" firestore:"messages,omitempty"`
}

// Agent is a person who answers chats.
type Agent struct {
	ID       string   `json:"id" firestore:"id"`
	Name     string   `json:"name" firestore:"name"`
	Queues   []string `json:"queues" firestore:"queues"`
	Capacity int      `json:"capacity" firestore:"capacity"`
	// Token is the agent's API bearer token in the config file; only its hash is stored.
	Token string `json:"token,omitempty" firestore:"-"`
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidE164 reports whether n is a phone number in E.164 form (+ and 7 to 15 digits).
func ValidE164(n string) bool { return e164.MatchString(n) }

// LoadFile reads and validates a catalog from a JSON file.
func LoadFile(path string) (Catalog, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Catalog{}, fmt.Errorf("read config %s: %w", path, err)
	}
	var c Catalog
	if err := json.Unmarshal(raw, &c); err != nil {
		return Catalog{}, fmt.Errorf("parse config %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return Catalog{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Validate checks references and the carrier rules on keywords, reporting every problem found.
func (c Catalog) Validate() error {
	var errs []error
	queues := map[string]Queue{}
	for _, q := range c.Queues {
		if q.ID == "" {
			errs = append(errs, errors.New("a queue has no id"))
			continue
		}
		if _, dup := queues[q.ID]; dup {
			errs = append(errs, fmt.Errorf("queue %q is defined twice", q.ID))
		}
		queues[q.ID] = q
	}
	keywordsByParent := map[string]map[string]string{}
	for _, q := range c.Queues {
		if q.Parent != "" {
			p, ok := queues[q.Parent]
			if !ok {
				errs = append(errs, fmt.Errorf("queue %q: unknown parent %q", q.ID, q.Parent))
			} else if p.LineOfBusiness != q.LineOfBusiness {
				errs = append(errs, fmt.Errorf("queue %q: parent %q is in another line of business", q.ID, q.Parent))
			}
		}
		seen := keywordsByParent[q.Parent]
		if seen == nil {
			seen = map[string]string{}
			keywordsByParent[q.Parent] = seen
		}
		for _, k := range q.Keywords {
			w := compliance.Normalize(k)
			if compliance.IsProtected(w) || w == "BACK" {
				errs = append(errs, fmt.Errorf("queue %q: keyword %q is a protected command", q.ID, k))
			}
			if other, dup := seen[w]; dup {
				errs = append(errs, fmt.Errorf("queue %q: keyword %q is already used by sibling %q", q.ID, k, other))
			}
			seen[w] = q.ID
		}
	}
	for _, n := range c.Numbers {
		if !ValidE164(n.Number) {
			errs = append(errs, fmt.Errorf("number %q is not E.164 (like +18005550100)", n.Number))
		}
		q, ok := queues[n.EntryQueue]
		if !ok {
			errs = append(errs, fmt.Errorf("number %s: unknown entry queue %q", n.Number, n.EntryQueue))
		} else if q.LineOfBusiness != n.LineOfBusiness {
			errs = append(errs, fmt.Errorf("number %s: entry queue %q is not in line of business %q", n.Number, n.EntryQueue, n.LineOfBusiness))
		}
		if n.ExitWord != "" && compliance.IsProtected(n.ExitWord) {
			errs = append(errs, fmt.Errorf("number %s: exit word %q is a protected command", n.Number, n.ExitWord))
		}
	}
	for _, a := range c.Agents {
		if a.ID == "" || strings.TrimSpace(a.Token) == "" {
			errs = append(errs, fmt.Errorf("agent %q needs an id and a token", a.ID))
		}
		for _, q := range a.Queues {
			if _, ok := queues[q]; !ok {
				errs = append(errs, fmt.Errorf("agent %q: unknown queue %q", a.ID, q))
			}
		}
	}
	return errors.Join(errs...)
}
