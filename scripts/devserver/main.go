// Command devserver runs every smsdesk function locally on one port against the emulators,
// loading a configuration file first. scripts/dev.sh starts it with the emulators and the
// carrier simulator.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/smsdesk/smsdesk/scripts/localrun"
)

func main() {
	project := flag.String("project", "smsdesk-local", "project id used with the emulators")
	host := flag.String("host", "127.0.0.1", "address to serve on")
	port := flag.Int("port", 8080, "port to serve every function on")
	cfg := flag.String("config", "config.example.json", "configuration file to load into Firestore")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := localrun.Start(ctx, localrun.Options{
		ProjectID: *project, Host: *host, Port: *port, ConfigFile: *cfg,
		TwilioAccountSID: os.Getenv("TWILIO_ACCOUNT_SID"), TwilioAuthToken: os.Getenv("TWILIO_AUTH_TOKEN"),
		TwilioAPIURL: os.Getenv("TWILIO_API_URL"),
	})
	if err != nil {
		slog.Error("devserver cannot start", "err", err)
		os.Exit(1)
	}
	fmt.Printf("smsdesk functions serving at %s/{inbound,status,agent,admin,conversation,sender,expiry,sweeper}\n", r.BaseURL)
	// Cloud Scheduler runs the sweeper in the cloud; here a ticker does.
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := r.Sweep(ctx); err != nil {
				slog.Error("sweep failed", "err", err)
			}
		}
	}
}
