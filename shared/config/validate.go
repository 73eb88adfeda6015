package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/smsdesk/smsdesk/shared/compliance"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/phone"
)

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
	err = c.Validate()
	for _, a := range c.Agents {
		if strings.TrimSpace(a.Token) == "" {
			err = errors.Join(err, fmt.Errorf("agent %q needs a token", a.ID))
		}
	}
	if err != nil {
		return Catalog{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Roles an agent can have.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// Validate checks references and the carrier rules on keywords, reporting every problem found.
func (c Catalog) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	queues := map[string]Queue{}
	// Ids name documents: one that cannot (a slash, a dot segment, a huge one) is refused
	// here, before anything refers to it.
	for _, t := range c.Templates {
		if err := ids.Check("template", t.ID); err != nil {
			errs = append(errs, err)
		}
	}
	for _, k := range c.APIKeys {
		if err := ids.Check("API key", k.ID); err != nil {
			errs = append(errs, err)
		}
	}
	for _, q := range c.Queues {
		if err := ids.Check("queue", q.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := queues[q.ID]; dup {
			add("queue %q is defined twice", q.ID)
		}
		queues[q.ID] = q
	}
	// A keyword picks one sibling per menu and language; "" stands for any language.
	type menuWord struct{ parent, lang, word string }
	seen := map[menuWord]string{}
	for _, q := range c.Queues {
		if q.Parent != "" {
			p, ok := queues[q.Parent]
			if !ok {
				add("queue %q: unknown parent %q", q.ID, q.Parent)
			} else if p.LineOfBusiness != q.LineOfBusiness {
				add("queue %q: parent %q is in another line of business", q.ID, q.Parent)
			}
		}
		words := map[string][]string{"": q.Keywords}
		for lang, ks := range q.KeywordsByLanguage {
			words[lang] = append(words[lang], ks...)
		}
		for lang, ks := range words {
			for _, k := range ks {
				w := compliance.Normalize(k)
				if compliance.IsProtected(w) || w == "BACK" || w == "" {
					add("queue %q: keyword %q is a protected command", q.ID, k)
				}
				for _, l := range []string{"", lang} {
					if other, dup := seen[menuWord{q.Parent, l, w}]; dup && other != q.ID {
						add("queue %q: keyword %q is already used by %q in the same menu", q.ID, k, other)
					}
				}
				seen[menuWord{q.Parent, lang, w}] = q.ID
			}
		}
		if q.Timeouts != nil {
			if err := q.Timeouts.Validate(); err != nil {
				add("queue %q: timeouts: %w", q.ID, err)
			}
		}
		if q.Overflow != "" {
			if o, ok := queues[q.Overflow]; !ok || o.ID == q.ID {
				add("queue %q: overflow queue %q is unknown", q.ID, q.Overflow)
			}
		}
		if q.Hours != nil {
			if err := q.Hours.Validate(); err != nil {
				add("queue %q: hours: %w", q.ID, err)
			}
		}
		predefined := map[string]bool{}
		for _, p := range q.Predefined {
			key := p.Language + "/" + p.ID
			if p.ID == "" || strings.TrimSpace(p.Text) == "" || predefined[key] {
				add("queue %q: predefined message %q (%s) needs a unique id and a text", q.ID, p.ID, p.Language)
			}
			predefined[key] = true
		}
	}
	if t := c.Settings.Timeouts; t != nil {
		if err := t.Validate(); err != nil {
			add("settings: timeouts: %w", err)
		}
	}
	if c.Settings.OfferTimeoutSeconds < 0 {
		add("settings: offerTimeoutSeconds must not be negative (0 takes the default, %d)", int(DefaultOfferTimeout.Seconds()))
	}
	errs = append(errs, c.Settings.CRM.Validate()...)
	menus := map[string]bool{}
	for _, q := range c.Queues {
		if q.Parent != "" && !q.Hidden {
			menus[q.Parent] = true
		}
	}
	for _, n := range c.Numbers {
		errs = append(errs, validateVoice(n, queues, func(id string) bool { return menus[id] })...)
		errs = append(errs, validateAppLinks(n)...)
		if !phone.ValidBusinessNumber(n.Number) {
			add("number %.48q is not E.164 (like +18005550100) nor a short code (5 or 6 digits): %w", n.Number, phone.CheckE164(n.Number))
		}
		if n.Timeouts != nil {
			if err := n.Timeouts.Validate(); err != nil {
				add("number %s: timeouts: %w", n.Number, err)
			}
		}
		q, ok := queues[n.EntryQueue]
		if !ok {
			add("number %s: unknown entry queue %q", n.Number, n.EntryQueue)
		} else if q.LineOfBusiness != n.LineOfBusiness {
			add("number %s: entry queue %q is not in line of business %q", n.Number, n.EntryQueue, n.LineOfBusiness)
		}
		if n.OptOutScope != "" && n.OptOutScope != "number" && n.OptOutScope != "brand" {
			add("number %s: optOutScope %q must be number or brand", n.Number, n.OptOutScope)
		}
		if n.ExitWord != "" && compliance.IsProtected(n.ExitWord) {
			add("number %s: exit word %q is a protected command", n.Number, n.ExitWord)
		}
		for w := range n.LanguageWords {
			if compliance.IsProtected(w) {
				add("number %s: language word %q is a protected command", n.Number, w)
			}
		}
	}
	agents := map[string]bool{}
	for _, a := range c.Agents {
		if err := ids.Check("agent", a.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		agents[a.ID] = true
		for _, q := range a.Queues {
			if _, ok := queues[q]; !ok {
				add("agent %q: unknown queue %q", a.ID, q)
			}
		}
		switch a.Role {
		case "", RoleAgent, RoleSupervisor, RoleAdmin:
		default:
			add("agent %q: role %q must be agent, supervisor or admin", a.ID, a.Role)
		}
		if a.Capacity < 0 {
			add("agent %q: capacity must not be negative", a.ID)
		}
		switch a.Answer {
		case "", AnswerAuto, AnswerManual:
		default:
			add("agent %q: answer %.32q must be auto or manual", a.ID, a.Answer)
		}
	}
	errs = append(errs, checkSignIn(c.Agents)...)
	for _, t := range c.Teams {
		if err := ids.Check("team", t.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, q := range t.Queues {
			if _, ok := queues[q]; !ok {
				add("team %q: unknown queue %q", t.ID, q)
			}
		}
		for _, m := range t.Members {
			if !agents[m] {
				add("team %q: unknown agent %q", t.ID, m)
			}
		}
	}
	return errors.Join(errs...)
}

// ServedLines is every line of business the queues belong to, in the order first met.
func (c Catalog) ServedLines(queues []string) []string {
	lob := map[string]string{}
	for _, q := range c.Queues {
		lob[q.ID] = q.LineOfBusiness
	}
	out := []string{}
	for _, q := range queues {
		if l := lob[q]; l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// ServedQueues is every queue an agent serves, directly or through the teams they belong to.
func (c Catalog) ServedQueues(agentID string, direct []string) []string {
	set := map[string]bool{}
	out := []string{}
	for _, q := range direct {
		if !set[q] {
			set[q] = true
			out = append(out, q)
		}
	}
	for _, t := range c.Teams {
		for _, m := range t.Members {
			if m != agentID {
				continue
			}
			for _, q := range t.Queues {
				if !set[q] {
					set[q] = true
					out = append(out, q)
				}
			}
		}
	}
	return out
}
