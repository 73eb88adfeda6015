package agent

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/ids"
	"github.com/smsdesk/smsdesk/shared/monitor"
	"github.com/smsdesk/smsdesk/shared/routing"
)

// Monitoring builds the live monitoring view of a supervisor or an admin (monitor.Monitor).
type Monitoring interface {
	View(ctx context.Context, viewer routing.Agent, f monitor.Filter) (monitor.View, error)
}

// WithMonitor serves live monitoring at GET /monitor?queue=&agent=&startType= (the filters
// select the past chats shown); agents are refused 403.
func (h *Handler) WithMonitor(m Monitoring) *Handler {
	h.Monitor = m
	return h
}

// monitorParams are the query parameters of GET /monitor.
var monitorParams = []string{"queue", "agent", "startType"}

func (h *Handler) monitor(w http.ResponseWriter, r *http.Request, a routing.Agent) {
	if h.Monitor == nil {
		jsonapi.WriteError(w, http.StatusNotFound, "not_found", "live monitoring is not served here")
		return
	}
	values, ok := queryParams(w, r, monitorParams, "queue, agent or startType")
	if !ok {
		return
	}
	f := monitor.Filter{Queue: values["queue"], Agent: values["agent"], StartType: values["startType"]}
	v, err := h.Monitor.View(r.Context(), a, f)
	var fe *monitor.FilterError
	if errors.As(err, &fe) {
		writeParamError(w, fe.Param, fe.Error())
		return
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	jsonapi.Write(w, http.StatusOK, v)
}

// queryParams reads a request's query parameters, each given at most once and each one of
// allowed (use names them in the error); it answers 400 otherwise.
func queryParams(w http.ResponseWriter, r *http.Request, allowed []string, use string) (map[string]string, bool) {
	values := map[string]string{}
	for name, vs := range r.URL.Query() {
		switch {
		case !slices.Contains(allowed, name):
			writeParamError(w, name, "unknown query parameter "+ids.Short(name)+"; use "+use)
			return nil, false
		case len(vs) > 1:
			writeParamError(w, name, name+" is given more than once")
			return nil, false
		}
		values[name] = vs[0]
	}
	return values, true
}

// writeParamError answers 400 naming the query parameter that is wrong.
func writeParamError(w http.ResponseWriter, param, msg string) {
	jsonapi.WriteRaw(w, http.StatusBadRequest, jsonapi.ErrorBody("invalid", jsonapi.Clip(msg), map[string]any{"param": jsonapi.Clip(param)}))
}
