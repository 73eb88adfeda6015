package localrun

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
)

// The server in front of the functions holds slow or idle clients to the limits Cloud Run
// sets in the cloud. The Functions Framework's StartHostPort serves with http.ListenAndServe,
// with no timeouts, and exposes no handler, so it listens on a private loopback port behind
// an in-process reverse proxy that does.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// serve starts the Functions Framework on a private port and the public server on
// host:port in front of it; errc gets either's failure.
func serve(host string, port int, errc chan<- error) error {
	inner, err := FreePort("127.0.0.1")
	if err != nil {
		return err
	}
	go func() { errc <- funcframework.StartHostPort("127.0.0.1", strconv.Itoa(inner)) }()
	target := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(inner))}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the public URL is what webhooks are signed for
		},
		// Live updates (text/event-stream) are flushed as written anyway; -1 flushes every
		// other answer as written too, so nothing the functions stream waits in the proxy.
		FlushInterval: -1,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 1024, IdleConnTimeout: idleTimeout},
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listen on %s:%d: %w", host, port, err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes}
	// Like the framework's own server, it lives as long as the process.
	go func() { errc <- srv.Serve(ln) }()
	return nil
}
