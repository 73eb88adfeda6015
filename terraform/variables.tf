variable "project_id" {
  description = "ID of the Google Cloud project smsdesk is deployed into (billing enabled)."
  type        = string
}

variable "region" {
  description = "Region of the functions, the source bucket and (unless firestore_location is set) Firestore."
  type        = string
  default     = "us-central1"
}

variable "name_prefix" {
  description = "Prefix of the service accounts and the source bucket. Function names carry no prefix: they must equal the entry points registered in entrypoints.go, because each function's public URL is public_url/<name>."
  type        = string
  default     = "smsdesk"

  validation {
    # Service account ids are at most 30 characters; the longest is "<prefix>-conversation".
    condition     = can(regex("^[a-z][a-z0-9-]{1,16}$", var.name_prefix))
    error_message = "name_prefix must be 2-17 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "public_url" {
  description = "Base URL the carrier calls, without a trailing slash; each function is at public_url/<name>. Empty means the functions' own https://REGION-PROJECT.cloudfunctions.net. Set it only when a load balancer or custom domain fronts the functions with the same /<name> paths: webhook signatures are checked against exactly this URL."
  type        = string
  default     = ""
}

variable "firestore_location" {
  description = "Firestore location, e.g. nam5 or eur3 (multi-region) or a region. Empty means the region above. It cannot be changed after the database is created."
  type        = string
  default     = ""
}

variable "twilio_account_sid_secret" {
  description = "Secret Manager secret id holding the Twilio Account SID (its value is added by the operator, see README.md)."
  type        = string
  default     = "twilio-account-sid"
}

variable "twilio_auth_token_secret" {
  description = "Secret Manager secret id holding the Twilio Auth Token (its value is added by the operator, see README.md)."
  type        = string
  default     = "twilio-auth-token"
}

variable "timer_secret" {
  description = "Secret Manager secret id holding the key that signs timer deliveries (SMSDESK_TIMER_SECRET); Terraform generates its value."
  type        = string
  default     = "smsdesk-timer-secret"
}

variable "crm_webhook_secret" {
  description = "Secret Manager secret id holding the key that signs the webhook CRM adapter's requests (SMSDESK_CRM_WEBHOOK_SECRET); Terraform generates its value, and the receiver checks X-Smsdesk-Signature with it."
  type        = string
  default     = "smsdesk-crm-webhook-secret"
}

variable "hubspot_token_secret" {
  description = "Secret Manager secret id holding the HubSpot private app token (SMSDESK_HUBSPOT_TOKEN), used when the settings choose the hubspot CRM adapter. Terraform creates it with the placeholder \"unset\"; add the real token as a new version."
  type        = string
  default     = "smsdesk-hubspot-token"
}

variable "delete_carrier_media" {
  description = "Delete each MMS media item at the carrier once its copy is in the media bucket (the carrier otherwise keeps it until deleted)."
  type        = bool
  default     = true
}

variable "function_memory" {
  description = "Memory of each function instance (Cloud Functions 2nd gen notation, e.g. 256M, 512M, 1G)."
  type        = string
  default     = "256M"
}

variable "function_timeout_seconds" {
  description = "Request timeout of each function. For the event functions it is also the push subscription's acknowledgement deadline, so at most 600."
  type        = number
  default     = 60

  validation {
    condition     = var.function_timeout_seconds >= 10 && var.function_timeout_seconds <= 600
    error_message = "function_timeout_seconds must be between 10 and 600 (Pub/Sub's longest acknowledgement deadline)."
  }
}

variable "max_instances" {
  description = "Most instances of each function. It bounds cost and Firestore contention; the sender's also bounds how fast texts reach the carrier."
  type        = number
  default     = 20
}

variable "min_instances" {
  description = "Instances of each function kept warm. 0 costs nothing when idle; 1 on inbound avoids a cold start on the carrier's 15 s webhook timeout (Go starts in about a second, so 0 is usually fine)."
  type        = number
  default     = 0
}

variable "function_overrides" {
  description = "Per-function changes to the settings above, keyed by function name, e.g. { sender = { max_instances = 5 } }."
  type = map(object({
    memory          = optional(string)
    timeout_seconds = optional(number)
    max_instances   = optional(number)
    min_instances   = optional(number)
  }))
  default = {}
}

variable "max_delivery_attempts" {
  description = "Deliveries of one Pub/Sub message to an event function before it goes to the subscription's dead-letter topic (5-100)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}

variable "dead_letter_retention" {
  description = "How long dead-lettered messages wait in their pull subscription for an operator (at most 31 days, 2678400s)."
  type        = string
  default     = "604800s"
}

variable "timer_max_dispatches_per_second" {
  description = "Most timer deliveries per second the Cloud Tasks queue starts (rate_limits.max_dispatches_per_second). 100 is 2.5x the timers due at the peak of a million texts a day (README, Scale on paper); the in-flight limit below still holds expiry to its instances."
  type        = number
  default     = 100
}

variable "timer_max_concurrent_dispatches" {
  description = "Most timer deliveries in flight at once. Each expiry instance serves one request at a time, so more than expiry's max_instances only yields retried 429s."
  type        = number
  default     = 20
}

variable "timer_max_attempts" {
  description = "Deliveries of one timer before Cloud Tasks drops it (-1: unlimited); the sweeper fires a dropped timer's deadline anyway."
  type        = number
  default     = 10
}

variable "timer_min_backoff" {
  description = "Wait before the first retry of a failed timer delivery (a duration in seconds, e.g. 5s)."
  type        = string
  default     = "5s"
}

variable "timer_max_backoff" {
  description = "Longest wait between retries of a timer delivery (e.g. 300s)."
  type        = string
  default     = "300s"
}

variable "sweep_schedule" {
  description = "When Cloud Scheduler runs the sweeper (cron syntax, UTC)."
  type        = string
  default     = "*/5 * * * *"
}

variable "sweep_grace" {
  description = "SMSDESK_SWEEP_GRACE: how long after a deadline the sweeper leaves its timer to arrive before firing it itself (a Go duration, e.g. 2m)."
  type        = string
  default     = "2m"
}

variable "status_recheck" {
  description = "SMSDESK_STATUS_RECHECK: how long after the carrier took a message the sweeper asks the carrier for its status if no final status arrived (again at 6x and 72x; a Go duration; 0 never asks)."
  type        = string
  default     = "10m"
}

variable "media_retention_days" {
  description = "Days consumers' MMS media stay in the media bucket before they are deleted."
  type        = number
  default     = 365
}

variable "console_iap_audience" {
  description = "SMSDESK_IAP_AUDIENCE: the IAP audience /projects/NUMBER/global/backendServices/ID of the load balancer in front of the console; empty turns IAP sign-in off."
  type        = string
  default     = ""
}
