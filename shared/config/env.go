package config

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Env is the deployment settings every function reads from its environment.
type Env struct {
	ProjectID string // GOOGLE_CLOUD_PROJECT
	// PublicURL is the base URL the carrier calls, e.g. https://REGION-PROJECT.cloudfunctions.net;
	// a function's public URL is PublicURL + "/" + its name. Signatures are checked against it.
	PublicURL        string // SMSDESK_PUBLIC_URL
	InboundTopic     string // SMSDESK_INBOUND_TOPIC
	OutboundTopic    string // SMSDESK_OUTBOUND_TOPIC
	BulkTopic        string // SMSDESK_BULK_TOPIC
	ChatEventsTopic  string // SMSDESK_CHAT_EVENTS_TOPIC
	TwilioAccountSID string // TWILIO_ACCOUNT_SID
	TwilioAuthToken  string // TWILIO_AUTH_TOKEN
	TwilioAPIURL     string // TWILIO_API_URL, only to reach a local carrier simulator
	// TimerSecret signs timer deliveries to the expiry function.
	TimerSecret string // SMSDESK_TIMER_SECRET
	// TasksQueue is the Cloud Tasks queue of the timers (projects/P/locations/L/queues/Q),
	// TasksServiceAccount the identity whose OIDC token the tasks carry.
	TasksQueue          string // SMSDESK_TASKS_QUEUE
	TasksServiceAccount string // SMSDESK_TASKS_SERVICE_ACCOUNT
	// LocalTimers delivers timers in-process instead of through Cloud Tasks (local runs).
	LocalTimers bool // SMSDESK_LOCAL_TIMERS=1
	// LocalOrderingKeys folds Pub/Sub ordering keys into this many (local runs on the
	// emulator, bus.Publisher.FoldKeys); 0 in the cloud.
	LocalOrderingKeys int // SMSDESK_LOCAL_ORDERING_KEYS
	// MediaBucket keeps consumers' MMS media (empty: media stay at the carrier).
	MediaBucket string // SMSDESK_MEDIA_BUCKET
	// DeleteCarrierMedia deletes the carrier's copy of each media item once it is kept.
	DeleteCarrierMedia bool // SMSDESK_DELETE_CARRIER_MEDIA=1
	// CRMWebhookSecret signs the webhook CRM adapter's requests; HubSpotToken is the HubSpot
	// private app's token; HubSpotAPIURL replaces HubSpot's API address (tests only).
	CRMWebhookSecret string // SMSDESK_CRM_WEBHOOK_SECRET
	HubSpotToken     string // SMSDESK_HUBSPOT_TOKEN
	HubSpotAPIURL    string // SMSDESK_HUBSPOT_API_URL
	// IAPAudience turns on console sign-in through Identity-Aware Proxy: the audience of its
	// signed header, /projects/NUMBER/global/backendServices/ID ("": off).
	IAPAudience string // SMSDESK_IAP_AUDIENCE
	// SweepGrace leaves timers this long to arrive on their own before the sweeper fires them.
	SweepGrace time.Duration // SMSDESK_SWEEP_GRACE, default 1m
	// StatusRecheck is how long after the carrier took a message the sweeper asks it for the
	// message's status if no final status arrived by then (again at 6× and 72× that).
	StatusRecheck time.Duration // SMSDESK_STATUS_RECHECK, default 10m; 0 never asks
	// StreamMax is the longest a live-update stream lasts before the browser reconnects:
	// under the function's request timeout.
	StreamMax time.Duration // SMSDESK_STREAM_MAX, default 9m
}

// SecretUnset is the placeholder value of a secret the operator has not filled in yet
// (Terraform creates optional secrets with it, as a function cannot start without a version).
const SecretUnset = "unset"

// FromEnv reads Env from the process environment, with defaults for the topic names.
func FromEnv() Env {
	e := Env{
		ProjectID:           first(os.Getenv("GOOGLE_CLOUD_PROJECT"), os.Getenv("GCP_PROJECT")),
		PublicURL:           strings.TrimRight(os.Getenv("SMSDESK_PUBLIC_URL"), "/"),
		InboundTopic:        first(os.Getenv("SMSDESK_INBOUND_TOPIC"), "sms-inbound"),
		OutboundTopic:       first(os.Getenv("SMSDESK_OUTBOUND_TOPIC"), "sms-outbound"),
		BulkTopic:           first(os.Getenv("SMSDESK_BULK_TOPIC"), "sms-bulk"),
		ChatEventsTopic:     first(os.Getenv("SMSDESK_CHAT_EVENTS_TOPIC"), "sms-chat-events"),
		TwilioAccountSID:    os.Getenv("TWILIO_ACCOUNT_SID"),
		TwilioAuthToken:     os.Getenv("TWILIO_AUTH_TOKEN"),
		TwilioAPIURL:        os.Getenv("TWILIO_API_URL"),
		TimerSecret:         os.Getenv("SMSDESK_TIMER_SECRET"),
		TasksQueue:          os.Getenv("SMSDESK_TASKS_QUEUE"),
		TasksServiceAccount: os.Getenv("SMSDESK_TASKS_SERVICE_ACCOUNT"),
		LocalTimers:         os.Getenv("SMSDESK_LOCAL_TIMERS") == "1",
		SweepGrace:          time.Minute,
		StatusRecheck:       10 * time.Minute,
		StreamMax:           9 * time.Minute,
		MediaBucket:         os.Getenv("SMSDESK_MEDIA_BUCKET"),
		DeleteCarrierMedia:  os.Getenv("SMSDESK_DELETE_CARRIER_MEDIA") == "1",
		CRMWebhookSecret:    os.Getenv("SMSDESK_CRM_WEBHOOK_SECRET"),
		HubSpotToken:        os.Getenv("SMSDESK_HUBSPOT_TOKEN"),
		HubSpotAPIURL:       os.Getenv("SMSDESK_HUBSPOT_API_URL"),
		IAPAudience:         strings.TrimSpace(os.Getenv("SMSDESK_IAP_AUDIENCE")),
	}
	if d, err := time.ParseDuration(os.Getenv("SMSDESK_SWEEP_GRACE")); err == nil && d >= 0 {
		e.SweepGrace = d
	}
	if d, err := time.ParseDuration(os.Getenv("SMSDESK_STATUS_RECHECK")); err == nil && d >= 0 {
		e.StatusRecheck = d
	}
	if d, err := time.ParseDuration(os.Getenv("SMSDESK_STREAM_MAX")); err == nil && d > 0 {
		e.StreamMax = d
	}
	if n, err := strconv.Atoi(os.Getenv("SMSDESK_LOCAL_ORDERING_KEYS")); err == nil && n > 0 {
		e.LocalOrderingKeys = n
	}
	return e
}

// FunctionURL is the public URL of the named function.
func (e Env) FunctionURL(name string) string { return e.PublicURL + "/" + name }

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
