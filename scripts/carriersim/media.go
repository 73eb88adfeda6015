package carriersim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type mediaItem struct {
	sid, parent, cdnID, contentType string
	data                            []byte
	created                         time.Time
}

// storeMediaLocked stores one inbound media item and returns its public
// media URL. s.mu must be held.
func (s *Sim) storeMediaLocked(parent string, md Media) string {
	it := &mediaItem{
		sid:         newSID("ME"),
		parent:      parent,
		cdnID:       newSID(""),
		contentType: md.ContentType,
		data:        append([]byte(nil), md.Data...),
		created:     time.Now().UTC().Truncate(time.Second),
	}
	if it.contentType == "" {
		it.contentType = "application/octet-stream"
	}
	s.media[it.sid] = it
	s.cdn[it.cdnID] = it
	return fmt.Sprintf("%s/%s/Accounts/%s/Messages/%s/Media/%s",
		s.baseURL, APIVersion, s.opts.AccountSID, parent, it.sid)
}

// MediaCount returns how many media items are stored (not deleted).
func (s *Sim) MediaCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.media)
}

// MediaOf returns how many media items of an inbound message are stored (not deleted).
func (s *Sim) MediaOf(messageSID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, it := range s.media {
		if it.parent == messageSID {
			n++
		}
	}
	return n
}

func (s *Sim) lookupMedia(r *http.Request) (*mediaItem, string) {
	id := strings.TrimSuffix(r.PathValue("media"), ".json")
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.media[id]
	if !ok || it.parent != r.PathValue("sid") {
		return nil, s.baseURL
	}
	return it, s.baseURL
}

// handleMediaGet redirects to the CDN copy, or with a .json suffix answers
// the media resource's metadata.
func (s *Sim) handleMediaGet(w http.ResponseWriter, r *http.Request) {
	it, base := s.lookupMedia(r)
	if it == nil {
		writeError(w, http.StatusNotFound, 20404,
			fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
		return
	}
	if strings.HasSuffix(r.PathValue("media"), ".json") {
		uri := fmt.Sprintf("/%s/Accounts/%s/Messages/%s/Media/%s.json",
			APIVersion, s.opts.AccountSID, it.parent, it.sid)
		writeJSON(w, http.StatusOK, map[string]any{
			"sid": it.sid, "account_sid": s.opts.AccountSID, "parent_sid": it.parent,
			"content_type": it.contentType, "date_created": it.created.Format(time.RFC1123Z),
			"date_updated": it.created.Format(time.RFC1123Z), "uri": uri,
		})
		return
	}
	http.Redirect(w, r, base+"/sim/cdn/"+it.cdnID, http.StatusTemporaryRedirect)
}

func (s *Sim) handleMediaDelete(w http.ResponseWriter, r *http.Request) {
	it, _ := s.lookupMedia(r)
	if it == nil {
		writeError(w, http.StatusNotFound, 20404,
			fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
		return
	}
	s.mu.Lock()
	delete(s.media, it.sid)
	delete(s.cdn, it.cdnID)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// CDNRequestsWithCredentials returns how many requests to the media CDN carried an
// Authorization header: the account's credentials belong to the API host only.
func (s *Sim) CDNRequestsWithCredentials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cdnCredentialed
}

// handleCDN serves media bytes without auth, like a CDN.
func (s *Sim) handleCDN(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	it, ok := s.cdn[r.PathValue("id")]
	if r.Header.Get("Authorization") != "" {
		s.cdnCredentialed++
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", it.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(it.data)))
	w.Header().Set("Cache-Control", "max-age=31536000")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(it.data)
}

// Placeholder returns a tiny payload of the content type: a valid 1x1 image
// for image/jpeg, image/png and image/gif, a short text otherwise.
func Placeholder(contentType string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: 200, G: 30, B: 30, A: 255})
	var b bytes.Buffer
	var err error
	switch strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0])) {
	case "image/jpeg", "image/jpg":
		err = jpeg.Encode(&b, img, nil)
	case "image/png":
		err = png.Encode(&b, img)
	case "image/gif":
		err = gif.Encode(&b, img, nil)
	default:
		return []byte("carriersim placeholder media\n")
	}
	if err != nil {
		return []byte("carriersim placeholder media\n")
	}
	return b.Bytes()
}
