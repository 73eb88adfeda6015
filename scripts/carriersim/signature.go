package carriersim

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
)

// Signature computes the X-Twilio-Signature of a form POST to fullURL:
// base64(HMAC-SHA1(authToken, fullURL + each param name and value
// concatenated in sorted name order)). fullURL must be exactly the URL
// called, query string included; only the first value of a repeated name
// counts, as Twilio's validators read it.
func Signature(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	for _, k := range keys {
		mac.Write([]byte(k))
		if v := params[k]; len(v) > 0 {
			mac.Write([]byte(v[0]))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
