package media

import (
	"fmt"
	"mime"
	"strings"
)

// normalizeType returns a media type in lower case without parameters.
func normalizeType(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if t, _, err := mime.ParseMediaType(s); err == nil {
		return t
	}
	t, _, _ := strings.Cut(s, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// canonicalType folds the aliases carriers and phones use for one format.
func canonicalType(t string) string {
	switch t {
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "text/x-vcard", "text/directory":
		return "text/vcard"
	case "audio/mp3":
		return "audio/mpeg"
	case "audio/x-m4a", "audio/m4a":
		return "audio/mp4"
	}
	return t
}

var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	"image/bmp": ".bmp", "image/tiff": ".tiff", "image/heic": ".heic",
	"video/mp4": ".mp4", "video/3gpp": ".3gp", "video/quicktime": ".mov", "video/mpeg": ".mpeg",
	"audio/mpeg": ".mp3", "audio/amr": ".amr", "audio/mp4": ".m4a", "audio/ogg": ".ogg",
	"audio/wav": ".wav", "audio/3gpp": ".3gp",
	"text/vcard": ".vcf", "text/calendar": ".ics", "text/plain": ".txt", "text/csv": ".csv",
	"application/pdf": ".pdf",
}

// extension returns the file extension for a media type, or "" when unknown.
func extension(t string) string {
	return extensions[canonicalType(t)]
}

func human(n int64) string {
	switch {
	case n >= mb && n%mb == 0:
		return fmt.Sprintf("%d MB", n/mb)
	case n >= kb && n%kb == 0:
		return fmt.Sprintf("%d KB", n/kb)
	}
	return fmt.Sprintf("%d bytes", n)
}

// refusedType is the webhook's content type as a refusal shows it: a
// well-formed media type, or "" when the webhook gave none or junk.
func refusedType(s string) string {
	t, _, err := mime.ParseMediaType(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return t
}

func orNone(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}
