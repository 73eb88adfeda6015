package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"cloud.google.com/go/firestore"

	"github.com/smsdesk/smsdesk/shared/config"
	"github.com/smsdesk/smsdesk/shared/crm"
	"github.com/smsdesk/smsdesk/shared/crm/firestorecrm"
	"github.com/smsdesk/smsdesk/shared/crm/hubspot"
	"github.com/smsdesk/smsdesk/shared/crm/webhook"
	"github.com/smsdesk/smsdesk/shared/store"
)

// crmAdapters builds the CRM adapter the settings choose for a number, on every call, so a
// change of settings applies to chat events within the configuration's cache life (10 s)
// without a redeploy.
type crmAdapters struct {
	store *store.Store
	fs    *firestore.Client
	env   config.Env
}

func (a crmAdapters) For(ctx context.Context, number string) (string, crm.CRM, error) {
	// The number's line carries the settings it was loaded with (cached, as configuration
	// is); a number no longer configured reads them alone.
	var cs *config.CRMSettings
	lob := ""
	line, err := a.store.Line(ctx, number)
	switch {
	case err == nil:
		lob, cs = line.Number.LineOfBusiness, line.CRM
	case errors.Is(err, store.ErrNotFound):
		settings, err := a.store.CurrentSettings(ctx)
		if err != nil {
			return "", nil, err
		}
		cs = settings.CRM
	default:
		return "", nil, err
	}
	name := cs.AdapterFor(number, lob)
	switch name {
	case config.CRMNone:
		return name, nil, nil
	case config.CRMFirestore:
		var opts firestorecrm.Options
		if cs != nil {
			opts = firestorecrm.Options{AppendToOpenRecord: cs.AppendToOpenRecord, MinConsumerMessages: cs.MinConsumerMessages}
		}
		return name, firestorecrm.New(a.fs, opts), nil
	case config.CRMWebhook:
		if a.env.CRMWebhookSecret == "" {
			return name, nil, errors.New("the webhook CRM needs SMSDESK_CRM_WEBHOOK_SECRET to sign its requests")
		}
		c := webhook.New(cs.WebhookURL, a.env.CRMWebhookSecret)
		c.Ledger = firestorecrm.NewLedger(a.fs)
		return name, c, nil
	case config.CRMHubSpot:
		if a.env.HubSpotToken == "" || a.env.HubSpotToken == config.SecretUnset {
			return name, nil, errors.New("the HubSpot CRM needs SMSDESK_HUBSPOT_TOKEN (a private app token)")
		}
		c := hubspot.New(a.env.HubSpotToken, firestorecrm.NewLedger(a.fs))
		c.BaseURL = a.env.HubSpotAPIURL
		return name, c, nil
	}
	return name, nil, fmt.Errorf("unknown CRM adapter %q in the settings", name)
}

// consoleLink is where people of the business open a kept media object: the Cloud console's
// authenticated download, which needs their own access to the bucket, and never expires.
func consoleLink(bucket string) func(string) string {
	return func(object string) string {
		return "https://storage.cloud.google.com/" + bucket + "/" + (&url.URL{Path: object}).EscapedPath()
	}
}
