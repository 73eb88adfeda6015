package localrun_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/reports"
)

// TestReportsCountAMissedOfferThenAnAcceptedOne: Mia (manual answer) declines the chat, Ned
// (manual answer) accepts it: the agents report shows Mia's missed offer and Ned's chat, the
// queue one chat offered and handled, and the chats report its start type manual_answer.
func TestReportsCountAMissedOfferThenAnAcceptedOne(t *testing.T) {
	n := fixtureSeq.Add(1)
	p := fmt.Sprintf("rm%d", n)
	number := fmt.Sprintf("+1800778%04d", n)
	c := config.Catalog{
		Numbers: []config.Number{{Number: number, LineOfBusiness: p, EntryQueue: p + "-q", DefaultLanguage: "en", Brand: "Rep " + p, MPS: 100}},
		Queues:  []config.Queue{{ID: p + "-q", Name: "Help", LineOfBusiness: p}},
	}
	tokens := map[string]string{}
	for _, a := range []struct{ id, role, answer string }{{"mia", "", config.AnswerManual}, {"ned", "", config.AnswerManual}, {"sue", config.RoleSupervisor, ""}} {
		tokens[a.id] = "token-" + p + "-" + a.id
		c.Agents = append(c.Agents, config.Agent{ID: p + "-" + a.id, Name: a.id, Queues: []string{p + "-q"}, Capacity: 1, Languages: []string{"en"},
			Role: a.role, Answer: a.answer, Token: tokens[a.id]})
	}
	loadCatalog(t, c)
	ctx := testCtx(t)
	start := time.Now().UTC().Truncate(time.Hour)

	api(t, tokens["mia"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	phone := consumerPhone()
	text(t, phone, number, "hi")
	offered := waitOffered(t, ctx, tokens["mia"])
	if code := api(t, tokens["mia"], "POST", "/chats/"+offered.ID+"/decline", nil, nil); code != http.StatusOK {
		t.Fatalf("decline = %d", code)
	}
	api(t, tokens["ned"], "PUT", "/status", map[string]string{"status": "available"}, nil)
	waitOffered(t, ctx, tokens["ned"])
	if code := api(t, tokens["ned"], "POST", "/chats/"+offered.ID+"/accept", nil, nil); code != http.StatusOK {
		t.Fatalf("accept = %d", code)
	}
	if code := api(t, tokens["ned"], "POST", "/chats/"+offered.ID+"/end", nil, nil); code != http.StatusOK {
		t.Fatalf("end = %d", code)
	}
	waitIdle(t)

	params := url.Values{"from": {start.Format(time.RFC3339)}, "to": {time.Now().UTC().Add(time.Hour).Format(time.RFC3339)}}
	var as struct{ Rows []agentRowJSON }
	reportGET(t, tokens["sue"], "agents", params, &as)
	got := map[string]reports.AgentFigures{}
	for _, r := range as.Rows {
		got[r.ID] = r.Total
	}
	if m, nd := got[p+"-mia"], got[p+"-ned"]; m.MissedOffers != 1 || m.Answered != 0 || nd.Answered != 1 || nd.MissedOffers != 0 {
		t.Errorf("mia %+v, ned %+v: want Mia's one missed offer and Ned's one chat", m, nd)
	}
	var qs struct{ Rows []queueRowJSON }
	reportGET(t, tokens["sue"], "queues", params, &qs)
	if len(qs.Rows) != 1 || qs.Rows[0].Total.Offered != 1 || qs.Rows[0].Total.Handled != 1 {
		t.Errorf("queues %+v: want one chat offered and handled", qs.Rows)
	}
	var chats struct{ Rows []reports.ChatRow }
	reportGET(t, tokens["sue"], "chats", params, &chats)
	if len(chats.Rows) != 1 || chats.Rows[0].StartType != "manual_answer" || len(chats.Rows[0].Agents) != 1 || chats.Rows[0].Agents[0] != p+"-ned" {
		t.Errorf("chats %+v: want the one chat, manual answer, held by Ned", chats.Rows)
	}
}
