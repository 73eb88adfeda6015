package agent

import (
	"net/http"

	"github.com/smsdesk/smsdesk/functions/internal/jsonapi"
	"github.com/smsdesk/smsdesk/shared/media"
)

// maxMessageBody bounds a reply with attachments: the carrier's 5 MB of media in base64
// (4/3 larger) with room for the text.
const maxMessageBody = 8 << 20

// MaxRequestBody is the largest request body the agent API takes: a reply with attachments.
const MaxRequestBody = maxMessageBody

// mediaJSON is one attachment of a reply: its type and its bytes, base64 in JSON.
type mediaJSON struct {
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

func uploads(in []mediaJSON) []media.Upload {
	out := make([]media.Upload, len(in))
	for i, m := range in {
		out[i] = media.Upload{ContentType: m.ContentType, Data: m.Data}
	}
	return out
}

// decodeMessage reads a reply that may carry attachments.
func decodeMessage(w http.ResponseWriter, r *http.Request, v any) bool {
	return jsonapi.Decode(w, r, maxMessageBody, v)
}
