package media

import (
	"context"
	"testing"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

// TestMalformedContentTypeIsNotEchoed: a content type that is no media type is refused
// without repeating it, since the refusal becomes a transcript line.
func TestMalformedContentTypeIsNotEchoed(t *testing.T) {
	e := newEnv(t)
	sid, items := e.sendMMS(t, carriersim.Media{ContentType: "image/jpeg", Data: carriersim.Placeholder("image/jpeg")})
	items[0].ContentType = "<b>click</b> here"
	stored, refused, err := e.copier().Copy(context.Background(), sid, items)
	if err != nil || len(stored) != 0 || len(refused) != 1 {
		t.Fatalf("stored %+v refused %+v err %v", stored, refused, err)
	}
	if r := refused[0]; r.ContentType != "" || r.Reason != "the content type given is not a media type" {
		t.Errorf("refused %+v", r)
	}
}
