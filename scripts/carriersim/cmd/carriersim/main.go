// Command carriersim runs the local Twilio carrier simulator and talks to a
// running one.
//
//	carriersim serve -listen :8090 -webhook http://localhost:8080/inbound -account-sid AC... -auth-token ...
//	carriersim text  -sim http://localhost:8090 -from +15551230001 -to +18005550100 "body words" [-media image/jpeg]
//	carriersim inbox -sim http://localhost:8090 -to +15551230001 [-follow]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/smsdesk/smsdesk/scripts/carriersim"
)

const usage = `carriersim: a local Twilio carrier simulator for smsdesk.

Usage:
  carriersim serve [flags]
      Run the simulator. It accepts twilio-go sends on
      POST /2010-04-01/Accounts/{sid}/Messages.json, posts signed status
      callbacks, and posts signed inbound webhooks on demand.
        -listen        address to listen on (default :8090)
        -webhook       inbound webhook URL, exactly as signed ($SMSDESK_WEBHOOK_URL)
        -fallback      the fallback URL, called when the webhook fails ($SMSDESK_FALLBACK_URL)
        -voice         voice webhook URL, exactly as signed ($SMSDESK_VOICE_URL)
        -number-webhook +18005550100=http://... per-number webhook (repeatable)
        -account-sid   account SID ($TWILIO_ACCOUNT_SID)
        -auth-token    auth token ($TWILIO_AUTH_TOKEN)
        -base-url      public base URL of the simulator (default http://localhost:PORT)
        -status-delay  delay before each status callback (default 20ms)
        -v             debug logging

  carriersim text [flags] BODY WORDS...
      Text a business number as a consumer (POST /sim/inbound).
        -sim    simulator URL (default $CARRIERSIM_URL or http://localhost:8090)
        -from   consumer phone, E.164
        -to     business phone, E.164
        -media  content type of a placeholder attachment, e.g. image/jpeg (repeatable)

  carriersim call [flags]
      Call a business number as a consumer (POST /sim/call) and print what was said.
        -sim    simulator URL
        -from   consumer phone, E.164
        -to     business phone, E.164
        -keys   key presses, one per <Gather>, e.g. 1 (comma-separated)
        -waits  wait URL requests while in a queue (default 1)

  carriersim bridge [flags]
      An agent takes a call waiting in a queue (POST /sim/bridge), as their
      <Dial><Queue url="URL"> does: URL is requested on the caller's call, then the two
      are bridged.
        -sim    simulator URL
        -call   the waiting call's CallSid (printed by carriersim call)
        -url    the Queue noun's url, e.g. $SMSDESK_VOICE_URL?agent=ana&step=bridge

  carriersim inbox [flags]
      Print the outbound messages sent to a phone (GET /sim/messages).
        -sim     simulator URL
        -to      consumer phone, E.164
        -follow  keep polling every 500ms and print new messages

Point the application's Twilio client at the simulator by rewriting
api.twilio.com to the simulator URL (e.g. TWILIO_API_URL=http://localhost:8090).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "text":
		err = text(os.Args[2:])
	case "inbox":
		err = inbox(os.Args[2:])
	case "call":
		err = placeCall(os.Args[2:])
	case "bridge":
		err = bridgeCall(os.Args[2:])
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "carriersim: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "carriersim:", err)
		os.Exit(1)
	}
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	return fs
}

// parseInterleaved parses flags that may come before or after positional
// arguments and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func serve(args []string) error {
	fs := newFlagSet("serve")
	listen := fs.String("listen", ":8090", "listen address")
	webhook := fs.String("webhook", os.Getenv("SMSDESK_WEBHOOK_URL"), "inbound webhook URL")
	fallback := fs.String("fallback", os.Getenv("SMSDESK_FALLBACK_URL"), "inbound fallback URL")
	voice := fs.String("voice", os.Getenv("SMSDESK_VOICE_URL"), "voice webhook URL")
	sid := fs.String("account-sid", os.Getenv("TWILIO_ACCOUNT_SID"), "account SID")
	token := fs.String("auth-token", os.Getenv("TWILIO_AUTH_TOKEN"), "auth token")
	base := fs.String("base-url", "", "public base URL")
	delay := fs.Duration("status-delay", 20*time.Millisecond, "status callback delay")
	verbose := fs.Bool("v", false, "debug logging")
	var perNumber listFlag
	fs.Var(&perNumber, "number-webhook", "NUMBER=URL")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if *sid == "" || *token == "" {
		return errors.New("serve needs -account-sid and -auth-token (or TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	numbers := map[string]string{}
	for _, nw := range perNumber {
		n, u, ok := strings.Cut(nw, "=")
		if !ok {
			return fmt.Errorf("-number-webhook %q: want NUMBER=URL", nw)
		}
		numbers[n] = u
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *base == "" {
		*base = defaultBase(*listen, ln.Addr().(*net.TCPAddr).Port)
	}
	sim := carriersim.New(carriersim.Options{
		AccountSID: *sid, AuthToken: *token, WebhookURL: *webhook, FallbackURL: *fallback, VoiceURL: *voice,
		NumberWebhooks: numbers, StatusDelay: *delay, Logger: log,
	})
	sim.SetBaseURL(*base)
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutCtx)
	}()
	log.Info("carriersim listening", "addr", ln.Addr().String(), "base", *base,
		"webhook", *webhook, "account", *sid)
	err = srv.Serve(ln)
	sim.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func text(args []string) error {
	fs := newFlagSet("text")
	simURL := fs.String("sim", envOr("CARRIERSIM_URL", "http://localhost:8090"), "simulator URL")
	from := fs.String("from", "", "consumer phone (E.164)")
	to := fs.String("to", "", "business phone (E.164)")
	var media listFlag
	fs.Var(&media, "media", "attachment content type")
	words, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *from == "" || *to == "" || (len(words) == 0 && len(media) == 0) {
		return errors.New(`text needs -from, -to and a body: carriersim text -from +15551230001 -to +18005550100 "hello"`)
	}
	in := carriersim.DevInbound{From: *from, To: *to, Body: strings.Join(words, " ")}
	for _, ct := range media {
		in.Media = append(in.Media, carriersim.DevMedia{ContentType: ct})
	}
	body, _ := json.Marshal(in)
	resp, err := http.Post(strings.TrimRight(*simURL, "/")+"/sim/inbound", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var res carriersim.DevInboundResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("simulator answered %s: %w", resp.Status, err)
	}
	fmt.Printf("%s → %s: %s\n  messageSid %s, webhook answered %d\n", *from, *to, in.Body, res.MessageSID, res.Status)
	if res.FallbackStatus != 0 {
		fmt.Printf("  fallback URL answered %d\n", res.FallbackStatus)
	}
	if r := strings.TrimSpace(res.Response); r != "" {
		if len(r) > 400 {
			r = r[:400] + "…"
		}
		fmt.Printf("  response: %s\n", r)
	}
	if res.Error != "" {
		return errors.New(res.Error)
	}
	return nil
}

func inbox(args []string) error {
	fs := newFlagSet("inbox")
	simURL := fs.String("sim", envOr("CARRIERSIM_URL", "http://localhost:8090"), "simulator URL")
	to := fs.String("to", "", "consumer phone (E.164)")
	from := fs.String("from", "", "only from this business number")
	follow := fs.Bool("follow", false, "poll for new messages")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	q := url.Values{}
	if *to != "" {
		q.Set("to", *to)
	}
	if *from != "" {
		q.Set("from", *from)
	}
	endpoint := strings.TrimRight(*simURL, "/") + "/sim/messages?" + q.Encode()
	seen := map[string]bool{}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		msgs, err := fetchMessages(ctx, endpoint)
		if err != nil && !*follow {
			return err
		}
		for _, m := range msgs {
			if seen[m.SID] {
				continue
			}
			seen[m.SID] = true
			fmt.Printf("[%s] %s → %s: %s\n", m.Created.Local().Format("15:04:05"), m.From, m.To, m.Body)
			for _, u := range m.MediaURLs {
				fmt.Printf("    media: %s\n", u)
			}
		}
		if !*follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func fetchMessages(ctx context.Context, endpoint string) ([]carriersim.Message, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("simulator answered %s: %s", resp.Status, b)
	}
	var msgs []carriersim.Message
	return msgs, json.NewDecoder(resp.Body).Decode(&msgs)
}

// defaultBase is the base URL of a simulator listening on listen (bound to port). Media URLs
// carry it, and smsdesk fetches media only from the host it calls the API on
// (TWILIO_API_URL): it names the host listened on, when there is one, else localhost.
func defaultBase(listen string, port int) string {
	host := "localhost"
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" && !net.ParseIP(h).IsUnspecified() {
		host = h
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}

func placeCall(args []string) error {
	fs := newFlagSet("call")
	simURL := fs.String("sim", envOr("CARRIERSIM_URL", "http://localhost:8090"), "simulator URL")
	from := fs.String("from", "", "consumer phone (E.164)")
	to := fs.String("to", "", "business phone (E.164)")
	keys := fs.String("keys", "", "key presses, comma-separated")
	waits := fs.Int("waits", 1, "wait URL requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("call needs -from and -to: carriersim call -from +15551230001 -to +18005550100 -keys 1")
	}
	c := carriersim.Call{From: *from, To: *to, Waits: *waits}
	if *keys != "" {
		c.Keys = strings.Split(*keys, ",")
	}
	body, _ := json.Marshal(c)
	resp, err := http.Post(strings.TrimRight(*simURL, "/")+"/sim/call", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var res carriersim.CallResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("simulator answered %s: %w", resp.Status, err)
	}
	fmt.Printf("%s → %s: call %s %s", *from, *to, res.CallSID, res.Outcome)
	if res.Queue != "" {
		fmt.Printf(" (queue %s)", res.Queue)
	}
	fmt.Println()
	for _, s := range res.Said {
		fmt.Printf("  said: %s\n", s)
	}
	return nil
}

func bridgeCall(args []string) error {
	fs := newFlagSet("bridge")
	simURL := fs.String("sim", envOr("CARRIERSIM_URL", "http://localhost:8090"), "simulator URL")
	sid := fs.String("call", "", "the waiting call's CallSid")
	queueURL := fs.String("url", "", "the <Queue> url requested before bridging")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sid == "" {
		return errors.New("bridge needs -call: carriersim bridge -call CA... -url 'http://localhost:8080/voice?agent=ana&step=bridge'")
	}
	body, _ := json.Marshal(carriersim.Bridge{CallSID: *sid, URL: *queueURL})
	resp, err := http.Post(strings.TrimRight(*simURL, "/")+"/sim/bridge", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("simulator answered %s: %s", resp.Status, e.Error)
	}
	var res carriersim.BridgeResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("simulator answered %s: %w", resp.Status, err)
	}
	fmt.Printf("call %s bridged (url answered %d)\n", *sid, res.StatusCode)
	for _, s := range res.Said {
		fmt.Printf("  said: %s\n", s)
	}
	return nil
}
