output "inbound_webhook_url" {
  description = "Paste into the Twilio console: Phone Numbers > your number > Messaging > \"A message comes in\", Webhook, HTTP POST. Exactly this URL: signatures are checked against it."
  value       = "${local.public_url}/inbound"
}

output "inbound_fallback_url" {
  description = "Paste into the Twilio console next to inbound_webhook_url: Phone Numbers > your number > Messaging > \"Primary handler fails\", Webhook, HTTP POST. The carrier calls it when the webhook fails or does not answer in time; it parks the text in Firestore as well as publishing it. Exactly this URL: signatures are checked against it."
  value       = "${local.public_url}/inboundfallback"
}

output "voice_webhook_url" {
  description = "Paste into the Twilio console: Phone Numbers > your number > Voice > \"A call comes in\", Webhook, HTTP POST (and \"Call status changes\" with ?step=status). Exactly this URL: signatures are checked against it."
  value       = "${local.public_url}/voice"
}

output "status_callback_url" {
  description = "Delivery status webhook. The sender sets it on every message it sends (with ?m=...); nothing to paste, shown for reference."
  value       = "${local.public_url}/status"
}

output "agent_api_url" {
  description = "The agent API (bearer tokens from the config file), e.g. GET agent_api_url/me."
  value       = "${local.public_url}/agent"
}

output "console_url" {
  description = "The agents' console: open it in a browser and sign in as an agent."
  value       = "${local.public_url}/console/"
}

output "admin_api_url" {
  description = "The admin API (bearer token of an agent with role admin), e.g. GET admin_api_url/config."
  value       = "${local.public_url}/admin"
}

output "public_url" {
  description = "SMSDESK_PUBLIC_URL: the base every function is served under as /<name>."
  value       = local.public_url
}

output "dead_letter_subscriptions" {
  description = "Pull subscriptions holding messages an event function failed on max_delivery_attempts times."
  value       = { for name, s in google_pubsub_subscription.dead_letter : name => s.name }
}

output "timer_queue" {
  description = "The Cloud Tasks queue of the chat timers (SMSDESK_TASKS_QUEUE), e.g. for gcloud tasks list --queue=NAME."
  value       = local.timer_queue_id
}

output "sweeper_job" {
  description = "The Cloud Scheduler job that runs the sweeper; gcloud scheduler jobs run NAME --location=REGION runs it now."
  value       = google_cloud_scheduler_job.sweeper.name
}

output "function_service_accounts" {
  description = "The service account each function runs as."
  value       = { for name, sa in google_service_account.function : name => sa.email }
}

output "media_bucket" {
  description = "Bucket holding consumers' MMS media (private; agents get signed URLs)."
  value       = google_storage_bucket.media.name
}

output "outbound_api_url" {
  description = "The outbound SMS API (API keys from the config file, or agent tokens), e.g. POST outbound_api_url/messages."
  value       = "${local.public_url}/outbound"
}

output "crm_secrets" {
  description = "Secret Manager secrets of the CRM adapters: the webhook signing key (read it for the receiver with gcloud secrets versions access latest --secret=NAME) and the HubSpot token (add it with gcloud secrets versions add NAME --data-file=-)."
  value = {
    webhook_signing_key = google_secret_manager_secret.crm_webhook.secret_id
    hubspot_token       = google_secret_manager_secret.hubspot.secret_id
  }
}
