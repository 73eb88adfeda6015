package media

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// DefaultAPIURL is the carrier's REST API: every media item of an inbound message lives there.
const DefaultAPIURL = "https://api.twilio.com"

// mediaPathVersion is the API version in the carrier's media URLs.
const mediaPathVersion = "2010-04-01"

var mediaSIDRe = regexp.MustCompile(`^ME[0-9a-fA-F]{32}$`)

// origin is the scheme and host media are fetched from, with the credentials.
type origin struct{ scheme, host string }

// apiOrigin parses the carrier's API URL (DefaultAPIURL when empty). Only its scheme and host
// count: TWILIO_API_URL rewrites just those to reach a local simulator.
func apiOrigin(apiURL string) (origin, error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return origin{}, fmt.Errorf("media: carrier API URL %q is not a URL like https://api.twilio.com", apiURL)
	}
	return origin{scheme: u.Scheme, host: hostPort(u)}, nil
}

// hostPort is u's host in lower case, without the scheme's default port.
func hostPort(u *url.URL) string {
	h := strings.ToLower(u.Host)
	switch {
	case u.Scheme == "https" && strings.HasSuffix(h, ":443"):
		return strings.TrimSuffix(h, ":443")
	case u.Scheme == "http" && strings.HasSuffix(h, ":80"):
		return strings.TrimSuffix(h, ":80")
	}
	return h
}

// mediaURL checks that raw is the carrier's address of a media item of message messageSID in
// account accountSID, and returns that address rebuilt from its checked parts. Anything else
// (another host, scheme, account or message, a query, credentials in the URL) comes back with
// the reason it is refused: the account's credentials go only to the carrier's own media.
func (o origin) mediaURL(accountSID, messageSID, raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != o.scheme || hostPort(u) != o.host || u.User != nil {
		return "", "the link is not on the carrier's API host " + o.host
	}
	prefix := "/" + mediaPathVersion + "/Accounts/" + accountSID + "/Messages/" + messageSID + "/Media/"
	sid, ok := strings.CutPrefix(u.Path, prefix)
	if !ok || !mediaSIDRe.MatchString(sid) || u.RawQuery != "" || u.Fragment != "" || u.RawPath != "" {
		return "", "the link is not one of this message's media at the carrier"
	}
	return o.scheme + "://" + o.host + prefix + sid, ""
}
