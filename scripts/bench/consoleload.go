package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"
)

// consoleLoad is what a browser downloads to show the inbox the first time: the page and
// every script and style it names, with and without Accept-Encoding: gzip.
type consoleLoad struct {
	Assets []loadedAsset `json:"assets"`
	// Bytes on the wire: headers and bodies of every response.
	TotalPlain int `json:"totalBytesPlain"`
	TotalGzip  int `json:"totalBytesAcceptingGzip"`
	// TotalIfGzipped is the same downloads with each body gzipped (level 6) here: what the
	// console would send if it compressed.
	TotalIfGzipped int  `json:"totalBytesIfCompressed"`
	Compresses     bool `json:"serverCompresses"`
}

type loadedAsset struct {
	Path        string `json:"path"`
	Type        string `json:"contentType"`
	Plain       int    `json:"bytesPlain"`
	Gzip        int    `json:"bytesAcceptingGzip"`
	Encoding    string `json:"encodingAcceptingGzip,omitempty"`
	IfGzipped   int    `json:"bytesIfCompressed"`
	HeaderBytes int    `json:"headerBytes"`
}

// assetRef finds the scripts and styles a console page loads (its templates use only these).
var assetRef = regexp.MustCompile(`<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"`)

// measureConsoleLoad signs agentID in with a fresh browser and loads the inbox and its
// assets twice: once not accepting compression, once accepting gzip. The transport is told
// not to ask for gzip itself, so the bodies are counted as they came.
func (b *bench) measureConsoleLoad(ctx context.Context, agentID string) (*consoleLoad, error) {
	t := newHTTPClient(1).Transport.(*http.Transport)
	t.DisableCompression = true
	u, err := newConsoleUser(b.runner.BaseURL+"/console", t)
	if err != nil {
		return nil, err
	}
	if err := u.signIn(ctx, agentID, consolePassword(agentID)); err != nil {
		return nil, err
	}
	page, err := u.page(ctx, "/")
	if err != nil {
		return nil, err
	}
	paths := []string{"/console/"}
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		if strings.HasPrefix(m[1], "/") { // only the console's own: a CDN would show as another host
			paths = append(paths, m[1])
		}
	}
	if len(paths) == 1 {
		return nil, fmt.Errorf("the inbox names no script or style: %.300s", page)
	}
	load := &consoleLoad{}
	for _, p := range paths {
		a := loadedAsset{Path: p}
		for _, gz := range []bool{false, true} {
			head, body, resp, err := u.download(ctx, p, gz)
			if err != nil {
				return nil, err
			}
			if gz {
				a.Gzip, a.Encoding = head+len(body), resp.Header.Get("Content-Encoding")
				load.Compresses = load.Compresses || a.Encoding == "gzip"
				continue
			}
			a.Plain, a.HeaderBytes, a.Type = head+len(body), head, resp.Header.Get("Content-Type")
			a.IfGzipped = head + gzipped(body)
		}
		load.Assets = append(load.Assets, a)
		load.TotalPlain += a.Plain
		load.TotalGzip += a.Gzip
		load.TotalIfGzipped += a.IfGzipped
	}
	return load, nil
}

// download GETs path (from the server's root) and returns the size of the response's status
// line and headers, its body as sent, and the response.
func (c *consoleUser) download(ctx context.Context, path string, acceptGzip bool) (int, []byte, *http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.origin+path, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	if acceptGzip {
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("GET %s: read: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil, nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	head, err := httputil.DumpResponse(resp, false)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("GET %s: %w", path, err)
	}
	return len(head), body, resp, nil
}

func gzipped(body []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	return buf.Len()
}

func (l *consoleLoad) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	compresses := "no: the console sends every body uncompressed"
	if l.Compresses {
		compresses = "yes"
	}
	fmt.Fprintf(tw, "first load of the inbox (bytes on the wire, headers included)\tplain\taccepting gzip\tif gzipped\ttype\n")
	for _, a := range l.Assets {
		enc := a.Encoding
		if enc == "" {
			enc = "identity"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d (%s)\t%d\t%s\n", a.Path, a.Plain, a.Gzip, enc, a.IfGzipped, a.Type)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t\n", l.TotalPlain, l.TotalGzip, l.TotalIfGzipped)
	fmt.Fprintf(tw, "server compresses\t%s\n", compresses)
	tw.Flush()
}
